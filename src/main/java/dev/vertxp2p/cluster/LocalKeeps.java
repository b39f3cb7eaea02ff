package dev.vertxp2p.cluster;

import dev.vertxp2p.Connection;
import dev.vertxp2p.KeptPeer;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import io.vertx.core.Future;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link ClusterKeeper} asks of its own node: keep a peer with this node's share of its
 * connections, stop keeping it, and say how many connections are open to each peer kept here.
 *
 * <p>{@link ClusterKeeper} calls these on its owning context only, one call at a time per peer
 * in the order it issues them.
 */
public interface LocalKeeps {

  /**
   * Keeps {@code peer} with {@code connections} connections on this node, learning {@code addr}
   * first; keeping a kept peer again changes its target. The future may fail while the peer
   * stays kept (a first dial that failed and is retried); {@link #openCounts} tells.
   *
   * @param connections this node's share, 1..the per-node cap
   */
  Future<Void> keep(PeerId peer, Multiaddr addr, int connections);

  /** Stops keeping {@code peer} on this node; its connections may stay open. */
  Future<Void> unkeep(PeerId peer);

  /** Every peer this node keeps now, with the number of connections open to it. */
  Future<Map<PeerId, Integer>> openCounts();

  /**
   * The usual implementation: {@code swarm}'s own keep ({@link Swarm#addAddresses}, {@link
   * Swarm#keep}, {@link Swarm#unkeep}, {@link Swarm#kept}).
   */
  static LocalKeeps of(Swarm swarm) {
    Objects.requireNonNull(swarm, "swarm");
    return new LocalKeeps() {
      @Override
      public Future<Void> keep(PeerId peer, Multiaddr addr, int connections) {
        swarm.addAddresses(peer, List.of(addr));
        Future<Void> kept = swarm.keep(peer, connections).mapEmpty();
        // A share that went down (another node took part of it back) leaves surplus connections
        // here: they drain, the least busy first, so the cluster returns to its target.
        List<Connection> open = new ArrayList<>();
        for (Connection c : swarm.getConnections(peer)) {
          if (c.isOpen()) {
            open.add(c);
          }
        }
        if (open.size() <= connections) {
          return kept;
        }
        open.sort(Comparator.comparingInt(Connection::openStreams));
        List<Future<Void>> drains = new ArrayList<>();
        for (Connection c : open.subList(0, open.size() - connections)) {
          drains.add(c.close(true));
        }
        return Future.join(drains).transform(x -> kept);
      }

      @Override
      public Future<Void> unkeep(PeerId peer) {
        return swarm.unkeep(peer).mapEmpty();
      }

      @Override
      public Future<Map<PeerId, Integer>> openCounts() {
        return swarm.kept().map(list -> {
          Map<PeerId, Integer> out = new HashMap<>();
          for (KeptPeer k : list) {
            out.put(k.peer(), k.open());
          }
          return out;
        });
      }
    };
  }
}
