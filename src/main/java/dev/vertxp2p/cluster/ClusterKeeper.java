package dev.vertxp2p.cluster;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Cluster-kept peers on one node: {@code swarm.cluster.keep}, {@code unkeep} and this node's part
 * of {@code kept}.
 *
 * <p>The cluster-wide state is one cluster map, peer id -&gt; {@code {"addr", "connections",
 * "since"}}; nothing else is shared. Every node reads it and computes its own share of each peer
 * with {@link ClusterKeepPlan} from the live nodes, then keeps that share on its own swarm through
 * {@link LocalKeeps}. It does so every {@link #RECONCILE_INTERVAL_MS} and at once when any node
 * publishes a change on the "changed" address, so a node that leaves or dies has its share taken
 * over one reconcile after the live-node list drops it.
 *
 * <p>Owned by one context (the swarm verticle's): its state is touched only there. Its public
 * methods may be called from any thread; they run on the owner and their futures call back on the
 * caller's context. The map's and the cluster manager's callbacks hop to the owner before any
 * state is touched.
 */
public final class ClusterKeeper {
  /** Most peers the cluster keeps. */
  public static final int MAX_KEPT = 1024;
  /** Most connections the cluster keeps to one peer. */
  public static final int MAX_CONNECTIONS = 1024;
  /** How often a node reconciles its share with the map, changes or not. */
  public static final long RECONCILE_INTERVAL_MS = 1_000;
  /** How long a keep waits for the cluster lock that bounds the number of kept peers. */
  public static final long LOCK_TIMEOUT_MS = 15_000;
  /** Longest wait before a failed local keep, which the swarm did not retain, is tried again. */
  static final long MAX_RETRY_DELAY_MS = 30_000;
  /** Longest error text kept for the view, and longest input echoed in an error. */
  static final int MAX_TEXT = 200;

  private static final Log LOG = Log.get(ClusterKeeper.class);

  private enum State { NEW, STARTED, STOPPED }

  /** What this node last asked its swarm to keep for one peer. Owned. */
  private static final class Applied {
    int share;
    Multiaddr addr;
    /** Incremented per call issued, so an older call's outcome never overwrites a newer one. */
    long generation;
    boolean pending;
    /** The call issued last; settles when it does (never fails). */
    Future<Void> inFlight;
    /** When the last call settled ({@link System#nanoTime}). */
    long settledAt;
    /** Not before this ({@link System#nanoTime}) is a keep the swarm dropped issued again. */
    long retryAt;
    int failures;
    String error;
  }

  /** One map entry, checked. */
  private record Wanted(PeerId peer, Multiaddr addr, int connections, String since) {}

  private final Vertx vertx;
  private final Owner owner;
  private final String mapName;
  private final String changedAddress;
  private final String nodeName;
  private final Supplier<List<String>> liveNodes;
  private final int cap;
  private final LocalKeeps local;
  private final long intervalMs;
  private final int maxKept;

  private final Map<PeerId, Applied> applied = new HashMap<>();
  private State state = State.NEW;
  private long timer = -1;
  private MessageConsumer<Object> consumer;
  /** Whether a reconcile round is reading the map or issuing its calls now. */
  private boolean running;
  /** Callers waiting for the round that starts once the running one is done. */
  private Promise<Void> queued;

  /**
   * @param vertx the (clustered) Vert.x whose shared data holds the map
   * @param context the owning context, the swarm verticle's
   * @param mapName the cluster map of kept peers, e.g. {@code dev.vertxp2p.cluster.kept.<prefix>}
   * @param changedAddress the event-bus address every node's keeper publishes changes on and
   *     listens to, e.g. {@code <prefix>.cluster.kept.changed}
   * @param nodeName this node's name, as {@code liveNodes} lists it
   * @param liveNodes the live nodes' names, this one included; called on the owner only
   * @param cap the most connections one node keeps to one peer ({@code
   *     connection.maxConnectionsPerPeer})
   * @param local this node's swarm
   */
  public ClusterKeeper(Vertx vertx, Context context, String mapName, String changedAddress,
      String nodeName, Supplier<List<String>> liveNodes, int cap, LocalKeeps local) {
    this(vertx, context, mapName, changedAddress, nodeName, liveNodes, cap, local,
        RECONCILE_INTERVAL_MS, MAX_KEPT);
  }

  /** As the public constructor, with the interval and the bound on kept peers chosen (tests). */
  ClusterKeeper(Vertx vertx, Context context, String mapName, String changedAddress,
      String nodeName, Supplier<List<String>> liveNodes, int cap, LocalKeeps local,
      long intervalMs, int maxKept) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.owner = new Owner(Objects.requireNonNull(context, "context"), this);
    this.mapName = requireText(mapName, "mapName");
    this.changedAddress = requireText(changedAddress, "changedAddress");
    this.nodeName = requireText(nodeName, "nodeName");
    this.liveNodes = Objects.requireNonNull(liveNodes, "liveNodes");
    if (cap < 1) {
      throw new IllegalArgumentException("cap: expected >= 1 (connection.maxConnectionsPerPeer),"
          + " got " + cap);
    }
    this.cap = cap;
    this.local = Objects.requireNonNull(local, "local");
    if (intervalMs < 1) {
      throw new IllegalArgumentException("intervalMs: expected >= 1, got " + intervalMs);
    }
    this.intervalMs = intervalMs;
    if (maxKept < 1 || maxKept > MAX_KEPT) {
      throw new IllegalArgumentException("maxKept: expected 1.." + MAX_KEPT + ", got " + maxKept);
    }
    this.maxKept = maxKept;
  }

  private static String requireText(String s, String name) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException(name + ": expected a non-empty text, got " + s);
    }
    return s;
  }

  /** This node's name. */
  public String nodeName() {
    return nodeName;
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /**
   * Listens for changes, reconciles every {@link #RECONCILE_INTERVAL_MS}, and completes after a
   * first reconcile (whose failure is logged, not returned).
   */
  public Future<Void> start() {
    return owner.call(() -> {
      owner.check();
      if (state != State.NEW) {
        return Future.failedFuture(new IllegalStateException("cluster keeper of " + nodeName
            + " is " + state.name().toLowerCase() + ", not new"));
      }
      state = State.STARTED;
      consumer = vertx.eventBus().consumer(changedAddress, msg -> requestRound());
      timer = vertx.setPeriodic(intervalMs, id -> requestRound());
      return owner.rehome(consumer.completion()).transform(ar -> {
        owner.check();
        if (ar.failed()) {
          // Not listening, so not started: undo, and let the caller retry with a new keeper.
          stopListening();
          state = State.STOPPED;
          return Future.failedFuture(ar.cause());
        }
        return requestRound().recover(err -> Future.succeededFuture());
      });
    });
  }

  private Future<Void> stopListening() {
    owner.check();
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    MessageConsumer<Object> c = consumer;
    consumer = null;
    return c == null ? Future.succeededFuture() : c.unregister();
  }

  /**
   * Stops reconciling and un-keeps, on this node, every peer it kept for the cluster (best
   * effort: a failed un-keep is logged). The map is left as it is: the cluster still keeps its
   * peers, on the other nodes.
   */
  public Future<Void> stop() {
    return owner.call(() -> {
      owner.check();
      if (state == State.STOPPED) {
        return Future.succeededFuture();
      }
      state = State.STOPPED;
      List<Future<?>> all = new ArrayList<>();
      all.add(stopListening());
      for (PeerId peer : new ArrayList<>(applied.keySet())) {
        all.add(issueUnkeep(peer));
      }
      Promise<Void> waiting = queued;
      queued = null;
      if (waiting != null) {
        waiting.complete();
      }
      return Future.join(all).transform(ar -> Future.<Void>succeededFuture());
    });
  }

  // ---- requests --------------------------------------------------------------------------------

  /**
   * {@code {"addr", "connections": n}}: the cluster keeps n connections to the peer {@code addr}
   * ends in. Keeping a kept peer again changes its address and target (and keeps its {@code
   * since}). Replies {@code {"peer", "addr", "connections", "since", "nodes": [{"node",
   * "target"}]}}, the plan as this node sees the live nodes now.
   *
   * @return fails with an {@link IllegalArgumentException} naming the field for bad input, and a
   *     {@link ResourceLimitException} when {@link #MAX_KEPT} other peers are kept
   */
  public Future<JsonObject> keep(JsonObject body) {
    return owner.call(() -> {
      owner.check();
      requireBody(body);
      Multiaddr addr = parseAddr(body.getValue("addr"));
      int n = parseConnections(body.getValue("connections"));
      PeerId peer = addr.peerId().orElseThrow();
      String key = peer.toString();
      JsonObject entry = new JsonObject().put("addr", addr.toString()).put("connections", n)
          .put("since", Instant.now().toString());
      int bound = maxKept;
      return owner.rehome(vertx.sharedData().getLockWithTimeout(mapName + ".lock",
              LOCK_TIMEOUT_MS)
          .compose(lock -> map().compose(m -> m.get(key).compose(existing -> {
            if (existing != null) {
              if (existing.getValue("since") instanceof String since) {
                entry.put("since", since);
              }
              return m.put(key, entry);
            }
            return m.size().compose(size -> size >= bound
                ? Future.<Void>failedFuture(new ResourceLimitException("cluster.keep",
                    "the cluster keeps " + size + " peers, the most it keeps (" + bound
                        + "); unkeep one before keeping " + key))
                : m.put(key, entry));
          })).eventually(() -> {
            lock.release();
            return Future.succeededFuture();
          })))
          .map(v -> {
            owner.check();
            publishChanged(key);
            JsonArray nodes = new JsonArray();
            ClusterKeepPlan.shares(key, n, live(), cap).forEach((node, share) -> {
              if (share > 0) {
                nodes.add(new JsonObject().put("node", node).put("target", share));
              }
            });
            return new JsonObject().put("peer", key).put("addr", entry.getString("addr"))
                .put("connections", n).put("since", entry.getString("since")).put("nodes", nodes);
          });
    });
  }

  /**
   * {@code {"peer"}}: the cluster stops keeping it (the connections stay open); replies {@code
   * {"peer", "removed": bool}}, false when it was not cluster-kept.
   */
  public Future<JsonObject> unkeep(JsonObject body) {
    return owner.call(() -> {
      owner.check();
      requireBody(body);
      PeerId peer = parsePeer(body.getValue("peer"));
      String key = peer.toString();
      return owner.rehome(map().compose(m -> m.remove(key))).map(prior -> {
        publishChanged(key);
        return new JsonObject().put("peer", key).put("removed", prior != null);
      });
    });
  }

  /**
   * This node's part of {@code swarm.cluster.kept}: {@code {"node", "kept": [{"peer", "addr",
   * "connections", "since", "target", "open", "error"?}]}}, one item per cluster-kept peer, sorted by peer;
   * {@code target} is the share this node keeps now, {@code open} its open connections for it,
   * {@code error} why its last local keep failed. {@link #mergeKept} puts the nodes' parts
   * together.
   */
  public Future<JsonObject> localKept() {
    return owner.call(() -> {
      owner.check();
      Future<Map<String, JsonObject>> entries = readMap();
      Future<Map<PeerId, Integer>> open = openCountsOrNull();
      return owner.rehome(Future.all(entries, open)).map(all -> {
        owner.check();
        Map<PeerId, Integer> counts = open.result() == null ? Map.of() : open.result();
        JsonArray kept = new JsonArray();
        for (Wanted w : wanted(entries.result())) {
          Applied a = applied.get(w.peer());
          JsonObject item = new JsonObject().put("peer", w.peer().toString())
              .put("addr", w.addr().toString()).put("connections", w.connections())
              .put("since", w.since()).put("target", a == null ? 0 : a.share)
              .put("open", a == null ? 0 : counts.getOrDefault(w.peer(), 0));
          if (a != null && a.error != null) {
            item.put("error", a.error);
          }
          kept.add(item);
        }
        return new JsonObject().put("node", nodeName).put("kept", kept);
      });
    });
  }

  /**
   * The contract's {@code swarm.cluster.kept} from the nodes' {@link #localKept} replies: {@code
   * {"kept": [{"peer", "addr", "connections", "since", "nodes": [{"node", "target", "open",
   * "error"?}]}]}},
   * peers and nodes sorted, a node listed under a peer when it keeps a share of it or has
   * connections open for it. Malformed parts are skipped; at most {@link ClusterKeepPlan#MAX_NODES}
   * replies of at most {@link #MAX_KEPT} items each are read.
   */
  public static JsonObject mergeKept(List<JsonObject> replies) {
    Map<String, JsonObject> peers = new TreeMap<>();
    Map<String, Map<String, JsonObject>> holders = new HashMap<>();
    int read = 0;
    for (JsonObject reply : replies) {
      if (read++ >= ClusterKeepPlan.MAX_NODES) {
        break;
      }
      if (reply == null || !(reply.getValue("node") instanceof String node)
          || !(reply.getValue("kept") instanceof JsonArray items)) {
        continue;
      }
      int count = 0;
      for (Object o : items) {
        if (count++ >= MAX_KEPT) {
          break;
        }
        if (!(o instanceof JsonObject item) || !(item.getValue("peer") instanceof String peer)) {
          continue;
        }
        peers.computeIfAbsent(peer, p -> new JsonObject().put("peer", p)
            .put("addr", item.getValue("addr") instanceof String s ? s : null)
            .put("connections", item.getValue("connections") instanceof Number c
                ? c.intValue() : 0)
            .put("since", item.getValue("since") instanceof String s ? s : null));
        int target = item.getValue("target") instanceof Number t ? t.intValue() : 0;
        int open = item.getValue("open") instanceof Number c ? c.intValue() : 0;
        if (target > 0 || open > 0) {
          JsonObject holder = new JsonObject().put("node", node).put("target", target)
              .put("open", open);
          if (item.getValue("error") instanceof String error) {
            holder.put("error", error);
          }
          holders.computeIfAbsent(peer, p -> new TreeMap<>()).put(node, holder);
        }
      }
    }
    JsonArray kept = new JsonArray();
    for (Map.Entry<String, JsonObject> e : peers.entrySet()) {
      JsonArray nodes = new JsonArray();
      holders.getOrDefault(e.getKey(), Map.of()).values().forEach(nodes::add);
      kept.add(e.getValue().put("nodes", nodes));
    }
    return new JsonObject().put("kept", kept);
  }

  // ---- reconcile -------------------------------------------------------------------------------

  /**
   * Brings this node's keeps in line with the map and the live nodes: keeps each peer with its
   * share when that differs from what it last applied (or the swarm no longer keeps it), and
   * un-keeps the peers whose share is now 0 or which the cluster no longer keeps. Idempotent;
   * rounds never overlap: a call while one runs is answered by the next round, which starts when
   * the running one has issued its calls (a round never waits for a dial). Completes once this
   * node's local calls for its shares have settled, those issued by earlier rounds included, so
   * the swarm then keeps what the map asks of this node (failures are recorded per peer for
   * {@link #localKept}, not returned); fails only when the map cannot be read. A stopped keeper
   * does nothing.
   */
  public Future<Void> reconcile() {
    return owner.call(this::requestRound);
  }

  private Future<Void> requestRound() {
    owner.check();
    if (state == State.STOPPED) {
      return Future.succeededFuture();
    }
    if (running) {
      if (queued == null) {
        queued = Promise.promise();
      }
      return queued.future();
    }
    running = true;
    Promise<Void> done = Promise.promise();
    runRound(done);
    return done.future();
  }

  private void runRound(Promise<Void> done) {
    owner.check();
    long readAt = System.nanoTime();
    Future<Map<String, JsonObject>> entries = readMap();
    Future<Map<PeerId, Integer>> open = openCountsOrNull();
    owner.rehome(Future.all(entries, open)).onComplete(ar -> {
      owner.check();
      Future<Void> settled;
      if (ar.failed()) {
        LOG.debug(() -> "cluster keeper of " + nodeName + ": cannot read " + mapName + ": "
            + ar.cause());
        settled = Future.failedFuture(ar.cause());
      } else {
        try {
          settled = apply(entries.result(), open.result(), readAt);
        } catch (RuntimeException e) {
          // The live-node list or the plan threw: a fault of this node, never the map's.
          LOG.warn("cluster keeper of " + nodeName + ": reconcile failed", e);
          settled = Future.failedFuture(e);
        }
      }
      Promise<Void> next = queued;
      queued = null;
      if (next != null && state != State.STOPPED) {
        runRound(next);
      } else {
        running = false;
        if (next != null) {
          next.complete();
        }
      }
      settled.onComplete(done);
    });
  }

  /** Issues the calls that bring the swarm in line; completes when they have settled. */
  private Future<Void> apply(Map<String, JsonObject> entries, Map<PeerId, Integer> open,
      long readAt) {
    owner.check();
    if (state == State.STOPPED) {
      return Future.succeededFuture();
    }
    List<String> live = live();
    Map<PeerId, Wanted> mine = new HashMap<>();
    Map<PeerId, Integer> shares = new HashMap<>();
    for (Wanted w : wanted(entries)) {
      int share = ClusterKeepPlan.share(w.peer().toString(), w.connections(), live, cap, nodeName);
      if (share > 0) {
        mine.put(w.peer(), w);
        shares.put(w.peer(), share);
      }
    }
    long now = System.nanoTime();
    List<Future<Void>> calls = new ArrayList<>();
    for (Map.Entry<PeerId, Wanted> e : mine.entrySet()) {
      PeerId peer = e.getKey();
      Wanted w = e.getValue();
      int share = shares.get(peer);
      Applied a = applied.get(peer);
      boolean changed = a == null || a.share != share || !a.addr.equals(w.addr());
      // The swarm dropped a keep that settled before this round read its keeps: someone
      // un-kept, hung up or blocked the peer locally, or the keep failed and was not retained.
      boolean dropped = a != null && !a.pending && open != null && !open.containsKey(peer)
          && a.settledAt - readAt < 0 && now - a.retryAt >= 0;
      if (changed || dropped) {
        calls.add(issueKeep(peer, w.addr(), share));
      } else if (a.pending) {
        // An earlier round's call: this round is done when that one is.
        calls.add(a.inFlight);
      } else if (a.error != null && open != null && open.getOrDefault(peer, 0) >= share) {
        a.error = null;
      }
    }
    for (PeerId peer : new ArrayList<>(applied.keySet())) {
      if (!mine.containsKey(peer)) {
        calls.add(issueUnkeep(peer));
      }
    }
    return Future.join(calls).transform(ar -> Future.<Void>succeededFuture());
  }

  private Future<Void> issueKeep(PeerId peer, Multiaddr addr, int share) {
    owner.check();
    Applied a = applied.computeIfAbsent(peer, p -> new Applied());
    a.share = share;
    a.addr = addr;
    a.pending = true;
    long generation = ++a.generation;
    LOG.debug(() -> "cluster keeper of " + nodeName + ": keeping " + peer + " with " + share);
    a.inFlight = owner.rehome(call(() -> local.keep(peer, addr, share))).transform(ar -> {
      owner.check();
      if (applied.get(peer) == a && a.generation == generation) {
        a.pending = false;
        a.settledAt = System.nanoTime();
        if (ar.succeeded()) {
          a.failures = 0;
          a.error = null;
          a.retryAt = a.settledAt;
        } else {
          a.failures = Math.min(a.failures + 1, 30);
          a.error = clip(textOf(ar.cause()));
          long delayMs = Math.min(MAX_RETRY_DELAY_MS, intervalMs << Math.min(a.failures - 1, 15));
          a.retryAt = a.settledAt + delayMs * 1_000_000L;
          LOG.debug(() -> "cluster keeper of " + nodeName + ": keeping " + peer + " failed: "
              + ar.cause());
        }
      }
      return Future.<Void>succeededFuture();
    });
    return a.inFlight;
  }

  private Future<Void> issueUnkeep(PeerId peer) {
    owner.check();
    applied.remove(peer);
    LOG.debug(() -> "cluster keeper of " + nodeName + ": un-keeping " + peer);
    return owner.rehome(call(() -> local.unkeep(peer))).transform(ar -> {
      if (ar.failed()) {
        LOG.debug(() -> "cluster keeper of " + nodeName + ": un-keeping " + peer + " failed: "
            + ar.cause());
      }
      return Future.<Void>succeededFuture();
    });
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** {@code task}'s future; a throw or a null becomes a failed one. */
  private static <T> Future<T> call(Supplier<Future<T>> task) {
    try {
      Future<T> f = task.get();
      return f != null ? f : Future.failedFuture(new IllegalStateException("no future"));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    return vertx.sharedData().getAsyncMap(mapName);
  }

  private Future<Map<String, JsonObject>> readMap() {
    return owner.rehome(map().compose(AsyncMap::entries));
  }

  /** The swarm's open counts, or null when it cannot tell (then nothing counts as dropped). */
  private Future<Map<PeerId, Integer>> openCountsOrNull() {
    return owner.rehome(call(local::openCounts)).otherwiseEmpty();
  }

  private List<String> live() {
    List<String> nodes = liveNodes.get();
    return nodes == null ? List.of() : List.copyOf(nodes);
  }

  /** The map's well-formed entries, sorted by peer, at most {@link #maxKept}. */
  private List<Wanted> wanted(Map<String, JsonObject> entries) {
    List<Wanted> out = new ArrayList<>();
    for (Map.Entry<String, JsonObject> e : new TreeMap<>(entries).entrySet()) {
      if (out.size() >= maxKept) {
        break;
      }
      Wanted w = parseEntry(e.getKey(), e.getValue());
      if (w == null) {
        LOG.debug(() -> "cluster keeper of " + nodeName + ": skipping malformed entry "
            + clip(e.getKey()) + " in " + mapName);
      } else {
        out.add(w);
      }
    }
    return out;
  }

  private static Wanted parseEntry(String key, JsonObject value) {
    if (key == null || value == null || !(value.getValue("addr") instanceof String text)
        || !(value.getValue("connections") instanceof Number n)) {
      return null;
    }
    try {
      Multiaddr addr = Multiaddr.parse(text);
      PeerId peer = addr.peerId().orElse(null);
      int connections = n.intValue();
      if (peer == null || !peer.toString().equals(key) || connections < 1
          || connections > MAX_CONNECTIONS) {
        return null;
      }
      return new Wanted(peer, addr, connections, value.getValue("since") instanceof String s
          ? s : null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void publishChanged(String peer) {
    vertx.eventBus().publish(changedAddress, new JsonObject().put("peer", peer)
        .put("node", nodeName));
  }

  private static void requireBody(JsonObject body) {
    if (body == null) {
      throw new IllegalArgumentException("body: expected a JSON object, got none");
    }
  }

  static Multiaddr parseAddr(Object value) {
    if (value == null) {
      throw new IllegalArgumentException(
          "missing \"addr\" (a multiaddr ending in /p2p/<peer id>)");
    }
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException("addr must be a string (a multiaddr ending in"
          + " /p2p/<peer id>), got " + clip(String.valueOf(value)));
    }
    Multiaddr addr;
    try {
      addr = Multiaddr.parse(text);
      if (addr.peerId().isPresent()) {
        return addr;
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("addr: " + clip(String.valueOf(e.getMessage())), e);
    }
    throw new IllegalArgumentException("addr " + clip(text)
        + " has no /p2p/<peer id> part; append the peer id");
  }

  static int parseConnections(Object value) {
    if (value == null) {
      throw new IllegalArgumentException(
          "missing \"connections\" (a whole number 1.." + MAX_CONNECTIONS + ")");
    }
    if (!(value instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
      throw new IllegalArgumentException("connections must be a whole number 1.."
          + MAX_CONNECTIONS + ", got " + clip(String.valueOf(value)));
    }
    if (num.doubleValue() < 1 || num.doubleValue() > MAX_CONNECTIONS) {
      throw new IllegalArgumentException("connections: expected 1.." + MAX_CONNECTIONS + ", got "
          + value);
    }
    return num.intValue();
  }

  static PeerId parsePeer(Object value) {
    if (value == null) {
      throw new IllegalArgumentException("missing \"peer\" (a peer id)");
    }
    if (!(value instanceof String text)) {
      throw new IllegalArgumentException("peer must be a string (a peer id), got "
          + clip(String.valueOf(value)));
    }
    try {
      return PeerId.parse(text);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("peer: " + clip(String.valueOf(e.getMessage())), e);
    }
  }

  /** The error's message, or its type when it has none. */
  private static String textOf(Throwable error) {
    String m = error.getMessage();
    return m == null || m.isBlank() ? error.getClass().getSimpleName() : m;
  }

  private static String clip(String s) {
    return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "...";
  }

  @Override
  public String toString() {
    return "cluster keeper of " + nodeName;
  }
}
