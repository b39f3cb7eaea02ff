package dev.vertxp2p.swarm;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.util.Owner;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What the swarm knows of peers: their addresses (from dials, the user and identify) and what
 * they said in identify. Bounded: at most {@link #MAX_ADDRS_PER_PEER} addresses a peer, and at
 * most {@code maxPeers} peers, the least recently used peer without a connection evicted first.
 * A peer's identify message is dropped when its last connection closes; its addresses stay, so
 * {@code dialPeer(peer)} still finds it.
 *
 * <p>Written on the owner context only (checked); readers anywhere see immutable snapshots.
 */
final class PeerStore {
  /** Bound on addresses remembered per peer, so identify cannot flood the store. */
  static final int MAX_ADDRS_PER_PEER = 32;
  /** Default bound on peers remembered: about 100 bytes a peer plus its addresses. */
  static final int DEFAULT_MAX_PEERS = 10_000;

  private final Owner owner;
  private final int maxPeers;
  /** Whether a peer has a connection open or in flight: such peers are never evicted. */
  private final Predicate<PeerId> connected;
  /** Access-ordered: the eldest entry is the least recently used. */
  private final LinkedHashMap<PeerId, LinkedHashSet<Multiaddr>> addrs =
      new LinkedHashMap<>(16, 0.75f, true);
  private final Map<PeerId, List<Multiaddr>> addrSnapshot = new ConcurrentHashMap<>();
  private final Map<PeerId, IdentifyMessage> identified = new ConcurrentHashMap<>();

  PeerStore(Owner owner, int maxPeers, Predicate<PeerId> connected) {
    if (maxPeers < 1) {
      throw new IllegalArgumentException("peer store size must be >= 1, got " + maxPeers);
    }
    this.owner = owner;
    this.maxPeers = maxPeers;
    this.connected = Objects.requireNonNull(connected, "connected");
  }

  /** Learns addresses of {@code peer} (their {@code /p2p/} part dropped). */
  void addAddresses(PeerId peer, List<Multiaddr> list) {
    owner.check();
    if (list.isEmpty()) {
      return;
    }
    LinkedHashSet<Multiaddr> set = addrs.get(peer);
    if (set == null) {
      evictIfFull();
      set = new LinkedHashSet<>();
      addrs.put(peer, set);
    }
    for (Multiaddr a : list) {
      Multiaddr plain = a.withoutPeerId();
      if (set.size() >= MAX_ADDRS_PER_PEER && !set.contains(plain)) {
        break;
      }
      set.add(plain);
    }
    addrSnapshot.put(peer, List.copyOf(set));
  }

  /** Makes room for one more peer: drops the least recently used one that has no connection. */
  private void evictIfFull() {
    if (addrs.size() < maxPeers) {
      return;
    }
    for (Iterator<PeerId> it = addrs.keySet().iterator(); it.hasNext(); ) {
      PeerId p = it.next();
      if (!connected.test(p)) {
        it.remove();
        addrSnapshot.remove(p);
        identified.remove(p);
        return;
      }
    }
    // Every remembered peer is connected: the connection limits bound them, so grow.
  }

  /** Known addresses of {@code peer}; from any thread. */
  List<Multiaddr> addresses(PeerId peer) {
    return addrSnapshot.getOrDefault(peer, List.of());
  }

  /** Keeps what {@code peer} said in identify while it is connected. */
  void identified(PeerId peer, IdentifyMessage msg) {
    owner.check();
    if (connected.test(peer)) {
      identified.put(peer, msg);
    }
  }

  /** What {@code peer} said in identify, or null; from any thread. */
  IdentifyMessage identified(PeerId peer) {
    return identified.get(peer);
  }

  /** {@code peer}'s last connection closed: what only a connected peer needs goes. */
  void disconnected(PeerId peer) {
    owner.check();
    identified.remove(peer);
  }

  /** Peers remembered now. */
  int size() {
    owner.check();
    return addrs.size();
  }

  /** Peers with an identify message kept now. */
  int identifiedCount() {
    return identified.size();
  }
}
