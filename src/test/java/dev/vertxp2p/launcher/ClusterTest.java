package dev.vertxp2p.launcher;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ClusterOptions;
import dev.vertxp2p.testing.TestCluster;
import dev.vertxp2p.verticle.ClusterNameTakenException;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.verticle.TestNodes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two clustered Vert.x instances with Hazelcast on loopback in this JVM, each with a swarm: the
 * node-local and cluster-wide addresses, the cluster views, and a refused duplicate node name.
 */
class ClusterTest {
  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void closeAll() {
    cluster.close();
  }

  private static JsonObject swarmConfig(ClusterOptions cluster, String nodeName) {
    return TestNodes.config("swarm")
        .put("cluster", new ClusterOptions(cluster).setNodeName(nodeName).toJson());
  }

  private static Future<String> deploy(Vertx vertx, SwarmVerticle v, JsonObject config) {
    return vertx.deployVerticle(v, new DeploymentOptions().setConfig(config));
  }

  private static JsonObject until(Vertx vertx, String address, Predicate<JsonObject> ok) {
    return TestCluster.until(vertx, address, new JsonObject(), ok);
  }

  private static List<String> names(JsonObject nodesView) {
    List<String> names = new ArrayList<>();
    for (Object n : nodesView.getJsonArray("nodes")) {
      names.add(((JsonObject) n).getString("name"));
    }
    return names;
  }

  @Test
  void nodesServeLocallyAndClusterWideAndTheViewsSpanTheCluster() {
    ClusterOptions ca = cluster.options(5801, 5801, 5802);
    ClusterOptions cb = cluster.options(5802, 5801, 5802);
    List<Vertx> vs = cluster.start(ca, cb);
    Vertx a = vs.get(0);
    Vertx b = vs.get(1);
    SwarmVerticle sa = new SwarmVerticle();
    SwarmVerticle sb = new SwarmVerticle();
    await(deploy(a, sa, swarmConfig(ca, "alpha")));
    TestNodes.Recorder eventsOnA = new TestNodes.Recorder(a, "swarm.events");
    await(deploy(b, sb, swarmConfig(cb, "beta")));
    String idA = sa.swarm().peerId().toString();
    String idB = sb.swarm().peerId().toString();

    // The plain addresses are node-local: each node answers its own.
    assertEquals(idA, TestNodes.request(a, "swarm.node", new JsonObject()).getString("peerId"));
    assertEquals(idB, TestNodes.request(b, "swarm.node", new JsonObject()).getString("peerId"));
    // The node's own addresses are cluster-wide.
    assertEquals(idB, until(a, "swarm.beta.node", r -> true).getString("peerId"));
    assertEquals(idA, until(b, "swarm.alpha.node", r -> true).getString("peerId"));

    JsonObject joined = eventsOnA.next("cluster.node.joined");
    assertEquals("beta", joined.getString("node"));
    assertEquals(idB, joined.getString("peerId"));

    Predicate<JsonObject> both = v -> names(v).equals(List.of("alpha", "beta"));
    JsonObject fromA = until(a, "swarm.cluster.nodes", both);
    until(b, "swarm.cluster.nodes", both);
    JsonObject beta = fromA.getJsonArray("nodes").getJsonObject(1);
    assertEquals(idB, beta.getString("peerId"));
    assertEquals(0, beta.getInteger("connections"));
    assertTrue(beta.getJsonArray("listenAddrs").size() > 0, beta.encode());
    assertTrue(beta.getString("joinedAt") != null, beta.encode());

    // A third, unclustered swarm, which B dials (asked from A's event bus).
    Vertx plain = Vertx.vertx();
    cluster.add(plain);
    SwarmVerticle third = TestNodes.deploy(plain, TestNodes.config("swarm"));
    String idC = third.swarm().peerId().toString();
    String listenC = third.swarm().listenAddrs().get(0).toString();
    String addrC = listenC.contains("/p2p/") ? listenC : listenC + "/p2p/" + idC;
    JsonObject dialed = TestNodes.request(a, "swarm.beta.dial",
        new JsonObject().put("addr", addrC).put("connections", 2));
    assertEquals(2, dialed.getJsonArray("connections").size(), dialed.encode());

    JsonObject peers = until(a, "swarm.cluster.peers", v ->
        v.getJsonObject("peers").containsKey(idC));
    assertEquals(new JsonArray().add(new JsonObject().put("node", "beta").put("connections", 2)),
        peers.getJsonObject("peers").getJsonArray(idC), peers.encode());
    // The same views over REST, from A's dashboard (which its summary then names).
    dev.vertxp2p.web.DashboardVerticle dashboard = new dev.vertxp2p.web.DashboardVerticle();
    await(a.deployVerticle(dashboard, new DeploymentOptions().setConfig(swarmConfig(ca, "alpha")
        .put("http", new JsonObject().put("enabled", true).put("port", 0)))));
    WebClient web = WebClient.create(a);
    JsonObject restNodes = await(web.getAbs(dashboard.url() + "/api/cluster").send())
        .bodyAsJsonObject();
    assertEquals(List.of("alpha", "beta"), names(restNodes), restNodes.encode());
    assertEquals(dashboard.url(),
        restNodes.getJsonArray("nodes").getJsonObject(0).getString("http"));
    JsonObject restPeers = await(web.getAbs(dashboard.url() + "/api/cluster/peers").send())
        .bodyAsJsonObject();
    assertEquals(peers, restPeers);
    // A holds no connection of its own to it.
    assertTrue(TestNodes.request(a, "swarm.connections", new JsonObject())
        .getJsonArray("connections").isEmpty());

    // B goes: A sees it leave, and its views drop it.
    cluster.closeNow(b);
    JsonObject left = eventsOnA.next("cluster.node.left");
    assertEquals("beta", left.getString("node"));
    until(a, "swarm.cluster.nodes", v -> names(v).equals(List.of("alpha")));
  }

  @Test
  void aDuplicateNodeNameIsRefusedNamingTheClash() {
    ClusterOptions ca = cluster.options(5811, 5811, 5812);
    ClusterOptions cb = cluster.options(5812, 5811, 5812);
    List<Vertx> vs = cluster.start(ca, cb);
    await(deploy(vs.get(0), new SwarmVerticle(), swarmConfig(ca, "same")));
    Throwable err = failure(deploy(vs.get(1), new SwarmVerticle(), swarmConfig(cb, "same")));
    ClusterNameTakenException clash = assertInstanceOf(ClusterNameTakenException.class, err);
    assertEquals("same", clash.nodeName());
    assertTrue(clash.getMessage().contains("cluster.nodeName: \"same\" is already used"),
        clash.getMessage());
    // The refused node released everything: it can join under another name.
    await(deploy(vs.get(1), new SwarmVerticle(), swarmConfig(cb, "other")));
    until(vs.get(0), "swarm.cluster.nodes", v -> names(v).equals(List.of("other", "same")));
  }

  @Test
  void clusterEnabledOnAPlainVertxIsRefused() {
    Vertx plain = Vertx.vertx();
    cluster.add(plain);
    Throwable err = failure(deploy(plain, new SwarmVerticle(),
        swarmConfig(cluster.options(5821, 5821), "x")));
    assertTrue(err.getMessage().contains("cluster.enabled"), err.getMessage());
  }
}
