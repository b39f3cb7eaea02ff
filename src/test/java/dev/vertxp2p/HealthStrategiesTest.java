package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vertxp2p.testing.FakeConn;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The strategies that read health and load: health_based, latency_based, least_busy. */
class HealthStrategiesTest {
  private static final String PEER = "peer";

  @Test
  void namesParse() {
    assertEquals(LoadBalancingStrategy.HEALTH_BASED, LoadBalancingStrategy.parse("health_based"));
    assertEquals(LoadBalancingStrategy.LATENCY_BASED, LoadBalancingStrategy.parse("latency_based"));
    assertEquals(LoadBalancingStrategy.LEAST_BUSY, LoadBalancingStrategy.parse("least_busy"));
    assertEquals("least_busy", new ConnectionConfig()
        .setLoadBalancingStrategy("least_busy").toJson().getString("loadBalancingStrategy"));
  }

  @Test
  void healthBasedPrefersHealthyThenLowRttThenFewStreams() {
    ConnectionSelector s = ConnectionSelector.create(LoadBalancingStrategy.HEALTH_BASED);
    FakeConn unhealthyFast = new FakeConn("u", 1).health(ConnectionHealth.UNHEALTHY).latency(1);
    FakeConn degradedFast = new FakeConn("d", 2).health(ConnectionHealth.DEGRADED).latency(1);
    FakeConn healthySlow = new FakeConn("h1", 3).health(ConnectionHealth.HEALTHY).latency(40);
    FakeConn healthyQuick = new FakeConn("h2", 4).health(ConnectionHealth.HEALTHY).latency(5)
        .streams(9);
    FakeConn healthyQuickIdle = new FakeConn("h3", 5).health(ConnectionHealth.HEALTHY).latency(5)
        .streams(1);
    assertSame(healthyQuickIdle, s.pick(PEER,
        List.of(unhealthyFast, degradedFast, healthySlow, healthyQuick, healthyQuickIdle)));
    assertSame(healthySlow, s.pick(PEER, List.of(unhealthyFast, degradedFast, healthySlow)));
    assertSame(degradedFast, s.pick(PEER, List.of(unhealthyFast, degradedFast)));
    // an unhealthy one is still better than none (the swarm filters it out when others exist)
    assertSame(unhealthyFast, s.pick(PEER, List.of(unhealthyFast)));
  }

  @Test
  void healthBasedTakesFullTiesInTurn() {
    ConnectionSelector s = ConnectionSelector.create(LoadBalancingStrategy.HEALTH_BASED);
    List<FakeConn> same = List.of(new FakeConn("a", 1).health(ConnectionHealth.HEALTHY).latency(3),
        new FakeConn("b", 2).health(ConnectionHealth.HEALTHY).latency(3));
    Set<String> picked = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      picked.add(s.pick(PEER, same).id());
    }
    assertEquals(Set.of("a", "b"), picked);
  }

  @Test
  void latencyBasedIsLowestLatency() {
    ConnectionSelector s = ConnectionSelector.create(LoadBalancingStrategy.LATENCY_BASED);
    FakeConn slow = new FakeConn("slow", 1).latency(30);
    FakeConn unknown = new FakeConn("unknown", 2);
    FakeConn fast = new FakeConn("fast", 3).latency(2);
    assertSame(fast, s.pick(PEER, List.of(slow, unknown, fast)));
    assertSame(slow, s.pick(PEER, List.of(unknown, slow)));
  }

  @Test
  void leastBusyPicksTheIdleConnectionWithMoreStreams() {
    FakeConn idleThreeStreams = new FakeConn("idle", 1).streams(3).inFlight(0);
    FakeConn oneSaturating = new FakeConn("bulk", 2).streams(1).inFlight(8 << 20);
    List<FakeConn> both = List.of(oneSaturating, idleThreeStreams);
    assertSame(idleThreeStreams,
        ConnectionSelector.create(LoadBalancingStrategy.LEAST_BUSY).pick(PEER, both));
    // what least_loaded (stream count, the seed's definition) would pick instead
    assertSame(oneSaturating,
        ConnectionSelector.create(LoadBalancingStrategy.LEAST_LOADED).pick(PEER, both));
  }
}
