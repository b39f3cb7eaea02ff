package dev.vertxp2p.proto.yamux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte vectors built by hand from spec.md's header table, and every kind of malformed input. */
class YamuxWireFormatTest {

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  private static List<MuxerEvent> feed(YamuxEngine e, byte[] b) {
    e.receive(b, 0, b.length);
    List<MuxerEvent> out = new ArrayList<>();
    Wire.drain(e, out);
    return out;
  }

  // version | type | flags | stream id | length
  private static final String GO_AWAY_PROTOCOL_ERROR = "00 03 0000 00000000 00000001";

  // ------------------------------------------------------------ vectors we send

  @Test
  void openStreamSendsWindowUpdateWithSyn() {
    YamuxEngine client = new YamuxEngine(true);
    client.openStream();
    assertArrayEquals(hex("00 01 0001 00000001 00000000"), client.pollOutbound());
  }

  @Test
  void inboundSynIsAcknowledgedAtOnce() {
    YamuxEngine server = new YamuxEngine(false);
    assertEquals(
        List.of(new MuxerEvent.StreamOpened(1, "")),
        feed(server, hex("00 01 0001 00000001 00000000")));
    assertArrayEquals(hex("00 01 0002 00000001 00000000"), server.pollOutbound());
  }

  @Test
  void dataFinRstAndGoAwayVectors() {
    YamuxEngine client = new YamuxEngine(true);
    long id = client.openStream();
    client.pollOutbound();
    client.write(id, new byte[] {'h', 'i'}, 0, 2);
    assertArrayEquals(hex("00 00 0000 00000001 00000002 6869"), client.pollOutbound());
    client.closeWrite(id);
    assertArrayEquals(hex("00 01 0004 00000001 00000000"), client.pollOutbound());
    client.reset(id);
    assertArrayEquals(hex("00 01 0008 00000001 00000000"), client.pollOutbound());
    client.goAway();
    assertArrayEquals(hex("00 03 0000 00000000 00000000"), client.pollOutbound());
  }

