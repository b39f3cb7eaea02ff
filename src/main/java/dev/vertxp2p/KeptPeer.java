package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A kept peer as the node sees it now: the connections it maintains and how many are open.
 *
 * @param peer the kept peer
 * @param target connections the node maintains to it
 * @param open connections open to it now (fewer than {@code target} while it re-dials)
 */
public record KeptPeer(PeerId peer, int target, int open) {
  public KeptPeer {
    Objects.requireNonNull(peer, "peer");
  }

  /** {@code {"peer", "target", "open"}}, the shape of {@code swarm.kept} and {@code /api/kept}. */
  public JsonObject toJson() {
    return new JsonObject().put("peer", peer.toString()).put("target", target).put("open", open);
  }
}
