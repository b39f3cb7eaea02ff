package dev.vertxp2p.swarm;

import dev.vertxp2p.ResourceLimitException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ConnectionManagerOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The trim decision over fake connections and a fake clock. */
class ConnectionManagerTest {
  private static final long SEC = 1_000_000_000L;

  private static ConnectionManager.View v(String id, String peer, int streams, long total,
      long openedAt) {
    return new ConnectionManager.View(id, peer, streams, total, openedAt);
  }

  private static List<String> ids(List<ConnectionManager.View> views) {
    return views.stream().map(ConnectionManager.View::id).toList();
  }

  @Test
  void nothingAtOrBelowHighWater() {
    List<ConnectionManager.View> conns = List.of(v("a", "p1", 0, 0, 0), v("b", "p2", 0, 0, 0));
    assertEquals(List.of(), ConnectionManager.selectToTrim(conns, Set.of(), 0, 2, 0, 100 * SEC));
  }

  @Test
  void overHighWaterTrimsDownToLowWater() {
    List<ConnectionManager.View> conns = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      conns.add(v("c" + i, "p" + i, 0, 0, 0));
    }
    // 6 > high 5: close 6 - low 2 = 4
    assertEquals(4, ConnectionManager.selectToTrim(conns, Set.of(), 2, 5, 0, SEC).size());
  }

  @Test
  void idleConnectionsGoBeforeAnyBusyOne() {
    List<ConnectionManager.View> conns = List.of(
        v("busy1", "p1", 1, 50, 0),
        v("idle1", "p2", 0, 900, 0),
        v("busy2", "p3", 7, 7, 0),
        v("idle2", "p4", 0, 0, 0));
    List<String> chosen =
        ids(ConnectionManager.selectToTrim(conns, Set.of(), 1, 3, 0, 10 * SEC));
    assertEquals(3, chosen.size());
    assertEquals(Set.of("idle1", "idle2"), new HashSet<>(chosen.subList(0, 2)));
    assertEquals("busy1", chosen.get(2), "fewest open streams first among the busy");
  }

  @Test
  void protectedPeersAndYoungConnectionsAreNeverChosen() {
    long now = 100 * SEC;
    long grace = 30 * SEC;
    List<ConnectionManager.View> conns = List.of(
        v("prot", "p1", 0, 0, 0),
        v("young", "p2", 0, 0, now - 29 * SEC),
        v("old", "p3", 0, 0, now - 31 * SEC),
        v("busyOld", "p4", 3, 3, 0));
    List<String> chosen =
        ids(ConnectionManager.selectToTrim(conns, Set.of("p1"), 0, 1, grace, now));
    assertEquals(List.of("old", "busyOld"), chosen, "wants 4 but only 2 may go");
  }

  @Test
  void aPeerWithSeveralConnectionsLosesOneBeforeAnotherPeerLosesItsOnly() {
    List<ConnectionManager.View> conns = List.of(
        v("a1", "A", 0, 0, 0), v("a2", "A", 0, 0, 0), v("a3", "A", 0, 0, 0),
        v("b1", "B", 0, 0, 0));
    List<String> chosen = ids(ConnectionManager.selectToTrim(conns, Set.of(), 2, 3, 0, SEC));
    assertEquals(2, chosen.size());
    assertTrue(chosen.stream().allMatch(id -> id.startsWith("a")), chosen.toString());
  }

  @Test
  void graceIsMeasuredOnTheInjectedClock() {
    AtomicLong clock = new AtomicLong(0);
    ConnectionManager m = new ConnectionManager(new ConnectionManagerOptions()
        .setWatermarks(0, 1).setGracePeriod(10), clock::get);
    List<ConnectionManager.View> conns = List.of(v("x", "p1", 0, 0, 0), v("y", "p2", 0, 0, 0));
    assertEquals(List.of(), m.select(conns), "both inside the grace period");
    clock.set(10 * SEC);
    assertEquals(2, m.select(conns).size());
  }

  @Test
  void disabledManagerNeverTrims() {
    ConnectionManager m = new ConnectionManager(new ConnectionManagerOptions()
        .setEnabled(false).setWatermarks(0, 1).setGracePeriod(0), () -> 0);
    assertEquals(List.of(), m.select(List.of(v("x", "p", 0, 0, 0), v("y", "q", 0, 0, 0))));
  }

  @Test
  void protectionTagsCountUntilTheLastIsRemoved() {
    ConnectionManager m = new ConnectionManager(new ConnectionManagerOptions()
        .setWatermarks(0, 1).setGracePeriod(0), () -> 0);
    assertEquals(List.of("a"), m.protect("p", "a"));
    assertEquals(List.of("a", "b"), m.protect("p", "b"));
    assertEquals(List.of("a", "b"), m.protect("p", "b"), "idempotent");
    List<ConnectionManager.View> conns = List.of(v("x", "p", 0, 0, 0), v("y", "q", 0, 0, 0));
    assertEquals(List.of("y"), ids(m.select(conns)));
    assertEquals(List.of("b"), m.unprotect("p", "a"));
    assertTrue(m.isProtected("p"));
    assertEquals(List.of(), m.unprotect("p", "b"));
    assertFalse(m.isProtected("p"));
    assertEquals(2, m.select(conns).size());
    assertEquals(List.of(), m.unprotect("nobody", "a"));
  }

  @Test
  void protectionTableIsBounded() {
    ConnectionManager m = new ConnectionManager(new ConnectionManagerOptions(), () -> 0);
    for (int i = 0; i < ConnectionManager.MAX_TAGS_PER_PEER; i++) {
      m.protect("p", "t" + i);
    }
    assertThrows(ResourceLimitException.class, () -> m.protect("p", "one-more"));
    assertThrows(IllegalArgumentException.class, () -> m.protect("p", " "));
    assertThrows(IllegalArgumentException.class,
        () -> m.protect("p", "x".repeat(ConnectionManager.MAX_TAG_LENGTH + 1)));
    for (int i = 1; i < ConnectionManager.MAX_PROTECTED_PEERS; i++) {
      m.protect("peer" + i, "t");
    }
    assertThrows(ResourceLimitException.class, () -> m.protect("too-many", "t"));
    assertEquals(ConnectionManager.MAX_PROTECTED_PEERS, m.protectedSnapshot().size());
  }

  /** Invariants over random connection sets: count, exclusions, idle-before-busy. */
  @Property(tries = 300)
  void trimInvariants(@ForAll @IntRange(min = 0, max = 40) int n,
      @ForAll @IntRange(min = 0, max = 20) int low, @ForAll @IntRange(min = 0, max = 20) int extra,
      @ForAll long seed) {
    java.util.Random r = new java.util.Random(seed);
    int high = low + extra + 1;
    long now = 1000 * SEC;
    long grace = 10 * SEC;
    List<ConnectionManager.View> conns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      conns.add(v("c" + i, "p" + r.nextInt(8), r.nextInt(3) == 0 ? r.nextInt(4) : 0,
          r.nextInt(10), now - r.nextInt(20) * SEC));
    }
    Set<String> prot = Set.of("p" + r.nextInt(8));
    List<ConnectionManager.View> chosen =
        ConnectionManager.selectToTrim(conns, prot, low, high, grace, now);
    if (n <= high) {
      assertEquals(List.of(), chosen);
      return;
    }
    assertTrue(chosen.size() <= n - low);
    assertEquals(chosen.size(), new HashSet<>(chosen).size(), "no connection twice");
    long eligible = conns.stream()
        .filter(c -> !prot.contains(c.peer()) && now - c.openedAtNanos() >= grace).count();
    assertEquals(Math.min(n - low, eligible), chosen.size(), "closes as many as it may");
    boolean idleLeft = conns.stream().anyMatch(c -> c.openStreams() == 0
        && !prot.contains(c.peer()) && now - c.openedAtNanos() >= grace && !chosen.contains(c));
    for (ConnectionManager.View c : chosen) {
      assertFalse(prot.contains(c.peer()));
      assertTrue(now - c.openedAtNanos() >= grace);
      if (c.openStreams() > 0) {
        assertFalse(idleLeft, "a busy connection was chosen while an idle one was left");
      }
    }
  }
}
