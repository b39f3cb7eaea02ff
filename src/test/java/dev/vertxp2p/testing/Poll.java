package dev.vertxp2p.testing;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/**
 * Waits for a state that no event announces (a counter, a flag) by looking at it on Vert.x timers.
 *
 * <p>Each look arms the next one-shot timer rather than cancelling a periodic one: Vert.x 5.0's
 * {@code cancelTimer} throws a NullPointerException when a periodic timer armed from a thread
 * outside its event loop fires before {@code setPeriodic} has returned, and the promise behind it
 * was then never completed (a 30 s timeout in CI).
 */
public final class Poll {
  private Poll() {}

  /**
   * Completes once {@code condition} holds, looked at every {@code periodMs}; fails with what the
   * condition throws.
   */
  public static Future<Void> until(Vertx vertx, long periodMs, BooleanSupplier condition) {
    if (periodMs < 1) {
      throw new IllegalArgumentException("periodMs must be >= 1, got " + periodMs);
    }
    Promise<Void> done = Promise.promise();
    Handler<Long> look = new Handler<>() {
      @Override
      public void handle(Long id) {
        boolean holds;
        try {
          holds = condition.getAsBoolean();
        } catch (RuntimeException | Error e) {
          done.tryFail(e);
          return;
        }
        if (holds) {
          done.tryComplete();
        } else {
          vertx.setTimer(periodMs, this);
        }
      }
    };
    vertx.setTimer(periodMs, look);
    return done.future();
  }
}
