package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ConnectionConfig;
import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.RetryConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RetryingDialer#dialStaggered} on a fake clock: starts, stagger, winner, losers. */
class StaggeredDialTest {

  final FakeScheduler scheduler = new FakeScheduler();
  final List<String> started = new ArrayList<>();
  final List<String> closedLate = new ArrayList<>();
  final List<String> exhausted = new ArrayList<>();
  final List<String> succeeded = new ArrayList<>();
  final Map<String, Promise<String>> pending = new HashMap<>();
  final Map<String, Boolean> abandoned = new HashMap<>();

  RetryingDialer dialer(int maxRetries) {
    RetryConfig retry = new RetryConfig().setMaxRetries(maxRetries);
    return new RetryingDialer(scheduler, retry, new ConnectionConfig().setConnectionTimeout(10.0),
        new Backoff(retry, () -> 0.5));
  }

  Future<String> dial(RetryingDialer d, List<String> addrs, long stagger,
      Map<String, Boolean> fails) {
    return d.dialStaggered(addrs, stagger, (addr, n, ab) -> {
      started.add(addr + "#" + n + "@" + scheduler.now());
      ab.onComplete(v -> abandoned.put(addr, true));
      if (fails.getOrDefault(addr, false)) {
        return Future.failedFuture(new RuntimeException(addr + " refused"));
      }
      Promise<String> p = Promise.promise();
      pending.put(addr, p);
      return p.future();
    }, closedLate::add, RetryingDialer.RetryListener.none(),
        new RetryingDialer.AddressOutcome<String>() {
          @Override
          public void exhausted(String address, Throwable cause) {
            exhausted.add(address);
          }

          @Override
          public void succeeded(String address) {
            succeeded.add(address);
          }
        });
  }

  @Test
  void aSilentFirstAddressLetsTheSecondStartAfterTheStaggerAndWin() {
    Future<String> f = dial(dialer(3), List.of("/dead", "/live"), 250, Map.of());
    assertEquals(List.of("/dead#1@0"), started);
    scheduler.advance(249);
    assertEquals(1, started.size());
    scheduler.advance(1);
    assertEquals(List.of("/dead#1@0", "/live#1@250"), started);
    pending.get("/live").complete("conn-live");
    assertEquals("conn-live", f.result());
    assertEquals(List.of("/live"), succeeded);
    // The loser is abandoned at once; its late success is closed, and nothing else starts.
    assertTrue(abandoned.getOrDefault("/dead", false));
    pending.get("/dead").complete("conn-dead");
    assertEquals(List.of("conn-dead"), closedLate);
    scheduler.runAll();
    assertEquals(2, started.size());
    assertTrue(exhausted.isEmpty());
  }

  @Test
  void aRefusedAddressStartsTheNextAtOnceAndReportsExhaustion() {
    Future<String> f = dial(dialer(0), List.of("/refused", "/live"), 250,
        Map.of("/refused", true));
    assertEquals(List.of("/refused#1@0", "/live#1@0"), started);
    assertEquals(List.of("/refused"), exhausted);
    pending.get("/live").complete("c");
    assertEquals("c", f.result());
  }

  @Test
  void everyAddressFailingFailsWithEachOnesError() {
    Future<String> f = dial(dialer(1), List.of("/a", "/b", "/c"), 250,
        Map.of("/a", true, "/b", true, "/c", true));
    scheduler.runAll();
    assertTrue(f.failed());
    DialFailedException e = assertInstanceOf(DialFailedException.class, f.cause());
    assertEquals(3, e.failures().size());
    assertEquals(List.of("/a", "/b", "/c"), exhausted);
    // Each address ran its own retry schedule: two attempts each.
    assertEquals(6, started.size());
  }

  @Test
  void noSecondAddressStartsOnceTheFirstWins() {
    Future<String> f = dial(dialer(3), List.of("/a", "/b"), 250, Map.of());
    pending.get("/a").complete("a");
    assertEquals("a", f.result());
    scheduler.runAll();
    assertEquals(List.of("/a#1@0"), started);
    assertFalse(abandoned.getOrDefault("/a", false));
  }
}
