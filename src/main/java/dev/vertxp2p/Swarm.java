package dev.vertxp2p;

import dev.vertxp2p.swarm.SwarmFactory;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;

/**
 * A libp2p swarm: listens, dials, and keeps several secured, multiplexed connections per peer,
 * spreading new streams across them by a load-balancing strategy.
 *
 * <p>The connection map is owned by one event-loop context (the one {@link #create} ran on, or a
 * fresh one); connections live on every event loop and report to it. Accessors return immutable
 * snapshots and may be called from any thread.
 */
public interface Swarm {

  /** The agent version this node names in identify. */
  String AGENT_VERSION = "vertx-libp2p-swarm/0.1.0";

  /**
   * Creates a swarm (the seed's {@code new_swarm(retry_config, connection_config)}). Call {@link
   * #start()} to listen.
   */
  static Swarm create(Vertx vertx, SwarmOptions options) {
    return SwarmFactory.create(vertx, options, null);
  }

  /**
   * Creates a swarm that picks connections for new streams with {@code selector} instead of the
   * configured {@code loadBalancingStrategy}.
   */
  static Swarm create(Vertx vertx, SwarmOptions options,
      dev.vertxp2p.ConnectionSelector selector) {
    return SwarmFactory.create(vertx, options, java.util.Objects.requireNonNull(selector, "selector"));
  }

  /** Loads or creates the identity and listens on the configured addresses. */
  Future<Void> start();

  /** This node's peer id. */
  PeerId peerId();

  /** Addresses actually listened on, each ending in {@code /p2p/<our id>}. */
  List<Multiaddr> listenAddrs();

  /** The options this swarm runs with. */
  SwarmOptions options();

  /** Every protocol with a handler, built-in ones included. */
  List<String> protocols();

  /** Reuses open connections to {@code peer}, or dials one from its known addresses. */
  Future<List<Connection>> dialPeer(PeerId peer);

  /**
   * Tops {@code peer} up to {@link DialOptions#getConnections()} connections (at most
   * maxConnectionsPerPeer) in one call.
   *
   * @return every open connection to the peer
   */
  Future<List<Connection>> dialPeer(PeerId peer, DialOptions options);

  /**
   * Tops {@code peer} up to {@link DialOptions#getConnections()} connections, saying what stopped
   * it when it ends short: the answer of {@code swarm.dial}. Fails only when no connection to the
   * peer is open at the end.
   */
  default Future<TopUpResult> topUp(PeerId peer, DialOptions options) {
    return dialPeer(peer, options).map(list -> new TopUpResult(options.getConnections(), list,
        list.size() >= options.getConnections() ? java.util.List.of()
            : java.util.List.of(TopUpResult.Shortfall.of("fewer connections opened", 1))));
  }

  /** As {@link #topUp(PeerId, DialOptions)}, learning {@code addr} (ending in /p2p/id) first. */
  default Future<TopUpResult> topUp(Multiaddr addr, DialOptions options) {
    return dial(addr, options).map(list -> new TopUpResult(options.getConnections(), list,
        list.size() >= options.getConnections() ? java.util.List.of()
            : java.util.List.of(TopUpResult.Shortfall.of("fewer connections opened", 1))));
  }

  /** Learns {@code addr} (which must end in {@code /p2p/<id>}) and dials that peer. */
  Future<List<Connection>> dial(Multiaddr addr, DialOptions options);

  /** Adds addresses to the peer store for {@code peer}. */
  void addAddresses(PeerId peer, List<Multiaddr> addrs);

  /** Known addresses of {@code peer}, from dials and identify. */
  List<Multiaddr> addresses(PeerId peer);

  /** Open connections to {@code peer}, oldest first. */
  List<Connection> getConnections(PeerId peer);

  /** Every open connection. */
  List<Connection> getConnections();

  /** Every peer with its open connections. */
  Map<PeerId, List<Connection>> getConnectionsMap();

  /** Legacy single-connection accessor: the oldest open connection to {@code peer}, or null. */
  Connection getConnection(PeerId peer);

