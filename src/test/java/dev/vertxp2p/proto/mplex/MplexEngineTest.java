package dev.vertxp2p.proto.mplex;

import static dev.vertxp2p.proto.mplex.MplexEngine.handle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MplexEngineTest {

  static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static void feed(MplexEngine e, byte[] b) {
    e.receive(b, 0, b.length);
  }

  static byte[] drainOut(MplexEngine e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] b; (b = e.pollOutbound()) != null; ) {
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  static List<MuxerEvent> events(MplexEngine e) {
    List<MuxerEvent> out = new ArrayList<>();
    for (MuxerEvent ev; (ev = e.pollEvent()) != null; ) {
      out.add(ev);
    }
    return out;
  }

  static MplexEngine engine(boolean initiator, MplexConfig c) {
    return new MplexEngine(initiator, c);
  }

  // Frame vectors from the spec: header = id << 3 | flag (uvarint), length (uvarint), data.

  @Test
  void outboundFramesOfTheStreamOpener() {
    MplexEngine e = new MplexEngine(true);
    long id = e.openStream();
    assertEquals(handle(0, true), id);
    e.write(id, ascii("hi"), 0, 2);
    e.closeWrite(id);
    // NewStream id 0 named "0"; MessageInitiator; CloseInitiator.
    assertArrayEquals(bytes(0x00, 0x01, '0', 0x02, 0x02, 'h', 'i', 0x04, 0x00), drainOut(e));
    long second = e.openStream("chat");
    e.reset(second);
    // NewStream id 1 = 0x08; ResetInitiator id 1 = 0x0E.
    assertArrayEquals(bytes(0x08, 0x04, 'c', 'h', 'a', 't', 0x0E, 0x00), drainOut(e));
  }

  @Test
  void outboundFramesOfTheStreamReceiver() {
    MplexEngine e = new MplexEngine(false);
    feed(e, bytes(0x00, 0x00)); // remote opens id 0, empty name
    long id = handle(0, false);
    assertEquals(List.of(new MuxerEvent.StreamOpened(id, "")), events(e));
    e.write(id, ascii("yo"), 0, 2);
    e.closeWrite(id);
    assertArrayEquals(bytes(0x01, 0x02, 'y', 'o', 0x03, 0x00), drainOut(e));
    e.reset(id); // after closeWrite the stream is still open for reading
    assertArrayEquals(bytes(0x05, 0x00), drainOut(e));
  }

  @Test
  void inboundFramesOfARemoteOpenedStream() {
    MplexEngine e = new MplexEngine(false);
    feed(e, concat(bytes(0x00, 0x03), ascii("foo"), bytes(0x02, 0x02), ascii("hi"), bytes(0x04, 0x00)));
    long id = handle(0, false);
    List<MuxerEvent> ev = events(e);
    assertEquals(new MuxerEvent.StreamOpened(id, "foo"), ev.get(0));
    assertArrayEquals(ascii("hi"), ((MuxerEvent.StreamData) ev.get(1)).data());
    assertEquals(new MuxerEvent.StreamRemoteClosed(id), ev.get(2));
    assertEquals(3, ev.size());
  }

  @Test
  void multiByteHeaderForLargeIds() {
    MplexEngine e = new MplexEngine(false);
    // id 17, flag 0: 136 = 0x88 0x01; then MessageInitiator: 138 = 0x8A 0x01.
    feed(e, bytes(0x88, 0x01, 0x00, 0x8A, 0x01, 0x01, 'z'));
    long id = handle(17, false);
    List<MuxerEvent> ev = events(e);
    assertEquals(new MuxerEvent.StreamOpened(id, ""), ev.get(0));
    assertEquals(id, ((MuxerEvent.StreamData) ev.get(1)).streamId());
  }

  @Test
  void idsAreScopedByTheSideThatOpened() {
    MplexEngine e = new MplexEngine(true);
    long mine = e.openStream();
    drainOut(e);
    feed(e, bytes(0x00, 0x00)); // the remote opens its own stream 0 too
    long theirs = handle(0, false);
    assertTrue(mine != theirs);
    assertEquals(2, e.openStreamCount());
    // MessageReceiver (1) is the remote answering on our stream; MessageInitiator (2) on its own.
    feed(e, bytes(0x01, 0x01, 'A', 0x02, 0x01, 'B'));
    List<MuxerEvent> ev = events(e);
    assertEquals(new MuxerEvent.StreamOpened(theirs, ""), ev.get(0));
    MuxerEvent.StreamData a = (MuxerEvent.StreamData) ev.get(1);
    MuxerEvent.StreamData b = (MuxerEvent.StreamData) ev.get(2);
    assertEquals(mine, a.streamId());
    assertArrayEquals(ascii("A"), a.data());
    assertEquals(theirs, b.streamId());
    assertArrayEquals(ascii("B"), b.data());
    // Reset of their stream leaves ours alone.
    feed(e, bytes(0x06, 0x00));
    assertEquals(List.of(new MuxerEvent.StreamReset(theirs)), events(e));
    assertEquals(1, e.openStreamCount());
    e.write(mine, ascii("C"), 0, 1);
    assertArrayEquals(bytes(0x02, 0x01, 'C'), drainOut(e));
  }

  @Test
  void writesAreSplitAtTheMaximumMessageSize() {
    MplexEngine e = engine(true, new MplexConfig().maxMessageSize(4));
    long id = e.openStream();
    drainOut(e);
    assertEquals(10, e.write(id, ascii("0123456789"), 0, 10));
    assertArrayEquals(
        concat(bytes(0x02, 4), ascii("0123"), bytes(0x02, 4), ascii("4567"), bytes(0x02, 2), ascii("89")),
        drainOut(e));
  }

  @Test
  void oversizeMessageFailsBeforeItsBody() {
    MplexEngine e = engine(false, new MplexConfig().maxMessageSize(16));
    feed(e, bytes(0x00, 0x00));
    events(e);
    MplexException ex = assertThrows(MplexException.class, () -> feed(e, bytes(0x02, 17)));
    assertTrue(ex.getMessage().contains("16") && ex.getMessage().contains("17"), ex.getMessage());
    assertTrue(e.isClosed());
    assertEquals(List.of(new MuxerEvent.StreamReset(handle(0, false))), events(e));
    assertEquals(0, e.openStreamCount());
    assertThrows(MplexException.class, () -> feed(e, bytes(0x00, 0x00)));
    MuxerException local = assertThrows(MuxerException.class, e::openStream);
    assertEquals(MuxerException.Reason.SESSION_CLOSED, local.reason());
  }

  @Test
  void defaultLimitIsOneMebibyte() {
    MplexEngine e = new MplexEngine(false);
    // 1 MiB + 1 = 0x100001 -> 0x81 0x80 0x40
    assertThrows(MplexException.class, () -> feed(e, bytes(0x00, 0x81, 0x80, 0x40)));
    MplexEngine ok = new MplexEngine(false);
    feed(ok, bytes(0x00, 0x80, 0x80, 0x40)); // exactly 1 MiB is accepted (body pending)
    assertFalse(ok.isClosed());
  }

  @Test
  void unknownFlagFailsTheSession() {
    MplexEngine e = new MplexEngine(true);
    MplexException ex = assertThrows(MplexException.class, () -> feed(e, bytes(0x0F, 0x00)));
    assertTrue(ex.getMessage().contains("7"), ex.getMessage());
    assertTrue(e.isClosed());
  }

  @Test
  void newStreamForAnOpenIdFailsTheSession() {
    MplexEngine e = new MplexEngine(false);
    feed(e, bytes(0x00, 0x00));
    assertThrows(MplexException.class, () -> feed(e, bytes(0x00, 0x00)));
    assertTrue(e.isClosed());
  }

  @Test
  void overlongAndNonMinimalVarintsFail() {
    MplexEngine a = new MplexEngine(true);
    assertThrows(
        MplexException.class,
        () -> feed(a, bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)));
    MplexEngine b = new MplexEngine(true);
    assertThrows(MplexException.class, () -> feed(b, bytes(0x80, 0x00)));
  }

  @Test
  void unconsumedDataOverTheLimitResetsOnlyThatStream() {
    MplexEngine e = engine(false, new MplexConfig().maxBufferedPerStream(10));
    feed(e, bytes(0x00, 0x00, 0x08, 0x00)); // remote opens 0 and 1
    long s0 = handle(0, false);
    long s1 = handle(1, false);
    events(e);
    byte[] six = bytes(0x02, 6, 1, 2, 3, 4, 5, 6);
    feed(e, six);
    e.consumed(s0, 6);
    feed(e, six); // 6 unconsumed: fine
    assertEquals(2, events(e).size());
    feed(e, six); // 12 > 10: reset
    assertEquals(List.of(new MuxerEvent.StreamReset(s0)), events(e));
    assertArrayEquals(bytes(0x05, 0x00), drainOut(e));
    feed(e, six); // in-flight data for the reset stream is dropped
    assertTrue(events(e).isEmpty());
    e.consumed(s0, 6); // late consumption of a forgotten stream is harmless
    feed(e, bytes(0x0A, 3, 7, 8, 9)); // stream 1 still works
    assertEquals(s1, ((MuxerEvent.StreamData) events(e).get(0)).streamId());
    assertThrows(IllegalArgumentException.class, () -> e.consumed(s1, 4));
    assertThrows(IllegalArgumentException.class, () -> e.consumed(s1, -1));
  }

  @Test
  void dataForUnknownStreamsIsSkippedInSync() {
    MplexEngine e = new MplexEngine(false);
    feed(e, bytes(0x0A, 3, 'x', 'y', 'z', 0x03, 0x00, 0x05, 0x00, 0x00, 0x01, 'n'));
    assertEquals(List.of(new MuxerEvent.StreamOpened(handle(0, false), "n")), events(e));
    assertNull(e.pollOutbound());
  }

  @Test
  void dataAfterRemoteCloseResetsTheStream() {
    MplexEngine e = new MplexEngine(false);
    feed(e, bytes(0x00, 0x00, 0x04, 0x00));
    events(e);
    feed(e, bytes(0x02, 0x01, 'x'));
    assertEquals(List.of(new MuxerEvent.StreamReset(handle(0, false))), events(e));
    assertArrayEquals(bytes(0x05, 0x00), drainOut(e));
  }

  @Test
  void goAwayRefusesRemoteStreamsWithAReset() {
    MplexEngine e = new MplexEngine(true);
    e.goAway();
    assertTrue(e.isGoingAway());
    assertTrue(e.isClosed(), "going away with no streams left");
    feed(e, bytes(0x10, 0x00)); // remote NewStream id 2
    assertTrue(events(e).isEmpty());
    assertArrayEquals(bytes(0x15, 0x00), drainOut(e)); // ResetReceiver id 2
    assertEquals(MuxerException.Reason.GOING_AWAY, assertThrows(MuxerException.class, e::openStream).reason());
  }

  @Test
  void streamLimitAppliesBothWays() {
    MplexEngine e = engine(true, new MplexConfig().maxStreams(2));
    e.openStream();
    feed(e, bytes(0x00, 0x00));
    assertEquals(
        MuxerException.Reason.STREAM_LIMIT, assertThrows(MuxerException.class, e::openStream).reason());
    drainOut(e);
    feed(e, bytes(0x08, 0x00)); // a third stream from the remote is refused
    assertArrayEquals(bytes(0x0D, 0x00), drainOut(e));
    assertEquals(2, e.openStreamCount());
  }

  @Test
  void closeAndResetOfForgottenStreamsAreNoOps() {
    MplexEngine e = new MplexEngine(true);
    long id = e.openStream();
    e.reset(id);
    drainOut(e);
    e.reset(id);
    e.closeWrite(id);
    e.closeWrite(999);
    assertNull(e.pollOutbound());
    assertEquals(-1, e.ping());
    assertEquals("/mplex/6.7.0", e.protocolId());
  }

  @Test
  void smallFramesAreCoalescedIntoOneWrite() {
    MplexEngine e = new MplexEngine(true);
    long id = e.openStream();
    for (int i = 0; i < 100; i++) {
      e.write(id, bytes(i), 0, 1);
    }
    byte[] out = e.pollOutbound();
    assertEquals(3 + 100 * 3, out.length);
    assertNull(e.pollOutbound());
  }

  @Test
  void configRejectsNonsense() {
    MplexConfig c = new MplexConfig();
    assertThrows(IllegalArgumentException.class, () -> c.maxMessageSize(0));
    assertThrows(IllegalArgumentException.class, () -> c.maxStreams(-1));
    assertThrows(IllegalArgumentException.class, () -> c.maxBufferedPerStream(0));
    assertEquals(MplexConfig.DEFAULT_MAX_MESSAGE_SIZE, c.maxMessageSize());
    assertEquals(1 << 20, MplexConfig.DEFAULT_MAX_MESSAGE_SIZE);
    MplexEngine e = new MplexEngine(true, c);
    c.maxMessageSize(1); // the engine took a copy
    long id = e.openStream();
    drainOut(e);
    e.write(id, new byte[5], 0, 5);
    assertEquals(7, e.pollOutbound().length);
  }
}
