package dev.vertxp2p.proto.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vertxp2p.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What every {@link MuxerEngine} must do, tested through the interface only: two engines wired
 * back to back in memory, bytes moved between them in random chunk sizes.
 *
 * <p>Subclasses supply {@link #newEngine(boolean)}; engine-specific wire details belong in their
 * own tests.
 */
public abstract class MuxerEngineContractTest {

  /** A fresh engine; {@code initiator} says whether it plays the dialer. */
  protected abstract MuxerEngine newEngine(boolean initiator);

  /** Two engines back to back, with every event each one reported so far. */
  protected final class Pair {
    public final MuxerEngine a = newEngine(true);
    public final MuxerEngine b = newEngine(false);
    public final List<MuxerEvent> eventsA = new ArrayList<>();
    public final List<MuxerEvent> eventsB = new ArrayList<>();
    private final Random rnd;
    private final long seed;

    Pair(long seed) {
      this.seed = seed;
      this.rnd = new Random(seed);
    }

    /** Moves what each side has queued to the other once; returns whether anything moved. */
    public boolean pumpOnce() {
      boolean moved = transfer(a, b);
      moved |= transfer(b, a);
      drain();
      return moved;
    }

    /** Pumps until neither side has anything to send. */
    public void pump() {
      for (int i = 0; i < 100_000; i++) {
        if (!pumpOnce()) {
          return;
        }
      }
      fail("engines never went quiet (seed " + seed + ")");
    }

    /** Collects pending events of both sides. */
    public void drain() {
      for (MuxerEvent e; (e = a.pollEvent()) != null; ) {
        eventsA.add(e);
      }
      for (MuxerEvent e; (e = b.pollEvent()) != null; ) {
        eventsB.add(e);
      }
    }

    private boolean transfer(MuxerEngine from, MuxerEngine to) {
      boolean moved = false;
      for (byte[] chunk; (chunk = from.pollOutbound()) != null; ) {
        moved = true;
        int pos = 0;
        while (pos < chunk.length) {
          int n = Math.min(chunk.length - pos, 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 70_000));
          to.receive(chunk, pos, n);
          pos += n;
        }
      }
      return moved;
    }

    public String seed() {
      return "seed " + seed;
    }

    private int consumedA;
    private int consumedB;

    /** Tells each engine the application consumed every byte delivered so far. */
    public void consumeAll() {
      consumedA = consume(a, eventsA, consumedA);
      consumedB = consume(b, eventsB, consumedB);
    }

    private int consume(MuxerEngine engine, List<MuxerEvent> events, int from) {
      for (int i = from; i < events.size(); i++) {
        if (events.get(i) instanceof MuxerEvent.StreamData d) {
          engine.consumed(d.streamId(), d.data().length);
        }
      }
      return events.size();
    }
  }

  protected Pair pair(long seed) {
    return new Pair(seed);
  }

  // ---------------------------------------------------------------- helpers

  protected static <T extends MuxerEvent> List<T> ofType(List<MuxerEvent> events, Class<T> type) {
    List<T> out = new ArrayList<>();
    for (MuxerEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  protected static long onlyOpened(List<MuxerEvent> events) {
    List<MuxerEvent.StreamOpened> opened = ofType(events, MuxerEvent.StreamOpened.class);
    assertEquals(1, opened.size(), "exactly one StreamOpened expected in " + events);
    return opened.get(0).streamId();
  }

  protected static byte[] dataOf(List<MuxerEvent> events, long streamId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (MuxerEvent.StreamData d : ofType(events, MuxerEvent.StreamData.class)) {
      if (d.streamId() == streamId) {
        out.writeBytes(d.data());
      }
    }
    return out.toByteArray();
  }

  protected static boolean has(List<MuxerEvent> events, MuxerEvent expected) {
    return events.contains(expected);
  }

  protected static byte[] randomBytes(Random rnd, int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  /** Writes everything, pumping whenever flow control holds some back. */
  protected static void writeFully(Pair p, MuxerEngine from, long id, byte[] data) {
    int pos = 0;
    for (int rounds = 0; pos < data.length; rounds++) {
      pos += from.write(id, data, pos, data.length - pos);
      if (pos < data.length) {
        if (rounds > 10_000) {
          fail("write never completed (" + p.seed() + ")");
        }
        p.pump();
        consumeAll(p);
      }
    }
  }

  /** Tells each engine the application consumed every byte delivered so far. */
  protected static void consumeAll(Pair p) {
    p.consumeAll();
  }

  // ---------------------------------------------------------------- tests

  @Test
  void identity() {
    Pair p = pair(1);
    assertNotNull(p.a.protocolId());
    assertTrue(p.a.protocolId().startsWith("/"), p.a.protocolId());
    assertEquals(p.a.protocolId(), p.b.protocolId());
    assertTrue(p.a.isInitiator());
    assertFalse(p.b.isInitiator());
    assertFalse(p.a.isClosed());
    assertFalse(p.a.isGoingAway());
    assertEquals(0, p.a.openStreamCount());
  }

  @Test
  void openIsAcceptedByTheRemote() {
    Pair p = pair(2);
    long id = p.a.openStream();
    p.pump();
    long remote = onlyOpened(p.eventsB);
    assertEquals(1, p.a.openStreamCount());
    assertEquals(1, p.b.openStreamCount());
    assertTrue(ofType(p.eventsA, MuxerEvent.StreamOpened.class).isEmpty());
    // The acceptor can open one of its own; handles on one side never collide.
    long other = p.b.openStream();
    p.pump();
    assertTrue(other != remote, "acceptor's own stream must get a fresh handle");
    assertEquals(2, p.b.openStreamCount());
    assertEquals(1, ofType(p.eventsA, MuxerEvent.StreamOpened.class).size());
    assertTrue(ofType(p.eventsA, MuxerEvent.StreamOpened.class).get(0).streamId() != id);
  }

  @Test
  void dataFlowsBothWaysByteIdentical() {
    Pair p = pair(3);
    Random rnd = new Random(3);
    long id = p.a.openStream();
    byte[] there = randomBytes(rnd, 100_000);
    writeFully(p, p.a, id, there);
    p.pump();
    long remote = onlyOpened(p.eventsB);
    byte[] back = randomBytes(rnd, 77_777);
    writeFully(p, p.b, remote, back);
    p.pump();
    assertArrayEquals(there, dataOf(p.eventsB, remote));
    assertArrayEquals(back, dataOf(p.eventsA, id));
  }

  @Test
  void halfCloseFromTheOpener() {
    halfClose(4, true);
  }

  @Test
  void halfCloseFromTheAcceptor() {
    halfClose(5, false);
  }

  private void halfClose(long seed, boolean openerClosesFirst) {
    Pair p = pair(seed);
    long idA = p.a.openStream();
    p.a.write(idA, new byte[] {1, 2, 3}, 0, 3);
    p.pump();
    long idB = onlyOpened(p.eventsB);
    MuxerEngine first = openerClosesFirst ? p.a : p.b;
    MuxerEngine second = openerClosesFirst ? p.b : p.a;
    long firstId = openerClosesFirst ? idA : idB;
    long secondId = openerClosesFirst ? idB : idA;
    List<MuxerEvent> firstEvents = openerClosesFirst ? p.eventsA : p.eventsB;
    List<MuxerEvent> secondEvents = openerClosesFirst ? p.eventsB : p.eventsA;

    first.closeWrite(firstId);
    first.closeWrite(firstId); // idempotent
    p.pump();
    assertTrue(has(secondEvents, new MuxerEvent.StreamRemoteClosed(secondId)), secondEvents::toString);
    MuxerException afterClose =
        assertThrows(MuxerException.class, () -> first.write(firstId, new byte[1], 0, 1));
    assertEquals(MuxerException.Reason.STREAM_CLOSED, afterClose.reason());

    // The other direction still works.
    second.write(secondId, new byte[] {9, 8}, 0, 2);
    p.pump();
    byte[] got = dataOf(firstEvents, firstId);
    assertArrayEquals(new byte[] {9, 8}, openerClosesFirst ? got : tail(got, 2));
    assertEquals(1, first.openStreamCount());

    second.closeWrite(secondId);
    p.pump();
    assertTrue(has(firstEvents, new MuxerEvent.StreamRemoteClosed(firstId)), firstEvents::toString);
    assertTrue(has(firstEvents, new MuxerEvent.StreamClosed(firstId)), firstEvents::toString);
    assertTrue(has(secondEvents, new MuxerEvent.StreamClosed(secondId)), secondEvents::toString);
    assertEquals(0, p.a.openStreamCount());
    assertEquals(0, p.b.openStreamCount());
    assertFalse(p.a.isClosed());
    assertFalse(p.b.isClosed());
  }

  private static byte[] tail(byte[] b, int n) {
    byte[] out = new byte[n];
    System.arraycopy(b, b.length - n, out, 0, n);
    return out;
  }

  @Test
  void resetByTheOpener() {
    reset(6, true);
  }

  @Test
  void resetByTheAcceptor() {
    reset(7, false);
  }

  private void reset(long seed, boolean openerResets) {
    Pair p = pair(seed);
    long idA = p.a.openStream();
    p.a.write(idA, new byte[] {1}, 0, 1);
    p.pump();
    long idB = onlyOpened(p.eventsB);
    MuxerEngine resetter = openerResets ? p.a : p.b;
    MuxerEngine victim = openerResets ? p.b : p.a;
    long resetterId = openerResets ? idA : idB;
    long victimId = openerResets ? idB : idA;
    List<MuxerEvent> victimEvents = openerResets ? p.eventsB : p.eventsA;

    resetter.reset(resetterId);
    resetter.reset(resetterId); // idempotent
    p.pump();
    assertTrue(has(victimEvents, new MuxerEvent.StreamReset(victimId)), victimEvents::toString);
    assertEquals(0, p.a.openStreamCount());
    assertEquals(0, p.b.openStreamCount());
    for (MuxerEngine e : List.of(resetter, victim)) {
      long id = e == resetter ? resetterId : victimId;
      MuxerException ex =
          assertThrows(MuxerException.class, () -> e.write(id, new byte[1], 0, 1));
      assertTrue(
          ex.reason() == MuxerException.Reason.UNKNOWN_STREAM
              || ex.reason() == MuxerException.Reason.STREAM_CLOSED,
          ex.reason()::toString);
    }
    // The session itself is unharmed.
    long next = p.a.openStream();
    p.a.write(next, new byte[] {5}, 0, 1);
    p.pump();
    List<MuxerEvent.StreamOpened> opened = ofType(p.eventsB, MuxerEvent.StreamOpened.class);
    assertArrayEquals(new byte[] {5}, dataOf(p.eventsB, opened.get(opened.size() - 1).streamId()));
  }

  @Test
  void manyConcurrentStreamsInterleaved() {
    Pair p = pair(8);
    Random rnd = new Random(8);
    int perSide = 50;
    List<long[]> outbound = new ArrayList<>(); // {engine (0 = a, 1 = b), handle, index}
    for (int i = 0; i < perSide; i++) {
      outbound.add(new long[] {0, p.a.openStream(), i});
      outbound.add(new long[] {1, p.b.openStream(), perSide + i});
    }
    // Each stream carries its index in its first four bytes, then random-length content.
    Map<Integer, byte[]> payloads = new HashMap<>();
    Map<Integer, Integer> written = new HashMap<>();
    for (long[] s : outbound) {
      int index = (int) s[2];
      byte[] body = randomBytes(rnd, 4 + rnd.nextInt(20_000));
      ByteBuffer.wrap(body).putInt(index);
      payloads.put(index, body);
      written.put(index, 0);
    }
    List<long[]> pending = new ArrayList<>(outbound);
    while (!pending.isEmpty()) {
      long[] s = pending.get(rnd.nextInt(pending.size()));
      MuxerEngine e = s[0] == 0 ? p.a : p.b;
      int index = (int) s[2];
      byte[] body = payloads.get(index);
      int pos = written.get(index);
      int n = Math.min(body.length - pos, 1 + rnd.nextInt(3000));
      pos += e.write(s[1], body, pos, n);
      written.put(index, pos);
      if (pos == body.length) {
        e.closeWrite(s[1]);
        pending.remove(s);
      }
      if (rnd.nextInt(10) == 0) {
        p.pumpOnce();
        consumeAll(p);
      }
    }
    do {
      consumeAll(p);
    } while (p.pumpOnce());
    Set<Integer> seen = new HashSet<>();
    for (List<MuxerEvent> events : List.of(p.eventsA, p.eventsB)) {
      List<MuxerEvent.StreamOpened> opened = ofType(events, MuxerEvent.StreamOpened.class);
      assertEquals(perSide, opened.size());
      for (MuxerEvent.StreamOpened o : opened) {
        byte[] got = dataOf(events, o.streamId());
        assertTrue(got.length >= 4, "stream " + o.streamId() + " got " + got.length + " bytes");
        int index = ByteBuffer.wrap(got).getInt();
        assertTrue(seen.add(index), "two streams carried index " + index);
        assertArrayEquals(payloads.get(index), got, "stream index " + index);
        assertTrue(has(events, new MuxerEvent.StreamRemoteClosed(o.streamId())));
      }
    }
    assertEquals(2 * perSide, seen.size());
  }

  @Test
  void bigTransferWithSlowConsumerCompletesIntact() {
    Pair p = pair(9);
    Random rnd = new Random(9);
    byte[] payload = randomBytes(rnd, 4 * 1024 * 1024 + 123);
    long id = p.a.openStream();
    int sent = 0;
    int consumedUpTo = 0; // index into eventsB already consumed
    long remote = -1;
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    for (int round = 0; ; round++) {
      if (round > 200_000) {
        fail("transfer stalled at " + received.size() + " bytes (" + p.seed() + ")");
      }
      if (sent < payload.length) {
        int n = Math.min(payload.length - sent, 1 + rnd.nextInt(48 * 1024));
        sent += p.a.write(id, payload, sent, n);
        if (sent == payload.length) {
          p.a.closeWrite(id);
        }
      }
      int before = p.eventsB.size();
      p.pumpOnce();
      // The application lags: it takes what arrived in earlier rounds, a slice at a time.
      int upTo = before;
      for (int i = consumedUpTo; i < upTo; i++) {
        MuxerEvent e = p.eventsB.get(i);
        if (e instanceof MuxerEvent.StreamOpened o) {
          remote = o.streamId();
        } else if (e instanceof MuxerEvent.StreamData d) {
          assertEquals(remote, d.streamId());
          received.writeBytes(d.data());
          int left = d.data().length;
          while (left > 0) {
            int slice = Math.min(left, 1 + rnd.nextInt(16 * 1024));
            p.b.consumed(d.streamId(), slice);
            left -= slice;
          }
        } else if (e instanceof MuxerEvent.StreamReset) {
          fail("stream reset during a well-behaved transfer (" + p.seed() + ")");
        }
      }
      consumedUpTo = upTo;
      if (received.size() == payload.length
          && has(p.eventsB, new MuxerEvent.StreamRemoteClosed(remote))) {
        break;
      }
    }
    assertArrayEquals(payload, received.toByteArray());
  }

  @Test
  void receiverThatNeverConsumesIsProtected() {
    Pair p = pair(10);
    long id = p.a.openStream();
    byte[] chunk = new byte[64 * 1024];
    long accepted = 0;
    long target = 16L * 1024 * 1024;
    boolean heldBack = false;
    boolean reset = false;
    for (int round = 0; round < 1000 && accepted < target && !reset; round++) {
      int n;
      try {
        n = p.a.write(id, chunk, 0, chunk.length);
      } catch (MuxerException e) {
        break; // the stream was reset by the receiver and the sender already knows
      }
      accepted += n;
      heldBack |= n < chunk.length;
      p.pump();
      reset = !ofType(p.eventsB, MuxerEvent.StreamReset.class).isEmpty()
          || !ofType(p.eventsA, MuxerEvent.StreamReset.class).isEmpty();
    }
    long delivered = 0;
    for (MuxerEvent.StreamData d : ofType(p.eventsB, MuxerEvent.StreamData.class)) {
      delivered += d.data().length;
    }
    assertTrue(heldBack || reset, "sender neither held back nor the stream reset");
    assertTrue(delivered < target, "delivered " + delivered + " unconsumed bytes");
  }

  @Test
  void goAwayRefusesNewStreamsButKeepsExistingOnes() {
    Pair p = pair(11);
    long existing = p.a.openStream();
    p.pump();
    long existingB = onlyOpened(p.eventsB);
    p.a.goAway();
    p.a.goAway(); // idempotent
    assertTrue(p.a.isGoingAway());
    MuxerException local = assertThrows(MuxerException.class, p.a::openStream);
    assertEquals(MuxerException.Reason.GOING_AWAY, local.reason());
    p.pump();

    // The remote either learned of it (and refuses locally) or its attempt is refused by us.
    long refused = -1;
    try {
      refused = p.b.openStream();
    } catch (MuxerException e) {
      assertEquals(MuxerException.Reason.GOING_AWAY, e.reason());
      assertTrue(p.b.isGoingAway());
    }
    p.pump();
    assertEquals(0, ofType(p.eventsA, MuxerEvent.StreamOpened.class).size());
    if (refused != -1) {
      assertTrue(has(p.eventsB, new MuxerEvent.StreamReset(refused)), p.eventsB::toString);
    }

    // Streams open before the go-away still carry data both ways.
    p.a.write(existing, new byte[] {1, 2}, 0, 2);
    p.b.write(existingB, new byte[] {3}, 0, 1);
    p.pump();
    assertArrayEquals(new byte[] {1, 2}, dataOf(p.eventsB, existingB));
    assertArrayEquals(new byte[] {3}, dataOf(p.eventsA, existing));
    assertFalse(p.a.isClosed());
  }

  @Test
  void unknownStreamIsRefused() {
    Pair p = pair(12);
    MuxerException e =
        assertThrows(MuxerException.class, () -> p.a.write(123_456L, new byte[1], 0, 1));
    assertEquals(MuxerException.Reason.UNKNOWN_STREAM, e.reason());
    long id = p.a.openStream();
    MuxerException other =
        assertThrows(MuxerException.class, () -> p.a.write(id + 1_000, new byte[1], 0, 1));
    assertEquals(MuxerException.Reason.UNKNOWN_STREAM, other.reason());
  }

  @Test
  void garbageFailsTheSession() {
    Pair p = pair(13);
    long id = p.b.openStream();
    byte[] garbage = new byte[32];
    java.util.Arrays.fill(garbage, (byte) 0xFF);
    assertThrows(ProtocolException.class, () -> p.a.receive(garbage, 0, garbage.length));
    assertTrue(p.a.isClosed());
    assertThrows(ProtocolException.class, () -> p.a.receive(new byte[] {0}, 0, 1));
    MuxerException e = assertThrows(MuxerException.class, p.a::openStream);
    assertEquals(MuxerException.Reason.SESSION_CLOSED, e.reason());
    assertTrue(id >= 0);
  }

  // ---------------------------------------------------------------- answers nobody reads

  /**
   * Opens a stream on {@code a} and resets it at once, handing both frames to {@code b}, which
   * refuses the stream (it sent GOAWAY) and so owes one answer each time.
   */
  private static void openRefusedStream(Pair p) {
    long id = p.a.openStream();
    p.a.reset(id);
    for (byte[] c; (c = p.a.pollOutbound()) != null; ) {
      p.b.receive(c, 0, c.length);
    }
  }

  @Test
  void aPeerThatNeverTakesOurAnswersIsCutOffAtTheBound() {
    Pair p = pair(40);
    p.b.goAway();
    while (p.b.pollOutbound() != null) {
      // the GOAWAY itself went out
    }
    ProtocolException cut = null;
    int refused = 0;
    while (cut == null && refused < 3 * ControlBacklog.MAX_UNSENT) {
      refused++;
      try {
        openRefusedStream(p);
      } catch (ProtocolException e) {
        cut = e;
      }
    }
    assertNotNull(cut, "still not cut off after " + refused + " refused streams whose answers"
        + " were never taken");
    assertEquals(ControlBacklog.MAX_UNSENT + 1, refused, cut.getMessage());
    assertTrue(cut.getMessage().contains(ControlBacklog.MAX_UNSENT + " "), cut.getMessage());
    assertTrue(p.b.isClosed());
    assertThrows(ProtocolException.class, () -> p.b.receive(new byte[1], 0, 1));
  }

  @Test
  void answersTakenAsTheyComeNeverReachTheBound() {
    Pair p = pair(41);
    p.b.goAway();
    for (int i = 0; i < 2 * ControlBacklog.MAX_UNSENT; i++) {
      openRefusedStream(p);
      while (p.b.pollOutbound() != null) {
        // the refusal went out
      }
    }
    assertEquals(0, p.b.unsentControlFrames());
    assertEquals(0, p.b.openStreamCount());
  }
}
