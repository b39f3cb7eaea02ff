package dev.vertxp2p.util;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.testing.ConfinementCheck;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The confinement helper, on real event loops and on a worker context. */
class OwnerTest {
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  /** Two contexts on distinct event loops of this Vert.x instance. */
  private Context[] twoLoops() {
    VertxInternal internal = (VertxInternal) vertx;
    ContextInternal a = internal.createEventLoopContext();
    ContextInternal b = internal.createEventLoopContext();
    for (int i = 0; i < 16 && b.nettyEventLoop() == a.nettyEventLoop(); i++) {
      b = internal.createEventLoopContext();
    }
    assertFalse(b.nettyEventLoop() == a.nettyEventLoop(), "needs two event loops");
    return new Context[] {a, b};
  }

  private static <T> T on(Context ctx, java.util.function.Supplier<T> task) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> {
      try {
        p.complete(task.get());
      } catch (Throwable e) {
        p.fail(e);
      }
    });
    return await(p.future());
  }

  @Test
  void checksAreOnAndTheSuiteWatchesThem() {
    assertTrue(Owner.CHECKS);
    assertNotNull(ConfinementCheck.guarding(), "ConfinementCheck must guard every test");
  }

  @Test
  void aCheckOffTheOwnerThrowsAndIsRecorded() {
    Context[] loops = twoLoops();
    Owner owner = new Owner(loops[0], "state");
    assertTrue(on(loops[0], owner::isCurrent));
    assertFalse(on(loops[1], owner::isCurrent));
    assertFalse(owner.isCurrent(), "the test thread is no owner");
    on(loops[0], () -> {
      owner.check();
      return null;
    });
    Owner.ConfinementError e = assertThrows(Owner.ConfinementError.class, owner::check);
    assertTrue(e.getMessage().startsWith("state touched on thread "), e.getMessage());
    List<String> recorded = Owner.drainViolations();
    assertEquals(1, recorded.size());
    assertEquals(e.getMessage(), recorded.get(0));
    assertEquals(List.of(), Owner.drainViolations(), "draining clears");
  }

  @Test
  void rehomeDeliversOnTheOwnerWhicheverLoopCompletes() {
    Context[] loops = twoLoops();
    Owner owner = new Owner(loops[0], "state");
    Promise<String> foreign = Promise.promise();
    AtomicReference<Boolean> onOwner = new AtomicReference<>();
    Future<String> seen = on(loops[0], () -> owner.rehome(foreign.future()).map(s -> {
      onOwner.set(owner.isCurrent());
      return s;
    }));
    loops[1].runOnContext(v -> foreign.complete("done"));
    assertEquals("done", await(seen));
    assertTrue(onOwner.get());
  }

  @Test
  void callRunsOnTheOwnerAndAnswersOnTheCaller() {
    Context[] loops = twoLoops();
    Owner owner = new Owner(loops[0], "state");
    AtomicReference<Boolean> taskOnOwner = new AtomicReference<>();
    AtomicReference<Context> answeredOn = new AtomicReference<>();
    Future<String> f = on(loops[1], () -> owner.call(() -> {
      taskOnOwner.set(owner.isCurrent());
      return Future.succeededFuture("x");
    }).map(s -> {
      answeredOn.set(Vertx.currentContext());
      return s;
    }));
    assertEquals("x", await(f));
    assertTrue(taskOnOwner.get());
    assertSame(((ContextInternal) loops[1]).unwrap(),
        ((ContextInternal) answeredOn.get()).unwrap());
  }

  @Test
  void aThrowingTaskFailsTheFuture() {
    Owner owner = new Owner(vertx.getOrCreateContext(), "state");
    Future<String> f = owner.call(() -> {
      throw new IllegalStateException("boom");
    });
    assertEquals("boom", assertThrows(RuntimeException.class, () -> await(f)).getMessage());
  }

  @Test
  void aWorkerContextOwnerIsItsOwnContextNotAThread() {
    Context worker = ((VertxInternal) vertx).createWorkerContext();
    assertEquals(ThreadingModel.WORKER, worker.threadingModel());
    Owner owner = new Owner(worker, "state");
    assertTrue(on(worker, owner::isCurrent));
    assertFalse(on(twoLoops()[0], owner::isCurrent));
  }
}
