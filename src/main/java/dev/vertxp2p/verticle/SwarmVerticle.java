package dev.vertxp2p.verticle;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.KeptPeer;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.metrics.SwarmMetrics;
import dev.vertxp2p.util.Log;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs a {@link Swarm} as a verticle and serves it on the event bus.
 *
 * <p>The deployment config is the node configuration ({@code conf/config.json}, see {@link
 * SwarmOptions}) plus one optional key, {@code eventBusPrefix} (default {@code swarm}). The
 * verticle listens, registers the request addresses of {@link EventBusAddresses} under the
 * prefix, publishes every {@link SwarmEvent} on {@code <prefix>.events}, and on undeploy closes
 * every connection gracefully (GOAWAY). Request bodies and replies are {@link JsonObject}s;
 * failures are {@code Message.fail(code, text)} with the codes of {@link ErrorCodes}.
 *
 * <p>The {@code http} section is not served here: deploy {@code dev.vertxp2p.web.DashboardVerticle}
 * with the same config for the REST API and dashboard (the launcher does both).
 */
public class SwarmVerticle extends VerticleBase {
  private static final Log LOG = Log.get(SwarmVerticle.class);

  /** The deployment-config key naming the event-bus prefix. */
  public static final String EVENT_BUS_PREFIX_KEY = "eventBusPrefix";

  /** Local shared map: prefix in use -> deployment id, per Vert.x instance. */
  static final String PREFIXES_MAP = "dev.vertxp2p.verticle.prefixes";

  /** The parsed deployment config. */
  public record Settings(EventBusAddresses addresses, SwarmOptions options) {
    /**
     * Parses a deployment config: {@code eventBusPrefix} plus the node configuration.
     *
     * @throws IllegalArgumentException naming the key, the value and the rule
     */
    public static Settings parse(JsonObject config) {
      JsonObject json = config == null ? new JsonObject() : config.copy();
      Object prefix = json.remove(EVENT_BUS_PREFIX_KEY);
      EventBusAddresses addresses;
      if (prefix == null) {
        addresses = EventBusAddresses.defaults();
      } else if (prefix instanceof String p) {
        addresses = EventBusAddresses.of(p);
      } else {
        throw new IllegalArgumentException(EVENT_BUS_PREFIX_KEY + ": invalid value " + prefix
            + ": must be a string such as \"swarm\"");
      }
      return new Settings(addresses, new SwarmOptions(json));
    }
  }

  private Settings settings;
  private Swarm swarm;
  private SwarmMetrics metrics;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  private volatile boolean stopping;
  private boolean ownsPrefix;
  /** Whether the event bus is clustered: then the plain addresses are local consumers. */
  private boolean clustered;
  /** This node's cluster membership; null unless {@code cluster.enabled}. */
  private ClusterMembership membership;
  /** Cluster dial and request; null unless {@code cluster.enabled}. */
  private ClusterOperations operations;
  /** Cluster-kept peers; null unless {@code cluster.enabled}. */
  private dev.vertxp2p.cluster.ClusterKeeper keeper;
  /** Suffix of a node's own part of {@code swarm.cluster.kept} (under its node name). */
  static final String KEPT_LOCAL = "keptLocal";
  /** The cluster-wide per-remote-peer limit; null unless set. */
  private dev.vertxp2p.cluster.ClusterShares shares;

  /** Local shared map: event-bus prefix -> dashboard URL, which the dashboard fills in. */
  public static final String HTTP_URLS_MAP = "dev.vertxp2p.verticle.httpUrls";

  /** The running swarm; null before the deployment started. */
  public Swarm swarm() {
    return swarm;
  }

  /** The addresses this verticle serves; null before the deployment started. */
  public EventBusAddresses addresses() {
    return settings == null ? null : settings.addresses();
  }

