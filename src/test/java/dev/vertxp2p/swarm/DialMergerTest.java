package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialMergerTest {

  @Test
  void hundredSimultaneousRequestsMakeOneAttempt() {
    DialMerger<String, String> merger = new DialMerger<>();
    List<Promise<String>> started = new ArrayList<>();
    List<Future<String>> futures = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      futures.add(
          merger.dial(
              "peerA",
              () -> {
                Promise<String> p = Promise.promise();
                started.add(p);
                return p.future();
              }));
    }
    assertEquals(1, started.size());
    assertTrue(merger.isInFlight("peerA"));
    started.get(0).complete("conn");
    for (Future<String> f : futures) {
      assertEquals("conn", f.result());
    }
    assertFalse(merger.isInFlight("peerA"));
    assertEquals(0, merger.size());
  }

  @Test
  void afterCompletionANewRequestStartsANewDial() {
    DialMerger<String, String> merger = new DialMerger<>();
    List<Promise<String>> started = new ArrayList<>();
    Future<String> first =
        merger.dial("A", () -> {
          Promise<String> p = Promise.promise();
          started.add(p);
          return p.future();
        });
    started.get(0).fail("refused");
    assertTrue(first.failed());
    Future<String> second =
        merger.dial("A", () -> {
          Promise<String> p = Promise.promise();
          started.add(p);
          return p.future();
        });
    assertEquals(2, started.size());
    assertNotSame(first, second);
    assertFalse(second.isComplete());
  }

  @Test
  void keysAreIndependent() {
    DialMerger<String, String> merger = new DialMerger<>();
    Promise<String> a = Promise.promise();
    Promise<String> b = Promise.promise();
    Future<String> fa = merger.dial("A", a::future);
    Future<String> fb = merger.dial("B", b::future);
    assertEquals(2, merger.size());
    assertSame(fa, merger.dial("A", () -> Future.failedFuture("must not start")));
    b.complete("b");
    assertEquals("b", fb.result());
    assertFalse(fa.isComplete());
    assertTrue(merger.isInFlight("A"));
  }

  @Test
  void alreadyCompleteOrThrowingStartsAreNotKept() {
    DialMerger<String, String> merger = new DialMerger<>();
    assertEquals("x", merger.dial("A", () -> Future.succeededFuture("x")).result());
    assertEquals(0, merger.size());
    Future<String> thrown =
        merger.dial("A", () -> {
          throw new IllegalStateException("boom");
        });
    assertEquals("boom", thrown.cause().getMessage());
    assertTrue(merger.dial("A", () -> null).failed());
    assertEquals(0, merger.size());
  }
}
