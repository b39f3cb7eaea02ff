package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static dev.vertxp2p.verticle.TestNodes.fails;
import static dev.vertxp2p.verticle.TestNodes.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.verticle.EventBusAddresses;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.verticle.TestNodes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Blocking a peer over REST ({@code POST}/{@code DELETE /api/peers/{id}/block}, {@code GET
 * /api/blocked}) and the event bus ({@code swarm.block}, {@code swarm.unblock}, {@code
 * swarm.blocked}): the reply shapes, the events, and a 400 naming the field for a bad peer id.
 */
class BlockApiTest {
  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;
  private WebClient client;
  private String peerB;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    a = deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
    peerB = b.swarm().peerId().toString();
    JsonObject conf = config("swarm");
    conf.getJsonObject("http").put("enabled", true).put("port", 0);
    DashboardVerticle dash = new DashboardVerticle();
    await(vertx.deployVerticle(dash, new DeploymentOptions().setConfig(conf)));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(dash.actualPort()));
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private static void assertError(HttpResponse<Buffer> r, int code, String mentions) {
    assertEquals(code, r.statusCode(), r.bodyAsString());
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(code, body.getInteger("code"));
    assertTrue(body.getString("error").contains(mentions), body.getString("error"));
    assertFalse(r.bodyAsString().contains(".java:"), r.bodyAsString());
  }

  @Test
  void blockAndUnblockOverRest() {
    await(a.swarm().dial(b.swarm().listenAddrs().get(0), new DialOptions()));
    TestNodes.Recorder events = new TestNodes.Recorder(vertx, "swarm.events");

    HttpResponse<Buffer> r = await(client.post("/api/peers/" + peerB + "/block").send());
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(new JsonObject().put("peer", peerB).put("blocked", true).put("changed", true),
        r.bodyAsJsonObject());
    JsonObject blockedEvent = events.next(SwarmEvent.PEER_BLOCKED);
    assertEquals(peerB, blockedEvent.getString("peer"));
    assertEquals(1, blockedEvent.getInteger("closed"));
    assertEquals(0, a.swarm().getConnections(b.swarm().peerId()).size());
    // Blocking again changes nothing.
    r = await(client.post("/api/peers/" + peerB + "/block").send());
    assertEquals(false, r.bodyAsJsonObject().getBoolean("changed"));

    r = await(client.get("/api/blocked").send());
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(new JsonObject().put("blocked", new JsonArray().add(peerB))
        .put("denyPeers", new JsonArray()), r.bodyAsJsonObject());

    r = await(client.delete("/api/peers/" + peerB + "/block").send());
    assertEquals(200, r.statusCode(), r.bodyAsString());
    assertEquals(new JsonObject().put("peer", peerB).put("blocked", false).put("changed", true)
        .put("denied", false), r.bodyAsJsonObject());
    assertEquals(peerB, events.next(SwarmEvent.PEER_UNBLOCKED).getString("peer"));
    assertEquals(new JsonArray(), await(client.get("/api/blocked").send()).bodyAsJsonObject()
        .getJsonArray("blocked"));
    // Back in.
    await(a.swarm().dial(b.swarm().listenAddrs().get(0), new DialOptions()));

    assertError(await(client.post("/api/peers/not-a-peer/block").send()), 400, "peer");
    assertError(await(client.delete("/api/peers/not-a-peer/block").send()), 400, "not-a-peer");
  }

  @Test
  void blockAndUnblockOnTheBus() {
    JsonObject reply = request(vertx, EventBusAddresses.SWARM_BLOCK,
        new JsonObject().put("peer", peerB));
    assertEquals(new JsonObject().put("peer", peerB).put("blocked", true).put("changed", true),
        reply);
    assertEquals(new JsonArray().add(peerB),
        request(vertx, EventBusAddresses.SWARM_BLOCKED, new JsonObject())
            .getJsonArray("blocked"));
    // A dial to it is refused at once: 409, the rule in words.
    ReplyException refused = fails(vertx, EventBusAddresses.SWARM_DIAL,
        new JsonObject().put("addr", b.swarm().listenAddrs().get(0).toString()));
    assertEquals(409, refused.failureCode());
    assertTrue(refused.getMessage().contains("blocked " + peerB), refused.getMessage());
    reply = request(vertx, EventBusAddresses.SWARM_UNBLOCK, new JsonObject().put("peer", peerB));
    assertEquals(true, reply.getBoolean("changed"));

    ReplyException bad = fails(vertx, EventBusAddresses.SWARM_BLOCK,
        new JsonObject().put("peer", "nope"));
    assertEquals(400, bad.failureCode());
    assertTrue(bad.getMessage().contains("peer"), bad.getMessage());
    bad = fails(vertx, EventBusAddresses.SWARM_UNBLOCK, new JsonObject());
    assertEquals(400, bad.failureCode());
    assertTrue(bad.getMessage().contains("\"peer\""), bad.getMessage());
    bad = fails(vertx, EventBusAddresses.SWARM_BLOCK, new JsonObject().put("peer", 5));
    assertEquals(400, bad.failureCode());
    assertTrue(bad.getMessage().contains("peer"), bad.getMessage());
  }
}
