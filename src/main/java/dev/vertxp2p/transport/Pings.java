package dev.vertxp2p.transport;

import dev.vertxp2p.StreamClosedException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;

/**
 * A connection's muxer-level pings (Yamux) waiting for their pong, and its smoothed round-trip
 * time for {@code lowest_latency}. Changed on the connection's loop only; the average is published
 * to readers on any thread.
 */
final class Pings implements HealthMonitor.Latency, HealthMonitor.PingFrame {
  /** Weight of the newest sample in the round-trip average. */
  static final double RTT_WEIGHT = 0.25;

  private final MuxedConnection conn;
  /** Pings waiting for their pong; made on the first ping (most connections never send one). */
  private Map<Long, Promise<Long>> waiting;
  private final HealthMonitor.Average latency = new HealthMonitor.Average(RTT_WEIGHT);
  /** The muxer has no ping frame (mplex): health checks use the ping protocol on a stream. */
  private boolean noPingFrame;

  Pings(MuxedConnection conn) {
    this.conn = conn;
  }

  /** Sends a ping; {@code promise} gets the round trip in nanoseconds. */
  void ping(Promise<Long> promise) {
    conn.owner().check();
    long start = System.nanoTime();
    long pingId = conn.engine().ping();
    if (pingId < 0) {
      promise.fail(new UnsupportedOperationException(conn.engine().protocolId() + " has no ping frame"));
      return;
    }
    Promise<Long> pong = Promise.promise();
    if (waiting == null) {
      waiting = new HashMap<>();
    }
    waiting.put(pingId, pong);
    conn.flush();
    pong.future().onComplete(ar -> {
      if (ar.succeeded()) {
        promise.complete(ar.result() - start);
      } else {
        promise.fail(ar.cause());
      }
    });
  }

  /**
   * A health check's ping frame: its round trip in nanoseconds, or null where the muxer has none
   * (mplex), now and from then on, so the check asks the ping protocol on a stream instead.
   *
   * @throws dev.vertxp2p.proto.mux.MuxerException when the session failed
   */
  @Override
  public Future<Long> ping() {
    if (noPingFrame) {
      return null;
    }
    Promise<Long> pong = Promise.promise();
    ping(pong);
    if (pong.future().failed() && pong.future().cause() instanceof UnsupportedOperationException) {
      noPingFrame = true; // mplex: ask the ping protocol instead, now and from now on
      return null;
    }
    return pong.future();
  }

  /** The remote answered ping {@code pingId} (keep-alive probes are nobody's: ignored). */
  void onPong(long pingId) {
    conn.owner().check();
    Promise<Long> p = waiting == null ? null : waiting.remove(pingId);
    if (p != null) {
      p.tryComplete(System.nanoTime());
    }
  }

  /** The connection closed: no pong will come. */
  void failAll() {
    conn.owner().check();
    if (waiting == null) {
      return;
    }
    for (Promise<Long> p : waiting.values()) {
      p.tryFail(new StreamClosedException("connection closed"));
    }
    waiting = null;
  }

  /** Folds a measured round trip into the average; on the loop, one sample after another. */
  @Override
  public void record(double millis) {
    conn.owner().check();
    latency.record(millis);
  }

  /** The average in milliseconds, NaN before the first sample; from any thread. */
  @Override
  public double latencyMillis() {
    return latency.latencyMillis();
  }
}
