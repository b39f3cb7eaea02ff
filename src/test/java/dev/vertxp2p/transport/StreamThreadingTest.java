package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.protocols.Echo;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stream lives on its connection's event loop and the swarm's map on its owner context, but
 * applications call them from anywhere: the test thread here, another verticle's loop. Futures
 * must call back where the caller expects, and back-pressure and drain must hold for a writer
 * off the loop.
 */
class StreamThreadingTest {
  private static final String SINK = "/sink/1.0.0";
  private static final int CHUNK = 64 * 1024;
  /** Where a writer that never sees a full queue gives up (it would otherwise run out of heap). */
  private static final long WRITE_CAP = 8L << 20;

  private Vertx vertx;
  private Swarm a;
  private Swarm b;
  private Connection conn;
  private final AtomicLong sunk = new AtomicLong();
  private final Promise<Void> sinkGotAll = Promise.promise();
  private volatile long sinkTarget = Long.MAX_VALUE;
  private volatile boolean sinkPaused;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    a = LoopbackTest.node(vertx, TransportOptions.YAMUX_PROTOCOL);
    b = LoopbackTest.node(vertx, TransportOptions.YAMUX_PROTOCOL);
    b.handle(SINK, st -> {
      if (sinkPaused) {
        st.pause();
      }
      st.handler(buf -> {
        if (sunk.addAndGet(buf.length()) >= sinkTarget) {
          sinkGotAll.tryComplete();
        }
      });
    });
    conn = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
  }

  @AfterEach
  void tearDown() {
    // at once, streams and all: the swarms' close would give the open streams a grace period
    await(conn.close());
    await(a.close());
    await(b.close());
    await(vertx.close());
  }

  /**
   * From this thread, while a task holds the connection's loop: writes chunks until the stream
   * says its queue is full, or {@link #WRITE_CAP} bytes; tells {@code beforeRelease} the count
   * while the loop is still held, then lets it go.
   */
  private long writeUntilFullWhileLoopHeld(P2pStream s, LongConsumer beforeRelease)
      throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    try {
      holdLoop(conn, release);
      Buffer chunk = Buffer.buffer(new byte[CHUNK]);
      long written = 0;
      while (!s.writeQueueFull() && written < WRITE_CAP) {
        s.write(chunk);
        written += CHUNK;
      }
      beforeRelease.accept(written);
      return written;
    } finally {
      release.countDown();
    }
  }

  /** Runs a task on the connection's loop that holds it until {@code release} opens. */
  private static void holdLoop(Connection c, CountDownLatch release) throws InterruptedException {
    CountDownLatch held = new CountDownLatch(1);
    ((MuxedConnection) c).run(() -> {
      held.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertTrue(held.await(20, TimeUnit.SECONDS), "the loop never ran the holding task");
  }

  /**
   * A future already complete when a thread outside Vert.x attaches its callback: the callback
   * runs on an event loop, not on the attaching thread (where it would drive the stream from off
   * its loop).
   */
  @Test
  void aCompletedNewStreamCallsBackOnTheLoopNotOnTheAttachingThread() {
    Future<P2pStream> f = conn.newStream(Echo.PROTOCOL);
    await(f);
    Promise<Thread> where = Promise.promise();
    f.onSuccess(s -> where.complete(Thread.currentThread()));
    Thread t = await(where.future());
    assertNotSame(Thread.currentThread(), t);
    assertTrue(t.getName().contains("eventloop"), t.getName());
  }

  /**
   * A caller on a Vert.x context (a verticle) gets its callbacks on that same context: opening a
   * stream, writing, ending, closing the connection.
   */
  @Test
  void aCallerOnAContextIsCalledBackOnIt() {
    Context caller = vertx.getOrCreateContext();
    Promise<List<Context>> where = Promise.promise();
    // each callback straight on the future the call returned (a compose chain would hop back to
    // the caller's context by itself)
    caller.runOnContext(v -> {
      List<Context> seen = new ArrayList<>();
      conn.newStream(SINK).onSuccess(st -> {
        seen.add(Vertx.currentContext());
        // larger than the window, so the write completes later, from the loop
        st.write(Buffer.buffer(new byte[1 << 20])).onComplete(w -> {
          seen.add(Vertx.currentContext());
          st.end().onComplete(e -> {
            seen.add(Vertx.currentContext());
            conn.close().onComplete(c -> {
              seen.add(Vertx.currentContext());
              where.complete(seen);
            });
          });
        });
      });
    });
    assertEquals(List.of(caller, caller, caller, caller), await(where.future()));
  }

  /**
   * The swarm's futures too: a verticle that dials, opens a stream and pings is called back on
   * its own context each time.
   */
  @Test
  void aSwarmCallerOnAContextIsCalledBackOnIt() {
    Context caller = vertx.getOrCreateContext();
    Promise<List<Context>> where = Promise.promise();
    caller.runOnContext(v -> {
      List<Context> seen = new ArrayList<>();
      a.dial(b.listenAddrs().get(0), new DialOptions()).onSuccess(conns -> {
        seen.add(Vertx.currentContext());
        a.newStream(b.peerId(), Echo.PROTOCOL).onSuccess(st -> {
          seen.add(Vertx.currentContext());
          a.ping(b.peerId()).onComplete(ar -> {
            seen.add(Vertx.currentContext());
            where.complete(seen);
          });
        });
      });
    });
    assertEquals(List.of(caller, caller, caller), await(where.future()));
  }

  /**
   * A writer off the loop meets back-pressure even while the loop is busy elsewhere: its bytes
   * count as queued the moment it writes, not once the loop gets to them.
   */
  @Test
  void aWriterOffTheLoopMeetsBackPressureWhileTheLoopIsBusy() throws Exception {
    sinkPaused = true;
    P2pStream s = await(conn.newStream(SINK));
    long written = writeUntilFullWhileLoopHeld(s, n -> { });
    assertTrue(written <= StreamImpl.DEFAULT_WRITE_QUEUE_MAX + CHUNK,
        "wrote " + written + " bytes before the queue reported full");
  }

  /**
   * A writer off the loop finds the queue full, the queue drains, and only then does its drain
   * handler reach the loop: the handler still runs.
   */
  @Test
  void aDrainHandlerSetAfterTheQueueDrainedStillRuns() throws Exception {
    P2pStream s = await(conn.newStream(SINK));
    long written = writeUntilFullWhileLoopHeld(s, n -> sinkTarget = n);
    assertTrue(written < WRITE_CAP, "the queue never reported full");
    // the remote has every byte: the queue is empty, and drained with no handler to tell
    await(sinkGotAll.future());
    Promise<Void> drained = Promise.promise();
    s.drainHandler(v -> drained.tryComplete());
    await(drained.future());
  }

  /**
   * A round-trip sample recorded from another thread is folded into the average on the
   * connection's loop, one sample after another: while the loop is busy the average does not
   * move, and a task queued after the sample sees it. (A read-modify-write on the caller's thread
   * could lose a sample that raced with one on the loop.)
   */
  @Test
  void anRttSampleFromAnotherThreadIsFoldedInOnTheConnectionsLoop() throws Exception {
    MuxedConnection mc = (MuxedConnection) conn;
    assertEquals(Double.NaN, mc.latencyMillis(), "no sample yet (round_robin pings nothing)");
    CountDownLatch release = new CountDownLatch(1);
    try {
      holdLoop(conn, release);
      mc.recordRtt(10.0);
      assertEquals(Double.NaN, mc.latencyMillis(), "folded in while the loop was busy elsewhere");
    } finally {
      release.countDown();
    }
    await(conn.streamsJson()); // queued on the loop after the sample
    assertEquals(10.0, mc.latencyMillis());
  }
}