  @Override
  public Future<?> start() {
    try {
      settings = Settings.parse(config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    EventBusAddresses a = settings.addresses();
    // Two swarms on one prefix would share the addresses and answer each other's requests.
    LocalMap<String, String> prefixes = vertx.sharedData().getLocalMap(PREFIXES_MAP);
    String holder = prefixes.putIfAbsent(a.prefix(), deploymentID());
    if (holder != null) {
      return Future.failedFuture(new IllegalArgumentException(EVENT_BUS_PREFIX_KEY + ": \""
          + a.prefix() + "\" is already used by another SwarmVerticle (deployment " + holder
          + "); give each swarm its own prefix"));
    }
    ownsPrefix = true;
    clustered = vertx.isClustered();
    dev.vertxp2p.ClusterOptions clusterOptions = settings.options().getCluster();
    if (clusterOptions.isEnabled() && !clustered) {
      releasePrefix();
      return Future.failedFuture(new IllegalArgumentException("cluster.enabled: invalid value"
          + " true: this Vert.x instance is not clustered; start it with a cluster manager (the"
          + " launcher does) or set cluster.enabled to false"));
    }
    // Created here, so the swarm's connection map is owned by this verticle's context.
    swarm = Swarm.create(vertx, settings.options());
    Integer perRemotePeer = clusterOptions.getMaxConnectionsPerRemotePeer();
    if (clusterOptions.isEnabled() && perRemotePeer != null) {
      // Before start: no connection, dialled or accepted, may escape the cluster-wide limit.
      io.vertx.core.spi.cluster.ClusterManager cm =
          ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
      shares = new dev.vertxp2p.cluster.ClusterShares(vertx, a.prefix(), cm.getNodeId(),
          perRemotePeer, cm::getNodes);
      swarm.shareLimit(shares);
    }
    return swarm.start().compose(v -> {
      metrics = SwarmMetrics.bind(MetricsRegistries.registryFor(vertx), swarm, a.prefix());
      swarm.eventHandler(this::publish);
      if (!clusterOptions.isEnabled()) {
        return Future.succeededFuture();
      }
      String name = clusterOptions.getNodeName() == null
          ? swarm.peerId().toString() : clusterOptions.getNodeName();
      membership = new ClusterMembership(vertx, context, a, name, clusterOptions.getName(),
          this::clusterEvent);
      operations = new ClusterOperations(vertx, a, membership, swarm);
      keeper = new dev.vertxp2p.cluster.ClusterKeeper(vertx, context,
          "dev.vertxp2p.cluster.kept." + a.prefix(), a.prefix() + ".cluster.kept.changed",
          name, membership::liveNames, settings.options().getConnection().getMaxConnectionsPerPeer(),
          dev.vertxp2p.cluster.LocalKeeps.of(swarm));
      // Back on this verticle's context, where the addresses below are registered.
      Promise<Void> registered = Promise.promise();
      membership.register(swarm.peerId().toString()).onComplete(ar ->
          context.runOnContext(x -> registered.handle(ar)));
      return registered.future();
    }).compose(v -> {
      register(a.dial(), this::dial);
      register(a.connections(), this::connections);
      register(a.connectionsMap(), this::connectionsMap);
      register(a.connection(), this::connection);
      register(a.streams(), this::streams);
      register(a.timeline(), this::timeline);
      register(a.hangup(), this::hangup);
      register(a.ping(), this::ping);
      register(a.node(), this::node);
      register(a.protect(), this::protect);
      register(a.unprotect(), this::unprotect);
      register(a.keep(), this::keep);
      register(a.unkeep(), this::unkeep);
      register(a.kept(), this::kept);
      register(a.limits(), body -> swarm.limits());
      register(a.block(), this::block);
      register(a.unblock(), this::unblock);
      register(a.blocked(), this::blocked);
      if (membership != null) {
        EventBus bus = vertx.eventBus();
        EventBusAddresses own = a.forNode(membership.nodeName());
        consumers.add(bus.consumer(own.summary(), msg -> serve(msg, body -> summary())));
        consumers.add(bus.localConsumer(a.clusterNodes(),
            msg -> serve(msg, body -> membership.nodesView())));
        consumers.add(bus.localConsumer(a.clusterPeers(),
            msg -> serve(msg, body -> membership.peersView())));
        consumers.add(bus.consumer(a.clusterAnnounce(), membership::onAnnounce));
        consumers.add(bus.localConsumer(a.clusterDial(), msg -> serve(msg, operations::dial)));
        consumers.add(bus.localConsumer(a.clusterKeep(), msg -> serve(msg, this::clusterKeep)));
        consumers.add(bus.localConsumer(a.clusterUnkeep(),
            msg -> serve(msg, keeper::unkeep)));
        consumers.add(bus.localConsumer(a.clusterKept(),
            msg -> serve(msg, body -> operations.gather(KEPT_LOCAL)
                .map(dev.vertxp2p.cluster.ClusterKeeper::mergeKept))));
        consumers.add(bus.consumer(own.prefix() + "." + KEPT_LOCAL,
            msg -> serve(msg, body -> keeper.localKept())));
        consumers.add(bus.localConsumer(a.clusterRequest(),
            msg -> serve(msg, operations::request)));
        consumers.add(bus.consumer(own.prefix() + "." + ClusterOperations.NODE_REQUEST,
            msg -> serve(msg, operations::serveRequest)));
        consumers.add(bus.consumer(own.prefix() + "." + ClusterOperations.NODE_ADDRESSES,
            msg -> serve(msg, operations::knownAddresses)));
      }
      List<Future<Void>> ready = new ArrayList<>();
      for (MessageConsumer<Object> c : consumers) {
        ready.add(c.completion());
      }
      return Future.all(ready).compose(x -> {
        if (membership == null) {
          return Future.succeededFuture();
        }
        membership.announce();
        return keeper.start();
      });
    }).recover(err -> {
      // Do not leave a half-started listener behind a failed deployment.
      releasePrefix();
      for (MessageConsumer<Object> c : consumers) {
        c.unregister();
      }
      consumers.clear();
      Future<Void> left = membership == null ? Future.succeededFuture()
          : (keeper == null ? Future.<Void>succeededFuture() : keeper.stop())
              .transform(x -> membership.leave());
      return left.transform(x -> swarm.close()).transform(ignored -> Future.failedFuture(err));
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    List<Future<Void>> all = new ArrayList<>();
    for (MessageConsumer<Object> c : consumers) {
      all.add(c.unregister());
    }
    consumers.clear();
    if (metrics != null) {
      metrics.close();
    }
    releasePrefix();
    if (membership != null) {
      all.add((keeper == null ? Future.<Void>succeededFuture() : keeper.stop())
          .transform(x -> membership.leave()));
    }
    return Future.join(all).transform(ignored -> swarm == null
        ? Future.succeededFuture() : swarm.close());
  }

  private void releasePrefix() {
    if (ownsPrefix) {
      ownsPrefix = false;
      vertx.sharedData().<String, String>getLocalMap(PREFIXES_MAP)
          .removeIfPresent(settings.addresses().prefix(), deploymentID());
    }
  }

  /**
   * {@code swarm.cluster.keep}: a target over {@code cluster.maxConnectionsPerRemotePeer} could
   * never be met, so it is refused (409) rather than chased.
   */
  private Future<JsonObject> clusterKeep(JsonObject body) {
    Object n = body.getValue("connections");
    if (shares != null && n instanceof Number count && count.longValue() > shares.max()) {
      throw new SwarmRequestException(ErrorCodes.LIMIT_REACHED, "connections = " + n
          + " exceeds cluster.maxConnectionsPerRemotePeer (" + shares.max() + ")");
    }
    return keeper.keep(body);
  }

  /** A cluster event: published as the node's own; a departure also reclaims its shares. */
  private void clusterEvent(JsonObject event) {
    publishLocal(event);
    String type = event.getString("type");
    if (keeper != null && type != null && type.startsWith("cluster.node.")) {
      // A departed node's kept share moves now rather than at the next periodic round.
      keeper.reconcile();
    }
    if (shares != null && "cluster.node.left".equals(type)) {
      shares.reclaim().onFailure(err -> LOG.warn("reclaiming the shares of departed node "
          + event.getString("node") + " failed: " + err.getMessage()));
    }
  }

  private void publish(SwarmEvent event) {
    publishLocal(event.toJson());
  }

  /**
   * Publishes an event on this node's {@code <prefix>.events}, never to other nodes; in a cluster
   * also on {@code <prefix>.<nodeName>.events}, cluster-wide.
   */
  private void publishLocal(JsonObject event) {
    if (!stopping) {
      vertx.eventBus().publish(settings.addresses().events(), event,
          new DeliveryOptions().setLocalOnly(true));
      if (membership != null) {
        vertx.eventBus().publish(settings.addresses().forNode(membership.nodeName()).events(),
            event);
      }
    }
  }

  /**
   * Serves {@code address} with {@code handler}: on this node only when the event bus is
   * clustered, and also cluster-wide under {@code <prefix>.<nodeName>} when in a cluster.
   */
  private void register(String address, Function<JsonObject, Future<JsonObject>> handler) {
    EventBus bus = vertx.eventBus();
    consumers.add(clustered
        ? bus.localConsumer(address, msg -> serve(msg, handler))
        : bus.consumer(address, msg -> serve(msg, handler)));
    if (membership != null) {
      String prefix = settings.addresses().prefix();
      String suffix = address.substring(prefix.length() + 1);
      String own = settings.addresses().forNode(membership.nodeName()).prefix() + "." + suffix;
      consumers.add(bus.consumer(own, msg -> serve(msg, handler)));
    }
  }

  /**
   * This node's summary for the cluster-wide views: {@code {"name", "peerId", "listenAddrs",
   * "http", "peers", "connections", "joinedAt", "byPeer": {"<peer id>": n}}}.
   */
  private Future<JsonObject> summary() {
    JsonObject byPeer = new JsonObject();
    int total = 0;
    for (Map.Entry<PeerId, List<Connection>> e : swarm.getConnectionsMap().entrySet()) {
      byPeer.put(e.getKey().toString(), e.getValue().size());
      total += e.getValue().size();
    }
    Object http = vertx.sharedData().getLocalMap(HTTP_URLS_MAP).get(settings.addresses().prefix());
    JsonObject entry = membership.entry();
    return Future.succeededFuture(new JsonObject()
        .put("name", membership.nodeName())
        .put("peerId", swarm.peerId().toString())
        .put("listenAddrs", new JsonArray(swarm.listenAddrs().stream()
            .map(Multiaddr::toString).toList()))
        .put("http", http)
        .put("peers", byPeer.size())
        .put("connections", total)
        .put("joinedAt", entry == null ? null : entry.getString("joinedAt"))
        .put("byPeer", byPeer));
  }

  private void serve(Message<Object> msg, Function<JsonObject, Future<JsonObject>> handler) {
    Future<JsonObject> reply;
    try {
      reply = handler.apply(body(msg.body()));
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(ar.result());
      } else {
        Throwable err = ar.cause();
        int code = ErrorCodes.codeOf(err);
        if (code == ErrorCodes.INTERNAL) {
          LOG.warn("request on " + msg.address() + " failed unexpectedly", err);
        }
        dev.vertxp2p.RefusedException refused = refusalOf(err);
        if (refused != null && refused.refusal() != null) {
          // a failure all the same, with the refusal beside its words (see RefusalReply)
          msg.reply(new RefusalReply(code, ErrorCodes.textOf(err), refused.refusal().toJson()));
        } else {
          msg.fail(code, ErrorCodes.textOf(err));
        }
      }
    });
  }

  /** The refusal behind {@code err}, itself or a cause a few levels down; null if none. */
  private static dev.vertxp2p.RefusedException refusalOf(Throwable err) {
    Throwable t = err;
    for (int i = 0; t != null && i < 8; i++, t = t.getCause()) {
      if (t instanceof dev.vertxp2p.RefusedException r) {
        return r;
      }
    }
    return null;
  }

  private static JsonObject body(Object body) {
    if (body == null) {
      return new JsonObject();
    }
    if (body instanceof JsonObject json) {
      return json;
    }
    if (body instanceof String text) {
      try {
        return new JsonObject(text);
      } catch (RuntimeException e) {
        throw bad("body is not a JSON object: " + e.getMessage());
      }
    }
    throw bad("body must be a JSON object, got a " + body.getClass().getSimpleName());
  }

  // ---- requests -----------------------------------------------------------------------------

  private Future<JsonObject> dial(JsonObject body) {
    DialOptions dialOptions = new DialOptions();
    Object n = body.getValue("connections");
    if (n != null) {
      dialOptions = new DialOptions(new JsonObject().put("connections", n));
      int max = swarm.options().getConnection().getMaxConnectionsPerPeer();
      if (dialOptions.getConnections() > max) {
        throw new SwarmRequestException(ErrorCodes.LIMIT_REACHED, "connections = "
            + dialOptions.getConnections() + " exceeds connection.maxConnectionsPerPeer (" + max
            + ")");
      }
    }
    Object force = body.getValue("force");
    if (force != null) {
      if (!(force instanceof Boolean f)) {
        throw bad("force must be true or false, got " + force);
      }
      dialOptions.setForce(f);
    }
    String addrText = optString(body, "addr");
    String peerText = optString(body, "peer");
    if (addrText != null && peerText != null) {
      throw bad("give either \"addr\" or \"peer\" (with \"addrs\"), not both");
    }
    if (addrText != null) {
      Multiaddr addr = Multiaddr.parse(addrText);
      Optional<PeerId> peer = addr.peerId();
      if (peer.isEmpty()) {
        throw bad("addr " + addrText + " has no /p2p/<peer id> part; append the peer id");
      }
      return swarm.topUp(addr, dialOptions).map(r -> dialReply(peer.get(), r));
    }
    if (peerText == null) {
      throw bad("dial needs \"addr\" (a multiaddr ending in /p2p/<peer id>) or \"peer\"");
    }
    PeerId peer = PeerId.parse(peerText);
    Object addrsValue = body.getValue("addrs");
    if (addrsValue != null) {
      if (!(addrsValue instanceof JsonArray array)) {
        throw bad("addrs must be an array of multiaddr strings");
      }
      List<Multiaddr> addrs = new ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        if (!(array.getValue(i) instanceof String s)) {
          throw bad("addrs[" + i + "] must be a multiaddr string");
        }
        Multiaddr a = Multiaddr.parse(s);
        Optional<PeerId> in = a.peerId();
        if (in.isPresent() && !in.get().equals(peer)) {
          throw bad("addrs[" + i + "] names peer " + in.get() + ", not " + peer);
        }
        addrs.add(a);
      }
      swarm.addAddresses(peer, addrs);
    }
    return swarm.topUp(peer, dialOptions).map(r -> dialReply(peer, r));
  }

  /**
   * {@code {"peer", "requested", "connections": [Conn...], "shortfall": [...]}}: a top-up that
   * ended short of {@code requested} still answers, saying in {@code shortfall} what stopped it.
   */
  private static JsonObject dialReply(PeerId peer, dev.vertxp2p.TopUpResult r) {
    return new JsonObject().put("peer", peer.toString()).put("requested", r.requested())
        .put("connections", toJson(r.connections())).put("shortfall", r.shortfallJson());
  }

  /**
   * {@code {"peer"?, "state"?}}: {@code state} {@code "open"} (the default) lists the registered
   * connections, {@code "closed"} the last 256 closed ones, newest first, with their close reason.
   */
  private Future<JsonObject> connections(JsonObject body) {
    String peerText = optString(body, "peer");
    String state = optString(body, "state");
    if (state != null && !state.equals("open") && !state.equals("closed")) {
      throw bad("state must be \"open\" or \"closed\", got \"" + state + "\"");
    }
    if ("closed".equals(state)) {
      PeerId peer = peerText == null ? null : PeerId.parse(peerText);
      return swarm.closedConnections(peer)
          .map(list -> new JsonObject().put("connections", new JsonArray(new ArrayList<>(list))));
    }
    List<Connection> list =
        peerText == null ? swarm.getConnections() : swarm.getConnections(PeerId.parse(peerText));
    return Future.succeededFuture(new JsonObject().put("connections", toJson(list)));
  }

  private Future<JsonObject> connectionsMap(JsonObject body) {
    return Future.succeededFuture(new JsonObject().put("peers", peersJson(swarm)));
  }

  /** {@code {"<peer id>": [Conn...]}} for every connected peer. */
  public static JsonObject peersJson(Swarm swarm) {
    JsonObject peers = new JsonObject();
    for (Map.Entry<PeerId, List<Connection>> e : swarm.getConnectionsMap().entrySet()) {
      peers.put(e.getKey().toString(), toJson(e.getValue()));
    }
    return peers;
  }

  private Future<JsonObject> connection(JsonObject body) {
    PeerId peer = PeerId.parse(requireString(body, "peer"));
    Connection c = swarm.getConnection(peer);
    return Future.succeededFuture(
        new JsonObject().put("connection", c == null ? null : c.toJson()));
  }

  private Future<JsonObject> streams(JsonObject body) {
    String connId = requireString(body, "connection");
    Connection c = swarm.getConnections().stream()
        .filter(x -> x.id().equals(connId))
        .findFirst()
        .orElseThrow(() -> new SwarmRequestException(ErrorCodes.NOT_FOUND,
            "no open connection with id \"" + connId + "\""));
    return c.streamsJson().map(list -> new JsonObject()
        .put("connection", connId)
        .put("peer", c.peerId().toString())
        .put("streams", list));
  }

  /** {@code {"connection"}}: its timeline; 404 when it is neither open nor recently closed. */
  private Future<JsonObject> timeline(JsonObject body) {
    String connId = requireString(body, "connection");
    return swarm.timeline(connId).map(t -> {
      if (t == null) {
        throw new SwarmRequestException(ErrorCodes.NOT_FOUND, "no open or recently closed"
            + " connection with id \"" + connId + "\"");
      }
      return t;
    });
  }

  /**
   * {@code {"peer"}} or {@code {"connection"}}, with {@code "graceful": true} to drain: the reply
   * comes once draining has started ({@code "draining": true}), not when the streams are done.
   */
  private Future<JsonObject> hangup(JsonObject body) {
    String peerText = optString(body, "peer");
    String connId = optString(body, "connection");
    if ((peerText == null) == (connId == null)) {
      throw bad("hangup needs exactly one of \"peer\" (a peer id) or \"connection\" (a"
          + " connection id)");
    }
    Object g = body.getValue("graceful");
    if (g != null && !(g instanceof Boolean)) {
      throw bad("graceful must be true or false, got " + g);
    }
    boolean graceful = Boolean.TRUE.equals(g);
    if (graceful) {
      return drain(peerText, connId);
    }
    if (peerText != null) {
      PeerId peer = PeerId.parse(peerText);
      return swarm.hangUp(peer).map(n -> {
        if (n == 0) {
          throw new SwarmRequestException(ErrorCodes.NOT_FOUND, "no open connection to " + peer);
        }
        return new JsonObject().put("closed", n);
      });
    }
    return swarm.closeConnection(connId).map(n -> {
      if (n == 0) {
        throw new SwarmRequestException(ErrorCodes.NOT_FOUND, "no open connection with id \""
            + connId + "\"");
      }
      return new JsonObject().put("closed", n);
    });
  }

  /** A graceful hang-up: drains start now, the reply does not wait for them to end. */
  private Future<JsonObject> drain(String peerText, String connId) {
    List<Connection> list;
    if (peerText != null) {
      PeerId peer = PeerId.parse(peerText);
      list = swarm.getConnections(peer);
      if (list.isEmpty()) {
        throw new SwarmRequestException(ErrorCodes.NOT_FOUND, "no open connection to " + peer);
      }
      swarm.hangUp(peer, true);
    } else {
      list = swarm.getConnections().stream().filter(c -> c.id().equals(connId)).toList();
      if (list.isEmpty()) {
        throw new SwarmRequestException(ErrorCodes.NOT_FOUND, "no open connection with id \""
            + connId + "\"");
      }
      list.get(0).close(true);
    }
    return Future.succeededFuture(new JsonObject().put("closed", list.size())
        .put("draining", true));
  }

  private Future<JsonObject> ping(JsonObject body) {
    PeerId peer = PeerId.parse(requireString(body, "peer"));
    if (peer.equals(swarm.peerId())) {
      throw bad("cannot ping ourselves (" + peer + ")");
    }
    // The round trip is bounded by connection.connectionTimeout; a dial first (when not yet
    // connected) is bounded by the dialer's own timeouts and retries.
    Duration timeout = swarm.options().getConnection().getConnectionTimeoutDuration();
    Future<?> connected = swarm.getConnections(peer).isEmpty()
        ? swarm.dialPeer(peer) : Future.succeededFuture();
    return connected.compose(v -> withTimeout(swarm.ping(peer), timeout,
            "ping to " + peer + " got no answer within " + timeout.toMillis() + " ms"))
        .map(rtt -> new JsonObject().put("peer", peer.toString()).put("rttMs", rtt));
  }

  private <T> Future<T> withTimeout(Future<T> f, Duration timeout, String message) {
    Promise<T> p = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeout.toMillis()),
        id -> p.tryFail(new SwarmRequestException(ErrorCodes.TIMED_OUT, message)));
    f.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        p.tryComplete(ar.result());
      } else {
        p.tryFail(ar.cause());
      }
    });
    return p.future();
  }

  private Future<JsonObject> node(JsonObject body) {
    return Future.succeededFuture(new JsonObject()
        .put("peerId", swarm.peerId().toString())
        .put("listenAddrs", new JsonArray(swarm.listenAddrs().stream()
            .map(Multiaddr::toString).toList()))
        .put("agentVersion", Swarm.AGENT_VERSION)
        .put("protocols", new JsonArray(swarm.protocols()))
        .put("config", swarm.options().toPublicJson())
        .put("connectionManager", swarm.connectionManagerState())
        .put(EVENT_BUS_PREFIX_KEY, settings.addresses().prefix()));
  }

  /** The tag used when a protect or unprotect request names none. */
  public static final String DEFAULT_PROTECT_TAG = "user";

  private Future<JsonObject> protect(JsonObject body) {
    PeerId peer = PeerId.parse(requireString(body, "peer"));
    String tag = optString(body, "tag");
    return swarm.protect(peer, tag == null ? DEFAULT_PROTECT_TAG : tag)
        .map(tags -> protectReply(peer, tags));
  }

  private Future<JsonObject> unprotect(JsonObject body) {
    PeerId peer = PeerId.parse(requireString(body, "peer"));
    String tag = optString(body, "tag");
    return swarm.unprotect(peer, tag == null ? DEFAULT_PROTECT_TAG : tag)
        .map(tags -> protectReply(peer, tags));
  }

  private static JsonObject protectReply(PeerId peer, List<String> tags) {
    return new JsonObject().put("peer", peer.toString()).put("protected", !tags.isEmpty())
        .put("tags", new JsonArray(tags));
  }

  /**
   * {@code {"peer", "connections"}} or {@code {"addr", "connections"}} (the address is learned
   * first): keeps the peer; {@code {"peer", "target", "connections": [Conn...]}}.
   */
  private Future<JsonObject> keep(JsonObject body) {
    Object n = body.getValue("connections");
    if (n == null) {
      throw bad("missing \"connections\" (a whole number >= 1)");
    }
    if (!(n instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
      throw bad("connections must be a whole number, got " + n);
    }
    int max = swarm.options().getConnection().getMaxConnectionsPerPeer();
    if (num.doubleValue() < 1 || num.doubleValue() > max) {
      throw bad("connections: expected 1.." + max + " (connection.maxConnectionsPerPeer), got "
          + n);
    }
    int target = num.intValue();
    String addrText = optString(body, "addr");
    String peerText = optString(body, "peer");
    if (addrText != null && peerText != null) {
      throw bad("give either \"addr\" or \"peer\", not both");
    }
    PeerId peer;
    if (addrText != null) {
      Multiaddr addr = Multiaddr.parse(addrText);
      peer = addr.peerId().orElseThrow(() ->
          bad("addr " + addrText + " has no /p2p/<peer id> part; append the peer id"));
      swarm.addAddresses(peer, List.of(addr));
    } else if (peerText != null) {
      peer = PeerId.parse(peerText);
    } else {
      throw bad("keep needs \"peer\" or \"addr\" (a multiaddr ending in /p2p/<peer id>)");
    }
    return swarm.keep(peer, target).map(list -> new JsonObject().put("peer", peer.toString())
        .put("target", target).put("connections", toJson(list)));
  }

  /** {@code {"peer"}}: stops keeping it (its connections stay); {@code {"peer"}}. */
  private Future<JsonObject> unkeep(JsonObject body) {
    PeerId peer = PeerId.parse(requireString(body, "peer"));
    return swarm.unkeep(peer).map(was -> new JsonObject().put("peer", peer.toString()));
  }

  /** {@code {}}: {@code {"kept": [{"peer", "target", "open"}]}}. */
  private Future<JsonObject> kept(JsonObject body) {
    return swarm.kept().map(list -> {
      JsonArray array = new JsonArray();
      for (KeptPeer k : list) {
        array.add(k.toJson());
      }
      return new JsonObject().put("kept", array);
    });
  }

  /**
   * {@code {"peer"}}: blocks it (its connections close, its new ones are refused both ways);
   * {@code {"peer", "blocked": true, "changed"}} ({@code changed}: it was not blocked before).
   */
  private Future<JsonObject> block(JsonObject body) {
    PeerId peer = peerField(body);
    return swarm.block(peer).map(added -> new JsonObject().put("peer", peer.toString())
        .put("blocked", true).put("changed", added));
  }

  /**
   * {@code {"peer"}}: unblocks it; {@code {"peer", "blocked": false, "changed", "denied"}}
   * ({@code denied}: {@code gating.denyPeers} still refuses it).
   */
  private Future<JsonObject> unblock(JsonObject body) {
    PeerId peer = peerField(body);
    return swarm.unblock(peer).map(was -> new JsonObject().put("peer", peer.toString())
        .put("blocked", false).put("changed", was)
        .put("denied", swarm.deniedPeers().contains(peer)));
  }

  /** {@code {}}: {@code {"blocked": [peer id...], "denyPeers": [peer id...]}}. */
  private Future<JsonObject> blocked(JsonObject body) {
    return swarm.blocked().map(list -> new JsonObject()
        .put("blocked", new JsonArray(list.stream().map(PeerId::toString).toList()))
        .put("denyPeers", new JsonArray(swarm.deniedPeers().stream()
            .map(PeerId::toString).toList())));
  }

  /** The body's {@code "peer"}, a peer id; a 400 naming the field otherwise. */
  private static PeerId peerField(JsonObject body) {
    String text = requireString(body, "peer");
    try {
      return PeerId.parse(text);
    } catch (RuntimeException e) {
      throw bad("peer: \"" + text + "\" is not a peer id (" + e.getMessage() + ")");
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  static JsonArray toJson(List<Connection> list) {
    JsonArray array = new JsonArray();
    for (Connection c : list) {
      array.add(c.toJson());
    }
    return array;
  }

  private static SwarmRequestException bad(String text) {
    return Bodies.bad(text);
  }

  private static String optString(JsonObject body, String key) {
    return Bodies.optString(body, key);
  }

  private static String requireString(JsonObject body, String key) {
    return Bodies.requireString(body, key);
  }
}
