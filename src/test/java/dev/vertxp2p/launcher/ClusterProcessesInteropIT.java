package dev.vertxp2p.launcher;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.interop.JsInterop;
import dev.vertxp2p.interop.JsPeer;
import dev.vertxp2p.testing.NodeProcess;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.verticle.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real cluster: three node JVMs started from the fat jar, Hazelcast on loopback, driven over
 * their REST APIs from this JVM, with a js-libp2p peer and Java peers as the remote peers.
 * Placement, the cluster views, the cluster-wide limit, the cluster request, and a node killed
 * with SIGKILL (views, cluster-kept peer restored, limit kept).
 *
 * <p>Runs in the {@code integration-test} phase, after the fat jar is built (a second surefire
 * execution in pom.xml). Needs node for the js peer: under {@code CI=true} it fails without it.
 */
class ClusterProcessesInteropIT {
  /** Hazelcast ports of the three nodes; nothing else in the suite uses them. */
  private static final int[] PORTS = {5871, 5872, 5873};
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int LIMIT = 4;

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();
  private final WebClient web = WebClient.create(vertx);
  private JsPeer js;

  @BeforeEach
  void requireJs() {
    JsInterop.assumeAvailable();
  }

  @AfterEach
  void stopAll() {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (js != null) {
      js.close();
    }
    await(vertx.close(), Duration.ofSeconds(30));
  }

  private static JsonObject config(String cluster, int i) {
    JsonArray members = new JsonArray();
    for (int p : PORTS) {
      members.add("127.0.0.1:" + p);
    }
    return new JsonObject()
        .put("listen", new JsonArray().add("/ip4/127.0.0.1/tcp/0"))
        .put("connection", new JsonObject().put("connectionTimeout", 5.0))
        .put("services", new JsonObject().put("echo", true))
        .put("http", new JsonObject().put("enabled", true).put("port", 0))
        .put("cluster", new JsonObject().put("enabled", true).put("name", cluster)
            .put("host", "127.0.0.1").put("port", PORTS[i]).put("members", members)
            .put("nodeName", "node" + (i + 1)).put("maxConnectionsPerRemotePeer", LIMIT));
  }

