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
    assertEquals("expected identity_key as a length-delimited field, got wire type 0",
        e.getMessage());
  }

  @Test
  void lengthBeyondTheInputIsMalformed() {
    // identity_key announcing 4097 bytes, with none following: the parse fails, not a bound.
    byte[] wire = Hex.decode("0a8120");
    NoiseException e =
        assertThrows(NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, 3));
    assertTrue(e.getMessage().startsWith(
        "expected a NoiseHandshakePayload protobuf, got malformed bytes: "), e.getMessage());
  }

  @Test
  void truncatedFieldIsRejected() {
    byte[] wire = Hex.decode("0a0501");
    assertThrows(NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, 3));
  }

  @Test
  void knownExtensionsFieldWithWrongWireTypeIsRejected() {
    byte[] wire = Hex.decode("2202" + "1007"); // extensions { stream_muxers as the varint 7 }
    NoiseException e = assertThrows(
        NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, wire.length));
    assertEquals("expected stream_muxers as a length-delimited field, got wire type 0",
        e.getMessage());
  }

  // --- each bound: one value just inside is accepted, one just over is rejected and named

  @Test
  void identityKeyBound() {
    NoiseHandshakePayload inside = roundTrip(payload(new byte[4096], null, List.of(), List.of()));
    assertEquals(4096, inside.identityKey().length);
    assertEquals("expected identity_key of at most 4096 bytes, got 4097 bytes",
        rejection(payload(new byte[4097], null, List.of(), List.of())));
  }

  @Test
  void identitySigBound() {
    NoiseHandshakePayload inside = roundTrip(payload(null, new byte[2048], List.of(), List.of()));
    assertEquals(2048, inside.identitySig().length);
    assertEquals("expected identity_sig of at most 2048 bytes, got 2049 bytes",
        rejection(payload(null, new byte[2049], List.of(), List.of())));
  }

  @Test
  void certhashCountBound() {
    NoiseHandshakePayload inside = roundTrip(payload(null, null, hashes(64, 34), List.of()));
    assertEquals(64, inside.webtransportCerthashes().size());
    assertEquals("expected at most 64 webtransport_certhashes, got 65",
        rejection(payload(null, null, hashes(65, 34), List.of())));
  }

  @Test
  void certhashLengthBound() {
    NoiseHandshakePayload inside = roundTrip(payload(null, null, hashes(1, 1024), List.of()));
    assertEquals(1024, inside.webtransportCerthashes().get(0).length);
    assertEquals("expected webtransport_certhash of at most 1024 bytes, got 1025 bytes",
        rejection(payload(null, null, hashes(1, 1025), List.of())));
  }

  @Test
  void streamMuxerCountBound() {
    NoiseHandshakePayload inside = roundTrip(payload(null, null, List.of(), muxers(100)));
    assertEquals(100, inside.streamMuxers().size());
    assertEquals("/m/99", inside.streamMuxers().get(99));
    assertEquals("expected at most 100 stream_muxers, got 101",
        rejection(payload(null, null, List.of(), muxers(101))));
  }

  @Test
  void streamMuxerLengthBound() {
    String longest = "/" + "m".repeat(1023);
    NoiseHandshakePayload inside = roundTrip(payload(null, null, List.of(), List.of(longest)));
    assertEquals(List.of(longest), inside.streamMuxers());
    assertEquals("expected stream_muxer of at most 1024 bytes, got 1025 bytes",
        rejection(payload(null, null, List.of(), List.of(longest + "m"))));
  }

  @Test
  void streamMuxerLengthCountsUtf8Bytes() {
    // 512 two-byte characters are 1024 bytes: inside. One more ASCII byte is over.
    String twoByteChars = "\u00e9".repeat(512);
    assertEquals(List.of(twoByteChars),
        roundTrip(payload(null, null, List.of(), List.of(twoByteChars))).streamMuxers());
    assertEquals("expected stream_muxer of at most 1024 bytes, got 1025 bytes",
        rejection(payload(null, null, List.of(), List.of(twoByteChars + "m"))));
  }

  private static NoiseHandshakePayload payload(
      byte[] key, byte[] sig, List<byte[]> hashes, List<String> muxers) {
    return new NoiseHandshakePayload(key, sig, hashes, muxers, false);
  }

  private static NoiseHandshakePayload roundTrip(NoiseHandshakePayload payload) {
    byte[] wire = payload.encode();
    return NoiseHandshakePayload.decode(wire, 0, wire.length);
  }

  private static String rejection(NoiseHandshakePayload payload) {
    byte[] wire = payload.encode();
    return assertThrows(
            NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, wire.length))
        .getMessage();
  }

  private static List<byte[]> hashes(int count, int length) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new byte[length]);
    }
    return out;
  }

  private static List<String> muxers(int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add("/m/" + i);
    }
    return out;
  }

  @Test
  void invalidUtf8MuxerIsRejected() {
    byte[] wire = Hex.decode("2203" + "1201ff");
    NoiseException e = assertThrows(
        NoiseException.class, () -> NoiseHandshakePayload.decode(wire, 0, wire.length));
    assertEquals("expected a UTF-8 stream_muxer, got invalid UTF-8", e.getMessage());
  }

  @Test
  void emptyPayloadDecodesAsEmpty() {
    NoiseHandshakePayload p = NoiseHandshakePayload.decode(new byte[0], 0, 0);
    assertEquals(0, p.identityKey().length);
    assertEquals(List.of(), p.streamMuxers());
    assertFalse(p.hasExtensions());
  }
}
