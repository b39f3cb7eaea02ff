package dev.vertxp2p.proto.yamux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.proto.mux.MuxerEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Receive-window auto-tuning on a clock the test moves: each delivery between the two engines
 * takes half a millisecond, so a round trip is 1 ms. A window grows (doubling, up to the maximum)
 * only when updates fall due sooner than four round trips apart while the reader keeps up, and
 * all streams of a session together grow no further than the session's bound.
 */
class YamuxAutoTuneTest {
  static final int W = YamuxConfig.SPEC_INITIAL_WINDOW;
  static final int MAX = YamuxConfig.DEFAULT_MAX_RECEIVE_WINDOW;
  static final long MS = 1_000_000L;
  static final byte[] HUGE = new byte[MAX + 1];

  /** Two engines on a shared clock, and the rounds the tests play. */
  static final class Session {
    long now = 1_000 * MS;
    final YamuxEngine client;
    final YamuxEngine server;
    final List<MuxerEvent> serverEvents = new ArrayList<>();

    Session(YamuxConfig serverConfig) {
      client = new YamuxEngine(true, new YamuxConfig(), () -> now);
      server = new YamuxEngine(false, serverConfig, () -> now);
    }

    /** Delivers everything queued both ways; every delivery takes half a millisecond. */
    void pump() {
      while (true) {
        byte[] c = Wire.drainBytes(client);
        byte[] s = Wire.drainBytes(server);
        if (c.length == 0 && s.length == 0) {
          return;
        }
        now += MS / 2;
        if (c.length > 0) {
          server.receive(c, 0, c.length);
        }
        if (s.length > 0) {
          client.receive(s, 0, s.length);
        }
        Wire.drain(client, new ArrayList<>());
        Wire.drain(server, serverEvents);
      }
    }

    long open() {
      long id = client.openStream();
      pump();
      return id;
    }

    /**
     * One round: the client sends all its window allows on stream {@code id}; the server reads
     * {@code readFraction} of what it got (the rest stays unread); the updates travel back.
     *
     * @return what the client could send
     */
    int round(long id, double readFraction) {
      int took = client.write(id, HUGE, 0, HUGE.length);
      assertEquals(0, client.write(id, HUGE, 0, 1), "nothing beyond the window");
      pump();
      long toRead = (long) (took * readFraction);
      List<MuxerEvent> data = new ArrayList<>(serverEvents);
      serverEvents.clear();
      for (MuxerEvent ev : data) {
        if (ev instanceof MuxerEvent.StreamData d && d.streamId() == id && toRead > 0) {
          int n = (int) Math.min(toRead, d.data().length);
          server.consumed(id, n);
          toRead -= n;
        } else if (!(ev instanceof MuxerEvent.StreamData)) {
          serverEvents.add(ev);
        }
      }
      pump();
      return took;
    }
  }

  @Test
  void theFirstUpdateMeasuresTheRoundTrip() {
    Session t = new Session(new YamuxConfig());
    long id = t.open();
    assertEquals(W, t.round(id, 1.0));
    assertEquals(MS, t.server.rttNanos(), "the server's own ping: two deliveries");
    assertEquals(W, t.server.receiveWindow(id), "no growth before there is an estimate");
  }

  @Test
  void quickUpdatesDoubleTheWindowUpToTheMaximum() {
    Session t = new Session(new YamuxConfig());
    long id = t.open();
    long window = W;
    List<Integer> sent = new ArrayList<>();
    for (int r = 0; r < 20; r++) {
      sent.add(t.round(id, 1.0));
      long grant = t.server.receiveWindow(id);
      assertTrue(grant == window || grant == Math.min(MAX, 2 * window) || grant == Math.min(MAX,
          4 * window), "round " + r + ": grows by doubling, from " + window + " to " + grant);
      window = grant;
    }
    assertEquals(MAX, window, "rounds of a few ms each, under 4 round trips: grows to the max");
    // In these lock-step rounds credit comes back half a window at a time, so the client sends
    // between half and all of the window per round: far beyond the 256 KiB it started with.
    assertTrue(sent.get(sent.size() - 1) > MAX / 2, "the client uses the grown window: " + sent);
    assertTrue(sent.stream().allMatch(n -> n <= MAX), sent.toString());
  }

