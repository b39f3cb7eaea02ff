package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import dev.vertxp2p.P2pException;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.RefusedException;
import dev.vertxp2p.Registration;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.UnknownMultiaddrProtocolException;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.gating.Refusal;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.BufferBudget;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.transport.QuicConnection;
import dev.vertxp2p.transport.QuicSupport;
import dev.vertxp2p.transport.QuicTransport;
import dev.vertxp2p.transport.TcpTransport;
import dev.vertxp2p.transport.Upgrader;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import dev.vertxp2p.util.SystemClock;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The swarm: a facade over owner-confined collaborators, each with one job: the {@link PeerStore},
 * the {@link ConnectionRegistry} (map, limiter, snapshot), {@link InboundAdmission}, the {@link
 * PeerDialer} (top-up, merging, retrying), the {@link ProtocolRouter}, the {@link
 * ConnectionTrimmer} and the {@link KeptPeers} (targets it re-dials to).
 *
 * <p>Threading: the swarm's state is owned by one context, the one it was created on (a fresh
 * one off any context); each collaborator checks that it runs there. Connections live on their
 * own event loops; what they report, and every future they complete, hops to the owner before it
 * touches swarm state. Readers on other threads see immutable snapshots.
 *
 * <p>The per-peer limit counts open and in-flight connections in both directions, draining ones
 * included. A connection beyond it is refused, never made room for by closing another: closing
 * the oldest (what the seed does) would kill a busy connection's live streams.
 */
public final class SwarmImpl implements Swarm, ConnectionHost {
  private static final Log LOG = Log.get(SwarmImpl.class);
  /**
   * Longest probe of a peer's connections before an inbound one at the per-peer limit is
   * refused: a healthy connection answers a ping in milliseconds, and the newcomer waits this.
   */
  static final Duration MAX_DEAD_PROBE = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final SwarmOptions options;
  private final Owner owner;
  private final SecureRandom random = new SecureRandom();
  private final TcpTransport transport;
  private final ConnectionSelector selector;
  private final SwarmEvents events;
  private final ProtocolRouter router = new ProtocolRouter();
  private final ConnectionRegistry registry;
  private final PeerStore peers;
  private final ConnectionTrimmer trimmer;
  private final InboundAdmission admission;
  private final InboundGate gate;
  private final PeerDialer dialer;
  private final KeptPeers kept;
  private final Replacer replacer;
  private final DialQueue dialQueue;
  /** The hedge timer of stream opens ({@code connection.hedgeDelay}); used on the owner. */
  private final Scheduler scheduler;
  /** The memory budget for buffered stream data that every connection of this node shares. */
  private final BufferBudget bufferBudget;

  private volatile List<Multiaddr> listenAddrs = List.of();
  private volatile PrivateKey identity;
  private volatile PeerId self;
  private volatile Upgrader upgrader;
  /** {@code /quic-v1}: made with the identity at start; null before, or where QUIC cannot run. */
  private volatile QuicTransport quic;
  private volatile boolean closing;
  /** Told of each health check's round trip; added and removed from any thread. */
  private final List<java.util.function.BiConsumer<Connection, Double>> rttHandlers =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * @param customSelector the user's connection selector, or null for the configured strategy
   */
  SwarmImpl(Vertx vertx, SwarmOptions options, ConnectionSelector customSelector) {
    this(vertx, options, customSelector, Scheduler.vertx(vertx), SystemClock.NANOS);
  }

