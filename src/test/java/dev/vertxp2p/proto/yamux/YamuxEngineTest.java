package dev.vertxp2p.proto.yamux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class YamuxEngineTest {

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void writeAll(YamuxEngine e, long id, byte[] data) {
    assertEquals(data.length, e.write(id, data, 0, data.length));
  }

  @Test
  void openAcceptAndDataBothDirections() {
    Wire w = new Wire(1);
    long id = w.client.openStream();
    assertEquals(1, id);
    writeAll(w.client, id, bytes("hello server"));
    w.pump();
    assertEquals(new MuxerEvent.StreamOpened(id, ""), w.serverEvents.get(0));
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamAcknowledged(id)));
    assertArrayEquals(bytes("hello server"), Wire.takeData(w.server, w.serverEvents, id));

    writeAll(w.server, id, bytes("hello client"));
    w.pump();
    assertArrayEquals(bytes("hello client"), Wire.takeData(w.client, w.clientEvents, id));

    long serverId = w.server.openStream();
    assertEquals(2, serverId);
    writeAll(w.server, serverId, bytes("from the server's own stream"));
    w.pump();
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamOpened(serverId, "")));
    assertArrayEquals(
        bytes("from the server's own stream"), Wire.takeData(w.client, w.clientEvents, serverId));
    assertEquals(2, w.client.openStreamCount());
    assertEquals(2, w.server.openStreamCount());
  }

  @Test
  void streamIdsFollowParity() {
    Wire w = new Wire(2);
    assertEquals(List.of(1L, 3L, 5L), List.of(w.client.openStream(), w.client.openStream(), w.client.openStream()));
    assertEquals(List.of(2L, 4L), List.of(w.server.openStream(), w.server.openStream()));
  }

  @Test
  void halfCloseFromClientThenServer() {
    Wire w = new Wire(3);
    long id = w.client.openStream();
    writeAll(w.client, id, bytes("request"));
    w.client.closeWrite(id);
    w.client.closeWrite(id); // idempotent
    w.pump();
    assertArrayEquals(bytes("request"), Wire.takeData(w.server, w.serverEvents, id));
    assertTrue(w.serverEvents.contains(new MuxerEvent.StreamRemoteClosed(id)));
    MuxerException ex =
        assertThrows(MuxerException.class, () -> w.client.write(id, bytes("x"), 0, 1));
    assertEquals(MuxerException.Reason.STREAM_CLOSED, ex.reason());

    // The other direction still works after the half-close.
    writeAll(w.server, id, bytes("response"));
    w.server.closeWrite(id);
    w.pump();
    assertArrayEquals(bytes("response"), Wire.takeData(w.client, w.clientEvents, id));
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamRemoteClosed(id)));
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamClosed(id)));
    assertTrue(w.serverEvents.contains(new MuxerEvent.StreamClosed(id)));
    assertEquals(0, w.client.openStreamCount());
    assertEquals(0, w.server.openStreamCount());
  }

  @Test
  void halfCloseFromServerFirst() {
    Wire w = new Wire(4);
    long id = w.client.openStream();
    w.pump();
    w.server.closeWrite(id);
    w.pump();
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamRemoteClosed(id)));
    assertFalse(w.clientEvents.contains(new MuxerEvent.StreamClosed(id)));
    writeAll(w.client, id, bytes("still allowed"));
    w.client.closeWrite(id);
    w.pump();
    assertArrayEquals(bytes("still allowed"), Wire.takeData(w.server, w.serverEvents, id));
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamClosed(id)));
    assertTrue(w.serverEvents.contains(new MuxerEvent.StreamClosed(id)));
  }

  @Test
  void resetEndsBothDirections() {
    Wire w = new Wire(5);
    long id = w.client.openStream();
    w.pump();
    w.client.reset(id);
    w.client.reset(id); // idempotent
    w.pump();
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamClosed(id)));
    assertFalse(w.clientEvents.contains(new MuxerEvent.StreamReset(id)));
    int reset = w.serverEvents.indexOf(new MuxerEvent.StreamReset(id));
    int closed = w.serverEvents.indexOf(new MuxerEvent.StreamClosed(id));
    assertTrue(reset >= 0 && closed > reset, w.serverEvents.toString());
    MuxerException ex =
        assertThrows(MuxerException.class, () -> w.server.write(id, bytes("x"), 0, 1));
    assertEquals(MuxerException.Reason.UNKNOWN_STREAM, ex.reason());
    assertEquals(0, w.client.openStreamCount());
    assertEquals(0, w.server.openStreamCount());
  }

  @Test
  void lateFramesForAResetStreamAreIgnored() {
    Wire w = new Wire(6);
    long id = w.client.openStream();
    w.pump();
    // The server writes and half-closes while the client's RST is still on its way.
    writeAll(w.server, id, new byte[5000]);
    w.server.closeWrite(id);
    w.client.reset(id);
    w.pump();
    assertFalse(w.client.isClosed());
    assertTrue(w.clientEvents.stream().noneMatch(e -> e instanceof MuxerEvent.StreamData));
    // The session still works.
    long next = w.client.openStream();
    writeAll(w.client, next, bytes("ok"));
    w.pump();
    assertArrayEquals(bytes("ok"), Wire.takeData(w.server, w.serverEvents, next));
  }

  @Test
  void tenMebibytesWithSlowConsumerNeverExceedTheWindow() {
    Wire w = new Wire(7);
    Random r = new Random(70);
    byte[] payload = new byte[10 * 1024 * 1024];
    r.nextBytes(payload);
    long id = w.client.openStream();
    int sent = 0;
    long consumedTotal = 0;
    long bufferedAtReceiver = 0;
    java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
    int writableEvents = 0;
    boolean mayWrite = true;
    int rounds = 0;
    while (consumedTotal < payload.length) {
      if (++rounds > 1_000_000) {
        throw new AssertionError("no progress");
      }
      if (mayWrite && sent < payload.length) {
        int want = Math.min(payload.length - sent, 1 + r.nextInt(300_000));
        int n = w.client.write(id, payload, sent, want);
        sent += n;
        if (n < want) {
          mayWrite = false;
        }
        // The sender is never allowed more than one window beyond what the receiver consumed.
        assertTrue(sent - consumedTotal <= YamuxConfig.SPEC_INITIAL_WINDOW);
      }
      w.pump();
      List<MuxerEvent> data = new ArrayList<>();
      for (MuxerEvent ev : w.serverEvents) {
        if (ev instanceof MuxerEvent.StreamData d) {
          received.writeBytes(d.data());
          bufferedAtReceiver += d.data().length;
          data.add(ev);
        }
      }
      w.serverEvents.removeAll(data);
      assertTrue(
          bufferedAtReceiver <= YamuxConfig.SPEC_INITIAL_WINDOW,
          "receiver holds " + bufferedAtReceiver);
      for (MuxerEvent ev : w.clientEvents) {
        if (ev instanceof MuxerEvent.StreamWritable) {
          writableEvents++;
          mayWrite = true;
        }
      }
      w.clientEvents.clear();
      // The slow consumer takes at most 20 KiB per round.
      int take = (int) Math.min(bufferedAtReceiver, r.nextInt(20 * 1024));
      w.server.consumed(id, take);
      bufferedAtReceiver -= take;
      consumedTotal += take;
    }
    assertArrayEquals(payload, received.toByteArray());
    assertTrue(writableEvents > 0);
  }

  @Test
  void windowUpdateIsSentOnceHalfTheWindowIsConsumed() {
    Wire w = new Wire(8);
    long id = w.client.openStream();
    w.pump();
    int half = YamuxConfig.SPEC_INITIAL_WINDOW / 2;
    writeAll(w.client, id, new byte[half]);
    w.pump();
    w.server.consumed(id, half - 1);
    assertNull(w.server.pollOutbound(), "no update below half the window");
    w.server.consumed(id, 1);
    byte[] update = w.server.pollOutbound();
    assertArrayEquals(
        YamuxFrame.header(YamuxFrame.TYPE_WINDOW_UPDATE, 0, id, half), update);
    assertThrows(IllegalArgumentException.class, () -> w.server.consumed(id, 1));
  }

  @Test
  void writeStopsAtTheWindowAndWritableFollowsTheUpdate() {
    Wire w = new Wire(9);
    long id = w.client.openStream();
    w.pump();
    byte[] big = new byte[YamuxConfig.SPEC_INITIAL_WINDOW + 1000];
    assertEquals(YamuxConfig.SPEC_INITIAL_WINDOW, w.client.write(id, big, 0, big.length));
    assertEquals(0, w.client.write(id, big, 0, 10));
    w.pump();
    assertFalse(w.clientEvents.contains(new MuxerEvent.StreamWritable(id)));
    Wire.takeData(w.server, w.serverEvents, id);
    w.pump();
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamWritable(id)));
    assertEquals(1000, w.client.write(id, big, 0, 1000));
  }

  @Test
  void largerConfiguredWindowIsAnnouncedWithSynAndAck() {
    int window = 1024 * 1024;
    YamuxConfig cfg = new YamuxConfig().initialWindow(window);
    Wire w = new Wire(10, cfg, cfg);
    long id = w.client.openStream();
    w.pump();
    byte[] big = new byte[2 * window];
    assertEquals(window, w.client.write(id, big, 0, big.length));
    assertEquals(window, w.server.write(id, big, 0, big.length));
    w.pump();
    assertEquals(window, Wire.takeData(w.server, w.serverEvents, id).length);
    assertEquals(window, Wire.takeData(w.client, w.clientEvents, id).length);
  }

  @Test
  void writesAreSplitIntoFramesOfTheConfiguredSize() {
    YamuxEngine e = new YamuxEngine(true, new YamuxConfig().maxFramePayload(4096));
    long id = e.openStream();
    e.pollOutbound();
    assertEquals(10_000, e.write(id, new byte[10_000], 0, 10_000));
    byte[] out = Wire.drainBytes(e);
    assertEquals(10_000 + 3 * YamuxFrame.HEADER_LENGTH, out.length);
    assertEquals(4096, YamuxFrame.parseHeader(out, 0).length());
    assertEquals(4096, YamuxFrame.parseHeader(out, 12 + 4096).length());
    assertEquals(10_000 - 8192, YamuxFrame.parseHeader(out, 24 + 8192).length());
  }

  /** What a PieceSink was given, joined, and the arrays it was given the data in. */
  private static final class Collected implements dev.vertxp2p.proto.mux.MuxerEngine.PieceSink {
    final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    final List<byte[]> arrays = new ArrayList<>();

    @Override
    public void piece(byte[] array, int offset, int length) {
      bytes.write(array, offset, length);
      arrays.add(array);
    }
  }

  @Test
  void writeThroughHandsOverTheSameFramesWithoutCopyingTheData() {
    YamuxConfig cfg = new YamuxConfig().maxFramePayload(4096);
    YamuxEngine copying = new YamuxEngine(true, cfg);
    YamuxEngine through = new YamuxEngine(true, cfg);
    long a = copying.openStream();
    long b = through.openStream();
    assertArrayEquals(Wire.drainBytes(copying), Wire.drainBytes(through));
    byte[] data = new byte[10_000];
    new Random(7).nextBytes(data);
    assertEquals(9_000, copying.write(a, data, 500, 9_000));
    Collected sink = new Collected();
    assertEquals(9_000, through.writeThrough(b, data, 500, 9_000, sink));
    assertNull(through.pollOutbound(), "nothing queued: the frames went to the sink");
    assertArrayEquals(Wire.drainBytes(copying), sink.bytes.toByteArray());
    // three frames, each a header of its own and a range of the caller's array
    assertEquals(6, sink.arrays.size());
    for (int i = 1; i < 6; i += 2) {
      assertSame(data, sink.arrays.get(i));
    }
  }

  @Test
  void writeThroughQueuesBehindWhatIsQueuedAlreadyKeepingTheOrder() {
    YamuxEngine e = new YamuxEngine(true, new YamuxConfig());
    long id = e.openStream(); // its SYN is queued and not yet drained
    Collected sink = new Collected();
    byte[] data = bytes("after the SYN");
    assertEquals(data.length, e.writeThrough(id, data, 0, data.length, sink));
    assertEquals(0, sink.bytes.size());
    byte[] out = Wire.drainBytes(e);
    YamuxFrame.Header syn = YamuxFrame.parseHeader(out, 0);
    assertEquals(YamuxFrame.TYPE_WINDOW_UPDATE, syn.type());
    YamuxFrame.Header frame = YamuxFrame.parseHeader(out, YamuxFrame.HEADER_LENGTH);
    assertEquals(YamuxFrame.TYPE_DATA, frame.type());
    assertEquals(data.length, frame.length());
    data[0] = 'X'; // the queued copy does not change with the caller's array
    assertEquals("after the SYN", new String(out, 2 * YamuxFrame.HEADER_LENGTH, data.length,
        StandardCharsets.UTF_8));
  }

  @Test
  void writeThroughStopsAtTheWindowAndRefusesAClosedStream() {
    Wire w = new Wire(11);
    long id = w.client.openStream();
    w.pump();
    Collected sink = new Collected();
    byte[] big = new byte[YamuxConfig.SPEC_INITIAL_WINDOW + 1000];
    assertEquals(YamuxConfig.SPEC_INITIAL_WINDOW,
        w.client.writeThrough(id, big, 0, big.length, sink));
    assertEquals(0, w.client.writeThrough(id, big, 0, 10, sink));
    w.client.closeWrite(id);
    MuxerException e = assertThrows(MuxerException.class,
        () -> w.client.writeThrough(id, big, 0, 10, new Collected()));
    assertEquals(MuxerException.Reason.STREAM_CLOSED, e.reason());
  }

  @Test
  void inboundStreamsBeyondMaxStreamsAreReset() {
    Wire w = new Wire(11, new YamuxConfig(), new YamuxConfig().maxStreams(2));
    long a = w.client.openStream();
    long b = w.client.openStream();
    long c = w.client.openStream();
    w.pump();
    assertEquals(2, w.server.openStreamCount());
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamAcknowledged(a)));
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamAcknowledged(b)));
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamReset(c)));
    assertTrue(w.clientEvents.contains(new MuxerEvent.StreamClosed(c)));
    assertFalse(w.serverEvents.contains(new MuxerEvent.StreamOpened(c, "")));
    assertEquals(2, w.client.openStreamCount());
  }

  @Test
  void outboundStreamsAreLimitedByMaxStreams() {
    YamuxEngine e = new YamuxEngine(true, new YamuxConfig().maxStreams(1));
    e.openStream();
    MuxerException ex = assertThrows(MuxerException.class, e::openStream);
    assertEquals(MuxerException.Reason.STREAM_LIMIT, ex.reason());
  }

  @Test
  void ackBacklogLimitsUnacknowledgedOutboundStreams() {
    Wire w = new Wire(12, new YamuxConfig().ackBacklog(2), new YamuxConfig());
    w.client.openStream();
    w.client.openStream();
    MuxerException ex = assertThrows(MuxerException.class, w.client::openStream);
    assertEquals(MuxerException.Reason.STREAM_LIMIT, ex.reason());
    w.pump();
    long third = w.client.openStream();
    assertEquals(5, third);
    // A reset of an unacknowledged stream frees its backlog slot too.
    long fourth = w.client.openStream();
    assertThrows(MuxerException.class, w.client::openStream);
    w.client.reset(third);
    w.client.reset(fourth);
    w.client.openStream();
    w.client.openStream();
  }

  @Test
  void pingIsAnsweredWithPong() {
    Wire w = new Wire(13);
    long p1 = w.client.ping();
    long p2 = w.server.ping();
    w.pump();
    assertEquals(List.of(new MuxerEvent.Pong(p1)), w.clientEvents);
    assertEquals(List.of(new MuxerEvent.Pong(p2)), w.serverEvents);
  }

  @Test
  void unsolicitedPongIsIgnored() {
    YamuxEngine e = new YamuxEngine(true);
    byte[] ack = YamuxFrame.header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, 77);
    e.receive(ack, 0, ack.length);
    assertNull(e.pollEvent());
    assertFalse(e.isClosed());
  }

  @Test
  void goAwayStopsNewStreamsButExistingOnesContinue() {
    Wire w = new Wire(14);
    long id = w.client.openStream();
    w.pump();
    w.server.goAway();
    w.server.goAway(); // idempotent
    w.pump();
    assertEquals(List.of(new MuxerEvent.GoAway(0)), w.clientEvents.stream().filter(e -> e instanceof MuxerEvent.GoAway).toList());
    assertTrue(w.client.isGoingAway());
    assertTrue(w.server.isGoingAway());
    assertEquals(
        MuxerException.Reason.GOING_AWAY,
        assertThrows(MuxerException.class, w.client::openStream).reason());
    assertEquals(
        MuxerException.Reason.GOING_AWAY,
        assertThrows(MuxerException.class, w.server::openStream).reason());
    writeAll(w.client, id, bytes("still flowing"));
    writeAll(w.server, id, bytes("both ways"));
    w.pump();
    assertArrayEquals(bytes("still flowing"), Wire.takeData(w.server, w.serverEvents, id));
    assertArrayEquals(bytes("both ways"), Wire.takeData(w.client, w.clientEvents, id));
    assertFalse(w.client.isClosed());
    // Once both went away and the last stream ends, the session is over.
    w.client.goAway();
    w.client.closeWrite(id);
    w.server.closeWrite(id);
    w.pump();
    assertTrue(w.client.isClosed());
    assertTrue(w.server.isClosed());
  }

  @Test
  void synAfterOurGoAwayIsRefusedWithReset() {
    YamuxEngine server = new YamuxEngine(false);
    server.goAway();
    server.pollOutbound();
    byte[] syn = YamuxFrame.header(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_SYN, 1, 0);
    server.receive(syn, 0, syn.length);
    assertArrayEquals(
        YamuxFrame.header(YamuxFrame.TYPE_WINDOW_UPDATE, YamuxFrame.FLAG_RST, 1, 0),
        server.pollOutbound());
    assertNull(server.pollEvent());
  }

  @Test
  void controlFramesAreCoalescedIntoOneWrite() {
    YamuxEngine e = new YamuxEngine(true);
    e.openStream();
    e.openStream();
    e.ping();
    byte[] out = e.pollOutbound();
    assertEquals(3 * YamuxFrame.HEADER_LENGTH, out.length);
    assertNull(e.pollOutbound());
  }

  @Test
  void largeDataFramesAreHandedOutWithoutJoining() {
    YamuxEngine e = new YamuxEngine(true);
    long id = e.openStream();
    e.write(id, new byte[YamuxConfig.DEFAULT_MAX_FRAME_PAYLOAD * 2], 0, YamuxConfig.DEFAULT_MAX_FRAME_PAYLOAD * 2);
    assertEquals(YamuxFrame.HEADER_LENGTH, e.pollOutbound().length);
    assertEquals(YamuxFrame.HEADER_LENGTH + YamuxConfig.DEFAULT_MAX_FRAME_PAYLOAD, e.pollOutbound().length);
    assertEquals(YamuxFrame.HEADER_LENGTH + YamuxConfig.DEFAULT_MAX_FRAME_PAYLOAD, e.pollOutbound().length);
    assertNull(e.pollOutbound());
  }

  @Test
  void outboundChunksFitOneNoiseMessage() {
    YamuxEngine e = new YamuxEngine(true);
    long id = e.openStream();
    Random r = new Random(15);
    int written = 0;
    for (int i = 0; i < 40; i++) {
      int n = r.nextInt(12_000);
      written += e.write(id, new byte[n], 0, n);
      if (i % 3 == 0) {
        e.ping();
      }
    }
    int total = 0;
    for (byte[] b = e.pollOutbound(); b != null; b = e.pollOutbound()) {
      assertTrue(b.length <= 65535 - 16, "chunk of " + b.length);
      total += b.length;
    }
    assertTrue(total > written);
  }

  @Test
  void outstandingPingsAreBounded() {
    YamuxEngine e = new YamuxEngine(true);
    long first = e.ping();
    long last = first;
    for (int i = 0; i < YamuxEngine.MAX_OUTSTANDING_PINGS; i++) {
      last = e.ping();
    }
    byte[] lateFirst = YamuxFrame.header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, first);
    e.receive(lateFirst, 0, 12);
    assertNull(e.pollEvent(), "the oldest ping was forgotten");
    byte[] lastAck = YamuxFrame.header(YamuxFrame.TYPE_PING, YamuxFrame.FLAG_ACK, 0, last);
    e.receive(lastAck, 0, 12);
    assertEquals(new MuxerEvent.Pong(last), e.pollEvent());
  }

  @Test
  void callerMistakesAreRejected() {
    YamuxEngine e = new YamuxEngine(true);
    assertEquals(
        MuxerException.Reason.UNKNOWN_STREAM,
        assertThrows(MuxerException.class, () -> e.write(9, new byte[1], 0, 1)).reason());
    long id = e.openStream();
    assertThrows(IndexOutOfBoundsException.class, () -> e.write(id, new byte[1], 0, 2));
    assertThrows(IllegalArgumentException.class, () -> e.consumed(id, -1));
    assertThrows(IllegalArgumentException.class, () -> e.consumed(id, 1));
    e.closeWrite(77); // unknown streams: no-op
    e.reset(77);
    e.consumed(77, 5);
    assertEquals(0, e.write(id, new byte[0], 0, 0));
  }

  @Test
  void protocolIdAndRole() {
    assertEquals("/yamux/1.0.0", new YamuxEngine(true).protocolId());
    assertTrue(new YamuxEngine(true).isInitiator());
    assertFalse(new YamuxEngine(false).isInitiator());
  }

  /** receiveOwned hands out ranges of the caller's array; receive copies, as the caller may reuse. */
  @Test
  void ownedInputIsHandedOutInRangesOtherInputIsCopied() {
    YamuxEngine client = new YamuxEngine(true);
    YamuxEngine server = new YamuxEngine(false);
    long id = client.openStream();
    client.write(id, bytes("ranges"), 0, 6);
    byte[] wire = Wire.drainBytes(client);
    byte[] owned = wire.clone();
    server.receiveOwned(owned, 0, owned.length);
    MuxerEvent.StreamData d = null;
    for (MuxerEvent e = server.pollEvent(); e != null; e = server.pollEvent()) {
      if (e instanceof MuxerEvent.StreamData sd) {
        d = sd;
      }
    }
    assertNotNull(d);
    assertSame(owned, d.array(), "a range of the owned array, not a copy");
    assertArrayEquals(bytes("ranges"), d.data());

    YamuxEngine other = new YamuxEngine(false);
    byte[] reused = wire.clone();
    other.receive(reused, 0, reused.length);
    java.util.Arrays.fill(reused, (byte) 0); // the caller reuses its buffer at once
    for (MuxerEvent e = other.pollEvent(); e != null; e = other.pollEvent()) {
      if (e instanceof MuxerEvent.StreamData sd) {
        assertArrayEquals(bytes("ranges"), sd.data(), "copied before the caller reused it");
      }
    }
  }
}