  @Test
  void slowUpdatesKeepTheWindow() {
    Session t = new Session(new YamuxConfig());
    long id = t.open();
    for (int r = 0; r < 10; r++) {
      assertTrue(t.round(id, 1.0) <= W);
      t.now += 10 * MS; // updates 10 ms apart: the path, not the window, sets the pace
    }
    assertEquals(W, t.server.receiveWindow(id));
  }

  @Test
  void aLaggingReaderNeverGrowsItsWindow() {
    Session t = new Session(new YamuxConfig());
    long id = t.open();
    t.round(id, 1.0); // measure the round trip
    for (int r = 0; r < 10; r++) {
      t.round(id, 0.25); // the reader leaves three quarters of each round unread
    }
    assertEquals(W, t.server.receiveWindow(id));
  }

  @Test
  void sessionGrowthIsBoundedAndReturnedWhenStreamsClose() {
    Session t = new Session(new YamuxConfig().maxSessionWindowGrowth(W));
    long a = t.open();
    long b = t.open();
    for (int r = 0; r < 6; r++) {
      t.round(a, 1.0);
      t.round(b, 1.0);
    }
    assertEquals(2 * W, t.server.receiveWindow(a) + t.server.receiveWindow(b) - W,
        "together the two grew by the session's bound, no more");
    long grownOne = t.server.receiveWindow(a) > W ? a : b;
    long other = grownOne == a ? b : a;
    // The grown stream ends both ways: its growth returns to the session, and the other may grow.
    t.client.closeWrite(grownOne);
    t.server.closeWrite(grownOne);
    t.pump();
    assertEquals(-1, t.server.receiveWindow(grownOne));
    for (int r = 0; r < 6; r++) {
      t.round(other, 1.0);
    }
    assertEquals(2 * W, t.server.receiveWindow(other));
  }

  @Test
  void theUpdateCarriesTheFirstRoundTripPing() {
    Session t = new Session(new YamuxConfig());
    long id = t.open();
    assertEquals(W / 2, t.client.write(id, HUGE, 0, W / 2));
    byte[] wire = Wire.drainBytes(t.client);
    t.server.receive(wire, 0, wire.length);
    List<MuxerEvent> got = new ArrayList<>();
    Wire.drain(t.server, got);
    for (MuxerEvent e : got) {
      if (e instanceof MuxerEvent.StreamData d) {
        t.server.consumed(id, d.length());
      }
    }
    byte[] out = Wire.drainBytes(t.server);
    assertEquals(2 * YamuxFrame.HEADER_LENGTH, out.length, "an update, then a ping");
    assertEquals(YamuxFrame.TYPE_WINDOW_UPDATE, out[1]);
    assertEquals(YamuxFrame.TYPE_PING, out[YamuxFrame.HEADER_LENGTH + 1]);
  }

  @Test
  void withoutAClockWindowsAreFixedAndNoPingIsSent() {
    YamuxEngine client = new YamuxEngine(true);
    YamuxEngine server = new YamuxEngine(false);
    long id = client.openStream();
    server.receive(Wire.drainBytes(client), 0, 12);
    client.receive(Wire.drainBytes(server), 0, 12);
    for (int r = 0; r < 4; r++) {
      int n = client.write(id, HUGE, 0, HUGE.length);
      byte[] wire = Wire.drainBytes(client);
      server.receive(wire, 0, wire.length);
      List<MuxerEvent> got = new ArrayList<>();
      Wire.drain(server, got);
      for (MuxerEvent e : got) {
        if (e instanceof MuxerEvent.StreamData d) {
          server.consumed(id, d.length());
        }
      }
      byte[] back = Wire.drainBytes(server);
      for (int i = 0; i < back.length; i += YamuxFrame.HEADER_LENGTH) {
        assertEquals(YamuxFrame.TYPE_WINDOW_UPDATE, back[i + 1], "updates only, no ping");
      }
      client.receive(back, 0, back.length);
      assertTrue(n <= W);
    }
    assertEquals(W, server.receiveWindow(id));
  }

  @Test
  void noGrowthWhenTurnedOff() {
    Session t = new Session(new YamuxConfig().maxSessionWindowGrowth(0));
    long id = t.open();
    for (int r = 0; r < 10; r++) {
      assertTrue(t.round(id, 1.0) <= W);
    }
    assertEquals(W, t.server.receiveWindow(id));
    assertEquals(0, t.server.rttNanos(), "no round-trip pings without auto-tuning");
  }
}
