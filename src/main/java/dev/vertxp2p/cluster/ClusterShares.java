package dev.vertxp2p.cluster;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.SharedConnectionLimit;
import dev.vertxp2p.gating.Refusal;
import dev.vertxp2p.util.Log;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.core.shareddata.Lock;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code cluster.maxConnectionsPerRemotePeer}: the cluster as a whole holds at most {@code max}
 * connections to one remote peer, open or being dialled.
 *
 * <p>Each member's share is kept in a cluster-wide map, remote peer id to {@code {"<member id>":
 * count}}, and every change to a peer's entry is made under a cluster lock ({@code
 * vertx.sharedData()}), so a read-check-write never interleaves with another member's. A member
 * owns its own count: only it raises it ({@link #acquire}) or lowers it ({@link #release}); the
 * others only drop it once the cluster manager no longer lists that member ({@link #reclaim}, and
 * lazily on every {@link #acquire} of that peer).
 *
 * <p><b>The window.</b> A member that dies keeps its shares until the cluster manager declares it
 * gone (Hazelcast's {@code hazelcast.max.no.heartbeat.seconds}, 8 s here, plus the membership
 * update). Its connections died with its process at once, so during that window the cluster holds
 * fewer connections than the map says: the limit is kept, and dials that would use those shares
 * are refused until they are reclaimed. Under a split brain each side sees the other's members
 * gone and reclaims their shares, so the limit is not promised then.
 *
 * <p>Locks are striped ({@link #STRIPES} per cluster) rather than one per peer, so the cluster
 * manager holds a fixed number of lock objects whatever the number of peers.
 *
 * <p>Holds no mutable state of its own (the map is the state), so it may be called from any
 * context; the swarm calls it from its own.
 */
public final class ClusterShares implements SharedConnectionLimit {
  private static final Log LOG = Log.get(ClusterShares.class);

  /** Lock stripes: a peer's entry is guarded by lock {@code hash(peer) mod STRIPES}. */
  public static final int STRIPES = 64;
  /** How long an acquire or release waits for its lock. */
  public static final long LOCK_TIMEOUT_MS = 5_000;
  /** How many times a release that failed (no lock, map unreachable) is tried again, 1 s apart. */
  static final int RELEASE_ATTEMPTS = 5;

  private final Vertx vertx;
  private final String mapName;
  private final String lockName;
  private final String member;
  private final int max;
  private final Supplier<Collection<String>> liveMembers;

  /**
   * @param vertx a clustered Vert.x (a plain one keeps the map and locks in this JVM, for tests)
   * @param name distinguishes this cluster limit's map and locks (the event-bus prefix)
   * @param member this member's id in the cluster manager
   * @param max the limit, at least 1
   * @param liveMembers the cluster manager's member ids now
   */
  public ClusterShares(Vertx vertx, String name, String member, int max,
      Supplier<Collection<String>> liveMembers) {
    if (max < 1) {
      throw new IllegalArgumentException(
          "cluster.maxConnectionsPerRemotePeer: invalid value " + max + ": must be >= 1");
    }
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.mapName = "dev.vertxp2p.cluster.shares." + Objects.requireNonNull(name, "name");
    this.lockName = "dev.vertxp2p.cluster.shares.lock." + name + ".";
    this.member = Objects.requireNonNull(member, "member");
    this.max = max;
    this.liveMembers = Objects.requireNonNull(liveMembers, "liveMembers");
  }

  /** The limit. */
  public int max() {
    return max;
  }

  private Future<AsyncMap<String, JsonObject>> map() {
    // Cluster-wide on a clustered Vert.x, this JVM's on a plain one.
    return vertx.sharedData().getAsyncMap(mapName);
  }

  private String lockFor(String peer) {
    return lockName + Math.floorMod(peer.hashCode(), STRIPES);
  }

  /** Runs {@code change} on the peer's entry under its lock; the entry is written back after. */
  private <T> Future<T> locked(String peer, Function<JsonObject, Change<T>> change) {
    return vertx.sharedData().getLockWithTimeout(lockFor(peer), LOCK_TIMEOUT_MS)
        .compose(lock -> map().compose(m -> m.get(peer).compose(entry -> {
          Change<T> c = change.apply(entry == null ? new JsonObject() : entry.copy());
          Future<Void> written = c.entry.isEmpty() ? m.remove(peer).mapEmpty()
              : m.put(peer, c.entry);
          return written.map(v -> c.result);
        })).eventually(() -> release(lock)));
  }

  private static Future<Void> release(Lock lock) {
    lock.release();
    return Future.succeededFuture();
  }

  private record Change<T>(JsonObject entry, T result) {}

  /** Drops the counts of members the cluster manager no longer lists; returns what is left. */
  private JsonObject live(JsonObject entry, Set<String> members) {
    entry.fieldNames().removeIf(m -> !members.contains(m) && !m.equals(member));
    return entry;
  }

  private static int total(JsonObject entry) {
    int t = 0;
    for (Map.Entry<String, Object> e : entry) {
      if (e.getValue() instanceof Number n) {
        t += n.intValue();
      }
    }
    return t;
  }

  @Override
  public Future<Grant> acquire(PeerId peer, int wanted) {
    if (wanted < 1) {
      throw new IllegalArgumentException("wanted must be >= 1, got " + wanted);
    }
    String key = peer.toString();
    Set<String> members = new HashSet<>(liveMembers.get());
    return this.<Grant>locked(key, entry -> {
      JsonObject e = live(entry, members);
      int total = total(e);
      int granted = Math.max(0, Math.min(wanted, max - total));
      if (granted > 0) {
        e.put(member, e.getInteger(member, 0) + granted);
      }
      Grant g = granted == wanted ? Grant.all(granted)
          : Grant.partial(granted, Refusal.count(Refusal.Scope.CLUSTER,
              "cluster.maxConnectionsPerRemotePeer", max, total + granted, key,
              "connections in the cluster, open or dialling"));
      return new Change<>(e, g);
    }).recover(err -> {
      LOG.warn("cluster share for " + key + " could not be taken: " + err.getMessage());
      return Future.succeededFuture(Grant.partial(0, Refusal.count(Refusal.Scope.CLUSTER,
          "cluster.maxConnectionsPerRemotePeer", max, max, key,
          "unknown: the cluster's shares could not be read (" + err.getMessage() + ")")));
    });
  }

  @Override
  public void release(PeerId peer, int count) {
    if (count < 1) {
      return;
    }
    release(peer.toString(), count, RELEASE_ATTEMPTS);
  }

  private void release(String key, int count, int attempts) {
    this.<Void>locked(key, entry -> {
      int left = entry.getInteger(member, 0) - count;
      if (left > 0) {
        entry.put(member, left);
      } else {
        entry.remove(member);
      }
      return new Change<>(entry, null);
    }).onFailure(err -> {
      if (attempts > 1) {
        vertx.setTimer(1_000, t -> release(key, count, attempts - 1));
      } else {
        // The share stays counted: the limit still holds, one slot is lost until reclaimed.
        LOG.warn("cluster share for " + key + " could not be given back: " + err.getMessage());
      }
    });
  }

  /**
   * Drops every share of a member the cluster manager no longer lists. Each peer's entry is
   * changed under its lock; completes with the number of entries changed.
   */
  public Future<Integer> reclaim() {
    Set<String> members = new HashSet<>(liveMembers.get());
    return map().compose(AsyncMap::entries).compose(all -> {
      Future<Integer> chain = Future.succeededFuture(0);
      for (Map.Entry<String, JsonObject> e : all.entrySet()) {
        JsonObject v = e.getValue();
        if (v == null || members.containsAll(v.fieldNames())) {
          continue;
        }
        String key = e.getKey();
        chain = chain.compose(n -> this.<Integer>locked(key,
            entry -> new Change<>(live(entry, members), 1)).map(one -> n + one));
      }
      return chain;
    });
  }

  /** Every peer's shares: {@code {"<peer>": {"<member>": n}}}, for views and tests. */
  public Future<JsonObject> snapshot() {
    return map().compose(AsyncMap::entries).map(all -> {
      JsonObject out = new JsonObject();
      for (Map.Entry<String, JsonObject> e : all.entrySet()) {
        if (e.getValue() != null) {
          out.put(e.getKey(), e.getValue());
        }
      }
      return out;
    });
  }
}
