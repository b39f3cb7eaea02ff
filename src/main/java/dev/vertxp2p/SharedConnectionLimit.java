package dev.vertxp2p;

import dev.vertxp2p.gating.Refusal;
import io.vertx.core.Future;
import java.util.Objects;

/**
 * A per-remote-peer connection limit that this swarm shares with others, such as the nodes of a
 * cluster ({@code cluster.maxConnectionsPerRemotePeer}). Set with {@link Swarm#shareLimit}.
 *
 * <p>The swarm asks for slots <em>before</em> a connection opens: a top-up asks for the dials it is
 * about to start, an inbound connection for one slot once its peer is known (after the handshake,
 * before it is admitted). Each granted slot is given back with {@link #release} when its connection
 * closes or its dial fails, so the shared count covers connections open and in flight, and the
 * limit holds at every moment the implementation's own accounting does.
 *
 * <p>Calls come from the swarm's context; futures may complete on any thread (the swarm re-homes
 * them). {@link #acquire} should not fail: an implementation that cannot decide grants nothing,
 * with a refusal that says why.
 */
public interface SharedConnectionLimit {

  /**
   * What {@link #acquire} granted: {@code granted} slots out of those asked for, and, when fewer,
   * the refusal that stopped the rest (scope {@code cluster}).
   */
  record Grant(int granted, Refusal refusal) {
    public Grant {
      if (granted < 0) {
        throw new IllegalArgumentException("granted must be >= 0, got " + granted);
      }
    }

    /** Every slot asked for. */
    public static Grant all(int granted) {
      return new Grant(granted, null);
    }

    /** {@code granted} slots, fewer than asked, because of {@code refusal}. */
    public static Grant partial(int granted, Refusal refusal) {
      return new Grant(granted, Objects.requireNonNull(refusal, "refusal"));
    }
  }

  /** Takes up to {@code wanted} (at least 1) slots for connections to {@code peer}. */
  Future<Grant> acquire(PeerId peer, int wanted);

  /** Gives back {@code count} slots taken for {@code peer}. */
  void release(PeerId peer, int count);
}
