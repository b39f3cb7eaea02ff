package dev.vertxp2p.swarm;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.util.Owner;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * What the swarm knows of peers: their addresses and what they said in identify. Every map here
 * is bounded, because a remote makes new peer ids for free:
 *
 * <ul>
 *   <li><b>Learned</b> addresses (identify, dials by peer) and identify messages: an LRU of at
 *       most {@code maxPeers} peers ({@link #DEFAULT_MAX_PEERS}), {@link #MAX_ADDRS_PER_PEER}
 *       addresses each. The least recently used peer goes first, passed over while it is
 *       connected or {@code pinned}; when every peer is, a new peer is not remembered at all
 *       (the store never grows past its bound). A peer's identify message is kept only while it
 *       is connected and in this LRU, and goes with it: on its last disconnect, or on eviction.
 *       {@link IdentifyMessage#MAX_MERGED_SIZE} bounds each message.
 *   <li><b>User-given</b> addresses (passed to {@code addAddresses} or {@code dial(addr)}): an
 *       LRU of their own, at most {@code maxUserPeers} ({@link #DEFAULT_MAX_USER_PEERS}), so
 *       churn of identify-learned peers never pushes them out and {@code dialPeer(peer)} still
 *       finds them; only more user-given peers do, the least recently used unpinned one first.
 *   <li><b>Pinned</b> peers ({@code pinned}: protected ones now, kept ones later) keep their
 *       learned addresses whatever the churn. They are bounded by what pins them (at most
 *       {@link ConnectionManager#MAX_PROTECTED_PEERS} protected) and count within
 *       {@code maxPeers}.
 * </ul>
 *
 * <p>Readers see one snapshot map of addresses (user-given first, then learned, at most {@link
 * #MAX_ADDRS_PER_PEER}), whose keys are the two LRUs' keys, and one of identify messages, whose
 * keys are a subset of the learned LRU's: both change in the same call as the LRUs.
 *
 * <p>Written on the owner context only (checked); readers anywhere see immutable snapshots.
 */
final class PeerStore {
  /** Bound on addresses remembered per peer and tier, so identify cannot flood the store. */
  static final int MAX_ADDRS_PER_PEER = 32;
  /**
   * Default bound on peers with learned addresses or identify data: about 100 bytes a peer
   * plus its addresses, a few MiB in all.
   */
  static final int DEFAULT_MAX_PEERS = 10_000;
  /**
   * Default bound on peers with user-given addresses: as many as may be protected at once, so
   * every protected peer can also have addresses of the user's.
   */
  static final int DEFAULT_MAX_USER_PEERS = ConnectionManager.MAX_PROTECTED_PEERS;

  private final Owner owner;
  private final int maxPeers;
  private final int maxUserPeers;
  /** Whether a peer has a connection open or in flight: such peers are never evicted. */
  private final Predicate<PeerId> connected;
  /** Peers whose addresses stay whatever the churn: protected now, kept peers later. */
  private final Predicate<PeerId> pinned;
  /** Learned addresses; access-ordered: the eldest entry is the least recently used. */
  private final LinkedHashMap<PeerId, LinkedHashSet<Multiaddr>> learned =
      new LinkedHashMap<>(16, 0.75f, true);
  /** User-given addresses; access-ordered too. */
  private final LinkedHashMap<PeerId, LinkedHashSet<Multiaddr>> userGiven =
      new LinkedHashMap<>(16, 0.75f, true);
  private final Map<PeerId, List<Multiaddr>> addrSnapshot = new ConcurrentHashMap<>();
  private final Map<PeerId, IdentifyMessage> identified = new ConcurrentHashMap<>();

  /** A store where nothing is pinned and user-given peers are bounded like learned ones. */
  PeerStore(Owner owner, int maxPeers, Predicate<PeerId> connected) {
    this(owner, maxPeers, maxPeers, connected, p -> false);
  }

  /**
   * @param maxPeers bound on peers with learned addresses or identify data
   * @param maxUserPeers bound on peers with user-given addresses
   * @param connected whether a peer has a connection open or in flight
   * @param pinned whether a peer's learned addresses must survive churn (protected, kept);
   *     called on the owner
   */
  PeerStore(Owner owner, int maxPeers, int maxUserPeers, Predicate<PeerId> connected,
      Predicate<PeerId> pinned) {
    if (maxPeers < 1 || maxUserPeers < 1) {
      throw new IllegalArgumentException("peer store sizes must be >= 1, got maxPeers "
          + maxPeers + " and maxUserPeers " + maxUserPeers);
    }
    this.owner = owner;
    this.maxPeers = maxPeers;
    this.maxUserPeers = maxUserPeers;
    this.connected = Objects.requireNonNull(connected, "connected");
    this.pinned = Objects.requireNonNull(pinned, "pinned");
  }

  /** Learns addresses of {@code peer} (from identify; their {@code /p2p/} part dropped). */
  void addAddresses(PeerId peer, List<Multiaddr> list) {
    owner.check();
    if (list.isEmpty()) {
      return;
    }
    Set<Multiaddr> set = entry(learned, peer, maxPeers, this::evictable, this::evictedLearned);
    if (set != null) {
      addUpToBound(set, list);
      publish(peer);
    }
  }

  /** Addresses of {@code peer} the user gave: kept apart from identify's churn. */
  void addUserAddresses(PeerId peer, List<Multiaddr> list) {
    owner.check();
    if (list.isEmpty()) {
      return;
    }
    Set<Multiaddr> set = entry(userGiven, peer, maxUserPeers, p -> !pinned.test(p), this::publish);
    if (set != null) {
      addUpToBound(set, list);
      publish(peer);
    }
  }

  private static void addUpToBound(Set<Multiaddr> set, List<Multiaddr> list) {
    for (Multiaddr a : list) {
      Multiaddr plain = a.withoutPeerId();
      if (set.size() >= MAX_ADDRS_PER_PEER && !set.contains(plain)) {
        break;
      }
      set.add(plain);
    }
  }

  /**
   * The entry of {@code peer} in {@code lru}, made (and room made for it) if missing; null when
   * the LRU is full of peers that may not be evicted.
   */
  private static LinkedHashSet<Multiaddr> entry(LinkedHashMap<PeerId, LinkedHashSet<Multiaddr>> lru,
      PeerId peer, int max, Predicate<PeerId> evictable, Consumer<PeerId> gone) {
    LinkedHashSet<Multiaddr> set = lru.get(peer);
    if (set != null) {
      return set;
    }
    if (lru.size() >= max && !evictOne(lru, evictable, gone)) {
      return null;
    }
    set = new LinkedHashSet<>();
    lru.put(peer, set);
    return set;
  }

  /**
   * Drops the least recently used evictable peer. Those passed over are touched, so they move to
   * the young end and the next search does not walk them again.
   */
  private static boolean evictOne(LinkedHashMap<PeerId, LinkedHashSet<Multiaddr>> lru,
      Predicate<PeerId> evictable, Consumer<PeerId> gone) {
    List<PeerId> passed = new ArrayList<>();
    PeerId evicted = null;
    for (Iterator<PeerId> it = lru.keySet().iterator(); it.hasNext(); ) {
      PeerId p = it.next();
      if (evictable.test(p)) {
        it.remove();
        evicted = p;
        break;
      }
      passed.add(p);
    }
    for (PeerId p : passed) {
      lru.get(p);
    }
    if (evicted != null) {
      gone.accept(evicted);
    }
    return evicted != null;
  }

  private boolean evictable(PeerId peer) {
    return !connected.test(peer) && !pinned.test(peer);
  }

  private void evictedLearned(PeerId peer) {
    identified.remove(peer);
    publish(peer);
  }

  /**
   * Rebuilds the readers' address list of {@code peer} from both LRUs. Its reads count as a use
   * of the peer's entries: any change to a peer makes it recently used in both.
   */
  private void publish(PeerId peer) {
    LinkedHashSet<Multiaddr> all = new LinkedHashSet<>();
    LinkedHashSet<Multiaddr> user = userGiven.get(peer);
    if (user != null) {
      all.addAll(user);
    }
    LinkedHashSet<Multiaddr> learnt = learned.get(peer);
    if (learnt != null) {
      for (Multiaddr a : learnt) {
        if (all.size() >= MAX_ADDRS_PER_PEER) {
          break;
        }
        all.add(a);
      }
    }
    if (all.isEmpty()) {
      addrSnapshot.remove(peer);
    } else {
      addrSnapshot.put(peer, List.copyOf(all));
    }
  }

  /** Known addresses of {@code peer}; from any thread. */
  List<Multiaddr> addresses(PeerId peer) {
    return addrSnapshot.getOrDefault(peer, List.of());
  }

  /**
   * Keeps what {@code peer} said in identify while it is connected, as one more use of its entry
   * in the learned LRU; not kept when that LRU has no room.
   */
  void identified(PeerId peer, IdentifyMessage msg) {
    owner.check();
    if (!connected.test(peer)) {
      return;
    }
    if (entry(learned, peer, maxPeers, this::evictable, this::evictedLearned) != null) {
      identified.put(peer, msg);
    }
  }

  /** What {@code peer} said in identify, or null; from any thread. */
  IdentifyMessage identified(PeerId peer) {
    return identified.get(peer);
  }

  /**
   * {@code peer}'s last connection closed: its identify data goes, its addresses stay (an entry
   * that held identify data alone goes with it).
   */
  void disconnected(PeerId peer) {
    owner.check();
    if (identified.remove(peer) != null) {
      LinkedHashSet<Multiaddr> set = learned.get(peer);
      if (set != null && set.isEmpty()) {
        learned.remove(peer);
      }
    }
  }

  /** Peers in the learned LRU now. */
  int size() {
    owner.check();
    return learned.size();
  }

  /** Peers with user-given addresses now. */
  int userSize() {
    owner.check();
    return userGiven.size();
  }

  /** Peers the readers' address map holds now. */
  int addressedCount() {
    return addrSnapshot.size();
  }

  /** Peers with an identify message kept now. */
  int identifiedCount() {
    return identified.size();
  }
}
