package dev.vertxp2p.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which node keeps how many of a cluster-kept peer's connections: pure, no Vert.x, no clock.
 *
 * <p>The nodes are ranked for each peer by rendezvous (highest-random-weight) hashing of
 * {@code (peer, node)}. The total is {@code min(target, nodes * cap)}, spread evenly: every node
 * gets {@code total / nodes} and the {@code total % nodes} highest-ranked get one more, so shares
 * differ by at most one and none passes {@code cap}. Because a node's rank among the others does
 * not depend on which other nodes are live, a node leaving only moves its own share: no survivor's
 * share shrinks, and with fewer connections than nodes the same nodes keep the peer.
 *
 * <p>Every node computes the plan itself from the same live-node list; they agree without
 * talking as long as their lists agree.
 */
public final class ClusterKeepPlan {
  /** Most nodes a plan spreads over (the cluster's own bound on registered nodes). */
  public static final int MAX_NODES = 256;

  private ClusterKeepPlan() {}

  /**
   * The shares of {@code peer}'s connections, node by node, in rank order (highest first);
   * nodes with a share of 0 are listed too.
   *
   * @param peer the kept peer's id, as text
   * @param target the connections the cluster keeps to it, {@code >= 0}
   * @param nodes the live nodes' names, distinct, at most {@link #MAX_NODES}; may be empty
   * @param cap the most one node keeps to one peer ({@code connection.maxConnectionsPerPeer})
   * @throws IllegalArgumentException naming the argument that is out of range
   */
  public static Map<String, Integer> shares(String peer, int target, Collection<String> nodes,
      int cap) {
    if (peer == null || peer.isEmpty()) {
      throw new IllegalArgumentException("peer: expected a peer id, got " + peer);
    }
    if (target < 0) {
      throw new IllegalArgumentException("target: expected >= 0, got " + target);
    }
    if (cap < 1) {
      throw new IllegalArgumentException("cap: expected >= 1, got " + cap);
    }
    if (nodes == null) {
      throw new IllegalArgumentException("nodes: expected a list of node names, got null");
    }
    if (nodes.size() > MAX_NODES) {
      throw new IllegalArgumentException("nodes: expected at most " + MAX_NODES + " nodes, got "
          + nodes.size());
    }
    Set<String> seen = new HashSet<>();
    for (String n : nodes) {
      if (n == null) {
        throw new IllegalArgumentException("nodes: a node name is null");
      }
      if (!seen.add(n)) {
        throw new IllegalArgumentException("nodes: \"" + n + "\" is listed twice");
      }
    }
    List<String> ranked = rank(peer, nodes);
    Map<String, Integer> out = new LinkedHashMap<>();
    int count = ranked.size();
    if (count == 0) {
      return out;
    }
    long total = Math.min((long) target, (long) count * cap);
    int base = (int) (total / count);
    int extra = (int) (total % count);
    // base == cap leaves extra == 0 (total <= count * cap), so base + 1 never passes cap.
    for (int i = 0; i < count; i++) {
      out.put(ranked.get(i), base + (i < extra ? 1 : 0));
    }
    return out;
  }

  /** {@code node}'s share of {@code peer} ({@link #shares}); 0 when {@code node} is not live. */
  public static int share(String peer, int target, Collection<String> nodes, int cap,
      String node) {
    return shares(peer, target, nodes, cap).getOrDefault(node, 0);
  }

  /** The nodes in rendezvous order for {@code peer}: highest weight first, ties by name. */
  static List<String> rank(String peer, Collection<String> nodes) {
    long peerHash = hash(peer);
    String[] names = nodes.toArray(new String[0]);
    long[] weights = new long[names.length];
    Integer[] order = new Integer[names.length];
    for (int i = 0; i < names.length; i++) {
      weights[i] = weight(peerHash, names[i]);
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int c = Long.compareUnsigned(weights[b], weights[a]);
      return c != 0 ? c : names[a].compareTo(names[b]);
    });
    List<String> out = new ArrayList<>(names.length);
    for (Integer i : order) {
      out.add(names[i]);
    }
    return out;
  }

  /** The rendezvous weight of {@code (peer, node)}: the same on every JVM, every run. */
  static long weight(String peer, String node) {
    return weight(hash(peer), node);
  }

  private static long weight(long peerHash, String node) {
    // Both halves are mixed before they meet, so similar names ("node-1", "node-2") still rank
    // independently for every peer.
    return mix(peerHash ^ mix(hash(node) + 0x9E3779B97F4A7C15L));
  }

  /** 64-bit FNV-1a of the UTF-8 bytes: fixed by its spec, unlike {@code String.hashCode}. */
  static long hash(String s) {
    long h = 0xCBF29CE484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xFF;
      h *= 0x100000001B3L;
    }
    return h;
  }

  /** MurmurHash3's 64-bit finaliser: every input bit reaches every output bit. */
  static long mix(long z) {
    z ^= z >>> 33;
    z *= 0xFF51AFD7ED558CCDL;
    z ^= z >>> 33;
    z *= 0xC4CEB93FE1A85B2BL;
    z ^= z >>> 33;
    return z;
  }
}
