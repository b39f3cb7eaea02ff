package dev.vertxp2p;

import dev.vertxp2p.testing.FakeConn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConnectionSelectorTest {

  private static List<FakeConn> conns(int n) {
    List<FakeConn> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(new FakeConn("c" + i, 1_000L * (i + 1)));
    }
    return list;
  }

  @Test
  void roundRobinSpreadsEvenly() {
    ConnectionSelector rr = ConnectionSelector.create(LoadBalancingStrategy.ROUND_ROBIN);
    List<FakeConn> cs = conns(3);
    Map<String, Integer> hits = new HashMap<>();
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      FakeConn c = rr.pick("peerA", cs);
      hits.merge(c.id(), 1, Integer::sum);
      order.add(c.id());
    }
    assertEquals(Map.of("c0", 3, "c1", 3, "c2", 3), hits);
    assertEquals(List.of("c0", "c1", "c2", "c0", "c1", "c2", "c0", "c1", "c2"), order);
  }

  @Test
  void roundRobinKeepsACursorPerPeer() {
    ConnectionSelector rr = ConnectionSelector.roundRobin();
    List<FakeConn> a = conns(2);
    List<FakeConn> b = conns(2);
    assertSame(a.get(0), rr.pick("A", a));
    assertSame(b.get(0), rr.pick("B", b));
    assertSame(a.get(1), rr.pick("A", a));
    rr.forget("A");
    assertSame(a.get(0), rr.pick("A", a));
    assertSame(b.get(1), rr.pick("B", b));
  }

  @Test
  void roundRobinForgetsAPeerWithNothingOpen() {
    ComparingSelector rr = (ComparingSelector) ConnectionSelector.roundRobin();
    List<FakeConn> cs = conns(2);
    rr.pick("A", cs);
    assertEquals(1, rr.trackedPeers());
    cs.forEach(FakeConn::closed);
    assertNull(rr.pick("A", cs));
    assertEquals(0, rr.trackedPeers());
    assertNull(rr.pick("B", List.of()));
    assertEquals(0, rr.trackedPeers());
  }

  @Test
  void roundRobinGivesAStalledConnectionItsTurnAndNoMoreWhenStreamsFailOver() {
    // Failover and hedging pick among the connections a stream has not tried (pickAgain). With a
    // position cursor into that shorter list, the next stream's turn often fell back on the
    // connection that had just failed: a stalled one got more than its third of new streams.
    ConnectionSelector rr = ConnectionSelector.roundRobin();
    List<FakeConn> cs = conns(3);
    int firstOnStalled = 0;
    java.util.Map<String, Integer> served = new java.util.TreeMap<>();
    for (int i = 0; i < 30; i++) {
      FakeConn c = rr.pick("A", cs);
      if (c.id().equals("c1")) { // stalled: the stream fails over to one of the others
        firstOnStalled++;
        c = rr.pickAgain("A", List.of(cs.get(0), cs.get(2)));
      }
      served.merge(c.id(), 1, Integer::sum);
    }
    assertEquals(10, firstOnStalled);
    // c1 serves nothing; c2, least recently used when c1 fails, takes the failovers
    assertEquals(java.util.Map.of("c0", 10, "c2", 20), served);
  }

  @Test
  void roundRobinSurvivesAShrinkingList() {
    ConnectionSelector rr = ConnectionSelector.roundRobin();
    List<FakeConn> cs = conns(3);
    assertEquals(List.of("c0", "c1", "c2", "c0", "c1"), picks(rr, "A", cs, 5));
    // Of the two left, c2 was used less recently than c0: it goes first, then they take turns.
    assertEquals(List.of("c2", "c0", "c2", "c0"),
        picks(rr, "A", List.of(cs.get(0), cs.get(2)), 4));
    // Down to one: always that one.
    assertEquals(List.of("c1", "c1"), picks(rr, "A", List.of(cs.get(1)), 2));
    // Growing again, the least recently used goes first: c2, then c0, then c1.
    assertEquals(List.of("c2", "c0", "c1"), picks(rr, "A", cs, 3));
  }

  private static List<String> picks(ConnectionSelector s, String peer, List<FakeConn> from,
      int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(s.pick(peer, from).id());
    }
    return ids;
  }

  @Test
  void closedConnectionIsNeverPicked() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (LoadBalancingStrategy s : LoadBalancingStrategy.values()) {
      ConnectionSelector sel = ConnectionSelector.create(s);
      for (int round = 0; round < 2_000; round++) {
        List<FakeConn> cs = conns(1 + rnd.nextInt(5));
        boolean anyOpen = false;
        for (FakeConn c : cs) {
          c.streams(rnd.nextInt(3));
          c.latency(rnd.nextBoolean() ? rnd.nextInt(3) * 10.0 : Double.NaN);
          if (rnd.nextInt(3) == 0) {
            c.closed();
          }
          anyOpen |= c.open;
        }
        FakeConn picked = sel.pick("P" + rnd.nextInt(3), cs);
        if (anyOpen) {
          assertNotNull(picked, s + " found nothing in " + cs);
          assertTrue(picked.isOpen(), s + " picked closed " + picked);
          assertTrue(cs.contains(picked));
        } else {
          assertNull(picked, s.toString());
        }
      }
    }
  }

  @Test
  void leastLoadedPicksTheMinimum() {
    ConnectionSelector ll = ConnectionSelector.leastLoaded();
    List<FakeConn> cs = conns(4);
    cs.get(0).streams(5);
    cs.get(1).streams(2);
    cs.get(2).streams(1);
    cs.get(3).streams(1).closed();
    for (int i = 0; i < 5; i++) {
      assertSame(cs.get(2), ll.pick("A", cs));
    }
    cs.get(2).streams(9);
    assertSame(cs.get(1), ll.pick("A", cs));
  }

  @Test
  void leastLoadedSpreadsTies() {
    ConnectionSelector ll = ConnectionSelector.create(LoadBalancingStrategy.LEAST_LOADED);
    List<FakeConn> cs = conns(3);
    // Picks without opening streams: every tied connection takes its turn.
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      seen.add(ll.pick("A", cs).id());
    }
    assertEquals(Set.of("c0", "c1", "c2"), seen);
    // Opening a stream on each pick, a burst of 6 lands 2/2/2.
    ConnectionSelector fresh = ConnectionSelector.leastLoaded();
    List<FakeConn> ds = conns(3);
    for (int i = 0; i < 6; i++) {
      fresh.pick("A", ds).streams++;
    }
    for (FakeConn d : ds) {
      assertEquals(2, d.streams, d.id());
    }
  }

  @Test
  void leastLoadedTiesAmongAMinoritySkipTheBusy() {
    ConnectionSelector ll = ConnectionSelector.leastLoaded();
    List<FakeConn> cs = conns(4);
    cs.get(1).streams(3);
    cs.get(2).streams(3);
    List<String> picks = picks(ll, "A", cs, 4);
    assertEquals(List.of("c0", "c3", "c0", "c3"), picks);
  }

  @Test
  void bestPrefersMostStreamsThenNewest() {
    ConnectionSelector best = ConnectionSelector.create(LoadBalancingStrategy.BEST);
    FakeConn old = new FakeConn("old", 100).streams(2);
    FakeConn busy = new FakeConn("busy", 200).streams(5);
    FakeConn young = new FakeConn("young", 300).streams(2);
    assertSame(busy, best.pick("A", List.of(old, busy, young)));
    assertSame(busy, best.pick("A", List.of(young, old, busy)));
    busy.streams(2);
    assertSame(young, best.pick("A", List.of(old, busy, young)));
    assertSame(young, best.pick("A", List.of(young, busy, old)));
    young.closed();
    assertSame(busy, best.pick("A", List.of(old, busy, young)));
    // Deterministic: the same answer every time.
    for (int i = 0; i < 5; i++) {
      assertSame(busy, best.pick("A", List.of(old, busy, young)));
    }
  }

  @Test
  void bestPrefersQuicWhenTheStreamsAreEqualAndMoreStreamsOverQuic() {
    ConnectionSelector best = ConnectionSelector.best();
    FakeConn quic = new FakeConn("quic", 100).streams(2).transport("quic-v1");
    FakeConn tcp = new FakeConn("tcp", 300).streams(2); // newer, which alone would win
    assertSame(quic, best.pick("A", List.of(quic, tcp)));
    assertSame(quic, best.pick("A", List.of(tcp, quic)));
    tcp.streams(3);
    assertSame(tcp, best.pick("A", List.of(quic, tcp)), "more streams count before transport");
    FakeConn ws = new FakeConn("ws", 400).streams(2).transport("ws");
    tcp.streams(2);
    assertSame(ws, best.pick("A", List.of(tcp, ws)), "among non-QUIC ones the newest");
  }

  @Test
  void bestComparesMonotonicStampsAcrossWrapAround() {
    ConnectionSelector best = ConnectionSelector.best();
    FakeConn before = new FakeConn("before", Long.MAX_VALUE - 10);
    FakeConn after = new FakeConn("after", Long.MIN_VALUE + 10); // 21 ns later, wrapped
    assertSame(after, best.pick("A", List.of(before, after)));
  }

  @Test
  void lowestLatencyPrefersKnownLowRtt() {
    ConnectionSelector ll = ConnectionSelector.create(LoadBalancingStrategy.LOWEST_LATENCY);
    FakeConn unknown = new FakeConn("unknown", 1);
    FakeConn slow = new FakeConn("slow", 2).latency(80.0);
    FakeConn fast = new FakeConn("fast", 3).latency(12.5);
    assertSame(fast, ll.pick("A", List.of(unknown, slow, fast)));
    fast.closed();
    assertSame(slow, ll.pick("A", List.of(unknown, slow, fast)));
    slow.closed();
    // Unknown latency is still a usable connection, just the last choice.
    assertSame(unknown, ll.pick("A", List.of(unknown, slow, fast)));
  }

  @Test
  void lowestLatencyRotatesTiesIncludingAllUnknown() {
    ConnectionSelector ll = ConnectionSelector.lowestLatency();
    List<FakeConn> cs = conns(3);
    cs.get(0).latency(20.0);
    cs.get(1).latency(10.0);
    cs.get(2).latency(10.0);
    List<String> picks = picks(ll, "A", cs, 4);
    assertEquals(List.of("c1", "c2", "c1", "c2"), picks);
    List<FakeConn> unknown = conns(3);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      seen.add(ll.pick("B", unknown).id());
    }
    assertEquals(3, seen.size());
  }

  @Test
  void factoryReturnsIndependentSelectors() {
    // The strategies that keep a cursor: with every candidate tied, each is plain round robin.
    for (LoadBalancingStrategy strategy : List.of(LoadBalancingStrategy.ROUND_ROBIN,
        LoadBalancingStrategy.LEAST_LOADED, LoadBalancingStrategy.LOWEST_LATENCY)) {
      ConnectionSelector a = ConnectionSelector.create(strategy);
      ConnectionSelector b = ConnectionSelector.create(strategy);
      List<FakeConn> cs = conns(3);
      assertEquals(List.of("c0", "c1"), picks(a, "A", cs, 2), strategy.toString());
      // b starts from the front: a's picks did not move b's cursor ...
      assertEquals(List.of("c0"), picks(b, "A", cs, 1), strategy.toString());
      // ... and a goes on from where it was: b's pick did not move a's.
      assertEquals(List.of("c2", "c0"), picks(a, "A", cs, 2), strategy.toString());
      assertEquals(List.of("c1", "c2"), picks(b, "A", cs, 2), strategy.toString());
    }
  }
}
