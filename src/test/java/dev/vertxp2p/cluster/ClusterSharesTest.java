package dev.vertxp2p.cluster;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.SharedConnectionLimit.Grant;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.gating.Refusal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide per-remote-peer limit on one Vert.x (its shared data stands in for the
 * cluster's: same API, same locks), with members acting from several event loops at once.
 */
class ClusterSharesTest {
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  private final Set<String> live = new CopyOnWriteArraySet<>(List.of("m1", "m2", "m3"));

  @AfterEach
  void close() {
    await(vertx.close());
  }

  private ClusterShares member(String id, int max) {
    return new ClusterShares(vertx, "test", id, max, () -> live);
  }

  private static PeerId peer() {
    return PeerId.fromPublicKey(Keys.generateEd25519(new java.security.SecureRandom()).publicKey());
  }

  /** Runs {@code f} on a context of its own, returning its future. */
  private <T> Future<T> onOwnContext(java.util.function.Supplier<Future<T>> f) {
    Context c = vertx.getOrCreateContext();
    Promise<T> p = Promise.promise();
    c.runOnContext(v -> f.get().onComplete(p));
    return p.future();
  }

  @Test
  void grantsWhatFitsAndSaysWhyNotTheRest() {
    ClusterShares m1 = member("m1", 4);
    ClusterShares m2 = member("m2", 4);
    PeerId p = peer();
    Grant first = await(m1.acquire(p, 3));
    assertEquals(3, first.granted());
    assertNull(first.refusal());
    Grant second = await(m2.acquire(p, 3));
    assertEquals(1, second.granted());
    Refusal r = second.refusal();
    assertNotNull(r);
    assertEquals(Refusal.Scope.CLUSTER, r.scope());
    assertEquals(new JsonObject().put("scope", "cluster").put("limit", 4).put("current", 4),
        r.toJson());
    assertEquals(0, await(m2.acquire(p, 1)).granted());
    JsonObject shares = await(m1.snapshot()).getJsonObject(p.toString());
    assertEquals(new JsonObject().put("m1", 3).put("m2", 1), shares);
  }

  @Test
  void releasedSlotsCanBeTakenAgainAndAnEmptyEntryIsRemoved() {
    ClusterShares m1 = member("m1", 2);
    ClusterShares m2 = member("m2", 2);
    PeerId p = peer();
    assertEquals(2, await(m1.acquire(p, 2)).granted());
    assertEquals(0, await(m2.acquire(p, 1)).granted());
    m1.release(p, 1);
    // The release is asynchronous: m2 gets its slot once it has landed.
    int got = 0;
    for (int i = 0; i < 200 && got == 0; i++) {
      got = await(m2.acquire(p, 1)).granted();
    }
    assertEquals(1, got);
    m1.release(p, 1);
    m2.release(p, 1);
    JsonObject all = new JsonObject();
    for (int i = 0; i < 200; i++) {
      all = await(m1.snapshot());
      if (!all.containsKey(p.toString())) {
        break;
      }
    }
    assertTrue(all.isEmpty(), all.encode());
  }

  @Test
  void concurrentAcquiresFromManyEventLoopsNeverPassTheLimit() {
    List<ClusterShares> members = List.of(member("m1", 7), member("m2", 7), member("m3", 7));
    PeerId p = peer();
    List<Future<Grant>> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      ClusterShares m = members.get(i % 3);
      int wanted = 1 + (i % 2);
      all.add(onOwnContext(() -> m.acquire(p, wanted)));
    }
    await(Future.all(all));
    int granted = 0;
    for (Future<Grant> f : all) {
      granted += f.result().granted();
    }
    assertEquals(7, granted);
    int inMap = 0;
    for (Object v : await(members.get(0).snapshot()).getJsonObject(p.toString())
        .getMap().values()) {
      inMap += ((Number) v).intValue();
    }
    assertEquals(7, inMap);
  }

  @Test
  void aDepartedMembersSharesAreReclaimed() {
    ClusterShares m1 = member("m1", 3);
    ClusterShares m2 = member("m2", 3);
    PeerId p = peer();
    PeerId q = peer();
    assertEquals(3, await(m2.acquire(p, 3)).granted());
    assertEquals(1, await(m2.acquire(q, 1)).granted());
    assertEquals(0, await(m1.acquire(p, 1)).granted());
    // While the cluster manager still lists m2, its shares count.
    assertEquals(0, await(m1.reclaim()));
    live.remove("m2");
    // An acquire ignores a departed member's count at once...
    assertEquals(2, await(m1.acquire(p, 2)).granted());
    // ...and reclaim drops it from every entry.
    assertEquals(1, await(m1.reclaim()));
    JsonObject all = await(m1.snapshot());
    assertEquals(new JsonObject().put(p.toString(), new JsonObject().put("m1", 2)), all);
  }

  @Test
  void badSettingsAndRequestsAreRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> member("m1", 0));
    assertTrue(e.getMessage().contains("cluster.maxConnectionsPerRemotePeer"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> member("m1", 1).acquire(peer(), 0));
  }
}
