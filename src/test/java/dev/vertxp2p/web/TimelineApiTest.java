package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static dev.vertxp2p.verticle.TestNodes.fails;
import static dev.vertxp2p.verticle.TestNodes.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.EventBusAddresses;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
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
 * {@code GET /api/connections/{id}/timeline} and {@code GET /api/connections?state=closed}, over
 * REST and the event bus ({@code swarm.timeline}), against two real swarms.
 */
class TimelineApiTest {
  private Vertx vertx;
  private SwarmVerticle b;
  private WebClient client;

  @BeforeEach
  void setUp() {
    vertx = MetricsRegistries.createVertx(new VertxOptions());
    deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
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

  private HttpResponse<Buffer> get(String path) {
    return await(client.get(path).send());
  }

  private static void assertError(HttpResponse<Buffer> r, int code, String mentions) {
    assertEquals(code, r.statusCode(), r.bodyAsString());
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(code, body.getInteger("code"));
    assertTrue(body.getString("error").contains(mentions), body.getString("error"));
  }

  @Test
  void aConnectionsTimelineWhileOpenAndAfterItClosed() {
    String addr = b.swarm().listenAddrs().get(0).toString();
    HttpResponse<Buffer> dialed =
        await(client.post("/api/dial").sendJsonObject(new JsonObject().put("addr", addr)));
    assertEquals(200, dialed.statusCode(), dialed.bodyAsString());
    String id = dialed.bodyAsJsonObject().getJsonArray("connections").getJsonObject(0)
        .getString("id");

    HttpResponse<Buffer> open = get("/api/connections/" + id + "/timeline");
    assertEquals(200, open.statusCode(), open.bodyAsString());
    JsonObject t = open.bodyAsJsonObject();
    assertEquals(id, t.getString("id"));
    assertEquals("open", t.getString("state"));
    assertNull(t.getValue("closeReason"));
    JsonArray attempts = t.getJsonArray("attempts");
    assertEquals(1, attempts.size(), t.encode());
    assertEquals(b.swarm().listenAddrs().get(0).withoutPeerId().toString(),
        attempts.getJsonObject(0).getString("addr"));
    assertTrue(t.getJsonObject("phases").containsKey("securityMs"), t.encode());
    assertTrue(t.getJsonObject("streams").containsKey("total"), t.encode());
    JsonObject overBus = request(vertx, EventBusAddresses.SWARM_TIMELINE,
        new JsonObject().put("connection", id));
    assertEquals(id, overBus.getString("id"));

    assertEquals(204, await(client.delete("/api/connections/" + id).send()).statusCode());

    JsonObject closed = get("/api/connections/" + id + "/timeline").bodyAsJsonObject();
    assertEquals("closed", closed.getString("state"));
    assertEquals("local", closed.getString("closeReason"));
    HttpResponse<Buffer> list = get("/api/connections?state=closed");
    assertEquals(200, list.statusCode(), list.bodyAsString());
    JsonObject first = list.bodyAsJsonObject().getJsonArray("connections").getJsonObject(0);
    assertEquals(id, first.getString("id"));
    assertEquals("local", first.getString("closeReason"));
    assertTrue(first.containsKey("closedAt"), first.encode());
    // The open listing no longer has it, the closed one by peer does.
    assertFalse(get("/api/connections?state=open").bodyAsString().contains(id));
    assertTrue(get("/api/connections?state=closed&peer=" + b.swarm().peerId()).bodyAsString()
        .contains(id));
  }

  @Test
  void anUnknownConnectionIs404AndABadStateIs400() {
    assertError(get("/api/connections/c999999/timeline"), 404, "c999999");
    assertError(get("/api/connections?state=gone"), 400, "gone");
    ReplyException e = fails(vertx, EventBusAddresses.SWARM_TIMELINE,
        new JsonObject().put("connection", "c424242"));
    assertEquals(404, e.failureCode());
    assertTrue(e.getMessage().contains("c424242"), e.getMessage());
    assertEquals(400, fails(vertx, EventBusAddresses.SWARM_TIMELINE, new JsonObject())
        .failureCode());
  }
}
