package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionConfig;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.NoAddressException;
import dev.vertxp2p.P2pException;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.RefusedException;
import dev.vertxp2p.DialAbortedException;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.TopUpResult;
import dev.vertxp2p.gating.AddressBackoff;
import dev.vertxp2p.gating.AddressFilter;
import dev.vertxp2p.gating.MultiaddrIp;
import dev.vertxp2p.gating.Refusal;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.transport.TcpTransport;
import dev.vertxp2p.transport.Upgrader;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Dials peers: tops a peer up to a number of usable connections, merging concurrent requests for
 * one peer, each new connection dialed through the {@link RetryingDialer} over the peer's known
 * addresses.
 *
 * <p>A top-up counts only connections that can carry streams (open, not closing or draining)
 * toward its target, and dials only into the per-peer limit's free slots: a draining connection
 * keeps its slot until it has closed.
 *
 * <p>Dial policy (the contract's "Dial policy, gating, per-IP limits, refusal reasons"):
 *
 * <ul>
 *   <li><b>Filter.</b> Addresses denied by {@code gating.denyAddrs} / {@code allowAddrs} are
 *       dropped before dialling; when none is left the dial fails at once with a {@link
 *       RefusedException} of scope {@code gating}, naming the rule. A {@code /dns*} address is
 *       resolved by the transport, so it is checked after resolution: once connected, the
 *       socket's remote IP is checked and a denied one is closed before any handshake byte ({@link
 *       #tcp(TcpTransport, Supplier, ConnectionHost, AddressFilter)}).
 *   <li><b>Address backoff.</b> An address that failed every attempt of a dial is skipped while
 *       in backoff ({@link AddressBackoff}); when every address is, the dial fails at once with 503
 *       (scope {@code backoff}, the soonest {@code until}) without opening a socket. A forced dial
 *       ({@code DialOptions.setForce}) ignores the backoff. Kept peers' re-dials are forced: their
 *       own {@code retry} schedule, capped at {@code retry.maxDelay}, paces them.
 *   <li><b>Ranking and stagger.</b> Addresses are ranked loopback, then private (RFC 1918,
 *       {@code fc00::/7}, link-local), then public, then names and others, and dialled staggered
 *       by {@link #DEFAULT_STAGGER} ({@link RetryingDialer#dialStaggered}).
 *   <li><b>Distinct addresses.</b> The k-th dial of a top-up starts on the k-th ranked address
 *       (round robin), so a top-up to n spreads over the peer's addresses.
 *   <li><b>Shortfall.</b> A top-up ending short of its target says why ({@link TopUpResult}).
 * </ul>
 *
 * <p>Owner-confined (checked): its state, the dial merger's and the retrying dialer's, is
 * touched on the owner only; every attempt's outcome is re-homed there before the retrying dialer
 * sees it.
 */
final class PeerDialer {

  /** Starts one attempt: a socket to {@code addr}, upgraded, on the socket's own loop. */
  @FunctionalInterface
  interface Attempt {
    Future<ManagedConnection> start(PeerId peer, Multiaddr addr, long timeoutMs,
        Future<Void> abandoned);
  }

  /**
   * The delay before a dial's next address starts when the one before has not connected:
   * go-libp2p's {@code PublicTCPDelay} and py-libp2p's default, 250 ms.
   */
  static final long DEFAULT_STAGGER = 250;

  /**
   * Most addresses one connection's dial tries, best ranked first: each can hold a socket while
   * the dial is staggered over them.
   */
  static final int MAX_ADDRESSES_PER_DIAL = 16;

  /**
   * The dial policy: the address filter, the per-address backoff table (owned by the dialer's
   * owner), the wall clock for {@code until}, and the stagger delay in ms.
   */
  record Policy(AddressFilter filter, AddressBackoff backoff, Clock wall, long staggerMillis) {
    Policy {
      java.util.Objects.requireNonNull(filter, "filter");
      java.util.Objects.requireNonNull(backoff, "backoff");
      java.util.Objects.requireNonNull(wall, "wall");
      if (staggerMillis < 0) {
        throw new IllegalArgumentException("staggerMillis must be >= 0, got " + staggerMillis);
      }
    }

    /** No filter, the retry section's backoff, the default stagger. */
    static Policy of(dev.vertxp2p.RetryConfig retry) {
      return new Policy(AddressFilter.ALLOW_ALL,
          new AddressBackoff(retry.getAddressBackoffDuration().toNanos(),
              retry.getMaxAddressBackoffDuration().toNanos()),
          Clock.systemUTC(), DEFAULT_STAGGER);
    }
  }

  /** The top-up in flight for a peer: its target and whether it ignores the address backoff. */
  private record Running(int target, boolean force) {}

  private final Owner owner;
  private final Policy policy;
  private final ConnectionConfig connection;
  private final ConnectionRegistry registry;
  private final PeerStore peers;
  private final SwarmEvents events;
  private final RetryingDialer dialer;
  private final Attempt attempt;
  private final LongSupplier nanoClock;
  private final BooleanSupplier closing;
  private final Supplier<PeerId> self;
  private final Consumer<ManagedConnection> registered;
  private final DialMerger<PeerId, TopUpResult> merger = new DialMerger<>();
  private final DialQueue queue;
  /** The top-up in flight for each peer. */
  private final Map<PeerId, Running> targets = new HashMap<>();

  PeerDialer(Owner owner, ConnectionConfig connection, RetryingDialer dialer, Attempt attempt,
      ConnectionRegistry registry, PeerStore peers, SwarmEvents events, LongSupplier nanoClock,
      BooleanSupplier closing, Supplier<PeerId> self, Consumer<ManagedConnection> registered,
      DialQueue queue) {
    this(owner, connection, dialer, attempt, registry, peers, events, nanoClock, closing, self,
        registered, queue, Policy.of(new dev.vertxp2p.RetryConfig()));
  }

  PeerDialer(Owner owner, ConnectionConfig connection, RetryingDialer dialer, Attempt attempt,
      ConnectionRegistry registry, PeerStore peers, SwarmEvents events, LongSupplier nanoClock,
      BooleanSupplier closing, Supplier<PeerId> self, Consumer<ManagedConnection> registered,
      DialQueue queue, Policy policy) {
    this.owner = owner;
    this.policy = java.util.Objects.requireNonNull(policy, "policy");
    this.queue = queue;
    this.connection = new ConnectionConfig(connection);
    this.dialer = dialer;
    this.attempt = attempt;
    this.registry = registry;
    this.peers = peers;
    this.events = events;
    this.nanoClock = nanoClock;
    this.closing = closing;
    this.self = self;
    this.registered = registered;
  }

  /**
   * The attempt of a real node: a TCP socket from {@code transport}, upgraded by the upgrader.
   * An attempt the dialer abandons (its timeout) closes its socket at once, so it stops
   * handshaking while its retry runs.
   */
  static Attempt tcp(TcpTransport transport, Supplier<Upgrader> upgrader, ConnectionHost host) {
    return tcp(transport, upgrader, host, AddressFilter.ALLOW_ALL);
  }

  /**
   * As {@link #tcp(TcpTransport, Supplier, ConnectionHost)}, checking a resolved name's address:
   * a {@code /dns*} address passes the dial filter unresolved, so once its socket is connected the
   * remote IP is checked, and a denied one is closed before the handshake, failing the attempt
   * with a {@link RefusedException} (not retried).
   */
  static Attempt tcp(TcpTransport transport, Supplier<Upgrader> upgrader, ConnectionHost host,
      AddressFilter filter) {
    return tcp(transport, upgrader, host, filter, dev.vertxp2p.util.SystemClock.NANOS);
  }

  /** As {@link #tcp(TcpTransport, Supplier, ConnectionHost, AddressFilter)}; {@code clock} times the connect. */
  static Attempt tcp(TcpTransport transport, Supplier<Upgrader> upgrader, ConnectionHost host,
      AddressFilter filter, LongSupplier clock) {
    boolean filtering = !filter.allow().isEmpty() || !filter.deny().isEmpty();
    return (peer, addr, timeoutMs, abandoned) -> {
      long connectStart = clock.getAsLong();
      return transport.dial(addr, (int) Math.min(Integer.MAX_VALUE, timeoutMs)).compose(socket -> {
        long connectNanos = clock.getAsLong() - connectStart;
        if (filtering && socket.remoteAddress() != null
            && socket.remoteAddress().hostAddress() != null) {
          AddressFilter.Decision d = checkResolved(filter, socket.remoteAddress().hostAddress());
          if (d.isDenied()) {
            socket.close();
            return Future.failedFuture(new RefusedException(d.toRefusal(addr.toString())));
          }
        }
        if (abandoned.isComplete()) {
          socket.close();
          return Future.failedFuture(new dev.vertxp2p.DialTimeoutException(addr.toString(),
              Duration.ofMillis(timeoutMs)));
        }
        abandoned.onComplete(v -> socket.close());
        Context ctx = Vertx.currentContext();
        Multiaddr local = Addresses.of(socket.localAddress());
        // the connect's duration goes with the connection, for its timeline
        return upgrader.get().upgrade(ctx, socket, Connection.Direction.OUTBOUND, peer, local,
            addr.withoutPeerId(), host, timeoutMs)
            .onSuccess(conn -> conn.tcpConnectNanos(connectNanos))
            .<ManagedConnection>map(conn -> conn);
      });
    };
  }

  /**
   * The attempt for {@code /quic-v1} addresses: a QUIC handshake from the transport (null when
   * the node has none yet), whose future completes on the connection's loop. An abandoned attempt
   * closes the connection it may still make.
   */
  static Attempt quic(Supplier<dev.vertxp2p.transport.QuicTransport> transport,
      ConnectionHost host) {
    return (peer, addr, timeoutMs, abandoned) -> {
      dev.vertxp2p.transport.QuicTransport t = transport.get();
      if (t == null) {
        return Future.failedFuture(new dev.vertxp2p.UpgradeException(
            "QUIC is not available on this node: cannot dial " + addr));
      }
      Multiaddr target = peer != null && addr.peerId().isEmpty()
          ? addr.encapsulate(Multiaddr.parse("/p2p/" + peer)) : addr;
      return t.dial(target, host, abandoned).compose(conn -> {
        if (abandoned.isComplete()) {
          conn.close();
          return Future.failedFuture(new dev.vertxp2p.DialTimeoutException(addr.toString(),
              Duration.ofMillis(timeoutMs)));
        }
        return Future.<ManagedConnection>succeededFuture(conn);
      });
    };
  }

  /** {@code quic} for {@code /quic-v1} addresses, {@code other} for the rest. */
  static Attempt byTransport(Attempt quic, Attempt other) {
    return (peer, addr, timeoutMs, abandoned) ->
        dev.vertxp2p.transport.QuicTransport.canHandle(addr)
            ? quic.start(peer, addr, timeoutMs, abandoned)
            : other.start(peer, addr, timeoutMs, abandoned);
  }

  /**
   * Tops {@code peer} up to {@code n} usable connections (at most maxConnectionsPerPeer).
   *
   * @return the peer's usable connections
   */
  Future<List<Connection>> dialPeer(PeerId peer, int n) {
    return dialPeer(peer, n, false);
  }

  /** As {@link #dialPeer(PeerId, int)}, {@code force} ignoring the address backoff. */
  Future<List<Connection>> dialPeer(PeerId peer, int n, boolean force) {
    return topUp(peer, n, force).map(TopUpResult::connections);
  }

  /**
   * Tops {@code peer} up to {@code n} usable connections (at most maxConnectionsPerPeer), saying
   * what stopped it when it ends short.
   *
   * @param force dial addresses in backoff too
   * @return the outcome; failed only when the peer has no usable connection at the end
   */
  Future<TopUpResult> topUp(PeerId peer, int n, boolean force) {
    owner.check();
    if (n < 1) {
      return Future.failedFuture(new IllegalArgumentException("connections = " + n
          + ": must be >= 1"));
    }
    int target = Math.min(n, connection.getMaxConnectionsPerPeer());
    PeerId me = self.get();
    if (me != null && me.equals(peer)) {
      return failed(peer, new P2pException(P2pException.BAD_REQUEST,
          "cannot dial ourselves (" + peer + ")"));
    }
    Running running = targets.get(peer);
    if (running == null) {
      return start(peer, target, n, force);
    }
    Future<TopUpResult> joined = merger.dial(peer, () -> start(peer, target, n, force));
    if (running.target() >= target && (running.force() || !force)) {
      return joined.map(r -> r.forRequest(n));
    }
    // The dial in flight aims lower than this caller, or does not force: once it is done, top
    // up the rest.
    return joined.transform(ar -> topUp(peer, n, force));
  }

  private Future<TopUpResult> start(PeerId peer, int target, int requested, boolean force) {
    targets.put(peer, new Running(target, force));
    Future<TopUpResult> f = merger.dial(peer, () -> run(peer, target, requested, force));
    if (f.isComplete()) {
      targets.remove(peer);
    } else {
      f.onComplete(ar -> targets.remove(peer));
    }
    return f;
  }

  /** The backoff tables and dial queue now: for {@code swarm.limits}. */
  JsonObject limitsJson() {
    owner.check();
    return new JsonObject().put("backoffs", backoffJson()).put("dials", queue.toJson());
  }

  /** The address backoff table: its settings, use and the addresses backed off now. */
  JsonObject backoffJson() {
    owner.check();
    return policy.backoff().toJson(nanoClock.getAsLong(), policy.wall().instant());
  }

  /** The causes of a top-up's shortfall, in the order first seen, errors counted. */
  private static final class Shortfalls {
    final Map<Object, int[]> counts = new LinkedHashMap<>();
    final Map<Object, Object> first = new HashMap<>();

    void add(Refusal refusal) {
      add(refusal.toJson().encode(), refusal);
    }

    void add(String error) {
      add("error:" + error, error);
    }

    private void add(Object key, Object value) {
      counts.computeIfAbsent(key, k -> new int[1])[0]++;
      first.putIfAbsent(key, value);
    }

    void addCause(Throwable cause) {
      if (cause instanceof RefusedException r) {
        add(r.refusal());
      } else {
        add(String.valueOf(cause.getMessage()));
      }
    }

    boolean isEmpty() {
      return counts.isEmpty();
    }

    List<TopUpResult.Shortfall> list() {
      List<TopUpResult.Shortfall> out = new ArrayList<>();
      for (Map.Entry<Object, int[]> e : counts.entrySet()) {
        Object v = first.get(e.getKey());
        out.add(v instanceof Refusal r ? TopUpResult.Shortfall.of(r, e.getValue()[0])
            : TopUpResult.Shortfall.of((String) v, e.getValue()[0]));
      }
      return out;
    }
  }

  /** The local per-peer limit, as a refusal. */
  private Refusal peerLimit(PeerId peer) {
    return Refusal.count(Refusal.Scope.PEER, "maxConnectionsPerPeer",
        connection.getMaxConnectionsPerPeer(), registry.limiter().count(peer.toString()),
        peer.toString(), "open or dialing");
  }

  /** Dials until {@code peer} has {@code target} usable connections, or no slot is free. */
  private Future<TopUpResult> run(PeerId peer, int target, int requested, boolean force) {
    String key = peer.toString();
    Shortfalls shortfall = new Shortfalls();
    if (requested > connection.getMaxConnectionsPerPeer()) {
      shortfall.add(peerLimit(peer));
    }
    int need = Math.min(target - registry.usable(peer) - registry.limiter().inFlightCount(key),
        registry.limiter().available(key));
    if (target - registry.usable(peer) <= 0 || need <= 0) {
      if (target - registry.usable(peer) > 0) {
        if (registry.limiter().available(key) <= 0) {
          shortfall.add(peerLimit(peer));
        } else {
          shortfall.add("other dials to the peer, still in flight, hold the remaining slots");
        }
      }
      return finish(peer, requested, List.of(), shortfall, List.of());
    }
    List<Multiaddr> known = peers.addresses(peer);
    if (known.isEmpty()) {
      return failed(peer, new NoAddressException(peer));
    }
    List<Multiaddr> ranked;
    try {
      ranked = dialable(peer, known, force);
    } catch (RefusedException e) {
      return failed(peer, e);
    }
    dev.vertxp2p.SharedConnectionLimit shared = registry.shared();
    if (shared == null) {
      return dialSlots(peer, requested, need, ranked, shortfall, null, need);
    }
    // A limit shared with other swarms (the cluster's): its slots are taken before dialling.
    int asked = need;
    return owner.rehome(shared.acquire(peer, asked)
        .recover(err -> Future.succeededFuture(dev.vertxp2p.SharedConnectionLimit.Grant.partial(0,
            Refusal.count(Refusal.Scope.CLUSTER, "cluster.maxConnectionsPerRemotePeer", 0, 0,
                peer.toString(), "unknown: the cluster could not be asked (" + err.getMessage()
                    + ")")))))
        .compose(grant -> {
          owner.check();
          int granted = Math.min(grant.granted(), asked);
          if (grant.granted() > asked) {
            shared.release(peer, grant.granted() - asked);
          }
          if (granted < asked && grant.refusal() != null) {
            for (int k = granted; k < asked; k++) {
              shortfall.add(grant.refusal());
            }
          }
          return dialSlots(peer, requested, granted, ranked, shortfall, shared, granted);
        });
  }

  /**
   * Starts up to {@code need} dials into free local slots and waits for them.
   *
   * @param shared the shared limit whose {@code sharedSlots} slots were taken for these dials
   *     (each dial's slot is given back with its reservation, the unused ones at once), or null
   */
  private Future<TopUpResult> dialSlots(PeerId peer, int requested, int need,
      List<Multiaddr> ranked, Shortfalls shortfall, dev.vertxp2p.SharedConnectionLimit shared,
      int sharedSlots) {
    owner.check();
    List<Future<ManagedConnection>> dials = new ArrayList<>();
    boolean budgetFull = false;
    for (int i = 0; i < need; i++) {
      if (!registry.budget().tryReserveDial()) {
        budgetFull = true;
        shortfall.add(Refusal.count(Refusal.Scope.SYSTEM, "maxConnections",
            registry.budget().maxConnections(), registry.budget().used(), null,
            "open or dialing"));
        break;
      }
      Optional<PeerConnectionLimiter.Reservation> r =
          registry.reserve(peer, Connection.Direction.OUTBOUND);
      if (r.isEmpty()) {
        registry.budget().dialDone(false);
        shortfall.add(peerLimit(peer));
        break;
      }
      if (shared != null) {
        r.get().onRelease(() -> shared.release(peer, 1));
      }
      // One connection per address first: the i-th dial leads with the i-th ranked address.
      dials.add(dialOne(peer, rotate(ranked, i), r.get()));
    }
    if (shared != null && dials.size() < sharedSlots) {
      shared.release(peer, sharedSlots - dials.size());
    }
    if (dials.isEmpty()) {
      List<Connection> open = registry.openConnections(peer);
      if (open.isEmpty() && budgetFull) {
        return failed(peer, new ResourceLimitException("limits.maxConnections",
            "cannot dial " + peer + ": limits.maxConnections ("
                + registry.budget().maxConnections() + ") reached (" + registry.budget().used()
                + " connections open or dialing)"));
      }
      return finish(peer, requested, List.of(), shortfall, List.of());
    }
    return Future.join(dials).transform(ar -> {
      List<ManagedConnection> opened = new ArrayList<>();
      for (Future<ManagedConnection> f : dials) {
        if (f.succeeded()) {
          opened.add(f.result());
        } else {
          shortfall.addCause(f.cause());
        }
      }
      return settle(opened).transform(s -> finish(peer, requested, dials, shortfall, opened));
    });
  }

  /**
   * Waits until each new connection has shown it is admitted: the remote reads a connection only
   * once it has admitted it, so one Yamux ping answered means admitted, and a close first means
   * refused (its per-peer or per-IP limit, gating). Bounded by the connection timeout; a muxer
   * without a ping frame (mplex) cannot be asked and counts as admitted.
   */
  private Future<Void> settle(List<ManagedConnection> opened) {
    if (opened.isEmpty()) {
      return Future.succeededFuture();
    }
    Duration timeout = connection.getConnectionTimeoutDuration();
    List<Future<Void>> all = new ArrayList<>();
    for (ManagedConnection c : opened) {
      Promise<Void> p = Promise.promise();
      c.closeFuture().onComplete(ar -> p.tryComplete());
      c.probeAlive(timeout).onComplete(ar -> p.tryComplete());
      all.add(owner.rehome(p.future()));
    }
    return Future.join(all).mapEmpty();
  }

  /** The outcome: the peer's usable connections, and why they are fewer than asked, if so. */
  private Future<TopUpResult> finish(PeerId peer, int requested,
      List<Future<ManagedConnection>> dials, Shortfalls shortfall, List<ManagedConnection> opened) {
    owner.check();
    List<Connection> open = new ArrayList<>();
    for (Connection c : registry.openConnections(peer)) {
      if (c.isOpen()) {
        open.add(c);
      }
    }
    int refusedByRemote = 0;
    for (ManagedConnection c : opened) {
      if (!c.isOpen()) {
        refusedByRemote++;
      }
    }
    if (refusedByRemote > 0) {
      for (int i = 0; i < refusedByRemote; i++) {
        shortfall.add(REMOTE_REFUSED);
      }
    }
    if (open.isEmpty() && dials.isEmpty()) {
      List<TopUpResult.Shortfall> why = shortfall.list();
      return failed(peer, !why.isEmpty() && why.get(0).refusal() != null
          ? new RefusedException(why.get(0).refusal())
          : new P2pException(P2pException.UNAVAILABLE, "no connection to " + peer
              + " is open, and its dials in flight hold every free slot"));
    }
    if (open.isEmpty()) {
      Future<List<Connection>> out = outcome(dials, open);
      Throwable cause = out.failed() ? out.cause()
          : new P2pException(P2pException.REMOTE_FAILED, "no connection to " + peer + " opened");
      Refusal refusal = refusalIn(cause);
      if (refusal != null && !(cause instanceof RefusedException)) {
        // Every address was refused by our own policy (a name that resolved to a denied IP):
        // the refusal is the answer, not a remote failure.
        cause = new RefusedException(refusal);
      }
      if (refusedByRemote > 0 && dials.stream().allMatch(Future::succeeded)) {
        cause = new P2pException(P2pException.REMOTE_FAILED, REMOTE_REFUSED + " ("
            + refusedByRemote + (refusedByRemote == 1 ? " connection)" : " connections)"));
      }
      return failed(peer, cause);
    }
    if (open.size() < requested && shortfall.isEmpty()) {
      shortfall.add("connections closed during the top-up");
    }
    return Future.succeededFuture(new TopUpResult(requested, open,
        open.size() >= requested ? List.of() : shortfall.list()));
  }

  /** The shortfall's words for a connection the remote closed right after the handshake. */
  static final String REMOTE_REFUSED =
      "the remote closed the connection right after the handshake (its limit or gating)";

  /**
   * The addresses to dial, ranked: denied ones dropped (every one denied fails with scope
   * gating), those in backoff dropped unless forced (every one in backoff fails with 503).
   */
  private List<Multiaddr> dialable(PeerId peer, List<Multiaddr> known, boolean force)
      throws RefusedException {
    List<Multiaddr> allowed = new ArrayList<>();
    Refusal denied = null;
    for (Multiaddr a : known) {
      String text = a.withoutPeerId().toString();
      AddressFilter.Decision d;
      try {
        d = policy.filter().checkMultiaddr(text);
      } catch (IllegalArgumentException e) {
        d = AddressFilter.Decision.denied("malformed address (" + e.getMessage() + ")");
      }
      if (d.isDenied()) {
        if (denied == null) {
          denied = d.toRefusal(text);
        }
      } else {
        allowed.add(a);
      }
    }
    if (allowed.isEmpty()) {
      throw new RefusedException(denied);
    }
    List<Multiaddr> ready = allowed;
    if (!force) {
      long now = nanoClock.getAsLong();
      ready = new ArrayList<>();
      String soonest = null;
      long soonestUntil = 0;
      for (Multiaddr a : allowed) {
        String k = backoffKey(peer, a);
        java.util.OptionalLong until = k == null ? java.util.OptionalLong.empty()
            : policy.backoff().until(k, now);
        if (until.isEmpty()) {
          ready.add(a);
        } else if (soonest == null || until.getAsLong() - soonestUntil < 0) {
          soonest = k;
          soonestUntil = until.getAsLong();
        }
      }
      if (ready.isEmpty()) {
        throw new RefusedException(policy.backoff().refusal(soonest, now, policy.wall().instant()));
      }
    }
    List<Multiaddr> ranked = rank(ready);
    return ranked.size() > MAX_ADDRESSES_PER_DIAL ? ranked.subList(0, MAX_ADDRESSES_PER_DIAL)
        : ranked;
  }

  /**
   * The backoff table's key: the address as dialled, {@code <addr>/p2p/<peer>}, so one peer's
   * failure (a wrong identity at that address) does not hold back another peer's dials there, as
   * go-libp2p keeps its backoff per peer and address. Null if too long to remember.
   */
  static String backoffKey(PeerId peer, Multiaddr a) {
    String k = a.withoutPeerId() + "/p2p/" + peer;
    return k.length() > AddressBackoff.MAX_ADDRESS_LENGTH ? null : k;
  }

  /**
   * Ranks addresses for dialling, stable within a class: loopback (0), private (1: RFC 1918,
   * {@code fc00::/7}, link-local), public (2), then names and anything else (3). go-libp2p's
   * default ranker also dials private addresses before public ones (30 ms apart against 250 ms)
   * and QUIC before TCP; with one stagger delay this order is the part that counts. Within a
   * class, {@code /quic-v1} comes first (one round trip to a secured connection with its
   * streams, against TCP's handshake, multistream, Noise and the muxer), then plain TCP before
   * {@code /ws}: the same upgrade with less framing (an
   * HTTP upgrade first, then a frame header on every write), so a peer that offers both is tried
   * on TCP first, and a top-up to two connections opens one over each.
   */
  static List<Multiaddr> rank(List<Multiaddr> addrs) {
    List<Multiaddr> out = new ArrayList<>(addrs);
    out.sort(Comparator.comparingInt(PeerDialer::rankOf)
        .thenComparingInt(PeerDialer::transportRank));
    return out;
  }

  /** QUIC (0) before TCP (1) before WebSocket (2). */
  static int transportRank(Multiaddr a) {
    if (a.has(dev.vertxp2p.MultiaddrProtocol.WS)) {
      return 2;
    }
    return a.has(dev.vertxp2p.MultiaddrProtocol.QUIC_V1) ? 0 : 1;
  }

  static int rankOf(Multiaddr a) {
    MultiaddrIp ip;
    try {
      ip = MultiaddrIp.of(a.toString());
    } catch (IllegalArgumentException e) {
      return 3;
    }
    if (ip.kind() != MultiaddrIp.Kind.IP) {
      return 3;
    }
    byte[] b = ip.ip();
    if (b.length == 16 && isIp4Mapped(b)) {
      b = java.util.Arrays.copyOfRange(b, 12, 16);
    }
    if (b.length == 4) {
      int o0 = b[0] & 0xff;
      int o1 = b[1] & 0xff;
      if (o0 == 127) {
        return 0;
      }
      boolean rfc1918 = o0 == 10 || (o0 == 172 && (o1 & 0xf0) == 16) || (o0 == 192 && o1 == 168);
      return rfc1918 || (o0 == 169 && o1 == 254) ? 1 : 2;
    }
    boolean loopback = true;
    for (int i = 0; i < 15; i++) {
      loopback &= b[i] == 0;
    }
    if (loopback && b[15] == 1) {
      return 0;
    }
    boolean uniqueLocal = (b[0] & 0xfe) == 0xfc;
    boolean linkLocal = (b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80;
    return uniqueLocal || linkLocal ? 1 : 2;
  }

  private static boolean isIp4Mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  /** {@code list} starting at index {@code k mod size}, wrapping round. */
  static <T> List<T> rotate(List<T> list, int k) {
    int n = list.size();
    if (n <= 1) {
      return list;
    }
    int s = Math.floorMod(k, n);
    List<T> out = new ArrayList<>(n);
    out.addAll(list.subList(s, n));
    out.addAll(list.subList(0, s));
    return out;
  }

  /** A resolved address checked against the filter (a dns address's, after connecting). */
  static AddressFilter.Decision checkResolved(AddressFilter filter, String hostAddress) {
    String text = hostAddress;
    int zone = text.indexOf('%');
    if (zone >= 0) {
      text = text.substring(0, zone);
    }
    if (text.startsWith("[") && text.endsWith("]")) {
      text = text.substring(1, text.length() - 1);
    }
    try {
      byte[] ip = text.indexOf(':') >= 0 ? dev.vertxp2p.gating.IpText.parseIp6(text)
          : dev.vertxp2p.gating.IpText.parseIp4(text);
      return filter.check(ip);
    } catch (IllegalArgumentException e) {
      return AddressFilter.Decision.denied("unparsable remote address " + hostAddress);
    }
  }


  /**
   * What a top-up's dials come to: the usable connections when there are any, else the first
   * dial's failure, else (every dial succeeded into a connection that closed at once) an error
   * that says so: never a failure without a cause.
   */
  static Future<List<Connection>> outcome(List<Future<ManagedConnection>> dials,
      List<Connection> open) {
    if (!open.isEmpty()) {
      return Future.succeededFuture(open);
    }
    for (Future<ManagedConnection> f : dials) {
      if (f.failed()) {
        return Future.failedFuture(f.cause());
      }
    }
    // Every dial succeeded, and every connection closed before it was registered.
    return Future.failedFuture(new P2pException(P2pException.REMOTE_FAILED, dials.size()
        + (dials.size() == 1 ? " connection was" : " connections were")
        + " dialed and closed before they could be used"));
  }

  private <T> Future<T> failed(PeerId peer, Throwable error) {
    JsonObject body = new JsonObject().put("error", String.valueOf(error.getMessage()));
    Refusal refusal = refusalIn(error);
    if (refusal != null) {
      body.put("refusal", refusal.toJson());
    }
    events.emit(SwarmEvent.DIAL_FAILED, peer, body);
    return Future.failedFuture(error);
  }

  /** The refusal that stopped a dial: the error itself, or every address's last error. */
  static Refusal refusalIn(Throwable error) {
    if (error instanceof RefusedException r) {
      return r.refusal();
    }
    if (error instanceof dev.vertxp2p.DialFailedException d && !d.failures().isEmpty()) {
      Refusal first = null;
      for (dev.vertxp2p.DialFailedException.AddressFailure f : d.failures()) {
        if (!(f.lastError() instanceof RefusedException r)) {
          return null;
        }
        if (first == null) {
          first = r.refusal();
        }
      }
      return first;
    }
    return null;
  }

  private Future<ManagedConnection> dialOne(
      PeerId peer, List<Multiaddr> known, PeerConnectionLimiter.Reservation reservation) {
    long timeoutMs = connection.getConnectionTimeoutDuration().toMillis();
    long[] dialStart = {nanoClock.getAsLong()};
    // The attempts of this dial, for the connection's timeline (replaced when the queue lets the
    // dial start, so that waiting in the queue is not counted as an attempt's time).
    DialAttempts[] tried = {new DialAttempts(owner, nanoClock)};
    // Paced: a dial waits its turn in the queue (limits.maxParallelDials, ...PerPeer), so a large
    // top-up does not flood the listener with handshakes it can only refuse.
    Future<ManagedConnection> f = queue.run(peer, () -> {
      if (closing.getAsBoolean()) {
        return Future.failedFuture(new P2pException(P2pException.UNAVAILABLE,
            "the swarm is closing"));
      }
      dialStart[0] = nanoClock.getAsLong();
      tried[0] = new DialAttempts(owner, nanoClock);
      return retrying(peer, known, timeoutMs, tried[0]);
    });
    Promise<ManagedConnection> done = Promise.promise();
    f.onComplete(ar -> {
      owner.check();
      if (ar.failed()) {
        registry.budget().dialDone(false);
        reservation.cancel();
        done.fail(ar.cause());
        return;
      }
      ManagedConnection conn = ar.result();
      if (closing.getAsBoolean()) {
        registry.budget().dialDone(false);
        reservation.cancel();
        conn.close(dev.vertxp2p.CloseReason.SHUTDOWN);
        done.fail(new P2pException(P2pException.UNAVAILABLE, "the swarm is closing"));
        return;
      }
      registry.budget().dialDone(true);
      if (registry.register(conn, reservation, nanoClock.getAsLong() - dialStart[0], tried[0])) {
        registered.accept(conn);
      }
      done.complete(conn);
    });
    return done.future();
  }

  /**
   * The retrying dial of one connection over {@code known} (ranked), staggered, once the queue
   * let it start. Each address exhausted goes into the backoff table; a success clears it.
   */
  private Future<ManagedConnection> retrying(PeerId peer, List<Multiaddr> known, long timeoutMs,
      DialAttempts tried) {
    return dialer.dialStaggered(
        known,
        policy.staggerMillis(),
        // An attempt completes on its connection's loop: back to the owner before the retrying
        // dialer settles it, so its timeout (on the owner) and its result never race.
        (Multiaddr addr, int n, Future<Void> abandoned) -> {
          DialAttempts.Attempt a = tried.started(addr, n);
          Future<ManagedConnection> f = owner.rehome(attempt.start(peer, addr, timeoutMs, abandoned));
          abandoned.onComplete(v -> owner.run(() -> tried.ended(a, "abandoned by the dialer"
              + " (its " + timeoutMs + " ms timeout passed, another address won, or the dial was"
              + " aborted)")));
          f.onComplete(ar -> tried.ended(a, ar.failed() ? ar.cause() : null));
          return f;
        },
        ManagedConnection::close,
        (Multiaddr addr, int failedAttempt, Duration delay, Throwable cause) ->
            events.emit(SwarmEvent.DIAL_RETRY, peer, new JsonObject()
                .put("addr", addr.toString())
                .put("attempt", failedAttempt)
                .put("delay", delay.toMillis() / 1000.0)
                .put("error", String.valueOf(cause.getMessage()))),
        new RetryingDialer.AddressOutcome<Multiaddr>() {
          @Override
          public void exhausted(Multiaddr addr, Throwable cause) {
            owner.check();
            String k = backoffKey(peer, addr);
            // Refused by our own policy, or given up by us: the address itself did not fail.
            if (k != null && !(cause instanceof RefusedException)
                && !(cause instanceof DialAbortedException) && !closing.getAsBoolean()) {
              policy.backoff().failed(k, nanoClock.getAsLong());
            }
          }

          @Override
          public void succeeded(Multiaddr addr) {
            owner.check();
            String k = backoffKey(peer, addr);
            if (k != null) {
              policy.backoff().succeeded(k);
            }
          }
        });
  }
}
