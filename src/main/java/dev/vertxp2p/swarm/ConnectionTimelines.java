package dev.vertxp2p.swarm;

import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.util.Owner;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The timelines of open connections and a ring of the last {@link #MAX_CLOSED} closed ones, so
 * that {@code ?state=closed} can tell why a connection went.
 *
 * <p>Open timelines are as many as registered connections ({@code limits.maxConnections} bounds
 * them). A connection that closed without ever being registered (refused at admission, for
 * instance at {@code maxConnectionsPerPeer}) goes into the closed ring too, with its reason
 * ({@code limit}), since that is where one would look for it. Owner-confined (checked).
 */
final class ConnectionTimelines {
  /** Closed connections kept, the most recent. */
  static final int MAX_CLOSED = 256;

  private final Owner owner;
  private final Clock clock;
  private final int maxClosed;
  private final Map<String, ConnectionTimeline> open = new LinkedHashMap<>();
  /** Newest first. */
  private final ArrayDeque<ConnectionTimeline> closed = new ArrayDeque<>();

  ConnectionTimelines(Owner owner, Clock clock) {
    this(owner, clock, MAX_CLOSED);
  }

  ConnectionTimelines(Owner owner, Clock clock, int maxClosed) {
    if (maxClosed < 1) {
      throw new IllegalArgumentException("maxClosed must be at least 1, got " + maxClosed);
    }
    this.owner = owner;
    this.clock = clock;
    this.maxClosed = maxClosed;
  }

  /** A connection was registered; {@code attempts} null for inbound ones. */
  void opened(ManagedConnection conn, DialAttempts attempts, long dialNanos) {
    owner.check();
    open.put(conn.id(), new ConnectionTimeline(conn, attempts, dialNanos));
  }

  /**
   * A connection closed, registered or not: its timeline moves to the closed ring (made now for
   * one never registered), the oldest closed one dropped past {@link #MAX_CLOSED}.
   */
  ConnectionTimeline closed(ManagedConnection conn) {
    owner.check();
    ConnectionTimeline t = open.remove(conn.id());
    if (t == null) {
      t = new ConnectionTimeline(conn, null, -1);
    }
    t.closed(clock.instant());
    closed.addFirst(t);
    while (closed.size() > maxClosed) {
      closed.removeLast();
    }
    return t;
  }

  /** The timeline of the open or recently closed connection {@code id}, or null. */
  JsonObject timeline(String id) {
    owner.check();
    ConnectionTimeline t = open.get(id);
    if (t == null) {
      for (ConnectionTimeline c : closed) {
        if (c.id().equals(id)) {
          t = c;
          break;
        }
      }
    }
    return t == null ? null : t.toJson();
  }

  /** The closed connections' Conn JSON (with closeReason, closedAt), newest first; all peers when null. */
  List<JsonObject> closedConnections(String peer) {
    owner.check();
    List<JsonObject> out = new ArrayList<>();
    for (Iterator<ConnectionTimeline> it = closed.iterator(); it.hasNext(); ) {
      ConnectionTimeline t = it.next();
      if (peer == null || peer.equals(t.peer())) {
        out.add(t.connectionJson());
      }
    }
    return out;
  }

  /** Closed timelines held now (at most {@link #MAX_CLOSED}). */
  int closedCount() {
    owner.check();
    return closed.size();
  }
}
