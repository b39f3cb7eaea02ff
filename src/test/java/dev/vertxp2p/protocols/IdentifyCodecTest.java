package dev.vertxp2p.protocols;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.IdentifyMessage.IdentifyException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class IdentifyCodecTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  @Test
  void encodingFollowsTheSchemaInFieldNumberOrder() {
    IdentifyMessage m = new IdentifyMessage("p/1", "a/2", new byte[] {1}, List.of(new byte[] {2}),
        new byte[] {3}, List.of("/x"), new byte[] {4});
    assertEquals("0a0101" // publicKey = 01
            + "120102" // listenAddrs = 02
            + "1a022f78" // protocols = "/x"
            + "220103" // observedAddr = 03
            + "2a03702f31" // protocolVersion = "p/1"
            + "3203612f32" // agentVersion = "a/2"
            + "420104", // signedPeerRecord = 04
        hex(IdentifyCodec.encode(m)));
  }

  @Test
  void absentFieldsAreNullOrEmpty() {
    IdentifyMessage m = IdentifyCodec.decode(new byte[0]);
    assertNull(m.protocolVersion());
    assertNull(m.agentVersion());
    assertNull(m.publicKey());
    assertEquals(List.of(), m.listenAddrs());
    assertNull(m.observedAddr());
    assertEquals(List.of(), m.protocols());
    assertNull(m.signedPeerRecord());
    assertEquals(0, IdentifyCodec.encode(m).length);
  }

  @Test
  void emptyButPresentFieldsStayPresent() {
    IdentifyMessage m = IdentifyCodec.decode(hex("0a00" + "3200"));
    assertArrayEquals(new byte[0], m.publicKey());
    assertEquals("", m.agentVersion());
    assertEquals("0a00" + "3200", hex(IdentifyCodec.encode(m)));
  }

  @Test
  void unknownFieldsAreSkipped() {
    IdentifyMessage m = IdentifyCodec.decode(hex(
        "3807" // field 7, varint: skipped
            + "4a02abcd" // field 9, bytes: skipped
            + "1a022f78")); // protocols = "/x"
    assertEquals(List.of("/x"), m.protocols());
  }

  @Test
  void knownFieldWithWrongWireTypeIsRejected() {
    IdentifyException e = assertThrows(IdentifyException.class,
        () -> IdentifyCodec.decode(hex("1a022f78" + "1005"))); // listenAddrs as the varint 5
    assertEquals("expected identify field listenAddrs as a length-delimited field, got wire type 0",
        e.getMessage());
    e = assertThrows(IdentifyException.class,
        () -> IdentifyCodec.decode(hex("2501020304"))); // observedAddr as a fixed32
    assertEquals(
        "expected identify field observedAddr as a length-delimited field, got wire type 5",
        e.getMessage());
  }

  @Test
  void malformedBytesRaiseIdentifyException() {
    for (String bad : new String[] {"0a0501", "0a", "ff", "0b", "0a8080808080808080808001"}) {
      IdentifyException e =
          assertThrows(IdentifyException.class, () -> IdentifyCodec.decode(hex(bad)), bad);
      assertTrue(e.getMessage().startsWith("expected an Identify protobuf, got malformed bytes: "),
          e.getMessage());
    }
  }

  @Test
  void stringsThatAreNotUtf8AreReadLeniently() {
    IdentifyMessage m = IdentifyCodec.decode(hex("3203" + "61ff62")); // agentVersion "a\xffb"
    assertEquals("a\ufffdb", m.agentVersion());
  }

  @Test
  void messageSizeBound() {
    // signedPeerRecord of n bytes takes 1 (tag) + 3 (length) + n bytes.
    IdentifyMessage inside = IdentifyCodec.decode(withRecordOf(65532));
    assertEquals(65532, inside.signedPeerRecord().length);
    byte[] over = withRecordOf(65533);
    assertEquals(65537, over.length);
    IdentifyException e = assertThrows(IdentifyException.class, () -> IdentifyCodec.decode(over));
    assertEquals("expected an identify message of at most 65536 bytes, got 65537 bytes",
        e.getMessage());
  }

  private static byte[] withRecordOf(int n) {
    byte[] record = new byte[n];
    Arrays.fill(record, (byte) 0x5a);
    return IdentifyCodec.encode(
        new IdentifyMessage(null, null, null, List.of(), null, List.of(), record));
  }

  @Property(tries = 200)
  void roundTrip(
      @ForAll @StringLength(max = 20) String agent,
      @ForAll @Size(max = 40) byte[] key,
      @ForAll @Size(max = 4) List<@Size(max = 20) byte[]> addrs,
      @ForAll @Size(max = 5) List<@StringLength(min = 1, max = 20) String> protocols) {
    // Strings with unpaired surrogates cannot be encoded as UTF-8; keep to those that can.
    // Protocol ids are never empty (the decoder refuses an empty one).
    String version = new String(agent.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    List<String> protos = protocols.stream()
        .map(p -> new String(p.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
        .toList();
    IdentifyMessage m = new IdentifyMessage("ipfs/0.1.0", version, key, addrs, null, protos, null);
    IdentifyMessage back = IdentifyCodec.decode(IdentifyCodec.encode(m));
    assertEquals("ipfs/0.1.0", back.protocolVersion());
    assertEquals(version, back.agentVersion());
    assertArrayEquals(key, back.publicKey());
    assertEquals(addrs.size(), back.listenAddrs().size());
    for (int i = 0; i < addrs.size(); i++) {
      assertArrayEquals(addrs.get(i), back.listenAddrs().get(i));
    }
    assertNull(back.observedAddr());
    assertEquals(protos, back.protocols());
    assertNull(back.signedPeerRecord());
  }

  @Property(tries = 300)
  void arbitraryBytesEitherDecodeOrThrowIdentifyException(@ForAll @Size(max = 200) byte[] junk) {
    try {
      IdentifyCodec.decode(junk);
    } catch (IdentifyException expected) {
      // the only failure allowed
    }
  }
}
