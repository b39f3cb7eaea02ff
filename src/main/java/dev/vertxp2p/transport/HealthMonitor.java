package dev.vertxp2p.transport;

import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.util.SystemClock;
import dev.vertxp2p.proto.mux.MuxerException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * Runs a connection's {@link HealthCheck} on the connection's loop: one Vert.x timer at the
 * machine's next deadline, a Yamux ping frame for each check (control frames bypass stream data,
 * so a busy connection is checked too), or the {@code /ipfs/ping/1.0.0} stream the host supplies
 * where the muxer has no ping (mplex). Each answer is folded into the connection's one round-trip
 * average ({@link Pings}). The state is published for readers on any thread.
 */
final class HealthMonitor {
  private final MuxedConnection conn;
  private HealthCheck check;
  private Supplier<Future<Long>> streamPing;
  private java.util.function.DoubleConsumer onSample;
  private long timer = -1;
  /** The muxer has no ping frame (mplex): checks use the ping protocol on a stream. */
  private boolean noPingFrame;
  private volatile ConnectionHealth published = ConnectionHealth.UNKNOWN;
  private volatile int publishedFailures;
  private volatile long samples;
  /** Set once checks stopped because no ping is served; readable from any thread. */
  private volatile boolean noPingServed;

  HealthMonitor(MuxedConnection conn) {
    this.conn = conn;
  }

  /** Starts checking; on the loop, once. */
  void start(HealthOptions options, Supplier<Future<Long>> streamPing,
      HealthCheck.Transitions onChange, java.util.function.DoubleConsumer onSample) {
    conn.owner().check();
    if (check != null || conn.shutdown().isClosed()) {
      return;
    }
    this.streamPing = streamPing;
    this.onSample = onSample;
    this.check = new HealthCheck(options, SystemClock.NANOS.getAsLong(), (from, to) -> {
      published = to;
      publishedFailures = check.failedChecks(); // what the listener's Conn JSON shows
      onChange.changed(from, to);
    });
    arm();
  }

  private void arm() {
    long deadline = check.nextDeadline();
    if (deadline == Long.MAX_VALUE || conn.shutdown().isClosed()) {
      return;
    }
    long delayMillis = Math.max(1, (deadline - SystemClock.NANOS.getAsLong() + 999_999) / 1_000_000);
    timer = conn.owner().context().owner().setTimer(delayMillis,
        t -> conn.owner().run(this::tick));
  }

  private void tick() {
    conn.owner().check();
    timer = -1;
    if (check == null || conn.shutdown().isClosed()) {
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
    Future<Long> answer = null;
    if (!noPingFrame) {
      Promise<Long> pong = Promise.promise();
      try {
        conn.pings().ping(pong);
      } catch (MuxerException e) {
        return; // the session failed: the connection is closing
      }
      if (pong.future().failed() && pong.future().cause() instanceof UnsupportedOperationException) {
        noPingFrame = true; // mplex: ask the ping protocol instead, now and from now on
      } else {
        answer = pong.future();
      }
    }
    if (answer != null) {
      // the ping frame's answer
    } else if (streamPing != null) {
      answer = conn.owner().rehome(streamPing.get());
    } else {
      check.unsupported();
      noPingServed = true;
      return;
    }
    answer.onComplete(ar -> conn.owner().run(() -> {
      if (check == null || conn.shutdown().isClosed()) {
        return;
      }
      if (ar.succeeded()) {
        double millis = ar.result() / 1e6;
        conn.pings().record(millis);
        samples++;
        onSample.accept(millis);
        check.answered(n, SystemClock.NANOS.getAsLong(), conn.pings().latencyMillis());
        publishedFailures = check.failedChecks();
      } else if (ar.cause() instanceof ProtocolNotSupportedException) {
        check.unsupported();
        noPingServed = true;
      }
      // any other failure: the check's timeout counts it
      rearm();
    }));
  }

  /** The machine's deadline may have moved (an answer came): the timer follows. */
  private void rearm() {
    if (timer >= 0) {
      conn.owner().context().owner().cancelTimer(timer);
      timer = -1;
    }
    arm();
  }

  /** The connection starts draining: checks stop. */
  void drain() {
    conn.owner().check();
    if (check != null) {
      check.drain();
    } else {
      published = ConnectionHealth.DRAINING;
    }
    stop();
  }

  /** The connection closed: checks stop. */
  void stop() {
    conn.owner().check();
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

  /** Whether checks stopped because the muxer has no ping and the peer serves no ping protocol. */
  boolean noPingServed() {
    return noPingServed;
  }

  /** Answered checks so far. */
  long samples() {
    return samples;
  }
}