  @Test
  void pingVectors() {
    YamuxEngine e = new YamuxEngine(true);
    long id = e.ping();
    byte[] syn = e.pollOutbound();
    assertArrayEquals(hex("00 02 0001 00000000"), java.util.Arrays.copyOf(syn, 8));
    assertEquals(id, YamuxFrame.parseHeader(syn, 0).length());
    // The remote's ping is answered with ACK and the same opaque value.
    assertEquals(List.of(), feed(e, hex("00 02 0001 00000000 cafebabe")));
    assertArrayEquals(hex("00 02 0002 00000000 cafebabe"), e.pollOutbound());
    // Our ping's answer.
    byte[] ack = YamuxFrame.header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, id);
    assertEquals(List.of(new MuxerEvent.Pong(id)), feed(e, ack));
  }

  @Test
  void largerWindowIsAnnouncedInTheSynDelta() {
    YamuxEngine client = new YamuxEngine(true, new YamuxConfig().initialWindow(1 << 20));
    client.openStream();
    // 1 MiB - 256 KiB = 0x000c0000
    assertArrayEquals(hex("00 01 0001 00000001 000c0000"), client.pollOutbound());
  }

  // ------------------------------------------------------------ inputs we accept

  @Test
  void streamMayBeOpenedByDataWithSynAndFlagsCombine() {
    YamuxEngine server = new YamuxEngine(false);
    // Data | SYN | FIN with body "abc": open, data, half-close in one frame.
    List<MuxerEvent> ev = feed(server, hex("00 00 0005 00000001 00000003 616263"));
    assertEquals(3, ev.size());
    assertEquals(new MuxerEvent.StreamOpened(1, ""), ev.get(0));
    assertArrayEquals(new byte[] {'a', 'b', 'c'}, ((MuxerEvent.StreamData) ev.get(1)).data());
    assertEquals(new MuxerEvent.StreamRemoteClosed(1), ev.get(2));
  }

  @Test
  void ackWithWindowUpdateGrowsTheSendWindow() {
    YamuxEngine client = new YamuxEngine(true);
    long id = client.openStream();
    client.pollOutbound();
    List<MuxerEvent> ev = feed(client, hex("00 01 0002 00000001 00010000"));
    assertEquals(List.of(new MuxerEvent.StreamAcknowledged(id)), ev);
    byte[] big = new byte[YamuxConfig.SPEC_INITIAL_WINDOW + 0x10000 + 1];
    assertEquals(big.length - 1, client.write(id, big, 0, big.length));
  }

  @Test
  void dataWithRstIsDroppedAndTheStreamReset() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    List<MuxerEvent> ev = feed(server, hex("00 00 0008 00000001 00000003 010203"));
    assertEquals(List.of(new MuxerEvent.StreamReset(1), new MuxerEvent.StreamClosed(1)), ev);
  }

  @Test
  void ackMayArriveOnTheFirstDataFrame() {
    YamuxEngine client = new YamuxEngine(true);
    long id = client.openStream();
    List<MuxerEvent> ev = feed(client, hex("00 00 0002 00000001 00000002 abcd"));
    assertEquals(new MuxerEvent.StreamAcknowledged(id), ev.get(0));
    assertArrayEquals(hex("abcd"), ((MuxerEvent.StreamData) ev.get(1)).data());
    assertEquals(2, ev.size());
  }

  @Test
  void localResetWhileABodyIsArrivingDropsTheRest() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    List<MuxerEvent> ev = feed(server, hex("00 00 0000 00000001 00000004 0102"));
    assertEquals(1, ev.size());
    server.reset(1);
    assertEquals(new MuxerEvent.StreamClosed(1), server.pollEvent());
    // The rest of the body and the next frame are parsed in step, not misread as headers.
    assertEquals(List.of(), feed(server, hex("0304" + "00 02 0001 00000000 00000009")));
    byte[] out = Wire.drainBytes(server);
    assertArrayEquals(
        hex("00 01 0002 00000001 00000000 00 01 0008 00000001 00000000 00 02 0002 00000000 00000009"),
        out);
  }

  @Test
  void finAndRstTogetherEndTheStream() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    List<MuxerEvent> ev = feed(server, hex("00 01 000c 00000001 00000000"));
    assertEquals(
        List.of(
            new MuxerEvent.StreamRemoteClosed(1),
            new MuxerEvent.StreamReset(1),
            new MuxerEvent.StreamClosed(1)),
        ev);
    assertEquals(0, server.openStreamCount());
  }

  @Test
  void dataAfterRemoteFinResetsOnlyThatStream() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    feed(server, hex("00 01 0001 00000003 00000000"));
    feed(server, hex("00 01 0004 00000001 00000000"));
    server.pollOutbound();
    List<MuxerEvent> ev = feed(server, hex("00 00 0000 00000001 00000002 0102"));
    assertEquals(List.of(new MuxerEvent.StreamReset(1), new MuxerEvent.StreamClosed(1)), ev);
    assertArrayEquals(hex("00 01 0008 00000001 00000000"), server.pollOutbound());
    assertEquals(1, server.openStreamCount());
    // Stream 3 still works and the session is fine.
    ev = feed(server, hex("00 00 0000 00000003 00000001 ff"));
    assertEquals(1, ev.size());
  }

  @Test
  void framesForUnknownStreamsAreDropped() {
    YamuxEngine server = new YamuxEngine(false);
    assertEquals(List.of(), feed(server, hex("00 00 0000 00000007 00000002 0102")));
    assertEquals(List.of(), feed(server, hex("00 01 0000 00000007 00000100")));
    assertNull(server.pollOutbound());
  }

  @Test
  void truncatedHeaderFedByteByByteWaits() {
    YamuxEngine server = new YamuxEngine(false);
    byte[] frame = hex("00 00 0001 00000001 00000004 01020304");
    for (int i = 0; i < YamuxFrame.HEADER_LENGTH - 1; i++) {
      server.receive(frame, i, 1);
      assertNull(server.pollEvent());
      assertNull(server.pollOutbound());
    }
    server.receive(frame, 11, 1);
    assertEquals(new MuxerEvent.StreamOpened(1, ""), server.pollEvent());
    assertNull(server.pollEvent(), "body not there yet");
    for (int i = 12; i < frame.length; i++) {
      server.receive(frame, i, 1);
      MuxerEvent.StreamData d = (MuxerEvent.StreamData) server.pollEvent();
      assertArrayEquals(new byte[] {frame[i]}, d.data());
    }
    // Even a malformed header is only judged once complete.
    byte[] bad = hex("01 00 0000 00000001 00000000");
    for (int i = 0; i < 11; i++) {
      server.receive(bad, i, 1);
    }
    assertThrows(YamuxException.class, () -> server.receive(bad, 11, 1));
  }

  // ------------------------------------------------------------ malformed

  private static void assertProtocolError(YamuxEngine e, String frames, String expectedInMessage) {
    byte[] b = hex(frames);
    YamuxException ex = assertThrows(YamuxException.class, () -> e.receive(b, 0, b.length));
    assertTrue(
        ex.getMessage().contains(expectedInMessage),
        "message '" + ex.getMessage() + "' should mention '" + expectedInMessage + "'");
    assertTrue(ex instanceof ProtocolException);
    assertTrue(e.isClosed());
    byte[] out = Wire.drainBytes(e);
    byte[] tail = java.util.Arrays.copyOfRange(out, out.length - 12, out.length);
    assertArrayEquals(hex(GO_AWAY_PROTOCOL_ERROR), tail);
    // Failed for good: every later receive throws again, local calls are refused.
    assertThrows(YamuxException.class, () -> e.receive(new byte[0], 0, 0));
    assertEquals(
        MuxerException.Reason.SESSION_CLOSED,
        assertThrows(MuxerException.class, e::openStream).reason());
  }

  @Test
  void badVersion() {
    assertProtocolError(new YamuxEngine(false), "01 01 0001 00000001 00000000", "version 1");
  }

  @Test
  void unknownType() {
    assertProtocolError(new YamuxEngine(false), "00 04 0000 00000000 00000000", "type 4");
  }

  @Test
  void dataOverTheWindow() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    // 256 KiB + 1 in one frame, header only: the check comes before the body.
    assertProtocolError(server, "00 00 0000 00000001 00040001", "receive window");
  }

  @Test
  void dataOverTheWindowAcrossFrames() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    byte[] h = YamuxFrame.header(YamuxFrame.TYPE_DATA, 0, 1, YamuxConfig.SPEC_INITIAL_WINDOW - 1);
    server.receive(h, 0, h.length);
    byte[] body = new byte[YamuxConfig.SPEC_INITIAL_WINDOW - 1];
    server.receive(body, 0, body.length);
    assertProtocolError(server, "00 00 0000 00000001 00000002 0000", "receive window");
  }

  @Test
  void hugeDataFrameForUnknownStreamIsRejectedBeforeBuffering() {
    assertProtocolError(new YamuxEngine(false), "00 00 0000 00000009 ffffffff", "receive window");
  }

  @Test
  void synWithWrongParity() {
    assertProtocolError(new YamuxEngine(false), "00 01 0001 00000002 00000000", "odd");
    assertProtocolError(new YamuxEngine(true), "00 01 0001 00000003 00000000", "even");
  }

  @Test
  void synReusingAnOpenId() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    assertProtocolError(server, "00 00 0001 00000001 00000000", "reusing stream id 1");
  }

  @Test
  void synReusingAClosedId() {
    YamuxEngine server = new YamuxEngine(false);
    feed(server, hex("00 01 0001 00000001 00000000"));
    feed(server, hex("00 01 0008 00000001 00000000"));
    assertProtocolError(server, "00 01 0001 00000001 00000000", "reusing stream id 1");
  }

  @Test
  void synOnStreamZero() {
    assertProtocolError(new YamuxEngine(false), "00 01 0001 00000000 00000000", "stream id > 0");
  }

  @Test
  void dataOnStreamZero() {
    assertProtocolError(new YamuxEngine(false), "00 00 0000 00000000 00000000", "stream id > 0");
  }

  @Test
  void pingOnAStream() {
    assertProtocolError(new YamuxEngine(false), "00 02 0001 00000001 00000000", "Ping on stream 0");
  }

  @Test
  void goAwayOnAStream() {
    assertProtocolError(new YamuxEngine(false), "00 03 0000 00000001 00000000", "GoAway on stream 0");
  }

  @Test
  void goAwayErrorCodeIsReported() {
    YamuxEngine e = new YamuxEngine(true);
    assertEquals(List.of(new MuxerEvent.GoAway(2)), feed(e, hex("00 03 0000 00000000 00000002")));
    assertTrue(e.isGoingAway());
  }

  @Test
  void errorInTheMiddleOfABatchKeepsEarlierEvents() {
    YamuxEngine server = new YamuxEngine(false);
    byte[] b = hex("00 01 0001 00000001 00000000" + "07 00 0000 00000001 00000000");
    assertThrows(YamuxException.class, () -> server.receive(b, 0, b.length));
    assertEquals(new MuxerEvent.StreamOpened(1, ""), server.pollEvent());
    byte[] out = Wire.drainBytes(server);
    assertArrayEquals(
        hex("00 01 0002 00000001 00000000" + GO_AWAY_PROTOCOL_ERROR), out);
  }
}
