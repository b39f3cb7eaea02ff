package dev.vertxp2p.proto.multistream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MultistreamTest {

  // Vectors written out by hand from the multistream-select README: varint length (newline
  // included), the UTF-8 text, '\n'.
  static final byte[] HEADER = concat(new byte[] {0x13}, ascii("/multistream/1.0.0\n"));
  static final byte[] NA = {0x03, 0x6e, 0x61, 0x0a};
  static final byte[] LS = {0x03, 0x6c, 0x73, 0x0a};

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] line(String s) {
    byte[] text = ascii(s + "\n");
    return concat(new byte[] {(byte) text.length}, text);
  }

  static void feed(MultistreamNegotiator n, byte[] bytes) {
    n.receive(bytes, 0, bytes.length);
  }

  @Test
  void encodesTheSpecVectors() {
    assertEquals(20, HEADER.length);
    assertArrayEquals(HEADER, Multistream.encodeMessage("/multistream/1.0.0"));
    assertArrayEquals(NA, Multistream.encodeMessage("na"));
    assertArrayEquals(LS, Multistream.encodeMessage("ls"));
  }

  @Test
  void longLineGetsATwoByteLength() {
    String p = "/" + "x".repeat(199); // 200 chars + '\n' = 201 = 0xC9 0x01
    byte[] framed = Multistream.encodeMessage(p);
    assertEquals((byte) 0xC9, framed[0]);
    assertEquals(0x01, framed[1]);
    assertEquals(2 + 201, framed.length);
    assertEquals('\n', framed[framed.length - 1]);
  }

  @Test
  void initiatorSendsHeaderAndFirstProposalTogether() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/noise", "/tls/1.0.0"));
    assertArrayEquals(concat(HEADER, line("/noise")), i.pollOutbound());
    assertNull(i.pollOutbound());
    assertFalse(i.isDone());
    assertNull(i.selected());
  }

  @Test
  void responderSendsItsHeaderFirst() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    assertArrayEquals(HEADER, r.pollOutbound());
    assertNull(r.pollOutbound());
  }

  @Test
  void firstChoiceAcceptedInOneRoundTrip() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/yamux/1.0.0", "/mplex/6.7.0"));
    MultistreamResponder r = new MultistreamResponder(List.of("/mplex/6.7.0", "/yamux/1.0.0"));
    feed(r, i.pollOutbound());
    assertTrue(r.isDone());
    assertEquals("/yamux/1.0.0", r.selected());
    assertArrayEquals(concat(HEADER, line("/yamux/1.0.0")), r.pollOutbound());
    feed(i, concat(HEADER, line("/yamux/1.0.0")));
    assertTrue(i.isDone());
    assertEquals("/yamux/1.0.0", i.selected());
    assertEquals(0, i.leftover().length);
    assertEquals(0, r.leftover().length);
  }

  @Test
  void naMovesToTheNextProposal() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/tls/1.0.0", "/noise"));
    MultistreamResponder r = new MultistreamResponder(Set.of("/noise"));
    feed(r, i.pollOutbound());
    assertFalse(r.isDone());
    byte[] answer = r.pollOutbound();
    assertArrayEquals(concat(HEADER, NA), answer);
    feed(i, answer);
    assertFalse(i.isDone());
    byte[] second = i.pollOutbound();
    assertArrayEquals(line("/noise"), second);
    feed(r, second);
    assertTrue(r.isDone());
    feed(i, r.pollOutbound());
    assertEquals("/noise", i.selected());
  }

  @Test
  void exhaustedProposalsNameEveryProtocol() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/a/1", "/b/2"));
    i.pollOutbound();
    feed(i, concat(HEADER, NA));
    assertArrayEquals(line("/b/2"), i.pollOutbound());
    NoProtocolSupportedException e =
        assertThrows(NoProtocolSupportedException.class, () -> feed(i, NA));
    assertEquals(List.of("/a/1", "/b/2"), e.proposed());
    assertTrue(e.getMessage().contains("/a/1") && e.getMessage().contains("/b/2"), e.getMessage());
    assertTrue(i.isFailed());
    assertFalse(i.isDone());
    assertThrows(MultistreamException.class, () -> feed(i, NA));
  }

  @Test
  void responderKeepsDataPipelinedAfterTheProposal() {
    MultistreamResponder r = new MultistreamResponder(List.of("/echo/1.0.0"));
    byte[] app = ascii("first application bytes");
    feed(r, concat(HEADER, line("/echo/1.0.0"), app));
    assertTrue(r.isDone());
    assertArrayEquals(app, r.leftover());
    assertThrows(IllegalStateException.class, () -> feed(r, new byte[] {1}));
  }

  @Test
  void initiatorKeepsDataPipelinedAfterTheEcho() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/noise"));
    byte[] app = {0, 32, 1, 2, 3, (byte) 0xFF};
    byte[] inbound = concat(HEADER, line("/noise"), app);
    // Split mid-echo: the leftover must still be exactly the bytes after it.
    i.receive(inbound, 0, 25);
    assertFalse(i.isDone());
    i.receive(inbound, 25, inbound.length - 25);
    assertTrue(i.isDone());
    assertArrayEquals(app, i.leftover());
  }

  @Test
  void lsIsAnsweredWithTheNestedList() {
    MultistreamResponder r = new MultistreamResponder(List.of("/a", "/bc"));
    r.pollOutbound();
    feed(r, concat(HEADER, LS));
    // One message: [len 3]"/a\n" [len 4]"/bc\n" then '\n'; 4 + 5 + 1 = 10 bytes of body.
    byte[] expected = concat(new byte[] {10, 3}, ascii("/a\n"), new byte[] {4}, ascii("/bc\n"), ascii("\n"));
    assertArrayEquals(expected, r.pollOutbound());
    assertFalse(r.isDone());
    feed(r, line("/bc"));
    assertEquals("/bc", r.selected());
  }

  @Test
  void predicateResponderAcceptsFamilies() {
    MultistreamResponder r =
        new MultistreamResponder(p -> p.startsWith("/ipfs/id/"), List.of("/ipfs/id/1.0.0"));
    feed(r, concat(HEADER, line("/ipfs/id/push/1.0.0")));
    assertEquals("/ipfs/id/push/1.0.0", r.selected());
  }

  @Test
  void responderNeverAcceptsControlWords() {
    MultistreamResponder r = new MultistreamResponder(p -> true, List.of());
    r.pollOutbound();
    feed(r, concat(HEADER, NA, line("/multistream/1.0.0")));
    assertFalse(r.isDone());
    assertArrayEquals(concat(NA, NA), r.pollOutbound());
  }

  // ---------------------------------------------------------------- malformed input

  @Test
  void garbageBeforeTheHeaderIsRefusedAtOnce() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    // 'G' = 71 as a length: not the 20-byte header, refused before anything is buffered.
    MultistreamException e =
        assertThrows(MultistreamException.class, () -> feed(r, ascii("GET / HTTP/1.1\r\n")));
    assertTrue(e.getMessage().contains("header"), e.getMessage());
    assertTrue(r.isFailed());
    assertThrows(MultistreamException.class, () -> feed(r, HEADER));
  }

  @Test
  void wrongHeaderIsRefused() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/noise"));
    MultistreamException e =
        assertThrows(MultistreamException.class, () -> feed(i, line("/multistream/2.0.0")));
    assertTrue(e.getMessage().contains("/multistream/2.0.0"), e.getMessage());
  }

  @Test
  void dataBeforeTheHeaderIsRefused() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/noise"));
    assertThrows(MultistreamException.class, () -> feed(i, line("/noise")));
  }

  @Test
  void oversizeLengthIsRefusedBeforeTheBody() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    feed(r, HEADER);
    // 1025 = 0x81 0x08: only the prefix is sent, the refusal must not wait for the body.
    MultistreamException e =
        assertThrows(MultistreamException.class, () -> feed(r, new byte[] {(byte) 0x81, 0x08}));
    assertTrue(e.getMessage().contains("1024"), e.getMessage());
  }

  @Test
  void hugeLengthIsRefusedFromItsFirstBytes() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    feed(r, HEADER);
    assertThrows(
        MultistreamException.class,
        () -> feed(r, new byte[] {(byte) 0xFF, (byte) 0xFF}));
  }

  @Test
  void messageOfExactlyTheCapIsAccepted() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    r.pollOutbound();
    String p = "/" + "p".repeat(Multistream.MAX_MESSAGE_SIZE - 2);
    byte[] framed = Multistream.encodeMessage(p);
    assertEquals(2 + Multistream.MAX_MESSAGE_SIZE, framed.length);
    feed(r, concat(HEADER, framed));
    assertArrayEquals(NA, r.pollOutbound());
  }

  @Test
  void missingNewlineIsRefused() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    feed(r, HEADER);
    assertThrows(MultistreamException.class, () -> feed(r, new byte[] {3, 'n', 'a', 'x'}));
  }

  @Test
  void headerWithoutNewlineIsRefused() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    byte[] bad = HEADER.clone();
    bad[bad.length - 1] = ' ';
    assertThrows(MultistreamException.class, () -> feed(r, bad));
  }

  @Test
  void emptyMessageIsRefused() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    feed(r, HEADER);
    assertThrows(MultistreamException.class, () -> feed(r, new byte[] {0}));
  }

  @Test
  void nonMinimalLengthIsRefused() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    feed(r, HEADER);
    assertThrows(
        MultistreamException.class, () -> feed(r, new byte[] {(byte) 0x83, 0x00, 'n', 'a', '\n'}));
  }

  @Test
  void malformedUtf8IsRefused() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    feed(r, HEADER);
    assertThrows(
        MultistreamException.class, () -> feed(r, new byte[] {3, (byte) 0xC3, (byte) 0x28, '\n'}));
  }

  @Test
  void unexpectedReplyIsRefused() {
    MultistreamInitiator i = new MultistreamInitiator(List.of("/noise"));
    MultistreamException e =
        assertThrows(MultistreamException.class, () -> feed(i, concat(HEADER, line("/tls/1.0.0"))));
    assertTrue(e.getMessage().contains("/noise") && e.getMessage().contains("/tls/1.0.0"));
    assertFalse(e instanceof NoProtocolSupportedException);
  }

  @Test
  void responderBoundsTheNumberOfProposals() {
    MultistreamResponder r = new MultistreamResponder(List.of("/noise"));
    r.pollOutbound();
    feed(r, HEADER);
    for (int k = 0; k < MultistreamResponder.MAX_PROPOSALS; k++) {
      feed(r, line("/nope/" + k));
    }
    assertEquals(MultistreamResponder.MAX_PROPOSALS * NA.length, r.pollOutbound().length);
    assertThrows(MultistreamException.class, () -> feed(r, line("/noise")));
    assertFalse(r.isDone());
  }

  @Test
  void callerMistakesAreIllegalArguments() {
    assertThrows(IllegalArgumentException.class, () -> new MultistreamInitiator(List.of()));
    assertThrows(IllegalArgumentException.class, () -> new MultistreamInitiator(List.of("")));
    assertThrows(IllegalArgumentException.class, () -> new MultistreamInitiator(List.of("/a\nb")));
    assertThrows(IllegalArgumentException.class, () -> new MultistreamInitiator(List.of("na")));
    assertThrows(IllegalArgumentException.class, () -> new MultistreamResponder(List.of("ls")));
    String tooLong = "/" + "x".repeat(Multistream.MAX_MESSAGE_SIZE);
    assertThrows(IllegalArgumentException.class, () -> new MultistreamInitiator(List.of(tooLong)));
    MultistreamInitiator i = new MultistreamInitiator(List.of("/a"));
    assertThrows(IndexOutOfBoundsException.class, () -> i.receive(new byte[2], 1, 2));
  }
}
