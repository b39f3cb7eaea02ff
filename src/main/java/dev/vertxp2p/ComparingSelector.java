package dev.vertxp2p;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in selectors: the least open connection under a comparator, ties broken either in
 * turn (a per-peer cursor into the candidate list) or by list position (the last wins).
 *
 * <p>The scan starts at the peer's cursor and keeps the first strictly better candidate, so among
 * tied candidates the one next after the previous pick wins; the cursor then moves past it. With
 * a comparator that ties everything this is plain round robin.
 */
final class ComparingSelector implements ConnectionSelector {

  private final String name;
  private final Comparator<SelectableConnection> order;
  private final boolean rotateTies;
  private final Map<String, Integer> cursors = new HashMap<>();

  ComparingSelector(String name, Comparator<SelectableConnection> order, boolean rotateTies) {
    this.name = name;
    this.order = order;
    this.rotateTies = rotateTies;
  }

  @Override
  public <C extends SelectableConnection> C pick(String peer, List<? extends C> candidates) {
    int n = candidates == null ? 0 : candidates.size();
    if (n == 0) {
      forget(peer);
      return null;
    }
    int start = rotateTies ? Math.floorMod(cursors.getOrDefault(peer, 0), n) : 0;
    C chosen = null;
    int chosenIndex = -1;
    for (int j = 0; j < n; j++) {
      int i = (start + j) % n;
      C c = candidates.get(i);
      if (c == null || !c.isOpen()) {
        continue;
      }
      int cmp = chosen == null ? -1 : order.compare(c, chosen);
      if (cmp < 0 || (cmp == 0 && !rotateTies)) {
        chosen = c;
        chosenIndex = i;
      }
    }
    if (chosen == null) {
      forget(peer);
      return null;
    }
    if (rotateTies) {
      cursors.put(peer, (chosenIndex + 1) % n);
    }
    return chosen;
  }

  @Override
  public void forget(String peer) {
    cursors.remove(peer);
  }

  /** Peers with a cursor kept, for tests and metrics. */
  int trackedPeers() {
    return cursors.size();
  }

  @Override
  public String toString() {
    return "ConnectionSelector[" + name + "]";
  }
}
