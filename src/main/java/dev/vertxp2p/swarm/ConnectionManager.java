package dev.vertxp2p.swarm;

import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.ConnectionManagerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Soft connection limits in the manner of go-libp2p's basic connection manager: low and high
 * watermarks, a grace period for new connections, and protected peers.
 *
 * <p>The decision which connections to close is the pure function {@link #selectToTrim}; this
 * class adds the protection table and the clock. It is used only on the swarm's owner context, so
 * it has no locks; {@link #protectedSnapshot()} is an immutable copy readers elsewhere may hold.
 */
public final class ConnectionManager {

  /** Protection tags one peer may hold; tags are names of reasons, a handful per peer. */
  public static final int MAX_TAGS_PER_PEER = 16;
  /** Peers that may be protected at once, connected or not: bounds the table. */
  public static final int MAX_PROTECTED_PEERS = 4096;
  /** Longest protection tag. */
  public static final int MAX_TAG_LENGTH = 100;

  /**
   * What the trim decision sees of one connection.
   *
   * @param id connection id
   * @param peer the remote peer's id (text)
   * @param openStreams streams open now; 0 means idle
   * @param streamsTotal streams opened over its life (how much it was used)
   * @param openedAtNanos when it opened, on the manager's clock
   */
  public record View(String id, String peer, int openStreams, long streamsTotal,
      long openedAtNanos) {}

  private final ConnectionManagerOptions options;
  private final LongSupplier nanoClock;
  private final Map<String, TreeSet<String>> protections = new HashMap<>();
  private volatile Map<String, List<String>> protectedSnapshot = Map.of();

  /**
   * @param options watermarks and grace period (copied)
   * @param nanoClock monotonic nanoseconds, {@code System::nanoTime} outside tests
   */
  public ConnectionManager(ConnectionManagerOptions options, LongSupplier nanoClock) {
    this.options = new ConnectionManagerOptions(options);
    this.nanoClock = nanoClock;
  }

  /** The options in force. */
  public ConnectionManagerOptions options() {
    return new ConnectionManagerOptions(options);
  }

  // ---- the decision ---------------------------------------------------------------------------

  /**
   * The connections to close now: none while at most {@code highWater} are open; otherwise as many
   * as bring the total to {@code lowWater}, or fewer when too few may be closed.
   *
   * <p>Never chosen: a connection of a protected peer, or one younger than {@code graceNanos}.
   * Among the rest, in order: fewest open streams first (so every idle connection goes before any
   * busy one); then the peer with the most connections left (a peer keeps one connection as long
   * as possible); then the least used over its life; then the youngest; then by id, so the result
   * is deterministic.
   *
   * @param conns every open connection, trimmed or not yet
   * @param protectedPeers peers (text ids) never trimmed
   * @return the connections to close, in the order chosen
   */
  public static List<View> selectToTrim(List<View> conns, Set<String> protectedPeers,
      int lowWater, int highWater, long graceNanos, long nowNanos) {
    if (conns.size() <= highWater) {
      return List.of();
    }
    int need = conns.size() - lowWater;
    Map<String, Integer> perPeer = new HashMap<>();
    for (View v : conns) {
      perPeer.merge(v.peer(), 1, Integer::sum);
    }
    List<View> candidates = new ArrayList<>();
    for (View v : conns) {
      // Subtraction, not comparison of raw values: nanoTime may be negative or wrap.
      boolean inGrace = nowNanos - v.openedAtNanos() < graceNanos;
      if (!inGrace && !protectedPeers.contains(v.peer())) {
        candidates.add(v);
      }
    }
    Comparator<View> order = Comparator.comparingInt(View::openStreams)
        .thenComparing(v -> -perPeer.get(v.peer()))
        .thenComparingLong(View::streamsTotal)
        .thenComparing((a, b) -> Long.compare(b.openedAtNanos() - a.openedAtNanos(), 0))
        .thenComparing(View::id);
    List<View> chosen = new ArrayList<>();
    // Greedy, re-ranking after each pick: per-peer counts change as connections are chosen.
    while (chosen.size() < need && !candidates.isEmpty()) {
      View best = Collections.min(candidates, order);
      candidates.remove(best);
      chosen.add(best);
      perPeer.merge(best.peer(), -1, Integer::sum);
    }
    return chosen;
  }

  /** {@link #selectToTrim} with this manager's options, clock and protections; none if disabled. */
  public List<View> select(List<View> conns) {
    if (!options.isEnabled()) {
      return List.of();
    }
    return selectToTrim(conns, protections.keySet(), options.getLowWater(),
        options.getHighWater(), options.getGracePeriodDuration().toNanos(), nanoClock.getAsLong());
  }

  /** The manager's clock, in the unit {@link View#openedAtNanos()} expects. */
  public long nowNanos() {
    return nanoClock.getAsLong();
  }

  // ---- protection -----------------------------------------------------------------------------

  /**
   * Protects {@code peer} from trimming under {@code tag}; several tags may protect one peer,
   * and it stays protected until the last is removed. Idempotent.
   *
   * @return the peer's tags now
   * @throws IllegalArgumentException for an empty or over-long tag
   * @throws ResourceLimitException beyond {@link #MAX_TAGS_PER_PEER} or {@link #MAX_PROTECTED_PEERS}
   */
  public List<String> protect(String peer, String tag) {
    checkTag(tag);
    TreeSet<String> tags = protections.get(peer);
    if (tags == null) {
      if (protections.size() >= MAX_PROTECTED_PEERS) {
        throw new ResourceLimitException("connectionManager.protected", "cannot protect " + peer
            + ": " + MAX_PROTECTED_PEERS + " peers are protected already");
      }
      tags = new TreeSet<>();
    }
    if (!tags.contains(tag) && tags.size() >= MAX_TAGS_PER_PEER) {
      throw new ResourceLimitException("connectionManager.protected", "cannot add tag \"" + tag
          + "\" to " + peer + ": it has " + MAX_TAGS_PER_PEER + " tags already");
    }
    tags.add(tag);
    protections.put(peer, tags);
    publish();
    return List.copyOf(tags);
  }

  /**
   * Removes one protection tag from {@code peer}.
   *
   * @return the tags left (empty: the peer is no longer protected)
   */
  public List<String> unprotect(String peer, String tag) {
    checkTag(tag);
    TreeSet<String> tags = protections.get(peer);
    if (tags == null) {
      return List.of();
    }
    tags.remove(tag);
    if (tags.isEmpty()) {
      protections.remove(peer);
    }
    publish();
    return List.copyOf(tags);
  }

  /** Whether any tag protects {@code peer}. */
  public boolean isProtected(String peer) {
    return protectedSnapshot.containsKey(peer);
  }

  /** Protected peers with their tags, sorted; an immutable snapshot safe on any thread. */
  public Map<String, List<String>> protectedSnapshot() {
    return protectedSnapshot;
  }

  private void publish() {
    Map<String, List<String>> copy = new TreeMap<>();
    for (Map.Entry<String, TreeSet<String>> e : protections.entrySet()) {
      copy.put(e.getKey(), List.copyOf(e.getValue()));
    }
    protectedSnapshot = Collections.unmodifiableMap(new LinkedHashMap<>(copy));
  }

  private static void checkTag(String tag) {
    if (tag == null || tag.isBlank() || tag.length() > MAX_TAG_LENGTH) {
      throw new IllegalArgumentException("a protection tag must be 1.." + MAX_TAG_LENGTH
          + " characters and not blank, got " + (tag == null ? "null" : "\"" + tag + "\""));
    }
  }

  /** What {@code swarm.node} shows: the options and the protected peers. */
  public JsonObject toJson() {
    JsonObject prot = new JsonObject();
    for (Map.Entry<String, List<String>> e : protectedSnapshot.entrySet()) {
      prot.put(e.getKey(), new JsonArray(e.getValue()));
    }
    return options.toJson().put("protected", prot);
  }
}