  private JsonObject get(NodeProcess n, String path) {
    HttpResponse<Buffer> r = await(web.getAbs(n.http() + path).send(), WAIT);
    assertEquals(200, r.statusCode(), path + " on " + n.name() + ": " + r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  private HttpResponse<Buffer> post(NodeProcess n, String path, JsonObject body) {
    return await(web.postAbs(n.http() + path).sendJsonObject(body), WAIT);
  }

  private JsonObject postOk(NodeProcess n, String path, JsonObject body) {
    HttpResponse<Buffer> r = post(n, path, body);
    assertEquals(200, r.statusCode(), path + " on " + n.name() + ": " + r.bodyAsString());
    return r.bodyAsJsonObject();
  }

  /** GETs {@code path} on {@code n} every 250 ms until the body matches, within {@code limit}. */
  private JsonObject until(NodeProcess n, String path, Duration limit, Predicate<JsonObject> ok) {
    Promise<JsonObject> result = Promise.promise();
    long deadline = System.nanoTime() + limit.toNanos();
    JsonObject[] last = new JsonObject[1];
    vertx.setPeriodic(0, 250, id -> web.getAbs(n.http() + path).send().onComplete(ar -> {
      if (ar.succeeded() && ar.result().statusCode() == 200) {
        last[0] = ar.result().bodyAsJsonObject();
        if (ok.test(last[0])) {
          vertx.cancelTimer(id);
          result.tryComplete(last[0]);
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        vertx.cancelTimer(id);
        result.tryFail(new AssertionError(path + " on " + n.name() + " did not match within "
            + limit + "; last: " + last[0]));
      }
    }));
    return await(result.future(), limit.plusSeconds(30));
  }

  private static List<String> names(JsonObject nodesView) {
    List<String> out = new ArrayList<>();
    for (Object o : nodesView.getJsonArray("nodes")) {
      out.add(((JsonObject) o).getString("name"));
    }
    return out;
  }

  private static int total(JsonObject peers, String peer) {
    int t = 0;
    for (Object h : peers.getJsonObject("peers").getJsonArray(peer, new JsonArray())) {
      t += ((JsonObject) h).getInteger("connections");
    }
    return t;
  }

  private static JsonObject holders(JsonObject peers, String peer) {
    JsonObject out = new JsonObject();
    for (Object h : peers.getJsonObject("peers").getJsonArray(peer, new JsonArray())) {
      out.put(((JsonObject) h).getString("node"), ((JsonObject) h).getInteger("connections"));
    }
    return out;
  }

  private SwarmVerticle javaPeer() {
    return TestNodes.deploy(vertx, TestNodes.config("peer-" + UUID.randomUUID())
        .put("connection", new JsonObject().put("maxConnectionsPerPeer", LIMIT))
        .put("services", new JsonObject().put("echo", true)));
  }

  private static String addr(SwarmVerticle v) {
    String a = v.swarm().listenAddrs().get(0).toString();
    return a.contains("/p2p/") ? a : a + "/p2p/" + v.swarm().peerId();
  }

  @Test
  void threeNodeJvmsPlaceLimitRequestAndSurviveAKill() throws Exception {
    String cluster = "it-" + UUID.randomUUID();
    List<CompletableFuture<NodeProcess>> starting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int k = i;
      starting.add(CompletableFuture.supplyAsync(
          () -> NodeProcess.start("node" + (k + 1), config(cluster, k), 120)));
    }
    for (CompletableFuture<NodeProcess> f : starting) {
      nodes.add(f.get());
    }
    NodeProcess n1 = nodes.get(0);
    NodeProcess n2 = nodes.get(1);
    NodeProcess n3 = nodes.get(2);
    for (NodeProcess n : nodes) {
      until(n, "/api/cluster", WAIT, v -> names(v).size() == 3);
    }

    // Placement: two cluster dials to the js peer, from different nodes, end on one node.
    js = JsPeer.start(JsPeer.Options.defaults().withEcho(true));
    JsonObject first = postOk(n1, "/api/cluster/dial",
        new JsonObject().put("addr", js.addr()).put("connections", 1));
    String placed = first.getString("node");
    JsonObject second = postOk(n2, "/api/cluster/dial",
        new JsonObject().put("addr", js.addr()).put("connections", 2));
    assertEquals(placed, second.getString("node"), second.encode());
    // Every node's view shows where the connections are.
    for (NodeProcess n : nodes) {
      JsonObject peers = until(n, "/api/cluster/peers", WAIT,
          v -> total(v, js.peerId()) == 2);
      assertEquals(new JsonObject().put(placed, 2), holders(peers, js.peerId()), peers.encode());
    }

    // The cluster-wide limit: node-local top-ups of 3 on node1, then 3 on node2.
    SwarmVerticle p = javaPeer();
    String pid = p.swarm().peerId().toString();
    JsonObject onN1 = postOk(n1, "/api/dial",
        new JsonObject().put("addr", addr(p)).put("connections", 3));
    assertEquals(3, onN1.getJsonArray("connections").size(), onN1.encode());
    JsonObject onN2 = postOk(n2, "/api/dial",
        new JsonObject().put("addr", addr(p)).put("connections", 3));
    assertEquals(1, onN2.getJsonArray("connections").size(), onN2.encode());
    assertEquals("cluster", onN2.getJsonArray("shortfall").getJsonObject(0)
        .getJsonObject("refusal").getString("scope"), onN2.encode());
    JsonObject peers = until(n3, "/api/cluster/peers", WAIT, v -> total(v, pid) == LIMIT);
    assertEquals(new JsonObject().put("node1", 3).put("node2", 1), holders(peers, pid));

    // A cluster request from a node, answered by a node that had no connection to the peer.
    SwarmVerticle q = javaPeer();
    String qid = q.swarm().peerId().toString();
    assertFalse(get(n3, "/api/cluster/peers").getJsonObject("peers").containsKey(qid));
    byte[] data = new byte[64 * 1024];
    new Random(11).nextBytes(data);
    JsonObject echoed = postOk(n3, "/api/cluster/request", new JsonObject().put("peer", qid)
        .put("protocol", "/echo/1.0.0").put("data", Base64.getEncoder().encodeToString(data))
        .put("addrs", new JsonArray().add(addr(q))));
    assertArrayEquals(data, Base64.getDecoder().decode(echoed.getString("data")));

    // A cluster-kept peer: one connection on each node.
    SwarmVerticle k = javaPeer();
    String kid = k.swarm().peerId().toString();
    postOk(n1, "/api/cluster/keep",
        new JsonObject().put("addr", addr(k)).put("connections", 3));
    peers = until(n1, "/api/cluster/peers", WAIT, v -> holders(v, kid).size() == 3);
    assertEquals(new JsonObject().put("node1", 1).put("node2", 1).put("node3", 1),
        holders(peers, kid));

    // SIGKILL node3: it leaves the others' views within 15 s; the kept peer is back at 3 on
    // the survivors; the limit holds on every view read meanwhile.
    long killedAt = System.nanoTime();
    n3.kill();
    assertFalse(n3.isAlive());
    for (NodeProcess n : List.of(n1, n2)) {
      until(n, "/api/cluster", Duration.ofSeconds(15).minusNanos(System.nanoTime() - killedAt),
          v -> !names(v).contains("node3"));
    }
    long leftMs = (System.nanoTime() - killedAt) / 1_000_000;
    JsonObject restored = until(n1, "/api/cluster/peers", WAIT, v -> {
      assertTrue(total(v, pid) <= LIMIT, v.encode());
      assertTrue(total(v, kid) <= LIMIT, v.encode());
      return total(v, kid) == 3;
    });
    long restoredMs = (System.nanoTime() - killedAt) / 1_000_000;
    assertFalse(holders(restored, kid).containsKey("node3"), restored.encode());
    JsonObject kept = get(n2, "/api/cluster/kept");
    assertEquals(kid, kept.getJsonArray("kept").getJsonObject(0).getString("peer"),
        kept.encode());
    System.out.println("cluster: node3 left the views " + leftMs + " ms after SIGKILL; kept peer"
        + " restored after " + restoredMs + " ms");
  }
}
