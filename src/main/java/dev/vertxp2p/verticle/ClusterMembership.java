package dev.vertxp2p.verticle;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.spi.cluster.ClusterManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One swarm's membership of a cluster: its entry in the cluster map of registered nodes (which
 * makes {@code cluster.nodeName} unique), the watch on the cluster manager's member list that
 * removes departed nodes and reports joins and departures, and the cluster-wide views built by
 * asking every node for its summary.
 *
 * <p>Owned by the context of the {@link SwarmVerticle} that made it; every method must be called
 * there, and checks it.
 */
final class ClusterMembership {
  /** Cluster map of registered nodes, per event-bus prefix: name -> entry. */
  static final String NODES_MAP = "dev.vertxp2p.cluster.nodes.";
  /** Cluster lock taken while a name is checked and registered, per event-bus prefix. */
  static final String NAMES_LOCK = "dev.vertxp2p.cluster.names.";
  static final long LOCK_TIMEOUT_MS = 15_000;
  /** How long a view waits for one node's summary; a node silent that long is left out. */
  static final long SUMMARY_TIMEOUT_MS = 5_000;
  /** How often the member list is compared with the registered nodes. */
  static final long MEMBERSHIP_CHECK_MS = 1_000;
  /** Most nodes a view asks, and most this node keeps track of. */
  static final int MAX_NODES = 256;

  private final Vertx vertx;
  private final Context context;
  private final ClusterManager clusterManager;
  private final EventBusAddresses addresses;
  private final String nodeName;
  private final String clusterName;
  private final Consumer<JsonObject> events;
  /** Registered nodes this node knows of: name -> entry. Owned by {@link #context}. */
  private final Map<String, JsonObject> known = new HashMap<>();
  private JsonObject entry;
  private long timer = -1;
  private boolean closed;

  /**
   * @param events where {@code cluster.node.joined} and {@code cluster.node.left} go (the node's
   *     local event address)
   */
  ClusterMembership(Vertx vertx, Context context, EventBusAddresses addresses, String nodeName,
      String clusterName, Consumer<JsonObject> events) {
    this.vertx = vertx;
    this.context = ((ContextInternal) context).unwrap();
    this.clusterManager = ((VertxInternal) vertx).clusterManager();
    if (clusterManager == null) {
      throw new IllegalStateException("this Vert.x instance is not clustered");
    }
    this.addresses = addresses;
    this.nodeName = nodeName;
    this.clusterName = clusterName;
    this.events = events;
  }

  String nodeName() {
    return nodeName;
  }

  private void checkContext() {
    Context current = Vertx.currentContext();
    // Message handlers run on duplicates of the context they were registered on.
    if (current == null || ((ContextInternal) current).unwrap() != context) {
      throw new IllegalStateException("ClusterMembership used outside its verticle's context");
    }
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    return vertx.sharedData().getClusterWideMap(NODES_MAP + addresses.prefix());
  }

  /** {@code f}, its callbacks run on the owning context (the cluster manager's may not). */
  private <T> Future<T> onContext(Future<T> f) {
    Promise<T> p = ((ContextInternal) context).promise();
    f.onComplete(p);
    return p.future();
  }

  /**
   * Registers this node under its name, under the cluster lock; fails with {@link
   * ClusterNameTakenException} when a live node holds it. A stale entry (its member gone) is
   * replaced.
   */
  Future<Void> register(String peerId) {
    checkContext();
    String self = clusterManager.getNodeId();
    JsonObject mine = new JsonObject().put("name", nodeName).put("peerId", peerId)
        .put("member", self).put("joinedAt", Instant.now().toString());
    return vertx.sharedData()
        .getLockWithTimeout(NAMES_LOCK + addresses.prefix(), LOCK_TIMEOUT_MS)
        .compose(lock -> map().compose(m -> m.get(nodeName).compose(existing -> {
          if (existing != null && !self.equals(existing.getString("member"))
              && clusterManager.getNodes().contains(existing.getString("member"))) {
            return Future.<Void>failedFuture(new ClusterNameTakenException(nodeName,
                "cluster.nodeName: \"" + nodeName + "\" is already used by a live node of"
                    + " cluster \"" + clusterName + "\" (peer " + existing.getString("peerId")
                    + ", member " + existing.getString("member") + "); give each node its own"
                    + " nodeName"));
          }
          return m.put(nodeName, mine);
        })).eventually(() -> {
          lock.release();
          return Future.succeededFuture();
        }))
        .compose(v -> onContext(map().compose(AsyncMap::entries))).map(all -> {
          checkContext();
          entry = mine;
          Set<String> members = new HashSet<>(clusterManager.getNodes());
          for (Map.Entry<String, JsonObject> e : all.entrySet()) {
            if (e.getValue() != null && members.contains(e.getValue().getString("member"))
                && known.size() < MAX_NODES) {
              known.put(e.getKey(), e.getValue());
            }
          }
          known.put(nodeName, mine);
          timer = vertx.setPeriodic(MEMBERSHIP_CHECK_MS, id -> checkMembers());
          return null;
        });
  }

