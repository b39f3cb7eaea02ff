package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.util.Owner;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The map of peer to connections, each connection's slot in the per-peer limiter, and the
 * snapshot readers see.
 *
 * <p>The per-peer limit counts connections open and in flight, in both directions, draining ones
 * included: a connection keeps its slot until it has closed. What can still carry a new stream
 * ({@link #usable}) is counted apart.
 *
 * <p>Owner-confined (checked). The snapshot is published per peer: a change to one peer's
 * connections replaces that peer's immutable list and copies nothing else, and whole-map readers
 * copy on read.
 */
final class ConnectionRegistry {
  private final Owner owner;
  private final SwarmEvents events;
  private final ConnectionSelector selector;
  private final PeerConnectionLimiter limiter;
  private final ConnectionBudget budget;
  private final Map<PeerId, List<ManagedConnection>> conns = new HashMap<>();
  private final Map<Connection, PeerConnectionLimiter.Reservation> reservations = new HashMap<>();
  private final Map<PeerId, List<Connection>> snapshot = new ConcurrentHashMap<>();
  private final ConnectionTimelines timelines;
  /** Connections registered now, the sum of {@link #conns}' list sizes. */
  private int registered;
  /** A limit shared with other swarms (a cluster's), or null. */
  private volatile dev.vertxp2p.SharedConnectionLimit shared;

  ConnectionRegistry(Owner owner, SwarmEvents events, ConnectionSelector selector,
      PeerConnectionLimiter limiter, ConnectionBudget budget) {
    this.owner = owner;
    this.events = events;
    this.selector = selector;
    this.limiter = limiter;
    this.budget = budget;
    this.timelines = new ConnectionTimelines(owner, java.time.Clock.systemUTC());
  }

  /** Each connection's timeline, open ones and the last closed ones. */
  ConnectionTimelines timelines() {
    return timelines;
  }

  /** The limit shared with other swarms, or null when there is none. */
  dev.vertxp2p.SharedConnectionLimit shared() {
    return shared;
  }

  /** Sets the limit shared with other swarms (null for none). */
  void share(dev.vertxp2p.SharedConnectionLimit limit) {
    shared = limit;
  }

  PeerConnectionLimiter limiter() {
    return limiter;
  }

  ConnectionBudget budget() {
    return budget;
  }

  /** Takes a per-peer slot for a connection about to be dialed or admitted. */
  Optional<PeerConnectionLimiter.Reservation> reserve(PeerId peer, Connection.Direction dir) {
    owner.check();
    return limiter.tryReserve(peer.toString(), dir);
  }

  /**
   * Lists an upgraded connection under its reservation and publishes {@code connection.opened}
   * (and {@code peer.connected} for a peer's first).
   *
   * @param dialNanos for outbound connections, the whole dial up to now; -1 for inbound ones
   * @return false when the connection closed meanwhile: its slot and budget are given back
   */
  boolean register(ManagedConnection conn, PeerConnectionLimiter.Reservation reservation,
      long dialNanos) {
    return register(conn, reservation, dialNanos, null);
  }

  /**
   * As {@link #register(ManagedConnection, PeerConnectionLimiter.Reservation, long)}, with the
   * attempts of the dial that made {@code conn} for its timeline (null for inbound ones).
   */
  boolean register(ManagedConnection conn, PeerConnectionLimiter.Reservation reservation,
      long dialNanos, DialAttempts attempts) {
    owner.check();
    if (conn.isClosed()) {
      reservation.cancel();
      budget.closed();
      return false;
    }
    reservation.commit();
    reservations.put(conn, reservation);
    PeerId peer = conn.peerId();
    List<ManagedConnection> list = conns.computeIfAbsent(peer, p -> new ArrayList<>());
    boolean first = list.isEmpty();
    list.add(conn);
    registered++;
    publish(peer, list);
    timelines.opened(conn, attempts, dialNanos);
    JsonObject fields = new JsonObject().put("connection", conn.toJson())
        .put("connectionsToPeer", list.size());
    JsonObject opened = fields.copy();
    if (conn.handshakeNanos() >= 0) {
      opened.put("handshakeMs", conn.handshakeNanos() / 1e6);
    }
    if (dialNanos >= 0) {
      opened.put("dialMs", dialNanos / 1e6);
    }
    events.emit(SwarmEvent.CONNECTION_OPENED, peer, opened);
    if (first) {
      events.emit(SwarmEvent.PEER_CONNECTED, peer, fields);
    }
    return true;
  }

  /**
   * A connection closed: gives its slot back and publishes {@code connection.closed} (and
   * {@code peer.disconnected} for a peer's last).
   *
   * @return whether that was the peer's last connection
   */
  boolean unregister(Connection connection) {
    owner.check();
    PeerConnectionLimiter.Reservation r = reservations.remove(connection);
    if (r == null) {
      // Never registered (refused at admission, or closed before): its timeline is kept too.
      if (connection instanceof ManagedConnection mc) {
        timelines.closed(mc);
      }
      return false;
    }
    ConnectionTimeline timeline =
        connection instanceof ManagedConnection mc ? timelines.closed(mc) : null;
    r.release();
    budget.closed();
    PeerId peer = connection.peerId();
    List<ManagedConnection> list = conns.get(peer);
    if (list == null || !list.remove(connection)) {
      return false;
    }
    registered--;
    int left = list.size();
    if (left == 0) {
      conns.remove(peer);
      selector.forget(peer.toString());
    }
    publish(peer, list);
    JsonObject fields = new JsonObject().put("connection", connection.toJson())
        .put("connectionsToPeer", left);
    JsonObject closed = fields.copy();
    if (timeline != null) {
      closed.put("closeReason", timeline.reason().jsonName());
    }
    events.emit(SwarmEvent.CONNECTION_CLOSED, peer, closed);
    if (left == 0) {
      events.emit(SwarmEvent.PEER_DISCONNECTED, peer, fields);
    }
    return left == 0;
  }

  private void publish(PeerId peer, List<ManagedConnection> list) {
    if (list.isEmpty()) {
      snapshot.remove(peer);
    } else {
      snapshot.put(peer, List.copyOf(list));
    }
  }

  /** The peer's registered connections, oldest first (owner only). */
  List<ManagedConnection> list(PeerId peer) {
    owner.check();
    return conns.getOrDefault(peer, List.of());
  }

  /** Every registered connection (a copy; owner only). */
  /** How many connections are registered (owner only): what {@link #all()} would list. */
  int size() {
    owner.check();
    return registered;
  }

  List<ManagedConnection> all() {
    owner.check();
    List<ManagedConnection> out = new ArrayList<>();
    for (List<ManagedConnection> l : conns.values()) {
      out.addAll(l);
    }
    return out;
  }

  /** The registered connection with this id, or null (owner only). */
  ManagedConnection byId(String id) {
    owner.check();
    for (List<ManagedConnection> l : conns.values()) {
      for (ManagedConnection c : l) {
        if (c.id().equals(id)) {
          return c;
        }
      }
    }
    return null;
  }

  /**
   * How many of the peer's connections can carry a new stream now: not closing or draining, and
   * not unhealthy (an unhealthy connection takes a new stream only when nothing else can, so a
   * top-up does not count it).
   */
  int usable(PeerId peer) {
    owner.check();
    int n = 0;
    for (ManagedConnection c : conns.getOrDefault(peer, List.of())) {
      if (c.isOpen() && c.health().takesStreams()) {
        n++;
      }
    }
    return n;
  }

  /** Whether the peer has a connection open or in flight (draining ones included). */
  boolean holdsSlots(PeerId peer) {
    owner.check();
    return limiter.count(peer.toString()) > 0;
  }

  // ---- readers, from any thread ----------------------------------------------------------------

  /** The peer's registered connections, oldest first. */
  List<Connection> connections(PeerId peer) {
    return snapshot.getOrDefault(peer, List.of());
  }

  /** The peer's connections that can carry a new stream now. */
  List<Connection> openConnections(PeerId peer) {
    List<Connection> open = new ArrayList<>();
    for (Connection c : connections(peer)) {
      if (c.isOpen()) {
        open.add(c);
      }
    }
    return open;
  }

  /** Every registered connection. */
  List<Connection> connections() {
    List<Connection> all = new ArrayList<>();
    for (List<Connection> l : snapshot.values()) {
      all.addAll(l);
    }
    return Collections.unmodifiableList(all);
  }

  /** Every peer with its registered connections, copied now. */
  Map<PeerId, List<Connection>> connectionsMap() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(snapshot));
  }

  /** The seed's "first available": the oldest connection that can carry a stream, or null. */
  Connection firstAvailable(PeerId peer) {
    for (Connection c : connections(peer)) {
      if (c.isOpen()) {
        return c;
      }
    }
    return null;
  }

  /** Each peer with its first available connection; peers with none are left out. */
  Map<PeerId, Connection> legacy() {
    Map<PeerId, Connection> out = new LinkedHashMap<>();
    for (PeerId peer : snapshot.keySet()) {
      Connection c = firstAvailable(peer);
      if (c != null) {
        out.put(peer, c);
      }
    }
    return Collections.unmodifiableMap(out);
  }
}
