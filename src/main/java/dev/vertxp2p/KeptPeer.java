package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A kept peer as the node sees it now: the connections it maintains and how many are open.
 *
 * @param peer the kept peer
 * @param target connections the node maintains to it
 * @param open connections open to it now (fewer than {@code target} while it re-dials)
 * @param downForMillis how long it has had no open connection; 0 while it has one
 */
public record KeptPeer(PeerId peer, int target, int open, long downForMillis) {
  public KeptPeer {
    Objects.requireNonNull(peer, "peer");
    if (downForMillis < 0) {
      throw new IllegalArgumentException("downForMillis must be >= 0, got " + downForMillis);
    }
  }

  /** A kept peer with {@code open} connections, down for no time. */
  public KeptPeer(PeerId peer, int target, int open) {
    this(peer, target, open, 0);
  }

  /**
   * {@code {"peer", "target", "open", "downForMs"}}, the shape of {@code swarm.kept} and {@code
   * /api/kept}.
   */
  public JsonObject toJson() {
    return new JsonObject().put("peer", peer.toString()).put("target", target).put("open", open)
        .put("downForMs", downForMillis);
  }
}
