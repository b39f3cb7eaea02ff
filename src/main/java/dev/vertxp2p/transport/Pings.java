package dev.vertxp2p.transport;

import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;

/**
 * A connection's muxer-level pings (Yamux) waiting for their pong, and its smoothed round-trip
 * time for {@code lowest_latency}. Changed on the connection's loop only; the average is published
 * to readers on any thread.
 */
final class Pings {
  /** Weight of the newest sample in the round-trip average. */
  static final double RTT_WEIGHT = 0.25;

  private final MuxedConnection conn;
  private final Owner owner;
  private final MuxerEngine muxer;
  private final Map<Long, Promise<Long>> waiting = new HashMap<>();
  private volatile double latencyMillis = Double.NaN;

  Pings(MuxedConnection conn, MuxerEngine muxer) {
    this.conn = conn;
    this.owner = conn.owner();
    this.muxer = muxer;
  }

  /** Sends a ping; {@code promise} gets the round trip in nanoseconds. */
  void ping(Promise<Long> promise) {
    owner.check();
    long start = System.nanoTime();
    long pingId = muxer.ping();
    if (pingId < 0) {
      promise.fail(new UnsupportedOperationException(muxer.protocolId() + " has no ping frame"));
      return;
    }
    Promise<Long> pong = Promise.promise();
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

  /** The remote answered ping {@code pingId} (keep-alive probes are nobody's: ignored). */
  void onPong(long pingId) {
    owner.check();
    Promise<Long> p = waiting.remove(pingId);
    if (p != null) {
      p.tryComplete(System.nanoTime());
    }
  }

  /** The connection closed: no pong will come. */
  void failAll() {
    owner.check();
    for (Promise<Long> p : waiting.values()) {
      p.tryFail(new StreamClosedException("connection closed"));
    }
    waiting.clear();
  }

  /** Folds a measured round trip into the average; on the loop, one sample after another. */
  void record(double millis) {
    owner.check();
    double prev = latencyMillis;
    latencyMillis = Double.isNaN(prev) ? millis : prev + RTT_WEIGHT * (millis - prev);
  }

  /** The average in milliseconds, NaN before the first sample; from any thread. */
  double latencyMillis() {
    return latencyMillis;
  }
}
