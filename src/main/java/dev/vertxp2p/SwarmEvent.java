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
  public static final String CONNECTION_REJECTED = "connection.rejected";
  public static final String PEER_CONNECTED = "peer.connected";
  public static final String PEER_DISCONNECTED = "peer.disconnected";
  public static final String DIAL_RETRY = "dial.retry";
  public static final String DIAL_FAILED = "dial.failed";

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
