package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionConfig;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.NoAddressException;
import dev.vertxp2p.P2pException;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.MuxedConnection;
import dev.vertxp2p.transport.TcpTransport;
import dev.vertxp2p.transport.Upgrader;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * <p>Owner-confined (checked): its state, the dial merger's and the retrying dialer's, is
 * touched on the owner only; every attempt's outcome is re-homed there before the retrying dialer
 * sees it.
 */
final class PeerDialer {

  /** Starts one attempt: a socket to {@code addr}, upgraded, on the socket's own loop. */
  @FunctionalInterface
  interface Attempt {
    Future<MuxedConnection> start(PeerId peer, Multiaddr addr, long timeoutMs,
        Future<Void> abandoned);
  }

  private final Owner owner;
  private final ConnectionConfig connection;
  private final ConnectionRegistry registry;
  private final PeerStore peers;
  private final SwarmEvents events;
  private final RetryingDialer dialer;
  private final Attempt attempt;
  private final LongSupplier nanoClock;
  private final BooleanSupplier closing;
  private final Supplier<PeerId> self;
  private final Consumer<MuxedConnection> registered;
  private final DialMerger<PeerId, List<Connection>> merger = new DialMerger<>();
  private final DialQueue queue;
  /** The target of the top-up in flight for each peer. */
  private final Map<PeerId, Integer> targets = new HashMap<>();

  PeerDialer(Owner owner, ConnectionConfig connection, RetryingDialer dialer, Attempt attempt,
      ConnectionRegistry registry, PeerStore peers, SwarmEvents events, LongSupplier nanoClock,
      BooleanSupplier closing, Supplier<PeerId> self, Consumer<MuxedConnection> registered,
      DialQueue queue) {
    this.owner = owner;
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
    return tcp(transport, upgrader, host, dev.vertxp2p.util.SystemClock.NANOS);
  }

  /** As {@link #tcp(TcpTransport, Supplier, ConnectionHost)}; {@code clock} times the connect. */
  static Attempt tcp(TcpTransport transport, Supplier<Upgrader> upgrader, ConnectionHost host,
      LongSupplier clock) {
    return (peer, addr, timeoutMs, abandoned) -> {
      long connectStart = clock.getAsLong();
      return transport.dial(addr, (int) Math.min(Integer.MAX_VALUE, timeoutMs)).compose(socket -> {
        long connectNanos = clock.getAsLong() - connectStart;
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
            .onSuccess(conn -> conn.tcpConnectNanos(connectNanos));
      });
    };
  }

  /**
   * Tops {@code peer} up to {@code n} usable connections (at most maxConnectionsPerPeer).
   *
   * @return the peer's usable connections
   */
  Future<List<Connection>> dialPeer(PeerId peer, int n) {
    owner.check();
    int target = Math.min(n, connection.getMaxConnectionsPerPeer());
    PeerId me = self.get();
    if (me != null && me.equals(peer)) {
      return failed(peer, new P2pException(P2pException.BAD_REQUEST,
          "cannot dial ourselves (" + peer + ")"));
    }
    Integer running = targets.get(peer);
    if (running == null) {
      return start(peer, target);
    }
    Future<List<Connection>> joined = merger.dial(peer, () -> start(peer, target));
    if (running >= target) {
      return joined;
    }
    // The dial in flight aims lower than this caller: once it is done, top up the rest.
    return joined.transform(ar -> dialPeer(peer, target));
  }

  private Future<List<Connection>> start(PeerId peer, int target) {
    targets.put(peer, target);
    Future<List<Connection>> f = merger.dial(peer, () -> topUp(peer, target));
    if (f.isComplete()) {
      targets.remove(peer);
    } else {
      f.onComplete(ar -> targets.remove(peer));
    }
    return f;
  }

  /** Dials until {@code peer} has {@code target} usable connections, or no slot is free. */
  private Future<List<Connection>> topUp(PeerId peer, int target) {
    String key = peer.toString();
    int need = Math.min(target - registry.usable(peer) - registry.limiter().inFlightCount(key),
        registry.limiter().available(key));
    if (target - registry.usable(peer) <= 0 || need <= 0) {
      return Future.succeededFuture(registry.openConnections(peer));
    }
    List<Multiaddr> known = peers.addresses(peer);
    if (known.isEmpty()) {
      return failed(peer, new NoAddressException(peer));
    }
    List<Future<MuxedConnection>> dials = new ArrayList<>();
    boolean overBudget = false;
    for (int i = 0; i < need; i++) {
      if (!registry.budget().tryReserveDial()) {
        overBudget = true;
        break;
      }
      Optional<PeerConnectionLimiter.Reservation> r =
          registry.reserve(peer, Connection.Direction.OUTBOUND);
      if (r.isEmpty()) {
        registry.budget().dialDone(false);
        break;
      }
      dials.add(dialOne(peer, known, r.get()));
    }
    if (dials.isEmpty()) {
      List<Connection> open = registry.openConnections(peer);
      if (overBudget && open.isEmpty()) {
        return failed(peer, new ResourceLimitException("limits.maxConnections",
            "cannot dial " + peer + ": limits.maxConnections ("
                + registry.budget().maxConnections() + ") reached (" + registry.budget().used()
                + " connections open or dialing)"));
      }
      return Future.succeededFuture(open);
    }
    return Future.join(dials).transform(ar -> {
      Future<List<Connection>> outcome = outcome(dials, registry.openConnections(peer));
      if (outcome.failed()) {
        events.emit(SwarmEvent.DIAL_FAILED, peer, new JsonObject()
            .put("error", String.valueOf(outcome.cause().getMessage())));
      }
      return outcome;
    });
  }

