package dev.vertxp2p.launcher;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ClusterOptions;
import dev.vertxp2p.testing.TestCluster;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.verticle.TestNodes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The embedded path of the cluster: two clustered Vert.x instances in this JVM (Hazelcast on
 * loopback), each deploying a SwarmVerticle with a {@code cluster} section, and plain swarms as
 * the remote peers. Placement ({@code swarm.cluster.dial}), the cluster-wide limit
 * ({@code cluster.maxConnectionsPerRemotePeer}) on dials and on inbound connections, and {@code
 * swarm.cluster.request}.
 */
class ClusterOperationsTest {
  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void closeAll() {
    cluster.close();
  }

  private ClusterOptions options(int port, String nodeName) {
    return cluster.options(port, 5813, 5814).setNodeName(nodeName)
        .setMaxConnectionsPerRemotePeer(4);
  }

  /** A plain swarm with echo on, in its own Vert.x. */
  private SwarmVerticle remote() {
    Vertx v = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    cluster.add(v);
    remotes.put(TestNodes.deploy(v, TestNodes.config("swarm")
        .put("connection", new JsonObject().put("connectionTimeout", 2.0)
            .put("maxConnectionsPerPeer", 4))
        .put("services", new JsonObject().put("echo", true))), v);
    return last(remotes);
  }

  private final java.util.LinkedHashMap<SwarmVerticle, Vertx> remotes =
      new java.util.LinkedHashMap<>();

  private static SwarmVerticle last(java.util.LinkedHashMap<SwarmVerticle, Vertx> m) {
    SwarmVerticle out = null;
    for (SwarmVerticle v : m.keySet()) {
      out = v;
    }
    return out;
  }

  private static String addr(SwarmVerticle v) {
    String listen = v.swarm().listenAddrs().get(0).toString();
    String id = v.swarm().peerId().toString();
    return listen.contains("/p2p/") ? listen : listen + "/p2p/" + id;
  }

  private static String id(SwarmVerticle v) {
    return v.swarm().peerId().toString();
  }

  private static JsonObject until(Vertx vertx, String address, JsonObject body,
      Predicate<JsonObject> ok) {
    return TestCluster.until(vertx, address, body, ok);
  }

  private static JsonObject request(Vertx vertx, String address, JsonObject body) {
    Message<JsonObject> m = await(vertx.eventBus().request(address, body,
        new DeliveryOptions().setSendTimeout(40_000)), Duration.ofSeconds(45));
    return m.body();
  }

  private static ReplyException fails(Vertx vertx, String address, JsonObject body) {
    Throwable t = dev.vertxp2p.testing.Await.failure(vertx.eventBus().request(address, body,
        new DeliveryOptions().setSendTimeout(40_000)));
    assertTrue(t instanceof ReplyException, String.valueOf(t));
    return (ReplyException) t;
  }

  private static int held(JsonObject peersView, String peer, String node) {
    JsonArray holders = peersView.getJsonObject("peers").getJsonArray(peer, new JsonArray());
    for (Object h : holders) {
      JsonObject j = (JsonObject) h;
      if (node.equals(j.getString("node"))) {
        return j.getInteger("connections");
      }
    }
    return 0;
  }

  private static int total(JsonObject peersView, String peer) {
    int t = 0;
    for (Object h : peersView.getJsonObject("peers").getJsonArray(peer, new JsonArray())) {
      t += ((JsonObject) h).getInteger("connections");
    }
    return t;
  }

