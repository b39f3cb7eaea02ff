package dev.vertxp2p;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in selectors: the least open connection under a comparator, ties broken either in
 * turn or by list position (the last wins).
 *
 * <p>In turn: among tied candidates the one this peer's picks used least recently wins (one never
 * picked first, in list order). With a comparator that ties everything this is plain round
 * robin. It is kept by connection id, not by position, so that a pick among a subset (failover
 * and hedging leave out the connections already tried) does not put the turn back on the
 * connection that just failed: with a position cursor, a stalled connection got more than its
 * share of new streams after every failover. A failover or hedge pick ({@link #pickAgain}) takes
 * no turn, so the connection that served it is not passed over by the next stream.
 */
final class ComparingSelector implements ConnectionSelector {

  private final String name;
  private final Comparator<SelectableConnection> order;
  private final boolean rotateTies;
  /** Per peer: each connection's last pick (a sequence number); only while turns matter. */
  private final Map<String, Map<String, Long>> lastPicked = new HashMap<>();
  private long sequence;

  ComparingSelector(String name, Comparator<SelectableConnection> order, boolean rotateTies) {
    this.name = name;
    this.order = order;
    this.rotateTies = rotateTies;
  }

  @Override
  public <C extends SelectableConnection> C pick(String peer, List<? extends C> candidates) {
    return choose(peer, candidates, true);
  }

  /** Among the connections a stream has not tried yet: by the same order, but not a turn. */
  @Override
  public <C extends SelectableConnection> C pickAgain(String peer, List<? extends C> candidates) {
    return choose(peer, candidates, false);
  }

  private <C extends SelectableConnection> C choose(String peer, List<? extends C> candidates,
      boolean takesTurn) {
    int n = candidates == null ? 0 : candidates.size();
    if (n == 0) {
      forget(peer);
      return null;
    }
    Map<String, Long> turns = rotateTies ? lastPicked.get(peer) : null;
    C chosen = null;
    for (int i = 0; i < n; i++) {
      C c = candidates.get(i);
      if (c == null || !c.isOpen()) {
        continue;
      }
      int cmp = chosen == null ? -1 : order.compare(c, chosen);
      if (cmp == 0 && rotateTies) {
        cmp = Long.compare(turn(turns, c), turn(turns, chosen));
      }
      if (cmp < 0 || (cmp == 0 && !rotateTies)) {
        chosen = c;
      }
    }
    if (chosen == null) {
      if (takesTurn) {
        forget(peer);
      }
      return null;
    }
    if (rotateTies && takesTurn) {
      if (turns == null) {
        turns = new HashMap<>();
        lastPicked.put(peer, turns);
      }
      turns.put(chosen.id(), ++sequence);
      if (turns.size() > 2 * n + 8) {
        // Bounded by the peer's connections: ids no longer offered are forgotten.
        java.util.Set<String> offered = new java.util.HashSet<>();
        for (C c : candidates) {
          if (c != null) {
            offered.add(c.id());
          }
        }
        turns.keySet().retainAll(offered);
      }
    }
    return chosen;
  }

  private static long turn(Map<String, Long> turns, SelectableConnection c) {
    if (turns == null) {
      return -1;
    }
    Long t = turns.get(c.id());
    return t == null ? -1 : t;
  }

  @Override
  public void forget(String peer) {
    lastPicked.remove(peer);
  }

  /** Peers whose turns are kept, for tests and metrics. */
  int trackedPeers() {
    return lastPicked.size();
  }

  @Override
  public String toString() {
    return "ConnectionSelector[" + name + "]";
  }
}
