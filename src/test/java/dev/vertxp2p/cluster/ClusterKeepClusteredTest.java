package dev.vertxp2p.cluster;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.testing.TestCluster;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two clustered Vert.x instances (Hazelcast on loopback, ports 5830-5831) in this JVM, one keeper
 * on each: the map of kept peers and the change notices are cluster-wide, and when one node
 * leaves the other takes over its share.
 */
class ClusterKeepClusteredTest {
  private static final Duration JOIN = Duration.ofSeconds(45);
  private static final int CAP = 3;
  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void closeAll() {
    cluster.close();
  }

  @Test
  void theMapIsClusterWideAndASurvivorTakesOverTheShareOfANodeThatLeft() {
    String name = cluster.name();
    List<Vertx> vs = cluster.start(cluster.options(5830, 5830, 5831),
        cluster.options(5831, 5830, 5831));
    String mapName = "dev.vertxp2p.cluster.kept." + name;
    String changed = name + ".cluster.kept.changed";
    List<String> live = new CopyOnWriteArrayList<>(List.of("alpha", "beta"));
    FakeLocalKeeps swarmA = new FakeLocalKeeps();
    FakeLocalKeeps swarmB = new FakeLocalKeeps();
    // The real settings: rounds every second besides the change notices.
    ClusterKeeper a = new ClusterKeeper(vs.get(0),
        ((VertxInternal) vs.get(0)).createEventLoopContext(), mapName, changed, "alpha",
        () -> live, CAP, swarmA);
    ClusterKeeper b = new ClusterKeeper(vs.get(1),
        ((VertxInternal) vs.get(1)).createEventLoopContext(), mapName, changed, "beta",
        () -> live, CAP, swarmB);
    await(a.start(), JOIN);
    await(b.start(), JOIN);

    PeerId peer =
        PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    Future<Void> bKeepsTwo = swarmB.when(f -> f.target(peer) == 2);
    Future<Void> aKeepsTwo = swarmA.when(f -> f.target(peer) == 2);
    await(a.keep(new JsonObject().put("addr", "/ip4/127.0.0.1/tcp/4001/p2p/" + peer)
        .put("connections", 4)), JOIN);
    await(Future.all(aKeepsTwo, bKeepsTwo), JOIN);

    // What alpha wrote, beta reads.
    JsonArray fromB = await(b.localKept(), JOIN).getJsonArray("kept");
    assertEquals(1, fromB.size());
    assertEquals(peer.toString(), fromB.getJsonObject(0).getString("peer"));
    assertEquals(2, fromB.getJsonObject(0).getInteger("target"));
    JsonObject view = ClusterKeeper.mergeKept(List.of(await(a.localKept(), JOIN),
        await(b.localKept(), JOIN)));
    assertEquals(2, view.getJsonArray("kept").getJsonObject(0).getJsonArray("nodes").size());

    // Alpha leaves the cluster; once beta's live list drops it, beta keeps what it can (its cap).
    Vertx alpha = vs.get(0);
    cluster.closeNow(alpha);
    live.remove("alpha");
    await(b.reconcile(), JOIN);
    assertEquals(CAP, swarmB.target(peer));

    // Beta un-keeps it for the cluster; the map entry is gone for everyone.
    Future<Void> bUnkept = swarmB.when(f -> f.target(peer) == 0);
    assertTrue(await(b.unkeep(new JsonObject().put("peer", peer.toString())), JOIN)
        .getBoolean("removed"));
    await(bUnkept, JOIN);
    assertEquals(0, await(b.localKept(), JOIN).getJsonArray("kept").size());
    await(b.stop(), JOIN);
  }
}
