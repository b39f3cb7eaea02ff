package dev.vertxp2p.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shaping proxy against plain Vert.x sockets: its rate cap, added delay, queue bound and
 * stall, each measured on loopback. The tolerances leave room for a busy two-core machine; each
 * bound that must always hold (the delay's floor, the queue bound, the bytes intact) is exact.
 */
class ShapingProxyTest {
  private static final long WAIT_S = 30;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void tearDown() {
    Await.get(vertx.close(), WAIT_S);
  }

  /** A server that collects what it is sent, optionally echoing it back. */
  private static final class Target {
    final NetServer server;
    final Buffer received = Buffer.buffer();
    final AtomicLong firstByteNanos = new AtomicLong();
    volatile Promise<Void> reached = Promise.promise();
    volatile long expect = Long.MAX_VALUE;

    Target(Vertx vertx, boolean echo) {
      server = vertx.createNetServer().connectHandler(s -> s.handler(b -> {
        firstByteNanos.compareAndSet(0, System.nanoTime());
        synchronized (received) {
          received.appendBuffer(b);
          if (received.length() >= expect) {
            reached.tryComplete();
          }
        }
        if (echo) {
          s.write(b);
        }
      }));
      Await.get(server.listen(0, "127.0.0.1"), WAIT_S);
    }

    /** Completes once {@code total} bytes in all have come; clears the first byte's time. */
    Future<Void> await(long total) {
      Promise<Void> p = Promise.promise();
      firstByteNanos.set(0);
      synchronized (received) {
        reached = p;
        expect = total;
        if (received.length() >= total) {
          p.tryComplete();
        }
      }
      return p.future();
    }

    int port() {
      return server.actualPort();
    }
  }

  private ShapingProxy proxy(Target t, long bitsPerSecond, Duration delay) {
    return Await.get(ShapingProxy.start(vertx, "127.0.0.1", t.port(),
        new ShapingProxy.Shape(bitsPerSecond, delay)), WAIT_S);
  }

  private NetSocket connect(ShapingProxy p) {
    return Await.get(vertx.createNetClient().connect(p.port(), "127.0.0.1"), WAIT_S);
  }

  private static Buffer random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return Buffer.buffer(b);
  }

  @Test
  @Timeout(30)
  void aTransferMovesAtTheCapAndTheQueueStaysWithinItsBound() {
    Target t = new Target(vertx, false);
    long cap = 8_000_000; // 1 MB/s: a second of data
    try (ShapingProxy p = proxy(t, cap, Duration.ZERO)) {
      NetSocket c = connect(p);
      int total = 1_000_000;
      Buffer data = random(total, 1);
      Future<Void> all = t.await(total);
      long start = System.nanoTime();
      for (int off = 0; off < total; off += 16 * 1024) {
        c.write(data.slice(off, Math.min(total, off + 16 * 1024)));
      }
      Await.get(all, WAIT_S);
      double bitsPerSecond = total * 8.0 / ((System.nanoTime() - start) / 1e9);
      assertTrue(bitsPerSecond >= 0.7 * cap && bitsPerSecond <= 1.1 * cap,
          "measured " + bitsPerSecond / 1e6 + " Mbit/s through a cap of " + cap / 1e6);
      assertArrayEquals(data.getBytes(), t.received.getBytes());
      // the sender wrote all at once: the queue filled up to its bound and was held there
      assertTrue(p.maxQueued() <= p.queueBound(),
          "queued " + p.maxQueued() + " over the bound " + p.queueBound());
      assertTrue(p.maxQueued() >= p.queueBound() / 2,
          "queued only " + p.maxQueued() + " of " + p.queueBound() + ": reads were not paused");
      c.close();
    }
  }

  @Test
  @Timeout(30)
  void theAddedDelayShowsOnARoundTrip() {
    Target t = new Target(vertx, true);
    Duration delay = Duration.ofMillis(50);
    try (ShapingProxy p = proxy(t, 0, delay)) {
      NetSocket c = connect(p);
      for (int i = 0; i < 3; i++) {
        Promise<Long> back = Promise.promise();
        c.handler(b -> back.tryComplete(System.nanoTime()));
        long start = System.nanoTime();
        c.write("ping");
        long rttMillis = (Await.get(back.future(), WAIT_S) - start) / 1_000_000;
        assertTrue(rttMillis >= 2 * delay.toMillis(), "round trip " + rttMillis + " ms");
        assertTrue(rttMillis < 2 * delay.toMillis() + 1000, "round trip " + rttMillis + " ms");
      }
      c.close();
    }
  }

  @Test
  @Timeout(30)
  void aStallHoldsTheBytesForItsDurationThenAllArriveIntact() {
    Target t = new Target(vertx, false);
    Duration stall = Duration.ofMillis(500);
    try (ShapingProxy p = proxy(t, 0, Duration.ZERO)) {
      NetSocket c = connect(p);
      Buffer first = random(1024, 2);
      Future<Void> gotFirst = t.await(first.length());
      c.write(first);
      Await.get(gotFirst, WAIT_S); // the link is up and forwarding

      Await.get(p.stall(c.localAddress().port(), stall), WAIT_S);
      long stalledAt = System.nanoTime();
      // four times the queue bound: the reads must be paused while stalled
      Buffer rest = random((int) (4 * p.queueBound()), 3);
      Future<Void> all = t.await(first.length() + rest.length());
      c.write(rest);
      Await.get(all, WAIT_S);
      long heldMillis = (t.firstByteNanos.get() - stalledAt) / 1_000_000;
      assertTrue(heldMillis >= stall.toMillis() - 20,
          "the first byte after the stall came after " + heldMillis + " ms");
      assertArrayEquals(Buffer.buffer().appendBuffer(first).appendBuffer(rest).getBytes(),
          t.received.getBytes());
      assertTrue(p.maxQueued() <= p.queueBound(),
          "queued " + p.maxQueued() + " over the bound " + p.queueBound());
      assertEquals(first.length() + rest.length(), p.forwarded());
      c.close();
    }
  }

  @Test
  void theQueueBoundIsOneBandwidthDelayProductPlusSlack() {
    // 200 Mbit/s = 25 MB/s, times a 20 ms round trip = 500,000 bytes
    assertEquals(500_000 + ShapingProxy.QUEUE_SLACK_BYTES,
        new ShapingProxy.Shape(200_000_000, Duration.ofMillis(10)).queueBound());
  }
}
