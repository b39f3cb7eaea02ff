package dev.vertxp2p.swarm;

import dev.vertxp2p.CloseReason;
import dev.vertxp2p.transport.ManagedConnection;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One connection's history for {@code GET /api/connections/{id}/timeline}: the attempts of the
 * dial that made it, the upgrade's phases, its stream counts and, once closed, why and when.
 *
 * <p>While the connection is open the counts are read from it live; when it closes they are
 * frozen with its Conn JSON, and the connection itself is let go, so a closed timeline holds no
 * socket or buffer. Owner-confined: made, closed and read on the swarm's owner.
 */
final class ConnectionTimeline {
  /** Longest close-cause text kept, in characters. */
  static final int MAX_CAUSE_CHARS = 300;

  private final String id;
  private final JsonArray attempts;
  private final int attemptsDropped;
  private final long dialNanos;
  private final JsonObject phases;
  private ManagedConnection conn;
  private JsonObject closedConn;
  private CloseReason reason;
  private Instant closedAt;
  private String cause;

  /**
   * @param attempts the dial's attempts, or null for an inbound connection
   * @param dialNanos the whole dial up to registration; -1 for inbound connections
   */
  ConnectionTimeline(ManagedConnection conn, DialAttempts attempts, long dialNanos) {
    this.id = conn.id();
    this.conn = conn;
    this.attempts = attempts == null ? new JsonArray() : attempts.toJson();
    this.attemptsDropped = attempts == null ? 0 : attempts.dropped();
    this.dialNanos = dialNanos;
    this.phases = new JsonObject()
        .put("tcpMs", ms(conn.tcpConnectNanos()))
        .put("securityMs", ms(conn.securityNanos()))
        .put("muxerMs", ms(conn.muxerNanos()))
        .put("handshakeMs", ms(conn.handshakeNanos()));
  }

  private static Double ms(long nanos) {
    return nanos < 0 ? null : nanos / 1e6;
  }

  String id() {
    return id;
  }

  String peer() {
    return conn != null ? conn.peerId().toString() : closedConn.getString("peer");
  }

  boolean isClosed() {
    return conn == null;
  }

  CloseReason reason() {
    return reason;
  }

  /**
   * The connection closed: its JSON, reason and cause are kept, the connection let go. A
   * connection that closed with no reason of its own (none known) counts as {@link
   * CloseReason#REMOTE}: its socket closed under it.
   */
  void closed(Instant at) {
    if (conn == null) {
      return;
    }
    closedConn = conn.toJson();
    reason = conn.closeReason() != null ? conn.closeReason() : CloseReason.REMOTE;
    Throwable t = conn.closeCause();
    if (t != null) {
      String text = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      cause = text.length() > MAX_CAUSE_CHARS ? text.substring(0, MAX_CAUSE_CHARS) + "…" : text;
    }
    closedAt = at;
    conn = null;
  }

  /** The Conn JSON, with {@code closeReason} and {@code closedAt} once closed. */
  JsonObject connectionJson() {
    if (conn != null) {
      return conn.toJson();
    }
    return closedConn.copy()
        .put("closeReason", reason.jsonName())
        .put("closedAt", closedAt.toString());
  }

  JsonObject toJson() {
    JsonObject c = connectionJson();
    JsonObject out = new JsonObject()
        .put("id", id)
        .put("peer", c.getString("peer"))
        .put("direction", c.getString("direction"))
        .put("state", conn != null ? "open" : "closed")
        .put("localAddr", c.getString("localAddr"))
        .put("remoteAddr", c.getString("remoteAddr"))
        .put("openedAt", c.getString("openedAt"))
        .put("attempts", attempts.copy())
        .put("attemptsDropped", attemptsDropped)
        .put("dialMs", ms(dialNanos))
        .put("phases", phases.copy())
        .put("streams", new JsonObject()
            .put("open", c.getValue("streams"))
            .put("total", c.getValue("streamsTotal")))
        .put("closeReason", reason == null ? null : reason.jsonName())
        .put("closedAt", closedAt == null ? null : closedAt.toString())
        .put("closeCause", cause)
        .put("connection", c);
    return out;
  }
}
