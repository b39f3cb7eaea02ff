package dev.vertxp2p.transport;

import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.proto.mux.MuxerException;
import dev.vertxp2p.util.Owner;
import dev.vertxp2p.util.SystemClock;
import io.vertx.core.Future;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;

/**
 * Runs a connection's {@link HealthCheck} on the connection's loop, for a muxed connection and a
 * QUIC one alike: one Vert.x timer at the machine's next deadline, and for each check the
 * connection's ping frame where it has one (Yamux: control frames bypass stream data, so a busy
 * connection is checked too), else the {@code /ipfs/ping/1.0.0} stream the host supplies (mplex,
 * and QUIC, as Netty does not expose QUIC's PING frame). Each answer is folded into the
 * connection's one round-trip average ({@link Latency}). The state is published for readers on
 * any thread.
 */
final class HealthMonitor {

  /** A connection's own ping frame, where it has one (Yamux). */
  interface PingFrame {
    /** A connection without one: every check asks the ping protocol on a stream. */
    PingFrame NONE = () -> null;

    /**
     * Sends one ping frame; on the loop.
     *
     * @return its round trip in nanoseconds, or null where the connection has no ping frame (the
     *     check then asks the ping protocol on a stream)
     * @throws MuxerException when the session failed: the connection is closing
     */
    Future<Long> ping();
  }

  /** Where a connection keeps its one round-trip average, which every answered check feeds. */
  interface Latency {
    /** Folds a measured round trip into the average; on the loop, one sample after another. */
    void record(double millis);

    /** The average in milliseconds, NaN before the first sample; from any thread. */
    double latencyMillis();
  }

  /**
   * A round-trip average weighing each new sample by {@code weight}: changed on one loop, one
   * sample after another, and published to readers on any thread.
   */
  static final class Average implements Latency {
    private final double weight;
    private volatile double millis = Double.NaN;

    Average(double weight) {
      this.weight = weight;
    }

    @Override
    public void record(double sample) {
      double prev = millis;
      millis = Double.isNaN(prev) ? sample : prev + weight * (sample - prev);
    }

    @Override
    public double latencyMillis() {
      return millis;
    }
  }

  private final Owner owner;
  /** Whether the connection is closed: no check goes out then, and no answer counts. */
  private final BooleanSupplier closed;
  private final PingFrame frame;
  private final Latency latency;
  private HealthCheck check;
  private Supplier<Future<Long>> streamPing;
  private DoubleConsumer onSample;
  private long timer = -1;
  /** Set by {@link #stop}: no check goes out from then on, and no answer still out counts. */
  private boolean stopped;
  private volatile ConnectionHealth published = ConnectionHealth.UNKNOWN;
  private volatile int publishedFailures;
  private volatile long samples;
  /** Set once checks stopped because no ping is served; readable from any thread. */
  private volatile boolean noPingServed;

  /**
   * @param owner the connection's loop, where every method but the readers runs
   * @param closed whether the connection is closed
   * @param frame the connection's ping frame, or {@link PingFrame#NONE}
   * @param latency the connection's round-trip average
   */
  HealthMonitor(Owner owner, BooleanSupplier closed, PingFrame frame, Latency latency) {
    this.owner = owner;
    this.closed = closed;
    this.frame = frame;
    this.latency = latency;
  }

  /** No more checks: stopped, or the connection closed. */
  private boolean over() {
    return stopped || closed.getAsBoolean();
  }

  /** Starts checking; on the loop, once. */
  void start(HealthOptions options, Supplier<Future<Long>> streamPing,
      HealthCheck.Transitions onChange, DoubleConsumer onSample) {
    owner.check();
    if (check != null || over()) {
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
    if (deadline == Long.MAX_VALUE || over()) {
      return;
    }
    long delayMillis =
        Math.max(1, (deadline - SystemClock.NANOS.getAsLong() + 999_999) / 1_000_000);
    timer = owner.context().owner().setTimer(delayMillis, t -> owner.run(this::tick));
  }

  private void tick() {
    owner.check();
    timer = -1;
    if (check == null || over()) {
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
    Future<Long> answer;
    try {
      answer = frame.ping();
    } catch (MuxerException e) {
      return; // the session failed: the connection is closing
    }
    if (answer == null && streamPing != null) {
      answer = owner.rehome(streamPing.get());
    }
    if (answer == null) {
      check.unsupported();
      noPingServed = true;
      return;
    }
    answer.onComplete(ar -> owner.run(() -> {
      if (check == null || over()) {
        return;
      }
      if (ar.succeeded()) {
        double millis = ar.result() / 1e6;
        latency.record(millis);
        samples++;
        onSample.accept(millis);
        check.answered(n, SystemClock.NANOS.getAsLong(), latency.latencyMillis());
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
    cancelTimer();
    arm();
  }

  private void cancelTimer() {
    if (timer >= 0) {
      owner.context().owner().cancelTimer(timer);
      timer = -1;
    }
  }

  /**
   * The connection starts draining: it reads {@code draining} from now on and no check goes out.
   * An answer still out counts unless {@link #stop} follows.
   */
  void drain() {
    owner.check();
    if (check != null) {
      check.drain();
    }
    published = ConnectionHealth.DRAINING;
    cancelTimer();
  }

  /** Checks stop for good: the connection closed (or drains and drops late answers). */
  void stop() {
    owner.check();
    stopped = true;
    cancelTimer();
  }

  ConnectionHealth state() {
    return published;
  }

  int failedChecks() {
    return publishedFailures;
  }

  /** Whether checks stopped because there is no ping frame and the peer serves no ping protocol. */
  boolean noPingServed() {
    return noPingServed;
  }

  /** Answered checks so far. */
  long samples() {
    return samples;
  }
}
