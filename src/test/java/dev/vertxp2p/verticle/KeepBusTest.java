package dev.vertxp2p.verticle;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static dev.vertxp2p.verticle.TestNodes.fails;
import static dev.vertxp2p.verticle.TestNodes.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code swarm.keep}, {@code swarm.unkeep} and {@code swarm.kept} on the event bus. */
class KeepBusTest {
  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    a = deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private String peerB() {
    return b.swarm().peerId().toString();
  }

  @Test
  void keepByAddrListUnkeep() {
    JsonObject kept = request(vertx, EventBusAddresses.SWARM_KEEP, new JsonObject()
        .put("addr", b.swarm().listenAddrs().get(0).toString()).put("connections", 2));
    assertEquals(peerB(), kept.getString("peer"));
    assertEquals(2, kept.getInteger("target"));
    assertEquals(2, kept.getJsonArray("connections").size());
    assertEquals(peerB(), kept.getJsonArray("connections").getJsonObject(0).getString("peer"));

    JsonObject list = request(vertx, EventBusAddresses.SWARM_KEPT, new JsonObject());
    assertEquals(new JsonArray().add(new JsonObject().put("peer", peerB()).put("target", 2)
        .put("open", 2).put("downForMs", 0)), list.getJsonArray("kept"));

    // By peer, once its address is known: a new target.
    JsonObject again = request(vertx, EventBusAddresses.SWARM_KEEP, new JsonObject()
        .put("peer", peerB()).put("connections", 3));
    assertEquals(3, again.getJsonArray("connections").size());

    assertEquals(new JsonObject().put("peer", peerB()),
        request(vertx, EventBusAddresses.SWARM_UNKEEP, new JsonObject().put("peer", peerB())));
    assertEquals(new JsonArray(), request(vertx, EventBusAddresses.SWARM_KEPT, new JsonObject())
        .getJsonArray("kept"));
  }

  private void badRequest(JsonObject body, String address, String mentions) {
    ReplyException e = fails(vertx, address, body);
    assertEquals(ErrorCodes.BAD_REQUEST, e.failureCode(), e.getMessage());
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  @Test
  void badKeepRequestsAre400NamingTheField() {
    String addr = b.swarm().listenAddrs().get(0).toString();
    badRequest(new JsonObject().put("peer", peerB()), EventBusAddresses.SWARM_KEEP,
        "connections");
    badRequest(new JsonObject().put("peer", peerB()).put("connections", 0),
        EventBusAddresses.SWARM_KEEP, "connections: expected 1..3");
    badRequest(new JsonObject().put("peer", peerB()).put("connections", 4),
        EventBusAddresses.SWARM_KEEP, "got 4");
    badRequest(new JsonObject().put("peer", peerB()).put("connections", "2"),
        EventBusAddresses.SWARM_KEEP, "connections");
    badRequest(new JsonObject().put("connections", 1), EventBusAddresses.SWARM_KEEP, "peer");
    badRequest(new JsonObject().put("addr", b.swarm().listenAddrs().get(0).withoutPeerId()
        .toString()).put("connections", 1), EventBusAddresses.SWARM_KEEP, "/p2p/");
    badRequest(new JsonObject().put("addr", addr).put("peer", peerB()).put("connections", 1),
        EventBusAddresses.SWARM_KEEP, "not both");
    badRequest(new JsonObject(), EventBusAddresses.SWARM_UNKEEP, "peer");
    badRequest(new JsonObject().put("peer", "nope"), EventBusAddresses.SWARM_UNKEEP, "nope");
    // A peer whose address is unknown: 404, nothing kept.
    ReplyException unknown = fails(vertx, EventBusAddresses.SWARM_KEEP, new JsonObject()
        .put("peer", peerB()).put("connections", 1));
    assertEquals(ErrorCodes.NOT_FOUND, unknown.failureCode(), unknown.getMessage());
    assertEquals(new JsonArray(), request(vertx, EventBusAddresses.SWARM_KEPT, new JsonObject())
        .getJsonArray("kept"));
  }
}
