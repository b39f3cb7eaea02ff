package dev.vertxp2p.testing;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PollTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    await(vertx.close());
  }

  @Test
  void manyPollsArmedOffTheEventLoopWhoseConditionAlreadyHoldsAllComplete() {
    // The case that hung SwarmFixture's periodic-timer poll: armed from the test thread, the
    // first look finds the condition true at once.
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      all.add(Poll.until(vertx, 1, () -> true));
    }
    await(Future.all(all));
  }

  @Test
  void completesOnlyOnceTheConditionTurnsTrue() {
    AtomicBoolean flag = new AtomicBoolean();
    AtomicInteger looks = new AtomicInteger();
    Promise<Void> lookedThrice = Promise.promise();
    Future<Void> polled = Poll.until(vertx, 1, () -> {
      if (looks.incrementAndGet() == 3) {
        lookedThrice.complete();
      }
      return flag.get();
    });
    await(lookedThrice.future());
    assertFalse(polled.isComplete());
    flag.set(true);
    await(polled);
  }

  @Test
  void aConditionThatThrowsFailsThePoll() {
    IllegalStateException boom = new IllegalStateException("boom");
    Future<Void> polled = Poll.until(vertx, 1, () -> {
      throw boom;
    });
    assertSame(boom, Await.failure(polled));
  }

  @Test
  void aPeriodBelowOneMillisecondIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Poll.until(vertx, 0, () -> true));
    assertEquals("periodMs must be >= 1, got 0", e.getMessage());
  }
}
