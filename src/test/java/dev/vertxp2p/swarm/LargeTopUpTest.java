package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A top-up of 5,000 connections between two nodes in one JVM: it ends with exactly 5,000, and
 * fewer than 1 % of the dials were retried (the listener's pending-handshake eviction once cut
 * handshakes that were only queued behind the flood).
 */
class LargeTopUpTest extends SwarmFixture {
  private static final int N = 5_000;

  private static SwarmOptions options() {
    SwarmOptions o = loopbackOptions();
    o.getConnection().setMaxConnectionsPerPeer(N).setConnectionTimeout(60);
    o.getLimits().setMaxConnections(N + 100).setMaxPendingInbound(512);
    o.getConnectionManager().setEnabled(false);
    o.getServices().setIdentify(false);
    o.getHealth().setEnabled(false);
    return o;
  }

  @Test
  void aTopUpOfFiveThousandEndsWithExactlyFiveThousand() {
    Swarm b = started(options());
    Swarm a = started(options());
    AtomicInteger retries = new AtomicInteger();
    Map<String, AtomicInteger> reasons = new ConcurrentHashMap<>();
    a.eventHandler(e -> {
      if (SwarmEvent.DIAL_RETRY.equals(e.type())) {
        retries.incrementAndGet();
        reasons.computeIfAbsent(String.valueOf(e.fields().getString("error")),
            k -> new AtomicInteger()).incrementAndGet();
      }
    });
    AtomicInteger closed = new AtomicInteger();
    b.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_CLOSED.equals(e.type())) {
        closed.incrementAndGet();
      }
    });
    long start = System.nanoTime();
    List<Connection> got = await(a.dial(b.listenAddrs().get(0),
        new DialOptions().setConnections(N)), Duration.ofSeconds(300));
    double s = (System.nanoTime() - start) / 1e9;
    System.out.printf("top-up of %d: %d connections in %.1f s (%.0f/s), %d dial.retry %s,"
        + " %d closed at the listener%n", N, got.size(), s, got.size() / s, retries.get(),
        reasons, closed.get());
    assertEquals(N, got.size());
    assertTrue(retries.get() < N / 100, retries.get() + " retries: " + reasons);
  }
}
