package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Something that happened in the swarm, in the contract's {@code Event} JSON shape: {@code type},
 * {@code at}, {@code peer} and type-specific fields.
 */
public record SwarmEvent(String type, Instant at, PeerId peer, JsonObject fields) {
  public static final String CONNECTION_OPENED = "connection.opened";
  public static final String CONNECTION_CLOSED = "connection.closed";
  /**
   * An inbound connection was refused; carries {@code reason} (in words) and {@code refusal}
   * (the contract's shape: {@code {"scope", "limit", "current"}} or {@code {"scope": "gating",
   * "rule"}}). Refused before the handshake (address lists, per-IP limits, handshake slots): no
   * peer, {@code remoteAddr} and {@code direction}. Refused after it (denied or blocked peer,
   * {@code limits.maxConnections}, {@code maxConnectionsPerPeer}): the peer, {@code connection}
   * and {@code connectionsToPeer}.
   */
  public static final String CONNECTION_REJECTED = "connection.rejected";
  public static final String PEER_CONNECTED = "peer.connected";
  public static final String PEER_DISCONNECTED = "peer.disconnected";
  public static final String DIAL_RETRY = "dial.retry";
  public static final String DIAL_FAILED = "dial.failed";
  /**
   * The connection manager chose this connection to close (over the high watermark); carries
   * {@code connection}, {@code connectionsToPeer} and {@code reason}. {@code connection.closed}
   * follows once it is closed.
   */
  public static final String CONNECTION_TRIMMED = "connection.trimmed";
  /** A peer was protected from trimming, or one tag less protects it; {@code tag}, {@code tags}. */
  public static final String PEER_PROTECTED = "peer.protected";
  /** A protection tag was removed; {@code tag}, {@code tags} (the ones left). */
  public static final String PEER_UNPROTECTED = "peer.unprotected";

  /**
   * A peer is kept (or its target changed): the node maintains {@code target} connections to it,
   * re-dialling what it loses.
   */
  public static final String PEER_KEPT = "peer.kept";
  /** A peer is no longer kept (un-kept, or hung up as a whole). */
  public static final String PEER_UNKEPT = "peer.unkept";

  /**
   * A connection's health changed ({@code "health"} section); carries {@code connection}, {@code
   * from} and {@code to} (state names: unknown, healthy, degraded, unhealthy, draining).
   */
  public static final String CONNECTION_HEALTH = "connection.health";

  /**
   * A connection was found dead and closed: the peer, at {@code maxConnectionsPerPeer}, dialled
   * again, and this connection did not answer a probe (it died on our side only, e.g. a reset
   * that never reached us). Carries {@code connection}, {@code connectionsToPeer}, {@code
   * reason} and {@code replacedBy} (the inbound connection that gets its slot, unless another
   * takes it first). {@code connection.closed} follows.
   */
  public static final String CONNECTION_DEAD = "connection.dead";

  /**
   * A connection starts draining: it takes no new stream (GOAWAY sent), its open streams get
   * {@code health.drainTimeout} to finish, then it closes. Carries {@code connection}, {@code
   * reason} ({@code trimmed}, {@code replaced}, {@code hang-up} or {@code application}) and
   * {@code drainTimeout} (s). {@code connection.closed} follows.
   */
  public static final String CONNECTION_DRAINING = "connection.draining";

  /**
   * An unhealthy connection was replaced ({@code health.replaceUnhealthy}): carries {@code old}
   * and {@code new} (connection ids), {@code order} ({@code make-before-break} when the new one
   * opened before the old one started draining, {@code break-before-make} when the per-peer
   * limit made the old one close first) and {@code connection} (the new one's Conn JSON).
   */
  public static final String CONNECTION_REPLACED = "connection.replaced";

  /**
   * A peer was blocked ({@link Swarm#block}): its connections close and its new ones are refused
   * both ways until it is unblocked. Carries {@code closed} (its connections closed) and {@code
   * denied} (whether {@code gating.denyPeers} names it too).
   */
  public static final String PEER_BLOCKED = "peer.blocked";
  /**
   * A blocked peer was unblocked; carries {@code denied} (true when {@code gating.denyPeers}
   * still refuses it).
   */
  public static final String PEER_UNBLOCKED = "peer.unblocked";

  public SwarmEvent {
    fields = fields == null ? new JsonObject() : fields.copy();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("type", type)
        .put("at", at.toString())
        .put("peer", peer == null ? null : peer.toString());
    json.mergeIn(fields);
    return json;
  }
}