  /** Tells every node this one has joined (once its addresses are registered). */
  void announce() {
    checkContext();
    vertx.eventBus().publish(addresses.clusterAnnounce(), entry);
  }

  /** An announcement from a node (this one included). */
  void onAnnounce(Message<Object> msg) {
    checkContext();
    if (closed || !(msg.body() instanceof JsonObject e) || !(e.getValue("name") instanceof String)) {
      return;
    }
    String name = e.getString("name");
    if (!(e.getValue("member") instanceof String)
        || (!known.containsKey(name) && known.size() >= MAX_NODES)) {
      return;
    }
    JsonObject prior = known.put(name, e);
    if (!name.equals(nodeName) && (prior == null || !prior.equals(e))) {
      events.accept(event("cluster.node.joined", e));
    }
  }

  /** Drops the nodes whose member the cluster manager no longer lists. */
  private void checkMembers() {
    checkContext();
    if (closed) {
      return;
    }
    Set<String> members = new HashSet<>(clusterManager.getNodes());
    List<JsonObject> gone = new ArrayList<>();
    known.values().removeIf(e -> {
      if (!members.contains(e.getString("member"))) {
        gone.add(e);
        return true;
      }
      return false;
    });
    for (JsonObject e : gone) {
      events.accept(event("cluster.node.left", e));
      map().compose(m -> m.removeIfPresent(e.getString("name"), e));
    }
  }

  private static JsonObject event(String type, JsonObject e) {
    return new JsonObject().put("type", type).put("at", Instant.now().toString())
        .put("node", e.getString("name")).put("peerId", e.getString("peerId"));
  }

  /** Stops watching and removes this node's entry. */
  Future<Void> leave() {
    checkContext();
    closed = true;
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (entry == null) {
      return Future.succeededFuture();
    }
    JsonObject mine = entry;
    entry = null;
    return map().compose(m -> m.removeIfPresent(nodeName, mine)).<Void>mapEmpty()
        .recover(err -> Future.succeededFuture());
  }

  // ---- views ----------------------------------------------------------------------------------

  /** Every live registered node's summary, sorted by name; silent nodes are left out. */
  Future<List<JsonObject>> summaries() {
    checkContext();
    return onContext(map().compose(AsyncMap::entries)).compose(all -> {
      Set<String> members = new HashSet<>(clusterManager.getNodes());
      List<String> names = new ArrayList<>();
      for (Map.Entry<String, JsonObject> e : all.entrySet()) {
        if (e.getValue() != null && members.contains(e.getValue().getString("member"))) {
          names.add(e.getKey());
        }
      }
      names.sort(null);
      if (names.size() > MAX_NODES) {
        names = names.subList(0, MAX_NODES);
      }
      List<Future<JsonObject>> asks = new ArrayList<>();
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(SUMMARY_TIMEOUT_MS);
      for (String name : names) {
        asks.add(vertx.eventBus().<JsonObject>request(addresses.forNode(name).summary(),
            new JsonObject(), options).map(Message::body));
      }
      return onContext(Future.join(asks)).transform(ignored -> {
        List<JsonObject> out = new ArrayList<>();
        for (Future<JsonObject> f : asks) {
          if (f.succeeded() && f.result() != null) {
            out.add(f.result());
          }
        }
        return Future.succeededFuture(out);
      });
    });
  }

  /** {@code {"nodes": [{"name", "peerId", "listenAddrs", "http", "peers", "connections", "joinedAt"}]}}. */
  Future<JsonObject> nodesView() {
    return summaries().map(list -> {
      JsonArray nodes = new JsonArray();
      for (JsonObject s : list) {
        JsonObject n = s.copy();
        n.remove("byPeer");
        nodes.add(n);
      }
      return new JsonObject().put("nodes", nodes);
    });
  }

  /** {@code {"peers": {"<remote id>": [{"node", "connections": n}]}}}. */
  Future<JsonObject> peersView() {
    return summaries().map(list -> {
      JsonObject peers = new JsonObject();
      for (JsonObject s : list) {
        JsonObject byPeer = s.getJsonObject("byPeer", new JsonObject());
        for (String peer : byPeer.fieldNames()) {
          JsonArray holders = peers.getJsonArray(peer);
          if (holders == null) {
            holders = new JsonArray();
            peers.put(peer, holders);
          }
          holders.add(new JsonObject().put("node", s.getString("name"))
              .put("connections", byPeer.getValue(peer)));
        }
      }
      return new JsonObject().put("peers", peers);
    });
  }

  /** The names of the live registered nodes this node knows of (itself included), sorted. */
  List<String> liveNames() {
    checkContext();
    List<String> names = new ArrayList<>(known.keySet());
    names.sort(null);
    return names;
  }

  /** This node's entry ({@code joinedAt} and so on); null before it registered. */
  JsonObject entry() {
    return entry;
  }
}
