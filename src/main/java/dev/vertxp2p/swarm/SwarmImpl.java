package dev.vertxp2p.swarm;

import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.NoAddressException;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionManagerOptions;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.UnknownMultiaddrProtocolException;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.MuxedConnection;
import dev.vertxp2p.transport.TcpTransport;
import dev.vertxp2p.transport.Upgrader;
import dev.vertxp2p.util.CallerPromises;
import dev.vertxp2p.util.Log;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The swarm: listeners, the dialer, and the map of peer to connections.
 *
 * <p>Threading: the map, the per-peer limiter, the dial merger and the peer store are touched
 * only on the owner context's event loop. Connections live on their own event loops and report
 * here with {@link #onOwner}. Readers on other threads see immutable snapshots published through
 * volatile fields, so no locks are needed anywhere.
 *
 * <p>The per-peer limit counts open and in-flight connections in both directions. A connection
 * beyond it is refused, never made room for by closing another: closing the oldest (what the seed
 * does) would kill a busy connection's live streams.
 */
public final class SwarmImpl implements Swarm, ConnectionHost {
  private static final Log LOG = Log.get(SwarmImpl.class);
  /** Bound on addresses remembered per peer, so identify cannot flood the peer store. */
  static final int MAX_ADDRS_PER_PEER = 32;
  public static final String AGENT_VERSION = "vertx-libp2p-swarm/0.1.0";

  private final Vertx vertx;
  private final SwarmOptions options;
  private final Context owner;
  private final SecureRandom random = new SecureRandom();
  /** Monotonic time for ages (pending handshakes, the connection manager's grace). */
  private final java.util.function.LongSupplier nanoClock = System::nanoTime;
  /** Wall clock for event timestamps only. */
  private final Clock clock = Clock.systemUTC();
  private final TcpTransport transport;
  private final ConnectionSelector selector;
  private final PeerConnectionLimiter limiter;
  private final DialMerger<PeerId, List<Connection>> merger = new DialMerger<>();
  private final RetryingDialer dialer;
  private final ConnectionBudget budget;
  private final ConnectionManager connectionManager;
  /** Ids of connections the manager chose to close and that have not finished closing. */
  private final Set<String> trimming = new HashSet<>();
  private long trimTimer = -1;

  private final Map<String, Handler<P2pStream>> handlers = new ConcurrentHashMap<>();
  private final Map<PeerId, List<MuxedConnection>> conns = new LinkedHashMap<>();
  /** Each registered connection's slot in the per-peer limiter (owner-only). */
  private final Map<Connection, PeerConnectionLimiter.Reservation> reservations = new HashMap<>();
  private final Map<PeerId, LinkedHashSet<Multiaddr>> addrs = new HashMap<>();
  private final Map<PeerId, List<Multiaddr>> addrSnapshot = new ConcurrentHashMap<>();
  private final Map<PeerId, IdentifyMessage> identified = new ConcurrentHashMap<>();
  private final List<Handler<SwarmEvent>> eventHandlers = new CopyOnWriteArrayList<>();
  private final List<Handler<P2pStream>> streamHandlers = new CopyOnWriteArrayList<>();

  private volatile Map<PeerId, List<Connection>> snapshot = Map.of();
  private volatile List<Multiaddr> listenAddrs = List.of();
  private volatile PrivateKey identity;
  private volatile PeerId self;
  private volatile Upgrader upgrader;
  private volatile boolean closing;

  /**
   * @param customSelector the user's connection selector, or null for the configured strategy
   */
  public SwarmImpl(Vertx vertx, SwarmOptions options, ConnectionSelector customSelector) {
    this.vertx = vertx;
    this.options = new SwarmOptions(options);
    Context ctx = vertx.getOrCreateContext();
    this.owner = ctx;
    // Connections spread over every event loop (one listener per loop, dials dealt in turn)
    // unless configured otherwise: the map stays on the owner context, connections report to it.
    this.transport = new TcpTransport(vertx, this.options.getTransport().isSpreadEventLoops());
    this.selector = customSelector != null
        ? customSelector
        : ConnectionSelector.create(this.options.getConnection().getLoadBalancingStrategy());
    this.limiter = new PeerConnectionLimiter(this.options.getConnection().getMaxConnectionsPerPeer());
    this.dialer = new RetryingDialer(Scheduler.vertx(vertx), this.options.getRetry(),
        this.options.getConnection(), new Backoff(this.options.getRetry(), random::nextDouble));
    this.budget = new ConnectionBudget(this.options.getLimits());
    this.connectionManager =
        new ConnectionManager(this.options.getConnectionManager(), nanoClock);
    if (this.options.getServices().isPing()) {
      handlers.put(Ping.PROTOCOL, Ping::serve);
    }
    if (this.options.getServices().isIdentify()) {
      handlers.put(Identify.PROTOCOL, s -> Identify.serve(s, this::describe));
      handlers.put(Identify.PUSH_PROTOCOL, s -> {
        PeerId from = s.connection().peerId();
        Identify.servePush(s, msg -> onOwner(() -> learn(from, msg, s.connection())));
      });
    }
    if (this.options.getServices().isEcho()) {
      handlers.put(Echo.PROTOCOL, Echo::serve);
    }
    if (this.options.getServices().isPerf()) {
      handlers.put(Perf.PROTOCOL, Perf::serve);
    }
  }

  // ---- threading ----------------------------------------------------------------------------

  /** Runs {@code task} on the owner context. */
  private void onOwner(Runnable task) {
    if (Vertx.currentContext() == owner) {
      task.run();
    } else {
      owner.runOnContext(v -> task.run());
    }
  }

  /**
   * Runs {@code task} on the owner context; the future it returns calls back on the caller's
   * context when the caller has one (a verticle keeps its one thread), else on the owner's.
   */
  private <T> Future<T> onOwnerFuture(java.util.function.Supplier<Future<T>> task) {
    Promise<T> promise = CallerPromises.promise(owner);
    onOwner(() -> {
      Future<T> f;
      try {
        f = task.get();
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(promise);
    });
    return promise.future();
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Override
  public Future<Void> start() {
    return onOwnerFuture(() -> Identities.load(vertx, options.getIdentityKeyFile(), random)
        .compose(key -> {
          identity = key;
          self = PeerId.fromPublicKey(key.publicKey());
          upgrader = new Upgrader(key, transportWithLimits(), options.getLimits(), random);
          List<Future<Multiaddr>> listens = new ArrayList<>();
          for (String a : options.getListen()) {
            Multiaddr addr = Multiaddr.parse(a);
            listens.add(transport.listen(addr, this::onInboundSocket));
          }
          return Future.all(listens).map(cf -> {
            List<Multiaddr> bound = new ArrayList<>();
            for (int i = 0; i < listens.size(); i++) {
              bound.add(listens.get(i).result().withPeerId(self));
            }
            listenAddrs = List.copyOf(bound);
            LOG.info("listening on " + listenAddrs + " as " + self);
            startTrimTimer();
            return (Void) null;
          });
        }));
  }

  /** The transport options with the {@code limits} section applied to the muxers and streams. */
  private dev.vertxp2p.TransportOptions transportWithLimits() {
    dev.vertxp2p.LimitsOptions limits = options.getLimits();
    return new dev.vertxp2p.TransportOptions(options.getTransport())
        .setMaxStreamsInbound(limits.getMaxStreamsInbound())
        .setMaxStreamsOutbound(limits.getMaxStreamsOutbound());
  }

  /**
   * Graceful: stops accepting, sends GOAWAY on every connection, gives open streams {@code
   * transport.shutdownGracePeriod} to finish, resets the rest, then closes the listeners and the
   * dialer. Nothing listens once the returned future completes.
   */
  @Override
  public Future<Void> close() {
    return onOwnerFuture(() -> {
      closing = true;
      if (trimTimer >= 0) {
        vertx.cancelTimer(trimTimer);
        trimTimer = -1;
      }
      Duration grace = options.getTransport().getShutdownGracePeriod();
      List<Future<Void>> all = new ArrayList<>();
      for (List<MuxedConnection> list : conns.values()) {
        for (MuxedConnection c : list) {
          all.add(c.closeGracefully(grace));
        }
      }
      // Listeners stop first (no new sockets); the dialer's sockets go after the drain.
      // Margin over the grace: the connections close themselves first, Vert.x only as a backstop.
      Future<Void> listeners = transport.closeListeners(grace.plusSeconds(1));
      return Future.join(all).transform(ar -> listeners)
          .transform(ar -> transport.close())
          .mapEmpty();
    });
  }

  // ---- identity and protocols ---------------------------------------------------------------

  @Override
  public PeerId peerId() {
    PeerId id = self;
    if (id == null) {
      throw new IllegalStateException("the swarm is not started yet");
    }
    return id;
  }

  @Override
  public List<Multiaddr> listenAddrs() {
    return listenAddrs;
  }

  @Override
  public SwarmOptions options() {
    return new SwarmOptions(options);
  }

  @Override
  public List<String> protocols() {
    List<String> list = new ArrayList<>(handlers.keySet());
    Collections.sort(list);
    return list;
  }

  @Override
  public Swarm handle(String protocol, Handler<P2pStream> handler) {
    if (protocol == null || protocol.isEmpty() || protocol.length() > 1000) {
      throw new IllegalArgumentException("protocol id must be 1..1000 characters, got "
          + (protocol == null ? "null" : protocol.length() + " characters"));
    }
    if (handler == null) {
      handlers.remove(protocol);
    } else {
      handlers.put(protocol, handler);
    }
    return this;
  }

  @Override
  public Predicate<String> supportedProtocols() {
    return handlers::containsKey;
  }

  @Override
  public List<String> protocolList() {
    return protocols();
  }

  @Override
  public void onInboundStream(P2pStream stream) {
    Handler<P2pStream> h = handlers.get(stream.protocol());
    if (h == null) {
      stream.reset(); // unregistered between negotiation and now
      return;
    }
    try {
      h.handle(stream);
    } catch (RuntimeException e) {
      LOG.warn("handler for " + stream.protocol() + " threw; resetting the stream", e);
      stream.reset();
    }
  }

  /** Our identify message, as seen from {@code connection}. */
  private IdentifyMessage describe(Connection connection) {
    List<byte[]> listen = new ArrayList<>();
    for (Multiaddr a : listenAddrs) {
      listen.add(a.withoutPeerId().bytes());
    }
    return new IdentifyMessage(Identify.PROTOCOL_VERSION, AGENT_VERSION,
        identity.publicKey().marshal(), listen, connection.remoteAddr().bytes(), protocols(), null);
  }

  // ---- inbound ------------------------------------------------------------------------------

  /**
   * Inbound sockets still in the upgrade, oldest first, with when they arrived (owner-only). Their
   * number is the {@code limits.maxPendingInbound} budget.
   */
  private final LinkedHashMap<NetSocket, Long> pendingSockets = new LinkedHashMap<>();


  private void onInboundSocket(NetSocket socket) {
    if (closing || upgrader == null) {
      socket.close();
      return;
    }
    if (Vertx.currentContext() != owner) {
      // Listeners are bound on the owner context, so this is not expected; stay correct anyway.
      socket.pause();
      Context socketCtx = Vertx.currentContext();
      owner.runOnContext(v -> {
        boolean admitted = !closing && claimHandshakeSlot(socket);
        socketCtx.runOnContext(w -> {
          if (admitted) {
            upgradeInbound(socket);
            socket.resume();
          } else {
            socket.close();
          }
        });
      });
      return;
    }
    if (!claimHandshakeSlot(socket)) {
      // limits.maxPendingInbound: every socket in the upgrade holds state until the handshake
      // timeout; a flood of them must not.
      LOG.debug(() -> "closing inbound socket from " + socket.remoteAddress() + ": "
          + budget.pendingInbound() + " inbound handshakes in progress (limits.maxPendingInbound)");
      socket.close();
      return;
    }
    upgradeInbound(socket);
  }

  /**
   * Takes a handshake slot for {@code socket}; when all are taken, the oldest pending socket, if
   * it has been stuck for {@code limits.evictPendingAfter}, hands its slot over and is closed. A
   * real peer finishes its handshake in milliseconds and a slowloris socket never does, so the
   * oldest slot is the likeliest staller; younger ones are never evicted, so a flood of new
   * sockets cannot push out handshakes that are still progressing. On the owner context.
   */
  private boolean claimHandshakeSlot(NetSocket socket) {
    long now = nanoClock.getAsLong();
    if (!budget.tryStartHandshake()) {
      Map.Entry<NetSocket, Long> oldest = pendingSockets.entrySet().stream().findFirst()
          .orElse(null);
      long evictAfter = (long) (options.getLimits().getEvictPendingAfter() * 1e9);
      if (oldest == null || now - oldest.getValue() < evictAfter) {
        return false;
      }
      pendingSockets.remove(oldest.getKey()); // its slot passes to the newcomer
      LOG.debug(() -> "evicting a stalled inbound handshake from "
          + oldest.getKey().remoteAddress() + " to admit " + socket.remoteAddress());
      oldest.getKey().close();
    }
    pendingSockets.put(socket, now);
    return true;
  }

  /** Upgrades an inbound socket that holds a handshake slot; on the socket's context. */
  private void upgradeInbound(NetSocket socket) {
    Context ctx = Vertx.currentContext();
    Multiaddr local = toMultiaddr(socket.localAddress());
    Multiaddr remote = toMultiaddr(socket.remoteAddress());
    long timeout = upgrader.options().getHandshakeTimeout().toMillis();
    upgrader.upgrade(ctx, socket, Connection.Direction.INBOUND, null, local, remote, this, timeout)
        .onComplete(ar -> onOwner(() -> {
          // An evicted socket gave its slot away already.
          if (pendingSockets.remove(socket) != null) {
            budget.endHandshake();
          }
        }))
        .onSuccess(conn -> onOwner(() -> admitInbound(conn)))
        .onFailure(err -> {
          if (err instanceof dev.vertxp2p.ProtocolException) {
            LOG.info("inbound connection from " + remote + " closed: " + err);
          } else {
            LOG.debug(() -> "inbound upgrade from " + remote + " failed: " + err);
          }
        });
  }

  private void admitInbound(MuxedConnection conn) {
    if (closing) {
      conn.close();
      return;
    }
    if (!budget.tryAdmitInbound()) {
      emit(SwarmEvent.CONNECTION_REJECTED, conn.peerId(), new JsonObject()
          .put("connection", conn.toJson())
          .put("connectionsToPeer", list(conn.peerId()).size())
          .put("reason", "limits.maxConnections (" + budget.maxConnections() + ") reached"));
      conn.close();
      return;
    }
    String key = conn.peerId().toString();
    Optional<PeerConnectionLimiter.Reservation> r =
        limiter.tryReserve(key, Connection.Direction.INBOUND);
    if (r.isEmpty()) {
      budget.closed();
      int n = list(conn.peerId()).size();
      emit(SwarmEvent.CONNECTION_REJECTED, conn.peerId(), new JsonObject()
          .put("connection", conn.toJson())
          .put("connectionsToPeer", n)
          .put("reason", "maxConnectionsPerPeer (" + limiter.maxPerPeer() + ") reached"));
      conn.close();
      return;
    }
    register(conn, r.get(), -1);
  }

  // ---- registration -------------------------------------------------------------------------

  private List<MuxedConnection> list(PeerId peer) {
    return conns.getOrDefault(peer, List.of());
  }

  /**
   * @param dialNanos for outbound connections, the whole dial (retries and backoff included) up to
   *     this moment; -1 for inbound ones
   */
  private void register(MuxedConnection conn, PeerConnectionLimiter.Reservation reservation,
      long dialNanos) {
    if (conn.isClosed()) {
      reservation.cancel();
      budget.closed();
      return;
    }
    reservation.commit();
    PeerId peer = conn.peerId();
    List<MuxedConnection> list = conns.computeIfAbsent(peer, p -> new ArrayList<>());
    boolean first = list.isEmpty();
    list.add(conn);
    conn.activate();
    publishSnapshot();
    JsonObject fields = new JsonObject().put("connection", conn.toJson())
        .put("connectionsToPeer", list.size());
    JsonObject opened = fields.copy();
    if (conn.handshakeNanos() >= 0) {
      opened.put("handshakeMs", conn.handshakeNanos() / 1e6);
    }
    if (dialNanos >= 0) {
      opened.put("dialMs", dialNanos / 1e6);
    }
    emit(SwarmEvent.CONNECTION_OPENED, peer, opened);
    if (first) {
      emit(SwarmEvent.PEER_CONNECTED, peer, fields);
    }
    reservations.put(conn, reservation);
    if (options.getConnection().getLoadBalancingStrategy() == LoadBalancingStrategy.LOWEST_LATENCY
        && options.getServices().isPing()) {
      // lowest_latency needs a first measurement for every connection, not only the used ones.
      Ping.ping(conn).onSuccess(nanos -> conn.recordRtt(nanos / 1e6));
    }
    if (options.getServices().isIdentify()) {
      Identify.identify(conn).onComplete(ar -> onOwner(() -> {
        if (ar.succeeded()) {
          learn(peer, ar.result(), conn);
        } else {
          LOG.debug(() -> "identify of " + peer + " on " + conn.id() + " failed: " + ar.cause());
        }
      }));
    }
    maybeTrim();
  }

  private void unregister(MuxedConnection conn, PeerConnectionLimiter.Reservation reservation) {
    reservation.release();
    budget.closed();
    trimming.remove(conn.id());
    PeerId peer = conn.peerId();
    List<MuxedConnection> list = conns.get(peer);
    if (list == null || !list.remove(conn)) {
      return;
    }
    int left = list.size();
    if (left == 0) {
      conns.remove(peer);
      selector.forget(peer.toString());
    }
    publishSnapshot();
    JsonObject fields = new JsonObject().put("connection", conn.toJson())
        .put("connectionsToPeer", left);
    emit(SwarmEvent.CONNECTION_CLOSED, peer, fields);
    if (left == 0) {
      emit(SwarmEvent.PEER_DISCONNECTED, peer, fields);
    }
  }

  private void publishSnapshot() {
    Map<PeerId, List<Connection>> copy = new LinkedHashMap<>();
    for (Map.Entry<PeerId, List<MuxedConnection>> e : conns.entrySet()) {
      if (!e.getValue().isEmpty()) {
        copy.put(e.getKey(), List.copyOf(e.getValue()));
      }
    }
    snapshot = Collections.unmodifiableMap(copy);
  }

  /**
   * Takes what a peer said in identify. An address with a protocol we do not know is skipped; a
   * truncated or invalid one is a malformed message, and the connection that carried it is closed.
   */
  private void learn(PeerId peer, IdentifyMessage msg, Connection via) {
    List<Multiaddr> learnt = new ArrayList<>();
    try {
      if (msg.observedAddr() != null) {
        Multiaddr.fromBytes(msg.observedAddr());
      }
      for (byte[] raw : msg.listenAddrs()) {
        try {
          Multiaddr a = Multiaddr.fromBytes(raw);
          if (TcpTransport.canHandle(a)) {
            learnt.add(a);
          }
        } catch (UnknownMultiaddrProtocolException e) {
          LOG.debug(() -> "identify from " + peer + ": skipping an address: " + e.getMessage());
        }
      }
    } catch (UnknownMultiaddrProtocolException e) {
      LOG.debug(() -> "identify from " + peer + ": observed address: " + e.getMessage());
    } catch (MultiaddrException e) {
      LOG.warn("connection " + via.id() + " to " + peer + " closed: malformed identify: "
          + e.getClass().getSimpleName() + ": " + e.getMessage());
      via.close();
      return;
    }
    identified.put(peer, msg);
    addAddressesOnOwner(peer, learnt);
  }

  // ---- events -------------------------------------------------------------------------------

  private void emit(String type, PeerId peer, JsonObject fields) {
    SwarmEvent event = new SwarmEvent(type, clock.instant(), peer, fields);
    for (Handler<SwarmEvent> h : eventHandlers) {
      try {
        h.handle(event);
      } catch (RuntimeException e) {
        LOG.warn("event handler threw on " + type, e);
      }
    }
  }

  @Override
  public Swarm streamOpenedHandler(Handler<P2pStream> handler) {
    streamHandlers.add(handler);
    return this;
  }

  @Override
  public void onStreamNegotiated(P2pStream stream) {
    for (Handler<P2pStream> h : streamHandlers) {
      h.handle(stream);
    }
  }

  @Override
  public Swarm eventHandler(Handler<SwarmEvent> handler) {
    eventHandlers.add(handler);
    return this;
  }

  // ---- peer store ---------------------------------------------------------------------------

  @Override
  public void addAddresses(PeerId peer, List<Multiaddr> list) {
    List<Multiaddr> copy = List.copyOf(list);
    onOwner(() -> addAddressesOnOwner(peer, copy));
  }

  private void addAddressesOnOwner(PeerId peer, List<Multiaddr> list) {
    if (list.isEmpty()) {
      return;
    }
    LinkedHashSet<Multiaddr> set = addrs.computeIfAbsent(peer, p -> new LinkedHashSet<>());
    for (Multiaddr a : list) {
      Multiaddr plain = a.withoutPeerId();
      if (set.size() >= MAX_ADDRS_PER_PEER && !set.contains(plain)) {
        break;
      }
      set.add(plain);
    }
    addrSnapshot.put(peer, List.copyOf(set));
  }

  @Override
  public List<Multiaddr> addresses(PeerId peer) {
    return addrSnapshot.getOrDefault(peer, List.of());
  }

  @Override
  public IdentifyMessage identified(PeerId peer) {
    return identified.get(peer);
  }

  // ---- accessors ----------------------------------------------------------------------------

  @Override
  public List<Connection> getConnections(PeerId peer) {
    return snapshot.getOrDefault(peer, List.of());
  }

  @Override
  public List<Connection> getConnections() {
    List<Connection> all = new ArrayList<>();
    for (List<Connection> l : snapshot.values()) {
      all.addAll(l);
    }
    return Collections.unmodifiableList(all);
  }

  @Override
  public Map<PeerId, List<Connection>> getConnectionsMap() {
    return snapshot;
  }

  @Override
  public Connection getConnection(PeerId peer) {
    List<Connection> l = snapshot.get(peer);
    return l == null || l.isEmpty() ? null : l.get(0);
  }

  @Override
  public Map<PeerId, Connection> connectionsLegacy() {
    Map<PeerId, Connection> legacy = new LinkedHashMap<>();
    for (Map.Entry<PeerId, List<Connection>> e : snapshot.entrySet()) {
      legacy.put(e.getKey(), e.getValue().get(0));
    }
    return Collections.unmodifiableMap(legacy);
  }

  // ---- dialing ------------------------------------------------------------------------------

  @Override
  public Future<List<Connection>> dial(Multiaddr addr, DialOptions dialOptions) {
    Optional<PeerId> peer = addr.peerId();
    if (peer.isEmpty()) {
      return Future.failedFuture(new MultiaddrException(
          "cannot dial " + addr + ": the address needs a /p2p/<peer id> part"));
    }
    if (!TcpTransport.canHandle(addr)) {
      return Future.failedFuture(new MultiaddrException(
          "cannot dial " + addr + ": only ip4/ip6/dns/dns4/dns6 with tcp are supported"));
    }
    addAddresses(peer.get(), List.of(addr));
    return dialPeer(peer.get(), dialOptions);
  }

  @Override
  public Future<List<Connection>> dialPeer(PeerId peer) {
    return dialPeer(peer, new DialOptions());
  }

  @Override
  public Future<List<Connection>> dialPeer(PeerId peer, DialOptions dialOptions) {
    int max = options.getConnection().getMaxConnectionsPerPeer();
    int target = Math.min(dialOptions.getConnections(), max);
    return onOwnerFuture(() -> {
      if (self != null && self.equals(peer)) {
        return Future.failedFuture(new IllegalArgumentException("cannot dial ourselves (" + peer + ")"));
      }
      return merger.dial(peer, () -> topUp(peer, target)).compose(list -> {
        // A merged dial may have aimed lower than this caller: top up once more if so.
        if (list.size() >= target || list.size() >= max) {
          return Future.succeededFuture(list);
        }
        return merger.dial(peer, () -> topUp(peer, target));
      });
    });
  }

  /** Dials until {@code peer} has {@code target} connections open or in flight. */
  private Future<List<Connection>> topUp(PeerId peer, int target) {
    List<Multiaddr> known = addresses(peer);
    int have = limiter.count(peer.toString());
    int need = target - have;
    if (need <= 0) {
      return Future.succeededFuture(getConnections(peer));
    }
    if (known.isEmpty()) {
      return Future.failedFuture(new NoAddressException(peer));
    }
    List<Future<MuxedConnection>> dials = new ArrayList<>();
    boolean overBudget = false;
    for (int i = 0; i < need; i++) {
      if (!budget.tryReserveDial()) {
        overBudget = true;
        break;
      }
      Optional<PeerConnectionLimiter.Reservation> r =
          limiter.tryReserve(peer.toString(), Connection.Direction.OUTBOUND);
      if (r.isEmpty()) {
        budget.dialDone(false);
        break;
      }
      dials.add(dialOne(peer, known, r.get()));
    }
    if (dials.isEmpty()) {
      List<Connection> open = getConnections(peer);
      if (overBudget && open.isEmpty()) {
        ResourceLimitException e = new ResourceLimitException("limits.maxConnections",
            "cannot dial " + peer + ": limits.maxConnections (" + budget.maxConnections()
                + ") reached (" + budget.used() + " connections open or dialing)");
        emit(SwarmEvent.DIAL_FAILED, peer, new JsonObject().put("error", e.getMessage()));
        return Future.failedFuture(e);
      }
      return Future.succeededFuture(open);
    }
    return Future.join(dials).transform(ar -> {
      List<Connection> open = getConnections(peer);
      if (!open.isEmpty()) {
        return Future.succeededFuture(open);
      }
      Throwable cause = null;
      for (Future<MuxedConnection> f : dials) {
        if (f.failed()) {
          cause = f.cause();
          break;
        }
      }
      emit(SwarmEvent.DIAL_FAILED, peer, new JsonObject()
          .put("error", cause == null ? "no connection" : String.valueOf(cause.getMessage())));
      return Future.failedFuture(cause);
    });
  }

  private Future<MuxedConnection> dialOne(
      PeerId peer, List<Multiaddr> known, PeerConnectionLimiter.Reservation reservation) {
    long timeoutMs = options.getConnection().getConnectionTimeoutDuration().toMillis();
    long dialStart = nanoClock.getAsLong();
    Future<MuxedConnection> f = dialer.dial(
        known,
        (Multiaddr addr, int attempt, Future<Void> abandoned) -> attempt(peer, addr, timeoutMs),
        MuxedConnection::close,
        (Multiaddr addr, int failedAttempt, Duration delay, Throwable cause) ->
            onOwner(() -> emit(SwarmEvent.DIAL_RETRY, peer, new JsonObject()
                .put("addr", addr.toString())
                .put("attempt", failedAttempt)
                .put("delay", delay.toMillis() / 1000.0)
                .put("error", String.valueOf(cause.getMessage())))));
    Promise<MuxedConnection> registered = Promise.promise();
    f.onComplete(ar -> onOwner(() -> {
      if (ar.succeeded()) {
        MuxedConnection conn = ar.result();
        if (closing) {
          budget.dialDone(false);
          reservation.cancel();
          conn.close();
          registered.fail(new IllegalStateException("swarm is closing"));
          return;
        }
        budget.dialDone(true);
        register(conn, reservation, nanoClock.getAsLong() - dialStart);
        registered.complete(conn);
      } else {
        budget.dialDone(false);
        reservation.cancel();
        registered.fail(ar.cause());
      }
    }));
    return registered.future();
  }

  private Future<MuxedConnection> attempt(PeerId peer, Multiaddr addr, long timeoutMs) {
    return transport.dial(addr, (int) Math.min(Integer.MAX_VALUE, timeoutMs)).compose(socket -> {
      Context ctx = Vertx.currentContext();
      Multiaddr local = toMultiaddr(socket.localAddress());
      return upgrader.upgrade(ctx, socket, Connection.Direction.OUTBOUND, peer, local,
          addr.withoutPeerId(), this, timeoutMs);
    });
  }

  // ---- streams ------------------------------------------------------------------------------

  @Override
  public Future<P2pStream> newStream(PeerId peer, String... protocols) {
    return onOwnerFuture(() -> {
      List<Connection> open = openConnections(peer);
      if (open.isEmpty()) {
        return dialPeer(peer).compose(list -> tryStream(peer, protocols, new HashSet<>()));
      }
      return tryStream(peer, protocols, new HashSet<>());
    });
  }

  private List<Connection> openConnections(PeerId peer) {
    List<Connection> open = new ArrayList<>();
    for (Connection c : getConnections(peer)) {
      if (c.isOpen()) {
        open.add(c);
      }
    }
    return open;
  }

  private Future<P2pStream> tryStream(PeerId peer, String[] protocols, Set<String> tried) {
    return StreamFailover.open(selector, peer.toString(), () -> openConnections(peer), protocols,
        tried, this::onOwner);
  }

  @Override
  public Future<Double> ping(PeerId peer) {
    return newStream(peer, Ping.PROTOCOL).compose(stream -> Ping.pingOn(stream).map(nanos -> {
      double ms = nanos / 1e6;
      if (stream.connection() instanceof MuxedConnection mc) {
        mc.recordRtt(ms);
      }
      return ms;
    }));
  }

  // ---- connection manager -------------------------------------------------------------------

  private void startTrimTimer() {
    if (!options.getConnectionManager().isEnabled() || closing) {
      return;
    }
    long ms = Math.max(1, options.getConnectionManager().getCheckIntervalDuration().toMillis());
    // Set on the owner context, so the periodic handler runs there too.
    trimTimer = vertx.setPeriodic(ms, id -> maybeTrim());
  }

  /** Closes connections the manager picks when the total is over the high watermark. */
  private void maybeTrim() {
    if (closing || !options.getConnectionManager().isEnabled()) {
      return;
    }
    List<ConnectionManager.View> views = new ArrayList<>();
    Map<String, MuxedConnection> byId = new HashMap<>();
    for (List<MuxedConnection> list : conns.values()) {
      for (MuxedConnection c : list) {
        if (!trimming.contains(c.id()) && !c.isClosed()) {
          views.add(new ConnectionManager.View(c.id(), c.peerId().toString(), c.openStreams(),
              c.streamsTotal(), c.openedAtNanos()));
          byId.put(c.id(), c);
        }
      }
    }
    List<ConnectionManager.View> chosen = connectionManager.select(views);
    if (chosen.isEmpty()) {
      return;
    }
    ConnectionManagerOptions cm = options.getConnectionManager();
    String reason = "connectionManager: " + views.size() + " connections exceed highWater "
        + cm.getHighWater() + "; trimming toward lowWater " + cm.getLowWater();
    LOG.info(reason + ": closing " + chosen.size());
    for (ConnectionManager.View v : chosen) {
      MuxedConnection c = byId.get(v.id());
      trimming.add(c.id());
      emit(SwarmEvent.CONNECTION_TRIMMED, c.peerId(), new JsonObject()
          .put("connection", c.toJson())
          .put("connectionsToPeer", list(c.peerId()).size())
          .put("reason", reason));
      c.close();
    }
  }

  @Override
  public Future<List<String>> protect(PeerId peer, String tag) {
    return onOwnerFuture(() -> {
      List<String> tags = connectionManager.protect(peer.toString(), tag);
      emit(SwarmEvent.PEER_PROTECTED, peer, new JsonObject().put("tag", tag)
          .put("tags", new io.vertx.core.json.JsonArray(tags)));
      return Future.succeededFuture(tags);
    });
  }

  @Override
  public Future<List<String>> unprotect(PeerId peer, String tag) {
    return onOwnerFuture(() -> {
      List<String> tags = connectionManager.unprotect(peer.toString(), tag);
      emit(SwarmEvent.PEER_UNPROTECTED, peer, new JsonObject().put("tag", tag)
          .put("tags", new io.vertx.core.json.JsonArray(tags)));
      return Future.succeededFuture(tags);
    });
  }

  @Override
  public boolean isProtected(PeerId peer) {
    return connectionManager.isProtected(peer.toString());
  }

  @Override
  public JsonObject connectionManagerState() {
    return connectionManager.toJson();
  }

  // ---- closing ------------------------------------------------------------------------------

  @Override
  public Future<Integer> hangUp(PeerId peer) {
    return onOwnerFuture(() -> {
      List<MuxedConnection> list = new ArrayList<>(list(peer));
      List<Future<Void>> all = new ArrayList<>();
      for (MuxedConnection c : list) {
        all.add(c.close());
      }
      return Future.join(all).map(cf -> list.size());
    });
  }

  @Override
  public Future<Integer> closeConnection(String connectionId) {
    return onOwnerFuture(() -> {
      for (List<MuxedConnection> list : conns.values()) {
        for (MuxedConnection c : list) {
          if (c.id().equals(connectionId)) {
            return c.close().map(v -> 1);
          }
        }
      }
      return Future.succeededFuture(0);
    });
  }

  /** Unregisters on the owner before the connection's closeFuture() completes. */
  @Override
  public Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
    return onOwnerFuture(() -> {
      PeerConnectionLimiter.Reservation r = reservations.remove(connection);
      if (r != null) {
        unregister((MuxedConnection) connection, r);
      }
      return Future.succeededFuture();
    });
  }

  // ---- helpers ------------------------------------------------------------------------------

  static Multiaddr toMultiaddr(SocketAddress sa) {
    String host = sa.hostAddress();
    if (host == null) {
      host = sa.host();
    }
    boolean v6 = host.indexOf(':') >= 0;
    if (v6) {
      int pct = host.indexOf('%');
      if (pct >= 0) {
        host = host.substring(0, pct);
      }
    }
    return Multiaddr.parse((v6 ? "/ip6/" : "/ip4/") + host + "/tcp/" + sa.port());
  }
}
