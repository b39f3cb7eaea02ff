package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.GatingOptions;
import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.gating.AddressFilter;
import dev.vertxp2p.gating.IpLimiter;
import dev.vertxp2p.gating.IpText;
import dev.vertxp2p.gating.MultiaddrIp;
import dev.vertxp2p.gating.Refusal;
import dev.vertxp2p.util.Owner;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Who may connect: the address lists ({@code gating.allowAddrs}, {@code denyAddrs}), the per-IP
 * limits ({@code limits.maxConnectionsPerIp} and kin, through an {@link IpLimiter}), the
 * configured denied peers ({@code gating.denyPeers}) and the peers blocked at run time.
 *
 * <p>Two moments of an inbound connection are gated here. Before any handshake byte, its source
 * address ({@link #admitSource}): the lists, then the per-IP limits. Right after the handshake
 * names the peer ({@link #refusePeer}): the denied and blocked peers. The same peer check refuses
 * dials.
 *
 * <p>The per-IP accounting follows each admitted source exactly once: {@link #established} when
 * the connection registers, {@link #failed} when it does not (upgrade failed, timed out, evicted,
 * or refused by a later limit), and {@link #closed} when a registered one closes. Only
 * connections admitted through the limiter are released on close.
 *
 * <p>Owner-confined (checked).
 */
final class InboundGate {
  /** Most peers blocked at run time; the configuration's {@code denyPeers} are apart. */
  static final int MAX_BLOCKED = 10_000;

  /** The limit's name in a {@link ResourceLimitException} beyond {@link #MAX_BLOCKED}. */
  static final String BLOCKED_LIMIT = "blocked peers";

  private final Owner owner;
  private final AddressFilter filter;
  private final IpLimiter limiter;
  private final LongSupplier nanoClock;
  private final Set<PeerId> denied;
  private final Set<PeerId> blocked = new LinkedHashSet<>();
  /** Registered inbound connections admitted through the limiter, with their source. */
  private final Map<Connection, byte[]> established = new HashMap<>();

  InboundGate(Owner owner, GatingOptions gating, LimitsOptions limits, LongSupplier nanoClock) {
    this.owner = owner;
    this.filter = gating.addressFilter();
    this.denied = java.util.Collections.unmodifiableSet(gating.deniedPeers());
    this.limiter = new IpLimiter(limits.getMaxConnectionsPerIp(),
        limits.getMaxPendingInboundPerIp(), limits.getInboundRatePerIp(),
        limits.getInboundBurstPerIp(), limits.exemptCidrs());
    this.nanoClock = nanoClock;
  }

  /**
   * The bytes of a socket's IP address, read from its text (no name is resolved).
   *
   * @throws IllegalArgumentException when the text is not an IP address
   */
  static byte[] ipOf(SocketAddress address) {
    String host = address.hostAddress() != null ? address.hostAddress() : address.host();
    int zone = host.indexOf('%');
    if (zone >= 0) {
      host = host.substring(0, zone);
    }
    return host.indexOf(':') >= 0 ? IpText.parseIp6(host) : IpText.parseIp4(host);
  }

  /**
   * The IP of a remote multiaddr (an inbound connection's, made by {@link Addresses#of} from its
   * socket), or null when it has none.
   */
  static byte[] ipOf(Multiaddr remote) {
    MultiaddrIp ip = MultiaddrIp.of(remote.toString());
    return ip.kind() == MultiaddrIp.Kind.IP ? ip.ip() : null;
  }

  // ---- source address, before the handshake -------------------------------------------------

  /**
   * Whether a socket from {@code ip} may start a handshake: the address lists first (deny wins,
   * a non-empty allow list is exclusive), then the per-IP limits.
   *
   * @return null when admitted: the source holds a pending slot until {@link #established} or
   *     {@link #failed}; else the refusal (nothing is held)
   */
  Refusal admitSource(byte[] ip, String subject) {
    owner.check();
    AddressFilter.Decision d = filter.check(ip);
    if (d.isDenied()) {
      return d.toRefusal(subject);
    }
    return limiter.tryAdmit(ip, nanoClock.getAsLong());
  }

  /** An admitted source's connection registered: its pending slot becomes an open one. */
  void established(Connection conn, byte[] ip) {
    owner.check();
    limiter.established(ip);
    established.put(conn, ip);
  }

  /** An admitted source's socket or connection ended before it registered. */
  void failed(byte[] ip) {
    owner.check();
    limiter.failed(ip);
  }

  /** A connection closed: releases its source's slot when it was admitted through the limiter. */
  void closed(Connection conn) {
    owner.check();
    byte[] ip = established.remove(conn);
    if (ip != null) {
      limiter.closed(ip);
    }
  }

  /** The per-IP limits and their use now ({@link IpLimiter#toJson}). */
  JsonObject perIpJson() {
    owner.check();
    return limiter.toJson(nanoClock.getAsLong());
  }

  // ---- peers, after the handshake -------------------------------------------------------------

  /**
   * Why {@code peer} may not connect, either way, or null when it may: {@code denyPeers <id>}
   * for the configuration's denied peers, {@code blocked <id>} for those blocked at run time.
   */
  Refusal refusePeer(PeerId peer) {
    owner.check();
    if (denied.contains(peer)) {
      return Refusal.gating("denyPeers " + peer, null);
    }
    if (blocked.contains(peer)) {
      return Refusal.gating("blocked " + peer, null);
    }
    return null;
  }

  /**
   * Blocks {@code peer}.
   *
   * @return whether it was not blocked before
   * @throws ResourceLimitException when {@link #MAX_BLOCKED} peers are blocked already
   */
  boolean block(PeerId peer) {
    owner.check();
    if (blocked.contains(peer)) {
      return false;
    }
    if (blocked.size() >= MAX_BLOCKED) {
      throw new ResourceLimitException(BLOCKED_LIMIT, "cannot block " + peer + ": "
          + MAX_BLOCKED + " peers are blocked already (the most a node blocks); unblock one "
          + "first, or deny it in gating.denyPeers");
    }
    blocked.add(peer);
    return true;
  }

  /** Unblocks {@code peer}; whether it was blocked. The configuration's denial stays. */
  boolean unblock(PeerId peer) {
    owner.check();
    return blocked.remove(peer);
  }

  /** Whether {@code peer} is in {@code gating.denyPeers} (unblocking does not lift that). */
  boolean isDenied(PeerId peer) {
    return denied.contains(peer);
  }

  /** The peers blocked at run time, in the order they were blocked. */
  List<PeerId> blocked() {
    owner.check();
    return new ArrayList<>(blocked);
  }

  /** The configuration's denied peers, in the configuration's order (immutable). */
  Set<PeerId> denied() {
    return denied;
  }
}