  /** With the dialer's scheduler and the monotonic clock given (tests). */
  SwarmImpl(Vertx vertx, SwarmOptions options, ConnectionSelector customSelector,
      Scheduler scheduler, LongSupplier nanoClock) {
    this.vertx = vertx;
    this.options = new SwarmOptions(options);
    this.owner = Owner.current(vertx, "swarm");
    this.scheduler = scheduler;
    this.bufferBudget = BufferBudget.of(this.options.getLimits());
    // Connections spread over every event loop (one listener per loop, dials dealt in turn)
    // unless configured otherwise: the map stays on the owner context, connections report to it.
    this.transport = new TcpTransport(vertx, this.options.getTransport().isSpreadEventLoops(),
        this.options.getTransport().getHandshakeTimeout());
    this.selector = customSelector != null
        ? customSelector
        : ConnectionSelector.create(this.options.getConnection().getLoadBalancingStrategy());
    this.events = new SwarmEvents(owner, Clock.systemUTC());
    this.registry = new ConnectionRegistry(owner, events, selector,
        new PeerConnectionLimiter(this.options.getConnection().getMaxConnectionsPerPeer()),
        new ConnectionBudget(this.options.getLimits()));
    // Pinned: protected and kept peers keep their addresses under churn. The trimmer and the
    // kept peers are read when the store asks, after construction.
    this.peers = new PeerStore(owner, PeerStore.DEFAULT_MAX_PEERS,
        PeerStore.DEFAULT_MAX_USER_PEERS, registry::holdsSlots, this::pinned);
    this.trimmer = new ConnectionTrimmer(owner, vertx, this.options.getConnectionManager(),
        nanoClock, registry, events, this.options.getHealth().getDrainTimeoutDuration());
    this.gate = new InboundGate(owner, this.options.getGating(), this.options.getLimits(),
        nanoClock);
    this.admission = new InboundAdmission(owner, registry, events, this.options.getLimits(),
        nanoClock, this, () -> upgrader, () -> closing, this::registered, probeTimeout(this.options),
        gate);
    this.dialQueue = new DialQueue(owner, this.options.getLimits().getMaxParallelDials(),
        this.options.getLimits().getMaxParallelDialsPerPeer());
    RetryingDialer retrying = new RetryingDialer(scheduler, this.options.getRetry(),
        this.options.getConnection(), new Backoff(this.options.getRetry(), random::nextDouble));
    PeerDialer.Policy dialPolicy = new PeerDialer.Policy(
        this.options.getGating().addressFilter(), PeerDialer.Policy.of(this.options.getRetry())
            .backoff(), Clock.systemUTC(), PeerDialer.DEFAULT_STAGGER);
    this.dialer = new PeerDialer(owner, this.options.getConnection(), retrying,
        PeerDialer.byTransport(PeerDialer.quic(() -> quic, this),
            PeerDialer.tcp(transport, () -> upgrader, this, dialPolicy.filter())), registry, peers,
        events, nanoClock, () -> closing, () -> self, this::registered, dialQueue, dialPolicy);
    this.kept = new KeptPeers(owner, this.options.getConnection().getMaxConnectionsPerPeer(),
        scheduler, new Backoff(this.options.getRetry(), random::nextDouble),
        // Forced: a kept peer's re-dials are paced by its own retry schedule, each delay at most
        // retry.maxDelay; the address backoff (up to maxAddressBackoff) must not hold them longer.
        (p, target) -> dialer.dialPeer(p, target, true),
        registry, peers, trimmer, events, () -> closing, () -> self, nanoClock);
    this.replacer = new Replacer(owner, this.options.getHealth(),
        this.options.getConnection().getMaxConnectionsPerPeer(), registry, dialer::dialPeer,
        kept::isKept, events, scheduler, nanoClock, () -> closing);
    serveBuiltIns();
  }

  /**
   * How long a connection has to answer before an inbound one from its peer, at the per-peer
   * limit, is admitted in its place: the health check's {@code pingTimeout}, but at most {@link
   * #MAX_DEAD_PROBE} (a dialer waits this long) and within the handshake timeout.
   */
  private static Duration probeTimeout(SwarmOptions options) {
    Duration t = options.getHealth().getPingTimeoutDuration();
    if (t.compareTo(MAX_DEAD_PROBE) > 0) {
      t = MAX_DEAD_PROBE;
    }
    Duration handshake = options.getTransport().getHandshakeTimeout().dividedBy(2);
    return t.compareTo(handshake) > 0 ? handshake : t;
  }

