package dev.vertxp2p.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The rules of {@link ClusterKeepPlan}, over random peers, node sets, targets and caps. */
class ClusterKeepPlanProperties {

  @Provide
  Arbitrary<String> peers() {
    return Arbitraries.strings().withCharRange('1', '9').withCharRange('A', 'Z')
        .withCharRange('a', 'z').ofMinLength(1).ofMaxLength(60).map(s -> "12D3KooW" + s);
  }

  @Provide
  Arbitrary<List<String>> nodes() {
    return Arbitraries.strings().withCharRange('a', 'z').withChars('-', '_').withCharRange('0', '9')
        .ofMinLength(1).ofMaxLength(12).list().ofMinSize(1).ofMaxSize(12).uniqueElements()
        .map(l -> {
          List<String> sorted = new ArrayList<>(l);
          sorted.sort(null);
          return sorted;
        });
  }

  private static int sum(Map<String, Integer> shares) {
    int total = 0;
    for (int s : shares.values()) {
      total += s;
    }
    return total;
  }

  @Property
  void sharesSumToTheTargetOrEveryNodeAtCap(@ForAll("peers") String peer,
      @ForAll @IntRange(min = 0, max = 1024) int target, @ForAll("nodes") List<String> nodes,
      @ForAll @IntRange(min = 1, max = 5) int cap) {
    Map<String, Integer> shares = ClusterKeepPlan.shares(peer, target, nodes, cap);
    assertEquals(nodes.size(), shares.size(), "every live node has a share, 0 included");
    assertEquals(Math.min(target, nodes.size() * cap), sum(shares));
    for (int s : shares.values()) {
      assertTrue(s >= 0 && s <= cap, "share " + s + " outside 0.." + cap);
    }
  }

  @Property
  void sharesBelowCapDifferByAtMostOne(@ForAll("peers") String peer,
      @ForAll @IntRange(min = 0, max = 64) int target, @ForAll("nodes") List<String> nodes,
      @ForAll @IntRange(min = 1, max = 5) int cap) {
    Map<String, Integer> shares = ClusterKeepPlan.shares(peer, target, nodes, cap);
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;
    for (int s : shares.values()) {
      if (s < cap) {
        min = Math.min(min, s);
        max = Math.max(max, s);
      }
    }
    assertTrue(max == Integer.MIN_VALUE || max - min <= 1, "uneven shares " + shares);
    // A node at cap beside one two below it would be uneven too: all shares lie within one.
    int lo = shares.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    int hi = shares.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    assertTrue(hi - lo <= 1, "uneven shares " + shares);
  }

  @Property
  void theInputOrderDoesNotMatter(@ForAll("peers") String peer,
      @ForAll @IntRange(min = 0, max = 40) int target, @ForAll("nodes") List<String> nodes,
      @ForAll @IntRange(min = 1, max = 5) int cap) {
    List<String> reversed = new ArrayList<>(nodes);
    Collections.reverse(reversed);
    assertEquals(ClusterKeepPlan.shares(peer, target, nodes, cap),
        ClusterKeepPlan.shares(peer, target, reversed, cap));
  }

  @Property
  void removingANodeMovesOnlyItsShare(@ForAll("peers") String peer,
      @ForAll @IntRange(min = 0, max = 64) int target, @ForAll("nodes") List<String> nodes,
      @ForAll @IntRange(min = 1, max = 5) int cap, @ForAll @IntRange(min = 0, max = 11) int gone) {
    String leaving = nodes.get(gone % nodes.size());
    List<String> survivors = new ArrayList<>(nodes);
    survivors.remove(leaving);
    Map<String, Integer> before = ClusterKeepPlan.shares(peer, target, nodes, cap);
    Map<String, Integer> after = ClusterKeepPlan.shares(peer, target, survivors, cap);
    int grown = 0;
    for (String n : survivors) {
      int was = before.get(n);
      int now = after.get(n);
      assertTrue(now >= was, n + " lost a share: " + before + " -> " + after);
      grown += now - was;
    }
    // What the survivors gained is exactly the leaver's share, less what no longer fits.
    int lost = sum(before) - Math.min(target, survivors.size() * cap);
    assertEquals(before.get(leaving) - lost, grown, before + " -> " + after);
    if (before.get(leaving) == 0) {
      Map<String, Integer> same = new HashMap<>(before);
      same.remove(leaving);
      assertEquals(same, after, "a node holding nothing left, yet shares moved");
    }
  }

  @Property
  void fewerConnectionsThanNodesGoToDistinctNodes(@ForAll("peers") String peer,
      @ForAll("nodes") List<String> nodes, @ForAll @IntRange(min = 1, max = 12) int target) {
    Map<String, Integer> shares = ClusterKeepPlan.shares(peer, Math.min(target, nodes.size()),
        nodes, 3);
    for (int s : shares.values()) {
      assertTrue(s <= 1, "two connections on one node while others hold none: " + shares);
    }
  }

  @Property
  void theWeightIsStable(@ForAll("peers") String peer, @ForAll("nodes") List<String> nodes) {
    for (String n : nodes) {
      assertEquals(ClusterKeepPlan.weight(peer, n), ClusterKeepPlan.weight(peer, n));
    }
  }

  @Example
  void theContractsExamples() {
    List<String> three = List.of("a", "b", "c");
    assertEquals(Map.of("a", 1, "b", 1, "c", 1),
        new HashMap<>(ClusterKeepPlan.shares("12D3KooWpeer", 3, three, 3)));
    Map<String, Integer> two = ClusterKeepPlan.shares("12D3KooWpeer", 2, three, 3);
    assertEquals(2, two.values().stream().filter(s -> s == 1).count());
    assertEquals(1, two.values().stream().filter(s -> s == 0).count());
    Map<String, Integer> five = ClusterKeepPlan.shares("12D3KooWpeer", 5, List.of("a", "b"), 3);
    assertEquals(List.of(2, 3), five.values().stream().sorted().toList());
    // More than every node may hold: each holds its cap.
    assertEquals(Map.of("a", 3, "b", 3),
        new HashMap<>(ClusterKeepPlan.shares("12D3KooWpeer", 100, List.of("a", "b"), 3)));
    assertEquals(Map.of(), ClusterKeepPlan.shares("12D3KooWpeer", 3, List.of(), 3));
  }

  @Example
  void theWeightIsFixedAcrossRunsAndJvms() {
    // FNV-1a's published test vector, then a pinned weight: a change here would move every
    // kept peer in a cluster running mixed versions.
    assertEquals(0xAF63DC4C8601EC8CL, ClusterKeepPlan.hash("a"));
    assertEquals(0xAC98144C0EB69641L, ClusterKeepPlan.weight("12D3KooWpeer", "node-1"));
    assertEquals(List.of("a", "node-1", "b", "c", "node-2"),
        ClusterKeepPlan.rank("12D3KooWpeer", List.of("c", "node-2", "a", "node-1", "b")));
  }

  @Example
  void badArgumentsNameTheArgument() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ClusterKeepPlan.shares("p", -1, List.of("a"), 3)).getMessage().startsWith("target"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ClusterKeepPlan.shares("p", 1, List.of("a"), 0)).getMessage().startsWith("cap"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ClusterKeepPlan.shares("p", 1, List.of("a", "a"), 3)).getMessage()
        .startsWith("nodes"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> ClusterKeepPlan.shares("", 1, List.of("a"), 3)).getMessage().startsWith("peer"));
  }
}
