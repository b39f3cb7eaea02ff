package dev.vertxp2p.swarm;

import dev.vertxp2p.DialAbortedException;
import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.DialTimeoutException;
import dev.vertxp2p.NonRetryableException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ConnectionConfig;
import dev.vertxp2p.RetryConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryingDialerTest {

  /** A dialed "connection" that records whether it was closed. */
  static final class Res {
    final String addr;
    boolean closed;

    Res(String addr) {
      this.addr = addr;
    }
  }

  record Retry(String address, int failedAttempt, Duration delay, Throwable cause) {}

  final FakeScheduler scheduler = new FakeScheduler();
  final List<String> attempts = new ArrayList<>();
  final List<Retry> retries = new ArrayList<>();
  final List<Res> lateClosed = new ArrayList<>();

  /** Jitter source fixed at the band's middle: delays are exactly the base ones. */
  RetryingDialer dialer(RetryConfig retry, double timeoutSeconds) {
    return new RetryingDialer(
        scheduler,
        retry,
        new ConnectionConfig().setConnectionTimeout(timeoutSeconds),
        new Backoff(retry, () -> 0.5));
  }

  <T> Future<T> dial(RetryingDialer d, List<String> addrs, RetryingDialer.DialAttempt<String, T> a) {
    return d.dial(
        addrs,
        (addr, n, abandoned) -> {
          attempts.add(addr + "#" + n);
          return a.start(addr, n, abandoned);
        },
        r -> {
          if (r instanceof Res) {
            ((Res) r).closed = true;
            lateClosed.add((Res) r);
          }
        },
        (addr, n, delay, cause) -> retries.add(new Retry(addr, n, delay, cause)));
  }

  @Test
  void maxRetriesThreeMakesFourAttemptsPerAddress() {
    RetryingDialer d = dialer(new RetryConfig().setMaxRetries(3), 30.0);
    assertEquals(4, d.attemptsPerAddress());
    Future<Res> f =
        dial(d, List.of("/a"), (addr, n, ab) -> Future.failedFuture(new RuntimeException("refused")));
    scheduler.runAll();
    assertEquals(List.of("/a#1", "/a#2", "/a#3", "/a#4"), attempts);
    assertTrue(f.failed());
    DialFailedException e = assertInstanceOf(DialFailedException.class, f.cause());
    assertEquals(1, e.failures().size());
    assertEquals(4, e.failures().get(0).attempts());
    assertEquals("refused", e.failures().get(0).lastError().getMessage());
    assertFalse(e.allTimedOut());
  }

  @Test
  void twoAddressesMakeEightAttemptsInOrderWithBackoffBetween() {
    RetryingDialer d = dialer(new RetryConfig(), 30.0);
    Map<String, Integer> count = new HashMap<>();
    Future<Res> f =
        dial(
            d,
            List.of("/a", "/b"),
            (addr, n, ab) ->
                Future.failedFuture(
                    new RuntimeException(addr + " refused " + count.merge(addr, 1, Integer::sum))));
    long elapsed = scheduler.runAll();
    assertEquals(
        List.of("/a#1", "/a#2", "/a#3", "/a#4", "/b#1", "/b#2", "/b#3", "/b#4"), attempts);
    // 0.1, 0.2, 0.4 s between the attempts on each address; none between addresses.
    assertEquals(2 * (100 + 200 + 400), elapsed);
    assertEquals(List.of(100L, 200L, 400L, 100L, 200L, 400L), scheduler.scheduledDelays);
    assertEquals(6, retries.size());
    assertEquals(new Retry("/a", 1, Duration.ofMillis(100), retries.get(0).cause()), retries.get(0));
    assertEquals(3, retries.get(2).failedAttempt());
    assertEquals(Duration.ofMillis(400), retries.get(5).delay());
    DialFailedException e = assertInstanceOf(DialFailedException.class, f.cause());
    assertEquals(List.of("/a", "/b"), e.failures().stream().map(x -> x.address()).toList());
    assertEquals("/b refused 4", e.failures().get(1).lastError().getMessage());
    assertTrue(e.getMessage().contains("/a after 4 attempts"), e.getMessage());
    assertTrue(e.getMessage().contains("/b refused 4"), e.getMessage());
  }

  @Test
  void zeroRetriesIsOneAttempt() {
    RetryingDialer d = dialer(new RetryConfig().setMaxRetries(0), 30.0);
    Future<Res> f =
        dial(d, List.of("/a", "/b"), (addr, n, ab) -> Future.failedFuture(new RuntimeException()));
    scheduler.runAll();
    assertEquals(List.of("/a#1", "/b#1"), attempts);
    assertTrue(retries.isEmpty());
    assertTrue(f.failed());
  }

  @Test
  void succeedsOnALaterAttemptAndStops() {
    RetryingDialer d = dialer(new RetryConfig(), 30.0);
    Res res = new Res("/a");
    Future<Res> f =
        dial(
            d,
            List.of("/a", "/b"),
            (addr, n, ab) ->
                n < 3 ? Future.failedFuture(new RuntimeException("busy")) : Future.succeededFuture(res));
    scheduler.runAll();
    assertSame(res, f.result());
    assertEquals(List.of("/a#1", "/a#2", "/a#3"), attempts);
    assertEquals(2, retries.size());
    assertEquals(0, scheduler.pending());
  }

  @Test
  void nonRetryableErrorMovesToTheNextAddressAtOnce() {
    RetryingDialer d = dialer(new RetryConfig(), 30.0);
    Res res = new Res("/b");
    Future<Res> f =
        dial(
            d,
            List.of("/a", "/b"),
            (addr, n, ab) ->
                addr.equals("/a")
                    ? Future.failedFuture(
                        new IllegalStateException(
                            "wrapped", new NonRetryableException("peer id mismatch")))
                    : Future.succeededFuture(res));
    scheduler.runAll();
    assertEquals(List.of("/a#1", "/b#1"), attempts);
    assertTrue(retries.isEmpty());
    assertSame(res, f.result());
  }

  @Test
  void nonRetryableEverywhereFailsAfterOneAttemptEach() {
    RetryingDialer d = dialer(new RetryConfig(), 30.0);
    Future<Res> f =
        dial(
            d,
            List.of("/a", "/b"),
            (addr, n, ab) -> Future.failedFuture(new NonRetryableException("no common protocol")));
    assertEquals(0, scheduler.runAll());
    assertEquals(List.of("/a#1", "/b#1"), attempts);
    DialFailedException e = assertInstanceOf(DialFailedException.class, f.cause());
    assertEquals(1, e.failures().get(1).attempts());
    assertTrue(e.getMessage().contains("no common protocol"));
  }

  @Test
  void customRetryPredicate() {
    RetryConfig retry = new RetryConfig();
    RetryingDialer d =
        new RetryingDialer(
            scheduler,
            retry,
            Duration.ofSeconds(1),
            new Backoff(retry, () -> 0.5),
            e -> !(e instanceof IllegalArgumentException));
    Future<Res> f =
        dial(d, List.of("/a"), (addr, n, ab) -> Future.failedFuture(new IllegalArgumentException("bad addr")));
    scheduler.runAll();
    assertEquals(List.of("/a#1"), attempts);
    assertTrue(f.failed());
  }

  @Test
  void attemptThatThrowsOrReturnsNullCountsAsFailed() {
    RetryingDialer d = dialer(new RetryConfig().setMaxRetries(1), 30.0);
    Future<Res> f =
        dial(
            d,
            List.of("/a"),
            (addr, n, ab) -> {
              if (n == 1) {
                throw new RuntimeException("boom");
              }
              return null;
            });
    scheduler.runAll();
    assertEquals(List.of("/a#1", "/a#2"), attempts);
    assertEquals("boom", retries.get(0).cause().getMessage());
    DialFailedException e = assertInstanceOf(DialFailedException.class, f.cause());
    assertInstanceOf(NullPointerException.class, e.failures().get(0).lastError());
  }

  @Test
  void timeoutFailsTheAttemptAbandonsItAndClosesItsLateResult() {
    RetryingDialer d = dialer(new RetryConfig().setMaxRetries(1), 2.0);
    List<Promise<Res>> pending = new ArrayList<>();
    List<Future<Void>> abandonedSignals = new ArrayList<>();
    Future<Res> f =
        dial(
            d,
            List.of("/a"),
            (addr, n, abandoned) -> {
              Promise<Res> p = Promise.promise();
              pending.add(p);
              abandonedSignals.add(abandoned);
              return p.future();
            });
    scheduler.advance(1_999);
    assertFalse(f.isComplete());
    assertEquals(1, attempts.size());
    assertFalse(abandonedSignals.get(0).isComplete());
    scheduler.advance(1);
    // Attempt 1 timed out: it is told, and a retry is scheduled.
    assertTrue(abandonedSignals.get(0).succeeded());
    assertEquals(1, retries.size());
    assertInstanceOf(DialTimeoutException.class, retries.get(0).cause());
    scheduler.advance(100);
    assertEquals(2, attempts.size());
    // The first attempt succeeds late: the result is closed, not used.
    Res late = new Res("late");
    pending.get(0).complete(late);
    assertTrue(late.closed);
    assertEquals(List.of(late), lateClosed);
    assertFalse(f.isComplete());
    // The second attempt succeeds in time and wins; its timer is called off.
    Res good = new Res("good");
    pending.get(1).complete(good);
    assertSame(good, f.result());
    assertFalse(good.closed);
    assertEquals(0, scheduler.pending());
    assertFalse(abandonedSignals.get(1).isComplete());
  }

  @Test
  void allAttemptsTimingOutIsReportedAsSuch() {
    RetryingDialer d = dialer(new RetryConfig().setMaxRetries(2), 0.5);
    List<Promise<Res>> pending = new ArrayList<>();
    Future<Res> f =
        dial(
            d,
            List.of("/a", "/b"),
            (addr, n, ab) -> {
              Promise<Res> p = Promise.promise();
              pending.add(p);
              return p.future();
            });
    long elapsed = scheduler.runAll();
    assertEquals(6, attempts.size());
    assertEquals(2 * (3 * 500 + 100 + 200), elapsed);
    DialFailedException e = assertInstanceOf(DialFailedException.class, f.cause());
    assertTrue(e.allTimedOut());
    DialTimeoutException t = assertInstanceOf(DialTimeoutException.class, e.getCause());
    assertEquals("/b", t.address());
    assertEquals(Duration.ofMillis(500), t.timeout());
    // Late failures are ignored; late successes are all closed.
    pending.get(0).fail("late failure");
    for (int i = 1; i < pending.size(); i++) {
      pending.get(i).complete(new Res("late" + i));
    }
    assertEquals(5, lateClosed.size());
    assertTrue(lateClosed.stream().allMatch(r -> r.closed));
  }

  @Test
  void lateFailureAfterTimeoutChangesNothing() {
    RetryingDialer d = dialer(new RetryConfig().setMaxRetries(0), 1.0);
    Promise<Res> p = Promise.promise();
    Future<Res> f = dial(d, List.of("/a"), (addr, n, ab) -> p.future());
    scheduler.advance(1_000);
    assertInstanceOf(DialFailedException.class, f.cause());
    p.fail("later");
    assertTrue(lateClosed.isEmpty());
  }

  @Test
  void noAddressIsACallerMistake() {
    RetryingDialer d = dialer(new RetryConfig(), 1.0);
    Future<Res> f = dial(d, List.of(), (addr, n, ab) -> Future.succeededFuture(new Res(addr)));
    assertInstanceOf(IllegalArgumentException.class, f.cause());
    assertTrue(attempts.isEmpty());
  }

  @Test
  void abortDuringBackoffStartsNoFurtherAttempt() {
    RetryingDialer d = dialer(new RetryConfig(), 30.0);
    Promise<Void> abort = Promise.promise();
    Future<Res> f =
        d.dial(
            List.of("/a", "/b"),
            (addr, n, ab) -> {
              attempts.add(addr + "#" + n);
              return Future.failedFuture(new RuntimeException("refused"));
            },
            r -> lateClosed.add(r),
            RetryingDialer.RetryListener.none(),
            abort.future());
    assertEquals(List.of("/a#1"), attempts);
    assertEquals(1, scheduler.pending());
    abort.complete();
    assertInstanceOf(DialAbortedException.class, f.cause());
    assertEquals(0, scheduler.pending());
    scheduler.runAll();
    assertEquals(List.of("/a#1"), attempts);
  }

  @Test
  void abortDuringAnAttemptAbandonsItAndClosesItsResult() {
    RetryingDialer d = dialer(new RetryConfig(), 30.0);
    Promise<Void> abort = Promise.promise();
    Promise<Res> inFlight = Promise.promise();
    List<Future<Void>> abandoned = new ArrayList<>();
    Future<Res> f =
        d.dial(
            List.of("/a"),
            (addr, n, ab) -> {
              abandoned.add(ab);
              return inFlight.future();
            },
            r -> {
              r.closed = true;
              lateClosed.add(r);
            },
            RetryingDialer.RetryListener.none(),
            abort.future());
    abort.complete();
    assertInstanceOf(DialAbortedException.class, f.cause());
    assertTrue(abandoned.get(0).succeeded());
    assertEquals(0, scheduler.pending());
    Res late = new Res("/a");
    inFlight.complete(late);
    assertTrue(late.closed);
    // An abort after the dial ended changes nothing.
    RetryingDialer d2 = dialer(new RetryConfig(), 30.0);
    Promise<Void> abort2 = Promise.promise();
    Res ok = new Res("/b");
    Future<Res> g =
        d2.dial(List.of("/b"), (addr, n, ab) -> Future.succeededFuture(ok), r -> {},
            RetryingDialer.RetryListener.none(), abort2.future());
    abort2.complete();
    assertSame(ok, g.result());
    assertFalse(ok.closed);
  }

  @Test
  void alreadyAbortedDialStartsNothing() {
    RetryingDialer d = dialer(new RetryConfig(), 30.0);
    Future<Res> f =
        d.dial(
            List.of("/a"),
            (addr, n, ab) -> {
              attempts.add(addr);
              return Future.succeededFuture(new Res(addr));
            },
            r -> {},
            RetryingDialer.RetryListener.none(),
            Future.succeededFuture());
    assertInstanceOf(DialAbortedException.class, f.cause());
    assertTrue(attempts.isEmpty());
  }

  /** The upgrade's own timeout can fire before the dial's: a dial that only timed out is a timeout. */
  @Test
  void handshakeTimeoutsCountAsTimeouts() {
    DialFailedException mixed = new DialFailedException(List.of(
        new DialFailedException.AddressFailure("/a", 1,
            new DialTimeoutException("/a", Duration.ofMillis(300))),
        new DialFailedException.AddressFailure("/b", 1,
            new dev.vertxp2p.HandshakeTimeoutException("upgrade took over 300 ms"))));
    assertTrue(mixed.allTimedOut());
    DialFailedException refused = new DialFailedException(List.of(
        new DialFailedException.AddressFailure("/a", 1,
            new DialTimeoutException("/a", Duration.ofMillis(300))),
        new DialFailedException.AddressFailure("/b", 1,
            new java.net.ConnectException("Connection refused"))));
    assertFalse(refused.allTimedOut());
  }
}
