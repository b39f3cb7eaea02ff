package dev.vertxp2p.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.util.Owner;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive's shared timer: one per event loop and period, every member ticking on its loop,
 * members leaving at any time (during a tick too), and the timer gone with the last member.
 */
class LoopTickerTest {
  private static final long PERIOD_MS = 10;

  private Vertx vertx;
  /** One context on each of two event loops. */
  private final List<ContextInternal> loops = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    VertxInternal internal = (VertxInternal) vertx;
    for (EventExecutor e : internal.eventLoopGroup()) {
      loops.add(internal.contextBuilder().withEventLoop((EventLoop) e).build());
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code task} on {@code context} and returns what it returned. */
  private static <T> T on(ContextInternal context, Supplier<T> task) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        f.complete(task.get());
      } catch (RuntimeException | Error e) {
        f.completeExceptionally(e);
      }
    });
    return f.get(10, TimeUnit.SECONDS);
  }

  private static LoopTicker ticker(ContextInternal context) {
    return LoopTicker.of(Owner.of(context), PERIOD_MS);
  }

  @Test
  void membersOfOneLoopShareOneTickerAndEachTicksOnThatLoop() throws Exception {
    ContextInternal a = loops.get(0);
    ContextInternal b = loops.get(1);
    LoopTicker onA = on(a, () -> ticker(a));
    assertSame(onA, on(a, () -> ticker(a)), "the same loop and period: the same ticker");
    assertNotSame(onA, on(b, () -> ticker(b)), "another loop has its own");
    assertNotSame(onA, on(a, () -> LoopTicker.of(Owner.of(a), PERIOD_MS + 1)),
        "another period has its own");

    int n = 3;
    CountDownLatch twiceEach = new CountDownLatch(n);
    AtomicReference<String> offLoop = new AtomicReference<>();
    for (int i = 0; i < n; i++) {
      AtomicInteger ticks = new AtomicInteger();
      on(a, () -> onA.join(() -> {
        if (!a.nettyEventLoop().inEventLoop()) {
          offLoop.set(Thread.currentThread().getName());
        }
        if (ticks.incrementAndGet() == 2) {
          twiceEach.countDown();
        }
      }));
    }
    assertTrue(twiceEach.await(10, TimeUnit.SECONDS), "every member ticked twice");
    assertEquals(null, offLoop.get(), "a tick ran off its loop");
    assertEquals(n, on(a, onA::size));
  }

  @Test
  void aMemberThatLeavesDuringATickIsNotCalledInItNorAfter() throws Exception {
    ContextInternal a = loops.get(0);
    LoopTicker t = on(a, () -> ticker(a));
    AtomicInteger secondTicks = new AtomicInteger();
    AtomicReference<LoopTicker.Member> second = new AtomicReference<>();
    CountDownLatch thirdTicked = new CountDownLatch(3);
    on(a, () -> {
      // all three in one task: no tick comes between them
      t.join(() -> {
        LoopTicker.Member m = second.get();
        m.leave(); // as a connection closed by an earlier member's tick
        m.leave(); // twice: nothing more
      });
      second.set(t.join(secondTicks::incrementAndGet));
      return t.join(thirdTicked::countDown);
    });
    assertTrue(thirdTicked.await(10, TimeUnit.SECONDS), "the third member kept ticking");
    assertEquals(0, secondTicks.get(), "the member that left was called");
    assertEquals(2, on(a, t::size));
  }

  @Test
  void membersLeavingBetweenTicksLeaveTheOthersTicking() throws Exception {
    ContextInternal a = loops.get(0);
    LoopTicker t = on(a, () -> ticker(a));
    List<LoopTicker.Member> members = new ArrayList<>();
    AtomicInteger[] ticks = new AtomicInteger[5];
    for (int i = 0; i < ticks.length; i++) {
      AtomicInteger c = ticks[i] = new AtomicInteger();
      members.add(on(a, () -> t.join(c::incrementAndGet)));
    }
    on(a, () -> {
      members.get(1).leave();
      members.get(0).leave();
      return null;
    });
    int[] left = {ticks[0].get(), ticks[1].get()};
    CountDownLatch rest = new CountDownLatch(3);
    for (int i = 2; i < ticks.length; i++) {
      AtomicInteger c = ticks[i];
      int from = c.get();
      java.util.concurrent.atomic.AtomicBoolean counted = new java.util.concurrent.atomic.AtomicBoolean();
      on(a, () -> t.join(() -> {
        if (c.get() >= from + 2 && counted.compareAndSet(false, true)) {
          rest.countDown();
        }
      }));
    }
    assertTrue(rest.await(10, TimeUnit.SECONDS), "the members that stayed kept ticking");
    assertEquals(left[0], ticks[0].get());
    assertEquals(left[1], ticks[1].get());
    assertEquals(6, on(a, t::size));
  }

  @Test
  void theLastMemberToLeaveEndsTheTickerAndAJoinStartsANewOne() throws Exception {
    ContextInternal a = loops.get(0);
    LoopTicker first = on(a, () -> ticker(a));
    CountDownLatch ticked = new CountDownLatch(1);
    LoopTicker.Member m = on(a, () -> first.join(ticked::countDown));
    assertTrue(ticked.await(10, TimeUnit.SECONDS));
    on(a, () -> {
      m.leave();
      return null;
    });
    LoopTicker second = on(a, () -> ticker(a));
    assertNotSame(first, second, "an empty ticker stays registered");
    CountDownLatch again = new CountDownLatch(2);
    on(a, () -> second.join(again::countDown));
    assertTrue(again.await(10, TimeUnit.SECONDS), "a ticker made after the last one ended ticks");
  }

  @Test
  void aPeriodBelowOneMillisecondIsRefusedWithItsValue() throws Exception {
    ContextInternal a = loops.get(0);
    IllegalArgumentException e = on(a, () -> assertThrows(IllegalArgumentException.class,
        () -> LoopTicker.of(Owner.of(a), 0)));
    assertTrue(e.getMessage().contains("got 0"), e.getMessage());
  }
}
