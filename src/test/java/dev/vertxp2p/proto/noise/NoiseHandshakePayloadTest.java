package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class NoiseHandshakePayloadTest {
  @Property(tries = 300)
  void roundTrip(
      @ForAll @Size(max = 100) byte[] key,
      @ForAll @Size(max = 100) byte[] sig,
      @ForAll @Size(max = 4) List<@Size(max = 40) byte[]> hashes,
      @ForAll @Size(max = 5) List<@StringLength(max = 30) String> muxers,
      @ForAll boolean extensions) {
    NoiseHandshakePayload p = new NoiseHandshakePayload(key, sig, hashes, muxers, extensions);
    byte[] wire = p.encode();
    NoiseHandshakePayload back = NoiseHandshakePayload.decode(wire, 0, wire.length);
    assertArrayEquals(key, back.identityKey());
    assertArrayEquals(sig, back.identitySig());
    assertEquals(muxers, back.streamMuxers());
    assertEquals(hashes.size(), back.webtransportCerthashes().size());
    for (int i = 0; i < hashes.size(); i++) {
      assertArrayEquals(hashes.get(i), back.webtransportCerthashes().get(i));
    }
    assertEquals(p.hasExtensions(), back.hasExtensions());
  }

  @Property(tries = 300)
  void arbitraryBytesEitherDecodeOrThrowNoiseException(@ForAll @Size(max = 200) byte[] junk) {
    try {
      NoiseHandshakePayload.decode(junk, 0, junk.length);
    } catch (NoiseException expected) {
      // the only failure allowed
    }
  }

  @Test
  void encodingFollowsProtobufWireFormat() {
    byte[] wire =
        NoiseHandshakePayload.of(new byte[] {1, 2}, new byte[] {3}, List.of("/yamux/1.0.0"))
            .encode();
    // field 1 len 2; field 2 len 1; field 4 len 14 { field 2 len 12 "/yamux/1.0.0" }
    assertEquals(
        "0a020102" + "120103" + "220e" + "120c" + Hex.encode("/yamux/1.0.0".getBytes()),
        Hex.encode(wire));
  }

  @Test
  void unknownFieldsAreSkipped() {
    byte[] ok =
        Hex.decode(
            "0a0101" // identity_key = 01
                + "1a03aabbcc" // field 3 (the retired libp2p_data): skipped
                + "2807" // field 5, varint: skipped
                + "120102" // identity_sig = 02
                + "2207" // extensions, 7 bytes:
                + "1801" //   field 3, varint: skipped
                + "12032f6d78" //   stream_muxers "/mx"
                + "3d01020304"); // field 7, fixed32: skipped
    NoiseHandshakePayload p = NoiseHandshakePayload.decode(ok, 0, ok.length);
    assertArrayEquals(new byte[] {1}, p.identityKey());
    assertArrayEquals(new byte[] {2}, p.identitySig());
    assertEquals(List.of("/mx"), p.streamMuxers());
    assertTrue(p.hasExtensions());
  }

  @Test
  void knownFieldWithWrongWireTypeIsRejected() {
    byte[] wire = Hex.decode("0801"); // identity_key as a varint
    NoiseException e =
        assertThrows(NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, 2));
    assertTrue(e.getMessage().contains("wire type 0"), e.getMessage());
  }

  @Test
  void oversizeLengthIsRejectedBeforeReading() {
    // identity_key announcing 4097 bytes, with none following.
    byte[] wire = Hex.decode("0a8120");
    NoiseException e =
        assertThrows(NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, 3));
    assertTrue(e.getMessage().contains("at most 4096"), e.getMessage());
  }

  @Test
  void truncatedFieldIsRejected() {
    byte[] wire = Hex.decode("0a0501");
    assertThrows(NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, 3));
  }

  @Test
  void tooManyMuxersAreRejected() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= NoiseHandshakePayload.MAX_STREAM_MUXERS; i++) {
      many.add("/m/" + i);
    }
    byte[] wire = new NoiseHandshakePayload(null, null, List.of(), many, true).encode();
    NoiseException e =
        assertThrows(NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, wire.length));
    assertTrue(e.getMessage().contains("stream_muxers"), e.getMessage());
  }

  @Test
  void invalidUtf8MuxerIsRejected() {
    byte[] wire = Hex.decode("2203" + "1201ff");
    assertThrows(NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, wire.length));
  }

  @Test
  void emptyPayloadDecodesAsEmpty() {
    NoiseHandshakePayload p = NoiseHandshakePayload.decode(new byte[0], 0, 0);
    assertEquals(0, p.identityKey().length);
    assertEquals(List.of(), p.streamMuxers());
    assertFalse(p.hasExtensions());
  }
}
