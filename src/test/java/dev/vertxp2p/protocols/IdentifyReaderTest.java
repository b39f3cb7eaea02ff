package dev.vertxp2p.protocols;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.IdentifyMessage.IdentifyException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sans-IO identify reader: framing, merging, and every bound, without a stream. */
class IdentifyReaderTest {

  static IdentifyMessage protocols(List<String> protocols) {
    return new IdentifyMessage(null, null, null, List.of(), null, protocols, null);
  }

  static byte[] framed(IdentifyMessage... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (IdentifyMessage m : parts) {
      out.writeBytes(LengthPrefixed.frame(IdentifyCodec.encode(m)));
    }
    return out.toByteArray();
  }

  private static IdentifyMessage read(byte[] wire, int chunk) {
    IdentifyReader reader = new IdentifyReader();
    for (int i = 0; i < wire.length; i += chunk) {
      reader.feed(Arrays.copyOfRange(wire, i, Math.min(wire.length, i + chunk)));
    }
    return reader.finish();
  }

  private static IdentifyException refused(byte[] wire) {
    return assertThrows(IdentifyException.class, () -> read(wire, 4096));
  }

  @Test
  void partsMergeInOrderWhateverTheChunking() {
    IdentifyMessage a = new IdentifyMessage("ipfs/0.1.0", "a/1", null,
        List.of(new byte[] {4, 127, 0, 0, 1}), null, List.of("/a/1", "/b/1"), null);
    IdentifyMessage b = new IdentifyMessage(null, "b/2", null, List.of(), null,
        List.of("/c/1"), new byte[] {9});
    byte[] wire = framed(a, b);
    for (int chunk : new int[] {1, 3, wire.length}) {
      IdentifyMessage m = read(wire, chunk);
      assertEquals("ipfs/0.1.0", m.protocolVersion());
      assertEquals("b/2", m.agentVersion(), "a later part's field replaces an earlier one's");
      assertEquals(List.of("/a/1", "/b/1", "/c/1"), m.protocols());
      assertEquals(1, m.listenAddrs().size());
      assertEquals(1, m.signedPeerRecord().length);
    }
  }

  @Test
  void tenMessagesAreReadAnEleventhIsRefused() {
    IdentifyMessage[] ten = new IdentifyMessage[IdentifyMessage.MAX_MESSAGES_PER_STREAM];
    for (int i = 0; i < ten.length; i++) {
      ten[i] = protocols(List.of("/p/" + i));
    }
    assertEquals(10, read(framed(ten), 7).protocols().size());

    IdentifyMessage[] eleven = Arrays.copyOf(ten, 11);
    eleven[10] = protocols(List.of("/p/10"));
    IdentifyException e = refused(framed(eleven));
    assertEquals("maxMessagesPerStream", e.limit());
    assertEquals("identify limit maxMessagesPerStream: expected the stream to end after at most 10"
        + " messages, got more bytes after message 10", e.getMessage());
  }

  @Test
  void theEleventhMessageIsRefusedAtItsFirstByteNotBuffered() {
    IdentifyMessage[] ten = new IdentifyMessage[10];
    Arrays.fill(ten, protocols(List.of("/p")));
    IdentifyReader reader = new IdentifyReader();
    reader.feed(framed(ten));
    assertEquals(10, reader.messages());
    IdentifyException e = assertThrows(IdentifyException.class, () -> reader.feed(new byte[] {1}));
    assertEquals("maxMessagesPerStream", e.limit());
    assertTrue(reader.isFailed());
    // terminal: the same error again, nothing more read
    assertSame(e, assertThrows(IdentifyException.class, () -> reader.feed(new byte[] {0})));
    assertSame(e, assertThrows(IdentifyException.class, reader::finish));
  }

  @Test
  void thirtyTwoThousandEmptyProtocolsAreRefused() {
    // field 3 (protocols), length 0: two bytes an entry, 32,000 entries in one 64,000-byte message
    byte[] body = new byte[64_000];
    for (int i = 0; i < body.length; i += 2) {
      body[i] = 0x1a;
    }
    IdentifyException e = refused(LengthPrefixed.frame(body));
    assertEquals("maxProtocols", e.limit());
    assertEquals("identify limit maxProtocols: expected at most 1024 protocols in an identify"
        + " message, got 32000", e.getMessage());
  }

  @Test
  void anEmptyProtocolIdIsRefused() {
    IdentifyException e = refused(framed(protocols(List.of("/a", "", "/b"))));
    assertNull(e.limit(), "malformed, not over a bound");
    assertEquals("expected a non-empty protocol id in identify, got an empty one at index 1",
        e.getMessage());
  }

  @Test
  void protocolsPerMessageAndPerStreamAreBounded() {
    List<String> max = names("/p/", IdentifyMessage.MAX_PROTOCOLS);
    assertEquals(1024, read(framed(protocols(max)), 4096).protocols().size());
    List<String> over = names("/p/", IdentifyMessage.MAX_PROTOCOLS + 1);
    assertEquals("maxProtocols", refused(framed(protocols(over))).limit());

    // each part within the bound, the merge over it
    IdentifyMessage part = protocols(names("/q/", 600));
    IdentifyException e = refused(framed(part, part));
    assertEquals("identify limit maxProtocols: expected at most 1024 protocols in a merged identify"
        + " message, got 1200", e.getMessage());
  }

