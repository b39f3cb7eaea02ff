package dev.vertxp2p.swarm;

import dev.vertxp2p.CloseReason;
import dev.vertxp2p.Connection;
import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.gating.Refusal;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.transport.QuicTransport;
import dev.vertxp2p.transport.Upgrader;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
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
 * Inbound sockets from accept to registration: before any handshake byte, the source address
 * ({@link InboundGate}: the address lists and the per-IP limits) and a handshake slot ({@code
 * limits.maxPendingInbound}) while the upgrade runs; once the handshake names the peer, the
 * denied and blocked peers, then the node-wide and per-peer limits.
 *
 * <p>Every refusal publishes {@code connection.rejected} with its {@code "refusal"} (the
 * contract's shape) and its {@code "reason"} in words. A socket refused before the handshake
 * carries {@code "remoteAddr"} and no peer (nobody has said who it is); one refused after it
 * carries {@code "connection"} and {@code "connectionsToPeer"} as well.
 *
 * <p>A peer at {@code connection.maxConnectionsPerPeer} is not refused at once: a connection of
 * its may have died on our side only (a reset that never reached us, a dead NAT entry), and the
 * peer, which noticed, is dialling to replace it. Its connections are probed first ({@link
 * ManagedConnection#probeAlive}); one that stays silent for the probe timeout is closed, and its
 * slot goes to the newcomer. A live connection is never closed to make room. One probe round per
 * peer at a time: newcomers arriving meanwhile wait for that round, and none waits longer.
 *
 * <p>Owner-confined (checked): a socket arriving on another loop waits, paused, until the owner
 * has given it a slot; the upgrade runs on the socket's loop and its outcome hops back.
 */
final class InboundAdmission {
  private static final Log LOG = Log.get(InboundAdmission.class);

  private final Owner owner;
  private final ConnectionRegistry registry;
  private final SwarmEvents events;
  private final LimitsOptions limits;
  private final LongSupplier nanoClock;
  private final ConnectionHost host;
  private final Supplier<Upgrader> upgrader;
  private final BooleanSupplier closing;
  private final Consumer<ManagedConnection> registered;
  private final InboundGate gate;
  /**
   * Inbound sockets still in the upgrade (a {@link NetSocket}, or a QUIC connection in its
   * handshake: {@link QuicTransport.Inbound}), oldest first, with when they arrived. Their number is
   * the {@code limits.maxPendingInbound} budget.
   */
  private final LinkedHashMap<Object, Long> pending = new LinkedHashMap<>();
  /** How long an existing connection has to answer before it counts as dead. */
  private final Duration probeTimeout;
  /** Peers with a probe round under way, with the newcomers waiting for its outcome. */
  private final Map<PeerId, List<ManagedConnection>> probing = new HashMap<>();

  /**
   * @param upgrader the node's upgrader, null until the identity is loaded
   * @param closing whether the swarm is closing
   * @param registered told of each connection admitted and registered
   * @param probeTimeout how long a peer's connection has to answer a probe before it is taken
   *     for dead, when the peer is at its limit and dials again
   */
  InboundAdmission(Owner owner, ConnectionRegistry registry, SwarmEvents events,
      LimitsOptions limits, LongSupplier nanoClock, ConnectionHost host,
      Supplier<Upgrader> upgrader, BooleanSupplier closing, Consumer<ManagedConnection> registered,
      Duration probeTimeout, InboundGate gate) {
    this.gate = gate;
    this.probeTimeout = probeTimeout;
    this.owner = owner;
    this.registry = registry;
    this.events = events;
    this.limits = limits;
    this.nanoClock = nanoClock;
    this.host = host;
    this.upgrader = upgrader;
    this.closing = closing;
    this.registered = registered;
  }

  /** A listener accepted {@code socket}; on any context. */
  void accept(NetSocket socket) {
    if (closing.getAsBoolean() || upgrader.get() == null) {
      socket.close();
      return;
    }
    if (!owner.isCurrent()) {
      // Listeners run on every event loop: the slot is the owner's to give.
      socket.pause();
      Context socketCtx = Vertx.currentContext();
      owner.run(() -> {
        boolean admitted = !closing.getAsBoolean() && gateAndClaim(socket);
        socketCtx.runOnContext(v -> {
          if (admitted) {
            upgrade(socket);
            socket.resume();
          } else {
            socket.close();
          }
        });
      });
      return;
    }
    if (!gateAndClaim(socket)) {
      socket.close();
      return;
    }
    upgrade(socket);
  }

  /**
   * The source address (lists, then per-IP limits), then a handshake slot; whether the socket may
   * start its handshake. A refusal is published; the caller closes the socket, having read and
   * sent nothing.
   */
  private boolean gateAndClaim(NetSocket socket) {
    owner.check();
    byte[] ip;
    // Read once: at 19,000 connections JFR put a fifth of the node's allocation in address
    // objects made here.
    io.vertx.core.net.SocketAddress source = socket.remoteAddress();
    try {
      ip = InboundGate.ipOf(source);
    } catch (IllegalArgumentException e) {
      // Not a TCP/IP socket (a listener on something else): nothing to gate or count it by.
      LOG.debug(() -> "inbound socket from " + source + " has no IP address: " + e.getMessage());
      return claimSlot(socket);
    }
    String subject = source.hostAddress();
    Refusal refused = gate.admitSource(ip, subject);
    if (refused != null) {
      rejectSocket(socket, refused);
      return false;
    }
    if (!claimSlot(socket)) {
      gate.failed(ip);
      rejectSocket(socket, Refusal.count(Refusal.Scope.PENDING, "limits.maxPendingInbound",
          registry.budget().maxPendingInbound(), registry.budget().pendingInbound(), null,
          "inbound handshakes in progress"));
      return false;
    }
    return true;
  }

  private void rejectSocket(NetSocket socket, Refusal refusal) {
    String remote;
    try {
      remote = Addresses.of(socket.remoteAddress()).toString();
    } catch (RuntimeException e) {
      remote = String.valueOf(socket.remoteAddress());
    }
    rejectSource(remote, refusal);
  }

  private void rejectSource(String addr, Refusal refusal) {
    LOG.debug(() -> "closing inbound socket from " + addr + " before the handshake: "
        + refusal.message());
    events.emit(SwarmEvent.CONNECTION_REJECTED, null, new JsonObject()
        .put("remoteAddr", addr)
        .put("direction", "inbound")
        .put("reason", refusal.message())
        .put("refusal", refusal.toJson()));
  }

  /**
   * Takes a handshake slot for {@code socket}; when all are taken, the oldest pending socket, if
   * it has been stuck for {@code limits.evictPendingAfter}, hands its slot over and is closed. A
   * real peer finishes its handshake in milliseconds and a slowloris socket never does, so the
   * oldest slot is the likeliest staller; younger ones are never evicted, so a flood of new
   * sockets cannot push out handshakes that are still progressing.
   */
  private boolean claimSlot(Object socket) {
    owner.check();
    long now = nanoClock.getAsLong();
    if (!registry.budget().tryStartHandshake()) {
      Map.Entry<Object, Long> oldest = pending.entrySet().stream().findFirst().orElse(null);
      long evictAfter = (long) (limits.getEvictPendingAfter() * 1e9);
      if (oldest == null || now - oldest.getValue() < evictAfter) {
        // limits.maxPendingInbound: every socket in the upgrade holds state until the handshake
        // timeout; a flood of them must not.
        LOG.debug(() -> "closing inbound socket from " + describe(socket) + ": "
            + registry.budget().pendingInbound()
            + " inbound handshakes in progress (limits.maxPendingInbound)");
        return false;
      }
      pending.remove(oldest.getKey()); // its slot passes to the newcomer
      LOG.debug(() -> "evicting a stalled inbound handshake from "
          + describe(oldest.getKey()) + " to admit " + describe(socket));
      closePending(oldest.getKey());
    }
    pending.put(socket, now);
    return true;
  }

  private static String describe(Object pendingSocket) {
    if (pendingSocket instanceof NetSocket s) {
      return String.valueOf(s.remoteAddress());
    }
    if (pendingSocket instanceof QuicTransport.Inbound in) {
      return String.valueOf(in.remoteAddr());
    }
    return String.valueOf(pendingSocket);
  }

  private static void closePending(Object pendingSocket) {
    if (pendingSocket instanceof NetSocket s) {
      s.close();
    } else if (pendingSocket instanceof QuicTransport.Inbound in) {
      in.refuse();
    }
  }

  /**
   * A QUIC listener's new connection, told at its first packet (on its loop): QUIC's handshake
   * runs on meanwhile, so the gate (lists, per-IP limits) and the handshake slot are asked on the
   * owner, and a refusal closes the connection, handshake finished or not. Once it finishes, the
   * connection goes through the same admission as an upgraded TCP socket.
   */
  void acceptQuic(QuicTransport.Inbound in) {
    if (closing.getAsBoolean()) {
      in.refuse();
      return;
    }
    owner.run(() -> {
      if (closing.getAsBoolean() || !gateAndClaimQuic(in)) {
        in.refuse();
        return;
      }
      in.established().onComplete(ar -> owner.run(() -> {
        if (pending.remove(in) != null) {
          registry.budget().endHandshake();
        }
        if (ar.succeeded()) {
          admit(ar.result());
          return;
        }
        gateFailed(in.remoteAddr());
        LOG.debug(() -> "inbound QUIC handshake from " + in.remoteAddr() + " failed: "
            + ar.cause());
      }));
    });
  }

  /** {@link #gateAndClaim} for a QUIC connection in its handshake. */
  private boolean gateAndClaimQuic(QuicTransport.Inbound in) {
    owner.check();
    Multiaddr remote = in.remoteAddr();
    byte[] ip = remote == null ? null : InboundGate.ipOf(remote);
    if (ip == null) {
      return claimSlot(in);
    }
    Refusal refused = gate.admitSource(ip, remote.host().orElse(remote.toString()));
    if (refused != null) {
      rejectSource(remote.toString(), refused);
      return false;
    }
    if (!claimSlot(in)) {
      gate.failed(ip);
      rejectSource(remote.toString(), Refusal.count(Refusal.Scope.PENDING,
          "limits.maxPendingInbound", registry.budget().maxPendingInbound(),
          registry.budget().pendingInbound(), null, "inbound handshakes in progress"));
      return false;
    }
    return true;
  }

  /** Upgrades an inbound socket that holds a handshake slot; on the socket's context. */
  private void upgrade(NetSocket socket) {
    Context ctx = Vertx.currentContext();
    Multiaddr local = Addresses.of(socket.localAddress());
    Multiaddr remote = Addresses.of(socket.remoteAddress());
    Upgrader up = upgrader.get();
    long timeout = up.options().getHandshakeTimeout().toMillis();
    up.upgrade(ctx, socket, Connection.Direction.INBOUND, null, local, remote, host, timeout)
        .onComplete(ar -> owner.run(() -> {
          // An evicted socket gave its slot away already.
          if (pending.remove(socket) != null) {
            registry.budget().endHandshake();
          }
          if (ar.succeeded()) {
            admit(ar.result());
            return;
          }
          gateFailed(remote);
          if (ar.cause() instanceof ProtocolException) {
            LOG.info("inbound connection from " + remote + " closed: " + ar.cause());
          } else {
            LOG.debug(() -> "inbound upgrade from " + remote + " failed: " + ar.cause());
          }
        }));
  }

  /** Releases the per-IP pending slot of a socket from {@code remote} that did not register. */
  private void gateFailed(Multiaddr remote) {
    byte[] ip = InboundGate.ipOf(remote);
    if (ip != null) { // else never gated (see gateAndClaim)
      gate.failed(ip);
    }
  }

  /** The denied and blocked peers, the node-wide and per-peer limits, then registration. */
  private void admit(ManagedConnection conn) {
    owner.check();
    if (closing.getAsBoolean()) {
      gateFailed(conn.remoteAddr());
      conn.close(CloseReason.SHUTDOWN);
      return;
    }
    Refusal denied = gate.refusePeer(conn.peerId());
    if (denied != null) {
      reject(conn, denied);
      return;
    }
    if (!registry.budget().tryAdmitInbound()) {
      reject(conn, Refusal.count(Refusal.Scope.SYSTEM, "limits.maxConnections",
          registry.budget().maxConnections(), registry.budget().used(), null, "connections"));
      return;
    }
    admitToPeer(conn, true);
  }

  /**
   * The per-peer limit, then registration; {@code conn} holds its place in the node-wide budget.
   *
   * @param mayProbe whether a peer at its limit gets its connections probed before {@code conn}
   *     is refused (false once they have been)
   */
  private void admitToPeer(ManagedConnection conn, boolean mayProbe) {
    owner.check();
    if (closing.getAsBoolean()) {
      registry.budget().closed();
      gateFailed(conn.remoteAddr());
      conn.close(CloseReason.SHUTDOWN);
      return;
    }
    // Blocked while its connections were probed: refused as any newcomer of a blocked peer.
    Refusal denied = gate.refusePeer(conn.peerId());
    if (denied != null) {
      registry.budget().closed();
      reject(conn, denied);
      return;
    }
    Optional<PeerConnectionLimiter.Reservation> r =
        registry.reserve(conn.peerId(), Connection.Direction.INBOUND);
    if (r.isPresent()) {
      dev.vertxp2p.SharedConnectionLimit shared = registry.shared();
      if (shared == null) {
        registerAdmitted(conn, r.get());
      } else {
        admitShared(conn, r.get(), shared);
      }
      return;
    }
    if (mayProbe && !registry.list(conn.peerId()).isEmpty()) {
      awaitProbe(conn);
      return;
    }
    registry.budget().closed();
    reject(conn, Refusal.count(Refusal.Scope.PEER, "maxConnectionsPerPeer",
        registry.limiter().maxPerPeer(), registry.limiter().count(conn.peerId().toString()),
        conn.peerId().toString(), "connections"));
  }

  private void registerAdmitted(ManagedConnection conn, PeerConnectionLimiter.Reservation r) {
    if (registry.register(conn, r, -1)) {
      establishedAt(conn);
      registered.accept(conn);
    } else {
      gateFailed(conn.remoteAddr());
    }
  }

  /**
   * Takes a slot of the limit shared with other swarms (the cluster's) for {@code conn}, which
   * holds a local one; refuses {@code conn} when none is granted. {@code conn} is not registered,
   * so carries no stream, until then.
   */
  private void admitShared(ManagedConnection conn, PeerConnectionLimiter.Reservation r,
      dev.vertxp2p.SharedConnectionLimit shared) {
    PeerId peer = conn.peerId();
    owner.rehome(shared.acquire(peer, 1)).onComplete(ar -> {
      owner.check();
      dev.vertxp2p.SharedConnectionLimit.Grant grant = ar.succeeded() ? ar.result() : null;
      if (grant == null || grant.granted() < 1) {
        r.cancel();
        registry.budget().closed();
        reject(conn, grant != null && grant.refusal() != null ? grant.refusal()
            : Refusal.count(Refusal.Scope.CLUSTER, "cluster.maxConnectionsPerRemotePeer", 0, 0,
                peer.toString(), "unknown: the cluster could not be asked"
                    + (ar.failed() ? " (" + ar.cause().getMessage() + ")" : "")));
        return;
      }
      if (grant.granted() > 1) {
        shared.release(peer, grant.granted() - 1);
      }
      r.onRelease(() -> shared.release(peer, 1));
      if (closing.getAsBoolean()) {
        r.cancel();
        registry.budget().closed();
        gateFailed(conn.remoteAddr());
        conn.close(CloseReason.SHUTDOWN);
        return;
      }
      registerAdmitted(conn, r);
    });
  }

  private void establishedAt(ManagedConnection conn) {
    byte[] ip = InboundGate.ipOf(conn.remoteAddr());
    if (ip != null) { // else never gated (see gateAndClaim)
      gate.established(conn, ip);
    }
  }

  /**
   * Holds {@code newcomer} until its peer's connections have been probed and the dead ones
   * closed, then tries the limit once more. Joins the round under way, if any.
   */
  private void awaitProbe(ManagedConnection newcomer) {
    owner.check();
    PeerId peer = newcomer.peerId();
    List<ManagedConnection> waiting = probing.get(peer);
    if (waiting != null) {
      waiting.add(newcomer);
      return;
    }
    waiting = new ArrayList<>();
    waiting.add(newcomer);
    probing.put(peer, waiting);
    List<ManagedConnection> existing = List.copyOf(registry.list(peer));
    List<Future<Boolean>> answers = new ArrayList<>();
    for (ManagedConnection c : existing) {
      answers.add(owner.rehome(c.probeAlive(probeTimeout)));
    }
    Future.join(answers).onComplete(all -> owner.run(() -> {
      List<Future<Void>> closed = new ArrayList<>();
      for (int i = 0; i < existing.size(); i++) {
        Future<Boolean> alive = answers.get(i);
        if (alive.succeeded() && !alive.result()) {
          closed.add(closeDead(existing.get(i), newcomer));
        }
      }
      // Each dead one gives its slot back before its close completes (onConnectionClosed).
      Future.join(closed).onComplete(done -> owner.run(() -> {
        for (ManagedConnection c : probing.remove(peer)) {
          admitToPeer(c, false);
        }
      }));
    }));
  }

  private Future<Void> closeDead(ManagedConnection dead, ManagedConnection newcomer) {
    owner.check();
    String reason = "no answer to a probe within " + probeTimeout.toMillis() + " ms while "
        + "maxConnectionsPerPeer (" + registry.limiter().maxPerPeer() + ") was reached and the "
        + "peer dialled again";
    LOG.info("closing connection " + dead.id() + " to " + dead.peerId() + ": " + reason
        + "; its slot goes to inbound connection " + newcomer.id());
    events.emit(SwarmEvent.CONNECTION_DEAD, dead.peerId(), new JsonObject()
        .put("connection", dead.toJson())
        .put("connectionsToPeer", registry.list(dead.peerId()).size())
        .put("reason", reason)
        .put("replacedBy", newcomer.id()));
    return dead.close(CloseReason.UNHEALTHY);
  }

  /** Refuses an upgraded connection that holds no registry slot; its per-IP slot is released. */
  private void reject(ManagedConnection conn, Refusal refusal) {
    gateFailed(conn.remoteAddr());
    events.emit(SwarmEvent.CONNECTION_REJECTED, conn.peerId(), new JsonObject()
        .put("connection", conn.toJson())
        .put("connectionsToPeer", registry.list(conn.peerId()).size())
        .put("reason", refusal.message())
        .put("refusal", refusal.toJson()));
    conn.close(CloseReason.LIMIT);
  }
}
