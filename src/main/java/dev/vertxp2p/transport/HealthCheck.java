package dev.vertxp2p.transport;

import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.HealthOptions;
import java.util.Objects;

/**
 * One connection's health checks as a state machine with time as input: it owns no timer and
 * reads no clock. The connection's loop asks {@link #nextDeadline()}, calls {@link #poll} then,
 * sends a ping when told to, and reports the answer with {@link #answered} or the muxer's lack of
 * one with {@link #unsupported()}.
 *
 * <p>At most one check is out at a time, so the work per connection is bounded whatever the
 * settings. Check {@code n} goes out {@code checkInterval} after the previous one went out (or
 * after it resolved, when {@code pingTimeout} is the longer) and fails {@code pingTimeout} later
 * when unanswered; so a connection that stalls from the start is {@link
 * ConnectionHealth#UNHEALTHY} by {@code checkInterval × unhealthyAfter + pingTimeout}.
 *
 * <p>Not thread-safe: the owning connection's loop calls it, one call after another.
 */
public final class HealthCheck {

  /** Told of every change of state, old state first. */
  @FunctionalInterface
  public interface Transitions {
    void changed(ConnectionHealth from, ConnectionHealth to);
  }

  private final long intervalNanos;
  private final long timeoutNanos;
  private final int unhealthyAfter;
  private final double maxLatencyMillis;
  private final Transitions transitions;

  private ConnectionHealth state = ConnectionHealth.UNKNOWN;
  /** When the next check goes out; meaningful while no check is out. */
  private long nextCheckAt;
  /** The check that is out: its number, or 0 when none is. */
  private long outstanding;
  private long outstandingSentAt;
  private long checksSent;
  private int failedInARow;
  private boolean unsupported;
  private boolean answeredOnce;
  private double rttMillis = Double.NaN;

  /**
   * Starts checking at {@code nowNanos}: the first check goes out one {@code checkInterval} later.
   */
  public HealthCheck(HealthOptions options, long nowNanos, Transitions transitions) {
    Objects.requireNonNull(options, "options");
    this.intervalNanos = options.getCheckIntervalDuration().toNanos();
    this.timeoutNanos = options.getPingTimeoutDuration().toNanos();
    this.unhealthyAfter = options.getUnhealthyAfter();
    this.maxLatencyMillis = options.getMaxPingLatency() * 1000.0;
    this.transitions = Objects.requireNonNull(transitions, "transitions");
    this.nextCheckAt = nowNanos + intervalNanos;
  }

  /**
   * When {@link #poll} next has something to do (a check to send or to time out), in the clock's
   * nanoseconds; {@link Long#MAX_VALUE} when it never will (unsupported, draining).
   */
  public long nextDeadline() {
    if (unsupported || state == ConnectionHealth.DRAINING) {
      return Long.MAX_VALUE;
    }
    return outstanding != 0 ? outstandingSentAt + timeoutNanos : nextCheckAt;
  }

  /**
   * Advances to {@code nowNanos}: fails a check unanswered for {@code pingTimeout}, and says
   * whether a new check is due.
   *
   * @return the number of the check the caller must send now (pass it to {@link #answered}), or
   *     0 when none is due
   */
  public long poll(long nowNanos) {
    if (unsupported || state == ConnectionHealth.DRAINING) {
      return 0;
    }
    if (outstanding != 0) {
      if (nowNanos - (outstandingSentAt + timeoutNanos) < 0) {
        return 0;
      }
      // Timed out: the check fails, and the next goes out no sooner than one interval after
      // this one went out, nor before now.
      outstanding = 0;
      failedInARow++;
      long byInterval = outstandingSentAt + intervalNanos;
      nextCheckAt = byInterval - nowNanos > 0 ? byInterval : nowNanos;
      settle();
    }
    if (nowNanos - nextCheckAt < 0) {
      return 0;
    }
    outstanding = ++checksSent;
    outstandingSentAt = nowNanos;
    return outstanding;
  }

  /**
   * Check {@code check} was answered; {@code rttMillis} is the connection's round-trip average
   * with this answer folded in. An answer to a check that already timed out is ignored: that
   * check failed, and only the next check's answer counts.
   */
  public void answered(long check, long nowNanos, double rttMillis) {
    if (check == 0 || check != outstanding || state == ConnectionHealth.DRAINING) {
      return;
    }
    outstanding = 0;
    failedInARow = 0;
    answeredOnce = true;
    this.rttMillis = rttMillis;
    long byInterval = outstandingSentAt + intervalNanos;
    nextCheckAt = byInterval - nowNanos > 0 ? byInterval : nowNanos;
    settle();
  }

  /**
   * The ping could not be sent: the muxer has no ping frame and the peer does not serve
   * {@code /ipfs/ping/1.0.0}. The connection stays {@link ConnectionHealth#UNKNOWN} and is not
   * checked again.
   */
  public void unsupported() {
    if (state == ConnectionHealth.DRAINING) {
      return;
    }
    unsupported = true;
    outstanding = 0;
    failedInARow = 0;
    settle();
  }

  /** The connection drains: no more checks, and it stays {@link ConnectionHealth#DRAINING}. */
  public void drain() {
    outstanding = 0;
    move(ConnectionHealth.DRAINING);
  }

  private void settle() {
    ConnectionHealth next;
    if (unsupported) {
      next = ConnectionHealth.UNKNOWN;
    } else if (failedInARow >= unhealthyAfter) {
      next = ConnectionHealth.UNHEALTHY;
    } else if (failedInARow > 0) {
      next = ConnectionHealth.DEGRADED;
    } else if (!answeredOnce) {
      next = ConnectionHealth.UNKNOWN;
    } else {
      // A slow round trip alone never makes a connection unhealthy: it may be its own queue.
      next = rttMillis > maxLatencyMillis ? ConnectionHealth.DEGRADED : ConnectionHealth.HEALTHY;
    }
    move(next);
  }

  private void move(ConnectionHealth next) {
    ConnectionHealth prev = state;
    if (prev == next || prev == ConnectionHealth.DRAINING) {
      return;
    }
    state = next;
    transitions.changed(prev, next);
  }

  public ConnectionHealth state() {
    return state;
  }

  /** Checks in a row that went unanswered within {@code pingTimeout}. */
  public int failedChecks() {
    return failedInARow;
  }

  /** The round-trip average at the last answer, in milliseconds; NaN before any. */
  public double rttMillis() {
    return rttMillis;
  }

  /** Checks sent so far. */
  public long checksSent() {
    return checksSent;
  }
}