  @Test
  void protocolIdLengthIsBounded() {
    String longest = "/" + "x".repeat(IdentifyMessage.MAX_PROTOCOL_LENGTH - 1);
    assertEquals(List.of(longest), read(framed(protocols(List.of(longest))), 4096).protocols());
    IdentifyException e = refused(framed(protocols(List.of("/a", longest + "x"))));
    assertEquals("identify limit maxProtocolLength: expected protocol ids of at most 1023 bytes in"
        + " identify, got 1024 bytes at index 1", e.getMessage());
  }

  @Test
  void protocolIdLengthIsCountedInWireBytes() {
    // 512 two-byte chars: 1024 bytes on the wire, over the bound though only 512 chars
    String wide = "é".repeat(512);
    assertEquals("maxProtocolLength", refused(framed(protocols(List.of(wide)))).limit());
  }

  @Test
  void theLongestProtocolIdStillFitsAMultistreamLine() {
    assertEquals(dev.vertxp2p.proto.multistream.Multistream.MAX_MESSAGE_SIZE - 1,
        IdentifyMessage.MAX_PROTOCOL_LENGTH);
  }

  @Test
  void listenAddressesPerMessageAndPerStreamAreBounded() {
    List<byte[]> max = addrs(IdentifyMessage.MAX_LISTEN_ADDRS, 8);
    assertEquals(500, read(framed(listen(max)), 4096).listenAddrs().size());
    assertEquals("maxListenAddrs", refused(framed(listen(addrs(501, 8)))).limit());
    IdentifyException e = refused(framed(listen(addrs(300, 8)), listen(addrs(300, 8))));
    assertEquals("identify limit maxListenAddrs: expected at most 500 listen addresses in a merged"
        + " identify message, got 600", e.getMessage());
  }

  @Test
  void theMergedMessageHoldsNoMoreThanOneMessageMay() {
    // ten parts of 10 KB each: every one fits a message, together they are 100 KB
    IdentifyMessage part = listen(addrs(10, 1000));
    IdentifyMessage[] ten = new IdentifyMessage[10];
    Arrays.fill(ten, part);
    IdentifyException e = refused(framed(ten));
    assertEquals("maxMergedSize", e.limit());
    assertTrue(e.getMessage().startsWith("identify limit maxMergedSize: expected a merged identify"
        + " message of at most 65536 bytes and chars, got "), e.getMessage());

    // a field a later part replaces does not count twice
    byte[] big = new byte[40_000];
    IdentifyMessage record = new IdentifyMessage(null, null, null, List.of(), null, List.of(), big);
    assertEquals(40_000, read(framed(record, record), 4096).contentSize());
  }

  @Test
  void mergeOfTwoValuesRespectsTheBoundsToo() {
    IdentifyMessage part = protocols(names("/m/", 600));
    IdentifyException e = assertThrows(IdentifyException.class, () -> part.merge(part));
    assertEquals("maxProtocols", e.limit());
  }

  @Test
  void anOversizeLengthPrefixIsRefusedBeforeBuffering() {
    // varint 65537: one byte over the message bound
    IdentifyException e = refused(new byte[] {(byte) 0x81, (byte) 0x80, 0x04});
    assertEquals("expected a varint-length-prefixed identify message, got: message length 65537"
        + " exceeds the limit of 65536 bytes", e.getMessage());
  }

  @Test
  void aStreamEndingInsideAMessageOrWithoutOneIsRefused() {
    byte[] wire = framed(protocols(List.of("/a")));
    IdentifyReader partial = new IdentifyReader();
    partial.feed(Arrays.copyOf(wire, wire.length - 1));
    assertEquals("expected the identify stream to end between messages, it ended inside one",
        assertThrows(IdentifyException.class, partial::finish).getMessage());
    assertEquals("expected an identify message, the stream ended without one",
        assertThrows(IdentifyException.class, new IdentifyReader()::finish).getMessage());
  }

  /** The reader and codec are pure: the fuzz target drives them without Vert.x. */
  @Test
  void readerAndCodecImportNoVertx() {
    noClasses().should().dependOnClassesThat()
        .resideInAnyPackage("io.vertx..", "io.netty..", "java.net..")
        .check(new ClassFileImporter().importClasses(IdentifyReader.class, IdentifyCodec.class,
            LengthPrefixed.class, LengthPrefixed.Reader.class, IdentifyMessage.class,
            IdentifyMessage.Merger.class));
  }

  static List<String> names(String prefix, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(prefix + i);
    }
    return out;
  }

  static List<byte[]> addrs(int n, int size) {
    return new ArrayList<>(Collections.nCopies(n, new byte[size]));
  }

  static IdentifyMessage listen(List<byte[]> addrs) {
    return new IdentifyMessage(null, null, null, addrs, null, List.of(), null);
  }
}