  /**
   * What a top-up's dials come to: the usable connections when there are any, else the first
   * dial's failure, else (every dial succeeded into a connection that closed at once) an error
   * that says so: never a failure without a cause.
   */
  static Future<List<Connection>> outcome(List<Future<MuxedConnection>> dials,
      List<Connection> open) {
    if (!open.isEmpty()) {
      return Future.succeededFuture(open);
    }
    for (Future<MuxedConnection> f : dials) {
      if (f.failed()) {
        return Future.failedFuture(f.cause());
      }
    }
    // Every dial succeeded, and every connection closed before it was registered.
    return Future.failedFuture(new P2pException(P2pException.REMOTE_FAILED, dials.size()
        + (dials.size() == 1 ? " connection was" : " connections were")
        + " dialed and closed before they could be used"));
  }

  private Future<List<Connection>> failed(PeerId peer, Throwable error) {
    events.emit(SwarmEvent.DIAL_FAILED, peer, new JsonObject()
        .put("error", String.valueOf(error.getMessage())));
    return Future.failedFuture(error);
  }

  private Future<MuxedConnection> dialOne(
      PeerId peer, List<Multiaddr> known, PeerConnectionLimiter.Reservation reservation) {
    long timeoutMs = connection.getConnectionTimeoutDuration().toMillis();
    long[] dialStart = {nanoClock.getAsLong()};
    // The attempts of this dial, for the connection's timeline (replaced when the queue lets the
    // dial start, so that waiting in the queue is not counted as an attempt's time).
    DialAttempts[] tried = {new DialAttempts(owner, nanoClock)};
    // Paced: a dial waits its turn in the queue (limits.maxParallelDials, ...PerPeer), so a large
    // top-up does not flood the listener with handshakes it can only refuse.
    Future<MuxedConnection> f = queue.run(peer, () -> {
      if (closing.getAsBoolean()) {
        return Future.failedFuture(new P2pException(P2pException.UNAVAILABLE,
            "the swarm is closing"));
      }
      dialStart[0] = nanoClock.getAsLong();
      tried[0] = new DialAttempts(owner, nanoClock);
      return retrying(peer, known, timeoutMs, tried[0]);
    });
    Promise<MuxedConnection> done = Promise.promise();
    f.onComplete(ar -> {
      owner.check();
      if (ar.failed()) {
        registry.budget().dialDone(false);
        reservation.cancel();
        done.fail(ar.cause());
        return;
      }
      MuxedConnection conn = ar.result();
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

  /** The retrying dial of one connection over {@code known}, once the queue let it start. */
  private Future<MuxedConnection> retrying(PeerId peer, List<Multiaddr> known, long timeoutMs,
      DialAttempts tried) {
    return dialer.dial(
        known,
        // An attempt completes on its connection's loop: back to the owner before the retrying
        // dialer settles it, so its timeout (on the owner) and its result never race.
        (Multiaddr addr, int n, Future<Void> abandoned) -> {
          DialAttempts.Attempt a = tried.started(addr, n);
          Future<MuxedConnection> f = owner.rehome(attempt.start(peer, addr, timeoutMs, abandoned));
          abandoned.onComplete(v -> owner.run(() -> tried.ended(a, "abandoned by the dialer"
              + " (its " + timeoutMs + " ms timeout passed, or the dial was aborted)")));
          f.onComplete(ar -> tried.ended(a, ar.failed() ? ar.cause() : null));
          return f;
        },
        MuxedConnection::close,
        (Multiaddr addr, int failedAttempt, Duration delay, Throwable cause) ->
            events.emit(SwarmEvent.DIAL_RETRY, peer, new JsonObject()
                .put("addr", addr.toString())
                .put("attempt", failedAttempt)
                .put("delay", delay.toMillis() / 1000.0)
                .put("error", String.valueOf(cause.getMessage()))));
  }
}
