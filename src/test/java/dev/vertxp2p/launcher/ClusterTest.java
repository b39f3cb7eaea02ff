package dev.vertxp2p.launcher;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ClusterOptions;
import dev.vertxp2p.verticle.ClusterNameTakenException;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.verticle.TestNodes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two clustered Vert.x instances with Hazelcast on loopback in this JVM, each with a swarm: the
 * node-local and cluster-wide addresses, the cluster views, and a refused duplicate node name.
 */
class ClusterTest {
  private static final Duration JOIN = Duration.ofSeconds(45);
  private final List<Vertx> instances = new ArrayList<>();

  @AfterEach
  void closeAll() {
    List<Future<Void>> closing = new ArrayList<>();
    for (Vertx v : instances) {
      closing.add(v.close());
    }
    instances.clear();
    await(Future.join(closing), Duration.ofSeconds(30));
  }

  /** A unique cluster name per test, so runs never join each other. */
  private static String clusterName() {
    return "test-" + UUID.randomUUID();
  }

  private static ClusterOptions cluster(String name, int port, int... members) {
    List<String> list = new ArrayList<>();
    for (int m : members) {
      list.add("127.0.0.1:" + m);
    }
    return new ClusterOptions().setEnabled(true).setName(name).setHost("127.0.0.1")
        .setPort(port).setMembers(list);
  }

  private List<Vertx> start(ClusterOptions... options) {
    List<Future<Vertx>> all = new ArrayList<>();
    for (ClusterOptions o : options) {
      all.add(ClusteredVertx.create(o).onSuccess(v -> {
        synchronized (instances) {
          instances.add(v);
        }
      }));
    }
    await(Future.all(all), JOIN);
    List<Vertx> out = new ArrayList<>();
    for (Future<Vertx> f : all) {
      out.add(f.result());
    }
    return out;
  }

  private static JsonObject swarmConfig(ClusterOptions cluster, String nodeName) {
    return TestNodes.config("swarm")
        .put("cluster", new ClusterOptions(cluster).setNodeName(nodeName).toJson());
  }

  private static Future<String> deploy(Vertx vertx, SwarmVerticle v, JsonObject config) {
    return vertx.deployVerticle(v, new DeploymentOptions().setConfig(config));
  }

  /** Asks {@code address} until the reply matches, on Vert.x timers, within {@code JOIN}. */
  private static JsonObject until(Vertx vertx, String address, Predicate<JsonObject> ok) {
    Promise<JsonObject> result = Promise.promise();
    long deadline = System.nanoTime() + JOIN.toNanos();
    JsonObject[] last = new JsonObject[1];
    vertx.setPeriodic(0, 250, id -> vertx.eventBus().<JsonObject>request(address,
        new JsonObject(), new DeliveryOptions().setSendTimeout(10_000)).onComplete(ar -> {
          if (ar.succeeded()) {
            last[0] = ar.result().body();
            if (ok.test(last[0])) {
              vertx.cancelTimer(id);
              result.tryComplete(last[0]);
              return;
            }
          }
          if (System.nanoTime() > deadline) {
            vertx.cancelTimer(id);
            result.tryFail(new AssertionError("no matching reply on " + address + " within "
                + JOIN + "; last: " + last[0]));
          }
        }));
    return await(result.future(), JOIN.plusSeconds(15));
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
    String name = clusterName();
    ClusterOptions ca = cluster(name, 5801, 5801, 5802);
    ClusterOptions cb = cluster(name, 5802, 5801, 5802);
    List<Vertx> vs = start(ca, cb);
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
    instances.add(plain);
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
    instances.remove(b);
    await(b.close(), Duration.ofSeconds(30));
    JsonObject left = eventsOnA.next("cluster.node.left");
    assertEquals("beta", left.getString("node"));
    until(a, "swarm.cluster.nodes", v -> names(v).equals(List.of("alpha")));
  }

  @Test
  void aDuplicateNodeNameIsRefusedNamingTheClash() {
    String name = clusterName();
    ClusterOptions ca = cluster(name, 5811, 5811, 5812);
    ClusterOptions cb = cluster(name, 5812, 5811, 5812);
    List<Vertx> vs = start(ca, cb);
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
    instances.add(plain);
    Throwable err = failure(deploy(plain, new SwarmVerticle(),
        swarmConfig(cluster(clusterName(), 5821, 5821), "x")));
    assertTrue(err.getMessage().contains("cluster.enabled"), err.getMessage());
  }
}