  /** Legacy view: each peer with its oldest open connection. */
  Map<PeerId, Connection> connectionsLegacy();

  /**
   * Opens a stream to {@code peer} on a connection picked by the load-balancing strategy,
   * dialing when there is none; on a connection that cannot open streams it tries the others.
   */
  Future<P2pStream> newStream(PeerId peer, String... protocols);

  /** Serves {@code protocol}: inbound streams that negotiate it go to {@code handler}. */
  Swarm handle(String protocol, Handler<P2pStream> handler);

  /** Pings {@code peer} over a connection picked by the strategy; the round trip in ms. */
  Future<Double> ping(PeerId peer);

  /** What {@code peer} said in identify, or null before identify finished. */
  IdentifyMessage identified(PeerId peer);

  /**
   * Keeps {@code peer} connected: the node maintains {@code connections} connections to it,
   * re-dialling every lost one under the {@code retry} backoff (each delay at most {@code
   * retry.maxDelay}, publishing {@code dial.retry}) for as long as it is kept, and protects it
   * from trimming. Keeping a kept peer again changes its target. Publishes {@code peer.kept}.
   * Closing one of its connections does not un-keep it; {@link #hangUp} and {@link #unkeep} do.
   * At most {@link KeepOptions#MAX_KEPT_PEERS} peers are kept.
   *
   * <p>The peer's address must be known (from {@link #addAddresses} or a dial), or the future
   * fails with {@link NoAddressException}; {@code connections} outside
   * 1..maxConnectionsPerPeer fails it with {@link IllegalArgumentException}.
   *
   * @return the peer's open connections after the first top-up; when that top-up fails the peer
   *     stays kept and is re-dialled
   */
  Future<List<Connection>> keep(PeerId peer, int connections);

  /**
   * Stops keeping {@code peer}; its connections stay open. Publishes {@code peer.unkept}.
   *
   * @return whether it was kept
   */
  Future<Boolean> unkeep(PeerId peer);

  /**
   * Every limit with its use now, one object per scope (the contract's scope names): {@code
   * system} (limits.maxConnections), {@code pending} (limits.maxPendingInbound), {@code peer}
   * (connection.maxConnectionsPerPeer; {@code current} is the busiest peer's count), {@code
   * streams} (limits.maxStreamsInbound / Outbound; the busiest connection), {@code buffer}
   * (limits.maxBufferedBytes), and {@code dials} (the dial queue). Each has {@code limit} and
   * {@code current}. Taken on the swarm's context.
   */
  default Future<io.vertx.core.json.JsonObject> limits() {
    return Future.failedFuture(new UnsupportedOperationException(
        getClass().getSimpleName() + " does not report its limits"));
  }

  /** The kept peers with their targets and open connection counts. */
  Future<List<KeptPeer>> kept();

