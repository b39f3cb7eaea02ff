package dev.vertxp2p.transport;

import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.util.SystemClock;
import io.vertx.core.Future;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;

/**
 * Runs a QUIC connection's {@link HealthCheck} on its loop, as {@link HealthMonitor} does for a
 * muxed one, with {@code /ipfs/ping/1.0.0} on a stream for every check (Netty does not expose
 * QUIC's PING frame). A check also keeps an idle connection within QUIC's idle timeout. The
 * state and the round-trip average are published for readers on any thread.
 */
final class QuicHealth {
  /** Weight of a new sample in the round-trip average, as {@link Pings} weighs them. */
  private static final double RTT_WEIGHT = 0.2;

  private final QuicConnection conn;
  private HealthCheck check;
  private Supplier<Future<Long>> streamPing;
  private DoubleConsumer onSample;
  private long timer = -1;
  private boolean stopped;
  private volatile ConnectionHealth published = ConnectionHealth.UNKNOWN;
  private volatile int publishedFailures;
  private volatile double rttMillis = Double.NaN;
  private volatile long samples;

  QuicHealth(QuicConnection conn) {
    this.conn = conn;
  }

  void start(HealthOptions options, Supplier<Future<Long>> streamPing,
      HealthCheck.Transitions onChange, DoubleConsumer onSample) {
    conn.owner().check();
    if (check != null || stopped || conn.isClosed()) {
      return;
    }
    this.streamPing = streamPing;
    this.onSample = onSample;
    this.check = new HealthCheck(options, SystemClock.NANOS.getAsLong(), (from, to) -> {
      published = to;
      publishedFailures = check.failedChecks();
      onChange.changed(from, to);
    });
    arm();
  }

  private void arm() {
    long deadline = check.nextDeadline();
    if (deadline == Long.MAX_VALUE || stopped) {
      return;
    }
    long delayMillis =
        Math.max(1, (deadline - SystemClock.NANOS.getAsLong() + 999_999) / 1_000_000);
    timer = conn.owner().context().owner().setTimer(delayMillis,
        t -> conn.owner().run(this::tick));
  }

  private void tick() {
    conn.owner().check();
    timer = -1;
    if (check == null || stopped) {
      return;
    }
    long n = check.poll(SystemClock.NANOS.getAsLong());
    publishedFailures = check.failedChecks();
    if (n != 0) {
      send(n);
    }
    arm();
  }

  private void send(long n) {
    if (streamPing == null) {
      check.unsupported();
      return;
    }
    conn.owner().rehome(streamPing.get()).onComplete(ar -> conn.owner().run(() -> {
      if (check == null || stopped) {
        return;
      }
      if (ar.succeeded()) {
        double millis = ar.result() / 1e6;
        record(millis);
        samples++;
        onSample.accept(millis);
        check.answered(n, SystemClock.NANOS.getAsLong(), rttMillis);
        publishedFailures = check.failedChecks();
      } else if (ar.cause() instanceof ProtocolNotSupportedException) {
        check.unsupported();
      }
      if (timer >= 0) {
        conn.owner().context().owner().cancelTimer(timer);
        timer = -1;
      }
      arm();
    }));
  }

  /** Folds a round trip into the average; on the loop. */
  void record(double millis) {
    double prev = rttMillis;
    rttMillis = Double.isNaN(prev) ? millis : prev + RTT_WEIGHT * (millis - prev);
  }

  void drain() {
    conn.owner().check();
    if (check != null) {
      check.drain();
    }
    published = ConnectionHealth.DRAINING;
    stop();
  }

  void stop() {
    conn.owner().check();
    stopped = true;
    if (timer >= 0) {
      conn.owner().context().owner().cancelTimer(timer);
      timer = -1;
    }
  }

  ConnectionHealth state() {
    return published;
  }

  int failedChecks() {
    return publishedFailures;
  }

  long samples() {
    return samples;
  }

  double rttMillis() {
    return rttMillis;
  }
}
