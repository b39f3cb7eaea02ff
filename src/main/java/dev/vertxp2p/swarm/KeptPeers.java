package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.KeepOptions;
import dev.vertxp2p.KeptPeer;
import dev.vertxp2p.NoAddressException;
import dev.vertxp2p.P2pException;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Kept peers: for each, a target number of connections that the node maintains without the
 * application asking (js-libp2p's keep-alive tag, without its retry limit).
 *
 * <p>When a kept peer has fewer usable connections than its target (a connection was lost, the
 * peer restarted, the first dial failed), a re-dial is scheduled with the {@code retry} backoff:
 * delay {@code k} is {@link Backoff#delayMillis(int)}, so never over {@code retry.maxDelay}, and
 * {@code k} grows with each failed round and goes back to 0 once the target is met. Each
 * scheduled round publishes {@code dial.retry} with {@code "kept": true}. It goes on for as long
 * as the peer is kept; at most one round per peer is scheduled or running at a time.
 *
 * <p>A kept peer is protected from trimming under the tag {@link #PROTECT_TAG}, and the peer
 * store keeps its addresses through churn (the swarm's {@code pinned} predicate asks {@link
 * #isKept}). Un-keeping removes both. At most {@link KeepOptions#MAX_KEPT_PEERS} peers are kept.
 *
 * <p>Owner-confined (checked): called on the swarm's owner, and the dialer's futures and the
 * scheduler's timers complete there.
 */
final class KeptPeers {
  private static final Log LOG = Log.get(KeptPeers.class);

  /** The protection tag kept peers hold while kept. */
  static final String PROTECT_TAG = "kept";
  /** Beyond this many failed rounds the backoff index stops growing: the delay is at its cap. */
  private static final int MAX_BACKOFF_INDEX = 64;

  /** Re-dials a peer up to a target: the swarm's {@link PeerDialer#dialPeer}. */
  @FunctionalInterface
  interface TopUp {
    Future<List<Connection>> dial(PeerId peer, int target);
  }

  /** One kept peer's state. */
  private static final class Kept {
    int target;
    /** Backoff index of the next scheduled round. */
    int attempt;
    /** The scheduled round, or null. */
    Scheduler.Cancellable timer;
    /** Rounds whose dial is running: a new target starts one beside a round in flight. */
    int dialing;
    /** When it was last seen with no open connection ({@link #nanoClock}), or -1 while it has one. */
    long downSince = -1;

    Kept(int target) {
      this.target = target;
    }
  }

  private final Owner owner;
  private final int maxPerPeer;
  private final Scheduler scheduler;
  private final Backoff backoff;
  private final TopUp topUp;
  private final ConnectionRegistry registry;
  private final PeerStore peers;
  private final ConnectionTrimmer trimmer;
  private final SwarmEvents events;
  private final BooleanSupplier closing;
  private final Supplier<PeerId> self;
  private final LongSupplier nanoClock;
  private final Map<PeerId, Kept> kept = new LinkedHashMap<>();

  KeptPeers(Owner owner, int maxPerPeer, Scheduler scheduler, Backoff backoff, TopUp topUp,
      ConnectionRegistry registry, PeerStore peers, ConnectionTrimmer trimmer, SwarmEvents events,
      BooleanSupplier closing, Supplier<PeerId> self, LongSupplier nanoClock) {
    this.owner = owner;
    this.maxPerPeer = maxPerPeer;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.topUp = topUp;
    this.registry = registry;
    this.peers = peers;
    this.trimmer = trimmer;
    this.events = events;
    this.closing = closing;
    this.self = self;
    this.nanoClock = nanoClock;
  }

  /**
   * Notes whether {@code peer} has a connection now, so {@link #list} can say how long a kept peer
   * has been without one (readiness reports a peer down for longer than {@code retry.maxDelay}).
   *
   * @return the connections open to it now
   */
  private int observe(PeerId peer, Kept k) {
    int open = registry.openConnections(peer).size();
    if (open > 0) {
      k.downSince = -1;
    } else if (k.downSince < 0) {
      k.downSince = nanoClock.getAsLong();
    }
    return open;
  }

  /**
   * Keeps {@code peer} at {@code connections} connections (again, with a new target, when kept
   * already) and tops it up now.
   *
   * @return the peer's open connections once this first top-up is done; a top-up that fails
   *     leaves the peer kept, with a re-dial scheduled
   * @throws IllegalArgumentException unless {@code connections} is 1..maxConnectionsPerPeer, or
   *     for this node's own id
   * @throws NoAddressException when no address of the peer is known
   * @throws ResourceLimitException beyond {@link KeepOptions#MAX_KEPT_PEERS}
   */
  Future<List<Connection>> keep(PeerId peer, int connections) {
    owner.check();
    if (connections < 1 || connections > maxPerPeer) {
      throw new IllegalArgumentException("connections: expected 1.." + maxPerPeer
          + " (connection.maxConnectionsPerPeer), got " + connections);
    }
    if (peer.equals(self.get())) {
      throw new IllegalArgumentException("peer: cannot keep ourselves (" + peer + ")");
    }
    if (closing.getAsBoolean()) {
      throw new P2pException(P2pException.UNAVAILABLE, "the swarm is closing");
    }
    Kept k = kept.get(peer);
    if (k == null) {
      if (kept.size() >= KeepOptions.MAX_KEPT_PEERS) {
        throw new ResourceLimitException("keep", "cannot keep " + peer + ": "
            + KeepOptions.MAX_KEPT_PEERS + " peers are kept already");
      }
      if (peers.addresses(peer).isEmpty()) {
        throw new NoAddressException(peer);
      }
      // Protect first: it may refuse (the protection table is full), and then nothing is kept.
      trimmer.protect(peer, PROTECT_TAG);
      k = new Kept(connections);
      kept.put(peer, k);
      observe(peer, k);
    } else {
      k.target = connections;
    }
    events.emit(SwarmEvent.PEER_KEPT, peer, new JsonObject().put("target", connections));
    if (k.timer != null) {
      k.timer.cancel();
      k.timer = null;
    }
    k.attempt = 0;
    return round(peer, k).map(v -> registry.openConnections(peer));
  }

  /**
   * Stops keeping {@code peer}: no more re-dials, no protection. Its connections stay open.
   *
   * @return whether it was kept
   */
  boolean unkeep(PeerId peer) {
    owner.check();
    Kept k = kept.remove(peer);
    if (k == null) {
      return false;
    }
    if (k.timer != null) {
      k.timer.cancel();
    }
    trimmer.unprotect(peer, PROTECT_TAG);
    events.emit(SwarmEvent.PEER_UNKEPT, peer, new JsonObject());
    return true;
  }

  /** Whether {@code peer} is kept. */
  boolean isKept(PeerId peer) {
    owner.check();
    return kept.containsKey(peer);
  }

  /** The kept peers with their targets and open counts, in the order they were first kept. */
  List<KeptPeer> list() {
    owner.check();
    List<KeptPeer> out = new ArrayList<>(kept.size());
    long now = nanoClock.getAsLong();
    for (Map.Entry<PeerId, Kept> e : kept.entrySet()) {
      Kept k = e.getValue();
      int open = observe(e.getKey(), k);
      long down = k.downSince < 0 ? 0 : Math.max(0, (now - k.downSince) / 1_000_000);
      out.add(new KeptPeer(e.getKey(), k.target, open, down));
    }
    return out;
  }

  /**
   * A connection to {@code peer} closed (either side, any reason): when the peer is kept and now
   * short of its target, schedules a re-dial unless one is scheduled or running already.
   */
  void connectionLost(PeerId peer) {
    owner.check();
    Kept k = kept.get(peer);
    if (k == null) {
      return;
    }
    observe(peer, k);
    if (k.timer != null || k.dialing > 0 || closing.getAsBoolean()) {
      return;
    }
    if (registry.usable(peer) < k.target) {
      schedule(peer, k, "connection lost");
    }
  }

  /** The swarm is closing: every scheduled round is called off. */
  void stop() {
    owner.check();
    for (Kept k : kept.values()) {
      if (k.timer != null) {
        k.timer.cancel();
        k.timer = null;
      }
    }
  }

  /** One top-up to the target; when it leaves the peer short, the next round is scheduled. */
  private Future<Void> round(PeerId peer, Kept k) {
    k.dialing++;
    Future<List<Connection>> dial;
    try {
      dial = topUp.dial(peer, k.target);
    } catch (RuntimeException e) {
      dial = Future.failedFuture(e);
    }
    return owner.rehome(dial).transform(ar -> {
      k.dialing--;
      if (kept.get(peer) != k || closing.getAsBoolean()) {
        return Future.succeededFuture();
      }
      observe(peer, k);
      if (registry.usable(peer) >= k.target) {
        k.attempt = 0;
      } else if (k.timer == null && k.dialing == 0) {
        schedule(peer, k, ar.failed() ? String.valueOf(ar.cause().getMessage())
            : "short of the target after a top-up");
      }
      return Future.succeededFuture();
    });
  }

  private void schedule(PeerId peer, Kept k, String reason) {
    long delayMs = backoff.delayMillis(k.attempt);
    int attempt = k.attempt + 1;
    k.attempt = Math.min(k.attempt + 1, MAX_BACKOFF_INDEX);
    events.emit(SwarmEvent.DIAL_RETRY, peer, new JsonObject()
        .put("attempt", attempt)
        .put("delay", delayMs / 1000.0)
        .put("kept", true)
        .put("target", k.target)
        .put("open", registry.usable(peer))
        .put("error", reason));
    LOG.debug(() -> "kept peer " + peer + " short of " + k.target + " (" + reason
        + "): re-dial in " + delayMs + " ms");
    k.timer = scheduler.schedule(delayMs, () -> owner.run(() -> {
      k.timer = null;
      if (kept.get(peer) == k && !closing.getAsBoolean()) {
        round(peer, k);
      }
    }));
  }
}