  /**
   * Shares a per-remote-peer limit with other swarms (a cluster's {@code
   * maxConnectionsPerRemotePeer}): every connection, dialled or accepted, takes a slot of it
   * before it opens. Set it before {@link #start()}, so that no connection escapes it; null
   * removes it.
   */
  default void shareLimit(SharedConnectionLimit limit) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot share a limit");
  }

  /**
   * Blocks {@code peer}: un-keeps it, closes its open connections and refuses its new ones both
   * ways (an inbound one right after the handshake names it, with {@code connection.rejected}; a
   * dial, stream open or keep at once, with a {@link RefusedException} of scope {@code gating},
   * rule {@code blocked <id>}). Publishes {@code peer.blocked}. At most 10,000 peers are blocked
   * at a time; beyond, the future fails with {@link ResourceLimitException}. The future completes
   * once its connections have closed.
   *
   * @return whether it was not blocked before
   */
  Future<Boolean> block(PeerId peer);

  /**
   * Lets a blocked peer connect again; publishes {@code peer.unblocked}. A peer in {@code
   * gating.denyPeers} stays refused (rule {@code denyPeers <id>}).
   *
   * @return whether it was blocked
   */
  Future<Boolean> unblock(PeerId peer);

  /** The peers blocked at run time, in the order they were blocked. */
  Future<List<PeerId>> blocked();

  /** The peers the configuration denies ({@code gating.denyPeers}); from any thread. */
  List<PeerId> deniedPeers();

  /**
   * The per-IP limits of inbound connections and their use now: the configuration, then per scope
   * ({@code ip}, {@code pending}, {@code rate}) the limit and the highest use by one source.
   */
  Future<io.vertx.core.json.JsonObject> perIpLimits();

  /** Closes every connection to {@code peer} and un-keeps it; the count closed. */
  Future<Integer> hangUp(PeerId peer);

  /**
   * As {@link #hangUp(PeerId)}; with {@code graceful} each connection drains first: it takes no
   * new stream at once, and its open streams get {@code health.drainTimeout} to finish. The
   * future completes once every connection has closed.
   */
  default Future<Integer> hangUp(PeerId peer, boolean graceful) {
    return hangUp(peer);
  }

  /**
   * How long a draining connection's open streams may finish ({@code health.drainTimeout}).
   */
  default java.time.Duration drainTimeout() {
    return options().getHealth().getDrainTimeoutDuration();
  }

  /** Closes the connection with this id; the count closed (0 or 1). */
  Future<Integer> closeConnection(String connectionId);

  /**
   * The history of the open or recently closed connection {@code connectionId}: its dial
   * attempts (address, duration, error), upgrade phases, stream counts and, once closed, its
   * {@link CloseReason}. Null when no such connection is known (see README, "Connection
   * timeline", for its JSON).
   */
  default Future<io.vertx.core.json.JsonObject> timeline(String connectionId) {
    return Future.failedFuture(new UnsupportedOperationException("timeline"));
  }

  /**
   * The last 256 closed connections, newest first, as Conn JSON with {@code closeReason} and
   * {@code closedAt}; only {@code peer}'s when not null.
   */
  default Future<List<io.vertx.core.json.JsonObject>> closedConnections(PeerId peer) {
    return Future.failedFuture(new UnsupportedOperationException("closedConnections"));
  }

  /**
   * Told of every stream, inbound or outbound, once its protocol is negotiated; on the stream's
   * event loop, so keep it cheap (counting, not I/O). For metrics by protocol.
   */
  Registration streamOpenedHandler(Handler<P2pStream> handler);

  /** Receives every {@link SwarmEvent}, on the swarm's context. */
  Registration eventHandler(Handler<SwarmEvent> handler);

  /**
   * Calls {@code handler} with every round trip a health check measured ({@code "health"}
   * section), in milliseconds, on the swarm's context: what the {@code libp2p_connection_rtt_seconds}
   * histogram is made of.
   */
  default Registration rttHandler(java.util.function.BiConsumer<Connection, Double> handler) {
    return () -> { };
  }

  /**
   * Protects {@code peer} from the connection manager's trimming under {@code tag} (go-libp2p's
   * {@code Protect}); several tags may protect one peer. Publishes {@code peer.protected}.
   *
   * @return the peer's protection tags now
   */
  Future<List<String>> protect(PeerId peer, String tag);

  /**
   * Removes one protection tag; the peer is unprotected once no tag is left. Publishes {@code
   * peer.unprotected}.
   *
   * @return the tags left
   */
  Future<List<String>> unprotect(PeerId peer, String tag);

  /** Whether any tag protects {@code peer} from trimming. */
  boolean isProtected(PeerId peer);

  /**
   * The connection manager's options and protected peers: {@code {"enabled", "lowWater",
   * "highWater", "gracePeriod", "checkInterval", "protected": {"<peer>": [tags]}}}.
   */
  io.vertx.core.json.JsonObject connectionManagerState();

  /**
   * Closes gracefully: stops listening, sends GOAWAY on every connection, lets open streams finish
   * for {@code transport.shutdownGracePeriod}, resets the rest and closes.
   */
  Future<Void> close();
}