  private void serveBuiltIns() {
    if (options.getServices().isPing()) {
      router.handle(Ping.PROTOCOL, Ping::serve);
    }
    if (options.getServices().isIdentify()) {
      router.handle(Identify.PROTOCOL, s -> Identify.serve(s, this::describe));
      router.handle(Identify.PUSH_PROTOCOL, s -> {
        PeerId from = s.connection().peerId();
        Identify.servePush(s, msg -> owner.run(() -> learn(from, msg, s.connection())));
      });
    }
    if (options.getServices().isEcho()) {
      router.handle(Echo.PROTOCOL, Echo::serve);
    }
    if (options.getServices().isPerf()) {
      router.handle(Perf.PROTOCOL, Perf::serve);
    }
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  @Override
  public Future<Void> start() {
    return owner.call(() -> Identities.load(vertx, options.getIdentityKeyFile(), random)
        .compose(key -> {
          identity = key;
          self = PeerId.fromPublicKey(key.publicKey());
          upgrader = new Upgrader(key, transportWithLimits(), options.getLimits(), random);
          quic = newQuic(key);
          List<Future<Multiaddr>> listens = new ArrayList<>();
          for (String a : options.getListen()) {
            Multiaddr addr = Multiaddr.parse(a);
            listens.add(QuicTransport.canHandle(addr) ? listenQuic(addr)
                : transport.listen(addr, admission::accept));
          }
          // Listeners complete on their own loops: back to the owner before touching state.
          return owner.rehome(Future.all(listens)).map(cf -> {
            List<Multiaddr> bound = new ArrayList<>();
            for (Future<Multiaddr> l : listens) {
              bound.add(l.result().withPeerId(self));
            }
            listenAddrs = List.copyOf(bound);
            LOG.info("listening on " + listenAddrs + " as " + self);
            trimmer.start();
            keepConfigured();
            return (Void) null;
          });
        }));
  }

  /**
   * The QUIC transport for {@code key}, or null where the native codec cannot run here (then a
   * QUIC listen address fails the start, saying why, and QUIC dials fail).
   */
  private QuicTransport newQuic(PrivateKey key) {
    if (!QuicSupport.isAvailable()) {
      LOG.debug(() -> "QUIC is not available here: " + io.netty.handler.codec.quic.Quic
          .unavailabilityCause());
      return null;
    }
    TransportOptions t = options.getTransport();
    return new QuicTransport(vertx, key, random, new QuicTransport.Settings(
        t.getHandshakeTimeout(), QuicTransport.DEFAULT_MAX_IDLE_TIMEOUT,
        options.getLimits().getMaxStreamsInbound(), t.getStreamNegotiationTimeout()));
  }

  private Future<Multiaddr> listenQuic(Multiaddr addr) {
    try {
      QuicSupport.ensureAvailable();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return quic.listen(addr, this, admission::acceptQuic);
  }

  /**
   * Keeps the configuration's {@code keep} peers. A first dial that fails does not fail the
   * start: the peer stays kept and is re-dialled.
   */
  private void keepConfigured() {
    for (dev.vertxp2p.KeepOptions k : options.getKeep()) {
      Multiaddr addr = Multiaddr.parse(k.getAddr());
      PeerId peer = k.peerId();
      Refusal refused = gate.refusePeer(peer);
      if (refused != null) {
        LOG.warn("keep[" + k.getAddr() + "] not kept: " + refused.message());
        continue;
      }
      peers.addUserAddresses(peer, List.of(addr));
      try {
        kept.keep(peer, k.getConnections()).onFailure(err ->
            LOG.debug(() -> "kept peer " + peer + ": first dial failed: " + err.getMessage()));
      } catch (RuntimeException e) {
        LOG.warn("keep[" + k.getAddr() + "] not kept: " + e.getMessage());
      }
    }
  }

  /** The transport options with the {@code limits} section's stream counts applied. */
  private TransportOptions transportWithLimits() {
    LimitsOptions limits = options.getLimits();
    return new TransportOptions(options.getTransport())
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
    return owner.call(() -> {
      closing = true;
      trimmer.stop();
      kept.stop();
      dialQueue.failWaiting(new P2pException(P2pException.UNAVAILABLE, "the swarm is closing"));
      Duration grace = options.getTransport().getShutdownGracePeriod();
      List<Future<Void>> all = new ArrayList<>();
      for (ManagedConnection c : registry.all()) {
        all.add(c.closeGracefully(grace, dev.vertxp2p.CloseReason.SHUTDOWN));
      }
      // Listeners stop first (no new sockets); the dialer's sockets go after the drain.
      // Margin over the grace: the connections close themselves first, Vert.x only as a backstop.
      Future<Void> listeners = transport.closeListeners(grace.plusSeconds(1));
      QuicTransport q = quic;
      return Future.join(all).transform(ar -> listeners)
          .transform(ar -> transport.close())
          .transform(ar -> q == null ? Future.succeededFuture() : q.close())
          // the identity-check threads go last, whatever the transport's close said
          .eventually(() -> upgrader == null ? Future.succeededFuture() : upgrader.close())
          .mapEmpty();
    });
  }

  /**
   * A connection just registered, either way: it may read and carry streams now (not before: a
   * connection the limits refuse never reaches a handler); identify it, measure it, trim if over.
   */
  private void registered(ManagedConnection conn) {
    PeerId peer = conn.peerId();
    Refusal refused = gate.refusePeer(peer);
    if (refused != null) {
      // An outbound dial that was under way when its peer was blocked: it never carries a stream.
      LOG.info("closing connection " + conn.id() + " to " + peer + ": " + refused.message());
      conn.close();
      return;
    }
    conn.activate();
    if (options.getHealth().isEnabled()) {
      // The ping protocol is asked where the muxer has no ping frame (mplex), whether or not we
      // serve it ourselves; a peer that does not serve it leaves the connection `unknown`.
      conn.startHealthChecks(options.getHealth(), () -> Ping.ping(conn),
          (from, to) -> owner.run(() -> {
            events.emit(SwarmEvent.CONNECTION_HEALTH, peer,
                new JsonObject().put("connection", conn.toJson())
                    .put("from", from.jsonName()).put("to", to.jsonName()));
            replacer.healthChanged(conn, to);
          }),
          millis -> owner.run(() -> {
            for (java.util.function.BiConsumer<Connection, Double> h : rttHandlers) {
              h.accept(conn, millis);
            }
          }));
    }
    if (conn instanceof QuicConnection q) {
      // well inside QUIC's idle timeout, which drops a connection silent that long
      Duration every = options.getTransport().getKeepAliveInterval();
      Duration half = QuicTransport.DEFAULT_MAX_IDLE_TIMEOUT.dividedBy(2);
      q.startKeepAlive(every.compareTo(half) < 0 ? every : half, () -> Ping.ping(conn));
    }
    LoadBalancingStrategy strategy = options.getConnection().getLoadBalancingStrategy();
    if ((strategy == LoadBalancingStrategy.LOWEST_LATENCY
        || strategy == LoadBalancingStrategy.LATENCY_BASED
        || strategy == LoadBalancingStrategy.HEALTH_BASED)
        && options.getServices().isPing()) {
      // lowest_latency needs a first measurement for every connection, not only the used ones.
      Ping.ping(conn).onSuccess(nanos -> conn.recordRtt(nanos / 1e6));
    }
    if (options.getServices().isIdentify()) {
      owner.rehome(Identify.identify(conn)).onComplete(ar -> {
        if (ar.succeeded()) {
          learn(peer, ar.result(), conn);
        } else {
          LOG.debug(() -> "identify of " + peer + " on " + conn.id() + " failed: " + ar.cause());
        }
      });
    }
    trimmer.maybeTrim();
  }

  // ---- identity and protocols ---------------------------------------------------------------

  @Override
  public PeerId peerId() {
    PeerId id = self;
    if (id == null) {
      throw new P2pException(P2pException.UNAVAILABLE, "the swarm is not started yet");
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
    return router.protocols();
  }

  @Override
  public Swarm handle(String protocol, Handler<P2pStream> handler) {
    router.handle(protocol, handler);
    return this;
  }

  @Override
  public Predicate<String> supportedProtocols() {
    return router::serves;
  }

  @Override
  public List<String> protocolList() {
    return router.protocols();
  }

  @Override
  public void onInboundStream(P2pStream stream) {
    router.dispatch(stream);
  }

  /**
   * The node-wide budget for buffered stream data and its use now ({@code limits.maxBufferedBytes};
   * {@link BufferBudget#toJson()} is its {@code "buffer"} scope); from any thread.
   */
  @Override
  public BufferBudget bufferBudget() {
    return bufferBudget;
  }

  @Override
  public void onStreamNegotiated(P2pStream stream) {
    router.negotiated(stream);
  }

  @Override
  public Registration streamOpenedHandler(Handler<P2pStream> handler) {
    return router.onNegotiated(handler);
  }

  @Override
  public Registration eventHandler(Handler<SwarmEvent> handler) {
    return events.add(handler);
  }

  @Override
  public Registration rttHandler(java.util.function.BiConsumer<Connection, Double> handler) {
    java.util.Objects.requireNonNull(handler, "handler");
    rttHandlers.add(handler);
    return () -> rttHandlers.remove(handler);
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

  /**
   * Takes what a peer said in identify. An address with a protocol we do not know is skipped; a
   * truncated or invalid one is a malformed message, and the connection that carried it is closed.
   */
  private void learn(PeerId peer, IdentifyMessage msg, Connection via) {
    owner.check();
    List<Multiaddr> learnt = new ArrayList<>();
    try {
      if (msg.observedAddr() != null) {
        Multiaddr.fromBytes(msg.observedAddr());
      }
      for (byte[] raw : msg.listenAddrs()) {
        try {
          Multiaddr a = Multiaddr.fromBytes(raw);
          if (TcpTransport.canHandle(a) || QuicTransport.canHandle(a)) {
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
    peers.identified(peer, msg);
    peers.addAddresses(peer, learnt);
  }

  // ---- peer store ---------------------------------------------------------------------------

  /** Whether the peer store keeps {@code peer}'s addresses whatever the churn. */
  private boolean pinned(PeerId peer) {
    return trimmer.manager().isProtected(peer.toString()) || kept.isKept(peer);
  }

  /** The user's addresses: kept apart from what identify teaches (see {@link PeerStore}). */
  @Override
  public void addAddresses(PeerId peer, List<Multiaddr> list) {
    List<Multiaddr> copy = List.copyOf(list);
    owner.run(() -> peers.addUserAddresses(peer, copy));
  }

  @Override
  public List<Multiaddr> addresses(PeerId peer) {
    return peers.addresses(peer);
  }

  @Override
  public IdentifyMessage identified(PeerId peer) {
    return peers.identified(peer);
  }

  // ---- accessors ----------------------------------------------------------------------------

  @Override
  public List<Connection> getConnections(PeerId peer) {
    return registry.connections(peer);
  }

  @Override
  public List<Connection> getConnections() {
    return registry.connections();
  }

  @Override
  public Map<PeerId, List<Connection>> getConnectionsMap() {
    return registry.connectionsMap();
  }

  @Override
  public Connection getConnection(PeerId peer) {
    return registry.firstAvailable(peer);
  }

  @Override
  public Map<PeerId, Connection> connectionsLegacy() {
    return registry.legacy();
  }

  // ---- dialing ------------------------------------------------------------------------------

  @Override
  public Future<List<Connection>> dial(Multiaddr addr, DialOptions dialOptions) {
    return learnDialable(addr).compose(peer -> dialPeer(peer, dialOptions));
  }

  @Override
  public Future<dev.vertxp2p.TopUpResult> topUp(Multiaddr addr, DialOptions dialOptions) {
    return learnDialable(addr).compose(peer -> topUp(peer, dialOptions));
  }

  /**
   * The peer of an address we can dial, its address added to what we know of it (ahead of the
   * dial on the owner); a failed future naming what is wrong with the address otherwise.
   */
  private Future<PeerId> learnDialable(Multiaddr addr) {
    Optional<PeerId> peer = addr.peerId();
    if (peer.isEmpty()) {
      return Future.failedFuture(new MultiaddrException(
          "cannot dial " + addr + ": the address needs a /p2p/<peer id> part"));
    }
    if (!TcpTransport.canHandle(addr) && !QuicTransport.canHandle(addr)) {
      return Future.failedFuture(new MultiaddrException("cannot dial " + addr + ": only"
          + " ip4/ip6/dns/dns4/dns6 with tcp or tcp/ws, and ip4/ip6 with udp/quic-v1 are"
          + " supported"));
    }
    addAddresses(peer.get(), List.of(addr));
    return Future.succeededFuture(peer.get());
  }

  @Override
  public Future<List<Connection>> dialPeer(PeerId peer) {
    return dialPeer(peer, new DialOptions());
  }

  @Override
  public Future<List<Connection>> dialPeer(PeerId peer, DialOptions dialOptions) {
    int n = dialOptions.getConnections();
    boolean force = dialOptions.isForce();
    return owner.call(() -> unlessRefused(peer, () -> dialer.dialPeer(peer, n, force)));
  }

  @Override
  public Future<dev.vertxp2p.TopUpResult> topUp(PeerId peer, DialOptions dialOptions) {
    int n = dialOptions.getConnections();
    boolean force = dialOptions.isForce();
    return owner.call(() -> unlessRefused(peer, () -> dialer.topUp(peer, n, force)));
  }

  /** On the owner: {@code dial}, unless the peer is denied or blocked (a gating refusal). */
  private <T> Future<T> unlessRefused(PeerId peer, java.util.function.Supplier<Future<T>> dial) {
    Refusal refused = gate.refusePeer(peer);
    return refused != null ? Future.failedFuture(new RefusedException(refused)) : dial.get();
  }

  /**
   * The dial side of {@code swarm.limits}: {@code {"backoffs": <address backoff table>, "dials":
   * <dial queue>}}.
   */
  public Future<JsonObject> dialLimitsJson() {
    return owner.call(() -> Future.succeededFuture(dialer.limitsJson()));
  }

  // ---- streams ------------------------------------------------------------------------------

  @Override
  public Future<P2pStream> newStream(PeerId peer, String... protocols) {
    return owner.call(() -> unlessRefused(peer, () -> {
      if (registry.usable(peer) == 0) {
        return dialer.dialPeer(peer, 1).compose(list -> tryStream(peer, protocols));
      }
      return tryStream(peer, protocols);
    }));
  }

  /** The strategy's pick, failing over, and hedged when hedgeDelay is set. */
  private Future<P2pStream> tryStream(PeerId peer, String[] protocols) {
    Duration hedgeDelay = options.getConnection().getHedgeDelay();
    if (hedgeDelay != null) {
      // On the owner (at once when already there): the hedge's state and timer live there.
      return owner.call(() -> HedgedOpen.open(owner, selector, peer.toString(),
          () -> registry.openConnections(peer), protocols, scheduler, hedgeDelay));
    }
    return StreamFailover.open(selector, peer.toString(), () -> registry.openConnections(peer),
        protocols, new HashSet<>(), owner::run);
  }

  @Override
  public Future<Double> ping(PeerId peer) {
    return newStream(peer, Ping.PROTOCOL).compose(stream -> Ping.pingOn(stream).map(nanos -> {
      double ms = nanos / 1e6;
      if (stream.connection() instanceof ManagedConnection mc) {
        mc.recordRtt(ms);
      }
      return ms;
    }));
  }

  // ---- connection manager -------------------------------------------------------------------

  @Override
  public Future<List<String>> protect(PeerId peer, String tag) {
    return owner.call(() -> Future.succeededFuture(trimmer.protect(peer, tag)));
  }

  @Override
  public Future<List<String>> unprotect(PeerId peer, String tag) {
    return owner.call(() -> Future.succeededFuture(trimmer.unprotect(peer, tag)));
  }

  @Override
  public boolean isProtected(PeerId peer) {
    return trimmer.manager().isProtected(peer.toString());
  }

  @Override
  public JsonObject connectionManagerState() {
    return trimmer.manager().toJson();
  }

  // ---- kept peers ---------------------------------------------------------------------------

  @Override
  public Future<List<Connection>> keep(PeerId peer, int connections) {
    java.util.Objects.requireNonNull(peer, "peer");
    return owner.call(() -> unlessRefused(peer, () -> kept.keep(peer, connections)));
  }

  @Override
  public Future<Boolean> unkeep(PeerId peer) {
    java.util.Objects.requireNonNull(peer, "peer");
    return owner.call(() -> Future.succeededFuture(kept.unkeep(peer)));
  }

  @Override
  public void shareLimit(dev.vertxp2p.SharedConnectionLimit limit) {
    registry.share(limit);
  }

  @Override
  public Future<List<dev.vertxp2p.KeptPeer>> kept() {
    return owner.call(() -> Future.succeededFuture(kept.list()));
  }

  // ---- limits -------------------------------------------------------------------------------

  @Override
  public Future<JsonObject> limits() {
    return owner.call(() -> Future.succeededFuture(limitsJson()));
  }

  private JsonObject limitsJson() {
    owner.check();
    LimitsOptions limits = options.getLimits();
    String busiestPeer = null;
    int peerMax = 0;
    String busiestConn = null;
    int streamsMax = 0;
    for (Map.Entry<PeerId, List<Connection>> e : registry.connectionsMap().entrySet()) {
      int n = registry.limiter().count(e.getKey().toString());
      if (n > peerMax) {
        peerMax = n;
        busiestPeer = e.getKey().toString();
      }
      for (Connection c : e.getValue()) {
        int open = c.openStreams();
        if (open > streamsMax) {
          streamsMax = open;
          busiestConn = c.id();
        }
      }
    }
    JsonObject out = new JsonObject()
        .put("system", new JsonObject().put("scope", "system")
            .put("limit", registry.budget().maxConnections())
            .put("current", registry.budget().used()))
        .put("pending", new JsonObject().put("scope", "pending")
            .put("limit", registry.budget().maxPendingInbound())
            .put("current", registry.budget().pendingInbound()))
        .put("peer", new JsonObject().put("scope", "peer")
            .put("limit", registry.limiter().maxPerPeer())
            .put("current", peerMax).put("peer", busiestPeer))
        .put("streams", new JsonObject().put("scope", "streams")
            .put("limit", limits.getMaxStreamsInbound())
            .put("limitOutbound", limits.getMaxStreamsOutbound())
            .put("current", streamsMax).put("connection", busiestConn))
        .put("buffer", bufferBudget.toJson())
        .put("dials", dialQueue.toJson())
        .put("backoff", dialer.backoffJson().put("scope", "backoff"));
    // Per source IP (IpLimiter): "ip" (open + in upgrade), "pending" per IP and "rate" (tokens
    // spent of the burst), each with the busiest source; the settings beside them.
    JsonObject perIp = gate.perIpJson();
    out.put("ip", perIp.getJsonObject("ip").put("scope", "ip"))
        .put("pendingPerIp", perIp.getJsonObject("pending").put("scope", "pending"))
        .put("rate", perIp.getJsonObject("rate").put("scope", "rate"))
        .put("perIp", perIp);
    return out;
  }

  // ---- blocked peers ----------------------------------------------------------------------------

  /**
   * Blocks {@code peer}: un-keeps it, closes its connections and refuses its new ones both ways;
   * publishes {@code peer.blocked} with {@code closed} (the connections closed).
   */
  @Override
  public Future<Boolean> block(PeerId peer) {
    java.util.Objects.requireNonNull(peer, "peer");
    return owner.call(() -> {
      boolean added = gate.block(peer);
      kept.unkeep(peer);
      List<ManagedConnection> list = new ArrayList<>(registry.list(peer));
      List<Future<Void>> all = new ArrayList<>();
      for (ManagedConnection c : list) {
        all.add(c.close());
      }
      if (added) {
        events.emit(SwarmEvent.PEER_BLOCKED, peer, new JsonObject().put("closed", list.size())
            .put("denied", gate.isDenied(peer)));
      }
      return Future.join(all).map(cf -> added);
    });
  }

  @Override
  public Future<Boolean> unblock(PeerId peer) {
    java.util.Objects.requireNonNull(peer, "peer");
    return owner.call(() -> {
      boolean was = gate.unblock(peer);
      if (was) {
        events.emit(SwarmEvent.PEER_UNBLOCKED, peer,
            new JsonObject().put("denied", gate.isDenied(peer)));
      }
      return Future.succeededFuture(was);
    });
  }

  @Override
  public Future<List<PeerId>> blocked() {
    return owner.call(() -> Future.succeededFuture(gate.blocked()));
  }

  @Override
  public List<PeerId> deniedPeers() {
    return List.copyOf(gate.denied());
  }

  @Override
  public Future<JsonObject> perIpLimits() {
    return owner.call(() -> Future.succeededFuture(gate.perIpJson()));
  }

  // ---- closing ------------------------------------------------------------------------------

  /** Hanging up the whole peer un-keeps it first, so its closing connections are not re-dialled. */
  @Override
  public Future<Integer> hangUp(PeerId peer) {
    return hangUp(peer, false);
  }

  /**
   * As {@link #hangUp(PeerId)}; {@code graceful} drains each connection first ({@code
   * health.drainTimeout} for its open streams) instead of resetting its streams at once.
   */
  @Override
  public Future<Integer> hangUp(PeerId peer, boolean graceful) {
    return owner.call(() -> {
      kept.unkeep(peer);
      List<ManagedConnection> list = new ArrayList<>(registry.list(peer));
      List<Future<Void>> all = new ArrayList<>();
      for (ManagedConnection c : list) {
        all.add(graceful ? c.drain(drainTimeout(), "hang-up") : c.close());
      }
      return Future.join(all).map(cf -> list.size());
    });
  }

  @Override
  public Duration drainTimeout() {
    return options.getHealth().getDrainTimeoutDuration();
  }

  /** Called on the connection's loop: published on the owner, before its close is. */
  @Override
  public void onConnectionDraining(Connection connection, String reason) {
    owner.run(() -> events.emit(SwarmEvent.CONNECTION_DRAINING, connection.peerId(),
        new JsonObject()
            .put("connection", connection.toJson())
            .put("reason", reason)
            .put("drainTimeout", options.getHealth().getDrainTimeout())));
  }

  @Override
  public Future<Integer> closeConnection(String connectionId) {
    return owner.call(() -> {
      ManagedConnection c = registry.byId(connectionId);
      return c == null ? Future.succeededFuture(0) : c.close().map(v -> 1);
    });
  }

  @Override
  public Future<JsonObject> timeline(String connectionId) {
    java.util.Objects.requireNonNull(connectionId, "connectionId");
    return owner.call(() -> Future.succeededFuture(registry.timelines().timeline(connectionId)));
  }

  @Override
  public Future<List<JsonObject>> closedConnections(PeerId peer) {
    String key = peer == null ? null : peer.toString();
    return owner.call(() -> Future.succeededFuture(
        registry.timelines().closedConnections(key)));
  }

  /** Unregisters on the owner before the connection's closeFuture() completes. */
  @Override
  public Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
    return owner.call(() -> {
      gate.closed(connection);
      trimmer.closed(connection.id());
      if (registry.unregister(connection)) {
        peers.disconnected(connection.peerId());
      }
      kept.connectionLost(connection.peerId());
      return Future.succeededFuture();
    });
  }
}
