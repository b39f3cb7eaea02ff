package dev.vertxp2p.swarm;

import io.vertx.core.Vertx;
import java.util.Objects;

/**
 * Runs a task after a delay: the only source of time for the dialer, so tests drive it with a
 * fake clock and production with Vert.x timers.
 */
public interface Scheduler {

  /** A scheduled task that may still be called off. */
  interface Cancellable {
    /** Calls the task off; true when it had not run yet. Idempotent. */
    boolean cancel();
  }

  /**
   * Runs {@code task} once after {@code delayMillis} (0: as soon as possible, never inline).
   *
   * @throws IllegalArgumentException when {@code delayMillis < 0}
   */
  Cancellable schedule(long delayMillis, Runnable task);

  /**
   * Vert.x timers: called on a context, the task runs on that same context, so the dialer's state
   * stays on one event loop.
   */
  static Scheduler vertx(Vertx vertx) {
    Objects.requireNonNull(vertx, "vertx");
    return (delayMillis, task) -> {
      if (delayMillis < 0) {
        throw new IllegalArgumentException("delay must be >= 0 ms, got " + delayMillis);
      }
      // Vert.x timers need at least 1 ms; 1 ms also keeps a zero delay from running inline.
      long id = vertx.setTimer(Math.max(1L, delayMillis), t -> task.run());
      return () -> vertx.cancelTimer(id);
    };
  }
}
