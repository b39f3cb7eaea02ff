package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class VertxSchedulerTest {

  @Test
  void runsOnTheCallersContextNeverInlineAndCancels(Vertx vertx, VertxTestContext test) {
    Scheduler scheduler = Scheduler.vertx(vertx);
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(
        v -> {
          List<String> ran = new ArrayList<>();
          Scheduler.Cancellable cancelled = scheduler.schedule(0, () -> ran.add("cancelled"));
          scheduler.schedule(
              0,
              () ->
                  test.verify(
                      () -> {
                        assertEquals(ctx, Vertx.currentContext());
                        assertEquals(List.of("inline-check"), ran);
                        test.completeNow();
                      }));
          // A zero delay must not run the task before schedule() returns.
          ran.add("inline-check");
          cancelled.cancel();
          assertThrows(IllegalArgumentException.class, () -> scheduler.schedule(-1, () -> {}));
          assertFalse(ran.contains("cancelled"));
        });
  }
}