  @Test
  void placementTheClusterWideLimitAndRequests() {
    ClusterOptions ca = options(5813, "alpha");
    ClusterOptions cb = options(5814, "beta");
    List<Vertx> started = cluster.start(ca, cb);
    Vertx a = started.get(0);
    Vertx b = started.get(1);
    // Four per node, so that one node can hold the whole cluster-wide limit.
    JsonObject perNode = new JsonObject().put("connectionTimeout", 2.0)
        .put("maxConnectionsPerPeer", 4);
    JsonObject configA = TestNodes.config("swarm").put("cluster", ca.toJson())
        .put("connection", perNode);
    JsonObject configB = TestNodes.config("swarm").put("cluster", cb.toJson())
        .put("connection", perNode);
    SwarmVerticle alpha = TestNodes.deploy(a, configA);
    SwarmVerticle beta = TestNodes.deploy(b, configB);
    TestNodes.Recorder eventsOnB = new TestNodes.Recorder(b, "swarm.events");
    until(a, "swarm.cluster.nodes", new JsonObject(),
        v -> v.getJsonArray("nodes", new JsonArray()).size() == 2);
    until(b, "swarm.cluster.nodes", new JsonObject(),
        v -> v.getJsonArray("nodes", new JsonArray()).size() == 2);

    // Placement: a new peer goes to the node with the fewest connections (alpha, by name on a
    // tie); a second cluster dial, from the other node, goes where the peer already is.
    SwarmVerticle c = remote();
    JsonObject first = request(a, "swarm.cluster.dial",
        new JsonObject().put("addr", addr(c)).put("connections", 1));
    assertEquals("alpha", first.getString("node"), first.encode());
    assertEquals(1, first.getJsonArray("connections").size(), first.encode());
    JsonObject second = request(b, "swarm.cluster.dial",
        new JsonObject().put("addr", addr(c)).put("connections", 2));
    assertEquals("alpha", second.getString("node"), second.encode());
    assertEquals(2, second.getJsonArray("connections").size(), second.encode());
    JsonObject view = until(b, "swarm.cluster.peers", new JsonObject(),
        v -> held(v, id(c), "alpha") == 2);
    assertEquals(2, total(view, id(c)), view.encode());

    // The cluster-wide limit (4): node-local top-ups of 3 on alpha, then 3 on beta.
    SwarmVerticle d = remote();
    JsonObject onAlpha = request(b, "swarm.alpha.dial",
        new JsonObject().put("addr", addr(d)).put("connections", 3));
    assertEquals(3, onAlpha.getJsonArray("connections").size(), onAlpha.encode());
    JsonObject onBeta = request(a, "swarm.beta.dial",
        new JsonObject().put("addr", addr(d)).put("connections", 3));
    assertEquals(1, onBeta.getJsonArray("connections").size(), onBeta.encode());
    JsonArray shortfall = onBeta.getJsonArray("shortfall");
    assertEquals(1, shortfall.size(), onBeta.encode());
    assertEquals(new JsonObject().put("scope", "cluster").put("limit", 4).put("current", 4),
        shortfall.getJsonObject(0).getJsonObject("refusal"), onBeta.encode());
    view = until(a, "swarm.cluster.peers", new JsonObject(), v -> total(v, id(d)) == 4);
    assertEquals(3, held(view, id(d), "alpha"));
    assertEquals(1, held(view, id(d), "beta"));
    // An inbound connection from d to beta would be the fifth: beta refuses it.
    request(remotes.get(d), "swarm.dial",
        new JsonObject().put("addr", addr(beta)).put("connections", 2));
    JsonObject rejected = eventsOnB.next("connection.rejected");
    assertEquals("cluster", rejected.getJsonObject("refusal").getString("scope"),
        rejected.encode());
    view = request(a, "swarm.cluster.peers", new JsonObject());
    assertEquals(4, total(view, id(d)), view.encode());

    // A slot given back (beta hangs up) is taken by another node once the release lands.
    request(b, "swarm.hangup", new JsonObject().put("peer", id(d)));
    JsonObject retaken = until(a, "swarm.dial",
        new JsonObject().put("addr", addr(d)).put("connections", 4).put("force", true),
        r -> r.getJsonArray("connections", new JsonArray()).size() == 4);
    assertEquals(4, retaken.getJsonArray("connections").size());
    // Now nothing fits for beta, which holds none: 409, naming the cluster's limit.
    ReplyException full = fails(b, "swarm.dial",
        new JsonObject().put("addr", addr(d)).put("connections", 1).put("force", true));
    assertEquals(409, full.failureCode(), full.getMessage());
    assertTrue(full.getMessage().contains("cluster.maxConnectionsPerRemotePeer"),
        full.getMessage());
    view = request(a, "swarm.cluster.peers", new JsonObject());
    assertEquals(4, total(view, id(d)), view.encode());

    // cluster.request: echo from a node that had no connection to the peer.
    SwarmVerticle e = remote();
    byte[] data = new byte[100_000];
    new Random(7).nextBytes(data);
    JsonObject echoed = request(b, "swarm.cluster.request", new JsonObject()
        .put("peer", id(e)).put("protocol", "/echo/1.0.0")
        .put("data", Base64.getEncoder().encodeToString(data))
        .put("addrs", new JsonArray().add(addr(e))));
    assertArrayEquals(data, Base64.getDecoder().decode(echoed.getString("data")));
    assertTrue(List.of("alpha", "beta").contains(echoed.getString("node")), echoed.encode());

    // A peer the cluster holds is asked through its holder, with no address given.
    JsonObject viaHolder = request(b, "swarm.cluster.request", new JsonObject()
        .put("peer", id(c)).put("protocol", "/echo/1.0.0")
        .put("data", Base64.getEncoder().encodeToString("hi".getBytes())));
    assertEquals("alpha", viaHolder.getString("node"));
    assertEquals("hi", new String(Base64.getDecoder().decode(viaHolder.getString("data"))));

    // No node knows the peer: 404.
    String unknown = PeerId.fromPublicKey(dev.vertxp2p.crypto.Keys.generateEd25519(
        new java.security.SecureRandom()).publicKey()).toString();
    ReplyException notFound = fails(a, "swarm.cluster.request", new JsonObject()
        .put("peer", unknown).put("protocol", "/echo/1.0.0").put("data", ""));
    assertEquals(404, notFound.failureCode(), notFound.getMessage());
    assertTrue(notFound.getMessage().contains("addrs"), notFound.getMessage());

    // A reply over maxResponseBytes fails 502, and says so.
    ReplyException tooBig = fails(a, "swarm.cluster.request", new JsonObject()
        .put("peer", id(c)).put("protocol", "/echo/1.0.0")
        .put("data", Base64.getEncoder().encodeToString(new byte[5_000]))
        .put("maxResponseBytes", 1_000));
    assertEquals(502, tooBig.failureCode(), tooBig.getMessage());
    assertTrue(tooBig.getMessage().contains("maxResponseBytes (1000)"), tooBig.getMessage());

    // A peer that never ends its reply: 504 after the timeout.
    c.swarm().handle("/silent/1.0.0", s -> s.handler(buf -> { }));
    ReplyException slow = fails(b, "swarm.cluster.request", new JsonObject()
        .put("peer", id(c)).put("protocol", "/silent/1.0.0").put("data", "AA==")
        .put("timeout", 0.5));
    assertEquals(504, slow.failureCode(), slow.getMessage());

    // Bad input: 400 naming the field.
    ReplyException badData = fails(a, "swarm.cluster.request", new JsonObject()
        .put("peer", id(c)).put("protocol", "/echo/1.0.0").put("data", "%%%"));
    assertEquals(400, badData.failureCode());
    assertTrue(badData.getMessage().contains("data"), badData.getMessage());
    ReplyException noProtocol = fails(a, "swarm.cluster.request",
        new JsonObject().put("peer", id(c)));
    assertEquals(400, noProtocol.failureCode());
    assertTrue(noProtocol.getMessage().contains("protocol"), noProtocol.getMessage());
    ReplyException noPeerId = fails(a, "swarm.cluster.dial",
        new JsonObject().put("addr", "/ip4/127.0.0.1/tcp/1"));
    assertEquals(400, noPeerId.failureCode());

    // The same over REST, on alpha's dashboard.
    dev.vertxp2p.web.DashboardVerticle dashboard = new dev.vertxp2p.web.DashboardVerticle();
    await(a.deployVerticle(dashboard, new DeploymentOptions().setConfig(configA.copy()
        .put("http", new JsonObject().put("enabled", true).put("port", 0)))));
    WebClient web = WebClient.create(a);
    HttpResponse<Buffer> rest = await(web.postAbs(dashboard.url() + "/api/cluster/request")
        .sendJsonObject(new JsonObject().put("peer", id(e)).put("protocol", "/echo/1.0.0")
            .put("data", Base64.getEncoder().encodeToString("rest".getBytes()))));
    assertEquals(200, rest.statusCode(), rest.bodyAsString());
    assertEquals("rest", new String(Base64.getDecoder().decode(
        rest.bodyAsJsonObject().getString("data"))));
    HttpResponse<Buffer> restDial = await(web.postAbs(dashboard.url() + "/api/cluster/dial")
        .sendJsonObject(new JsonObject().put("addr", addr(c))));
    assertEquals(200, restDial.statusCode(), restDial.bodyAsString());
    assertEquals("alpha", restDial.bodyAsJsonObject().getString("node"));
    byte[] big = new byte[900 * 1024];
    HttpResponse<Buffer> tooLarge = await(web.postAbs(dashboard.url() + "/api/cluster/request")
        .sendJsonObject(new JsonObject().put("peer", id(e)).put("protocol", "/echo/1.0.0")
            .put("data", Base64.getEncoder().encodeToString(big))));
    assertEquals(413, tooLarge.statusCode(), tooLarge.bodyAsString());
    assertTrue(tooLarge.bodyAsString().contains("1048576"), tooLarge.bodyAsString());
  }
}
