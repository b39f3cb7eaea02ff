package dev.vertxp2p.verticle;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static dev.vertxp2p.verticle.TestNodes.fails;
import static dev.vertxp2p.verticle.TestNodes.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code swarm.dial}'s dial policy on the bus: the shortfall answer and {@code force}. */
class DialPolicyBusTest {
  private Vertx vertx;
  private final EventBusAddresses ea = EventBusAddresses.defaults();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  @Test
  void aTopUpTheRemoteCutsShortAnswers200WithTheShortfall() {
    JsonObject ca = config("swarm");
    ca.getJsonObject("connection").put("maxConnectionsPerPeer", 5);
    SwarmVerticle a = deploy(vertx, ca);
    JsonObject cb = config("nodeb");
    cb.getJsonObject("connection").put("maxConnectionsPerPeer", 3);
    SwarmVerticle b = deploy(vertx, cb);

    JsonObject r = request(vertx, ea.dial(), new JsonObject()
        .put("addr", b.swarm().listenAddrs().get(0).toString()).put("connections", 5));

    assertEquals(5, r.getInteger("requested"));
    assertEquals(3, r.getJsonArray("connections").size());
    JsonArray shortfall = r.getJsonArray("shortfall");
    assertEquals(1, shortfall.size(), r.encode());
    assertTrue(shortfall.getJsonObject(0).getString("error").contains("right after the handshake"),
        shortfall.encode());
    assertEquals(2, shortfall.getJsonObject(0).getInteger("count"));
    // A complete top-up has an empty shortfall.
    JsonObject again = request(vertx, ea.dial(), new JsonObject()
        .put("peer", b.swarm().peerId().toString()).put("connections", 2));
    assertEquals(new JsonArray(), again.getJsonArray("shortfall"));
  }

  @Test
  void aBackedOffAddressFails503UnlessForced() throws Exception {
    deploy(vertx, config("swarm"));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    PeerId peer =
        PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    JsonObject dial = new JsonObject().put("addr", "/ip4/127.0.0.1/tcp/" + port + "/p2p/" + peer);

    ReplyException first = fails(vertx, ea.dial(), dial);
    assertNotEquals(503, first.failureCode(), first.getMessage());
    ReplyException second = fails(vertx, ea.dial(), dial);
    assertEquals(503, second.failureCode(), second.getMessage());
    assertTrue(second.getMessage().contains("dial backoff"), second.getMessage());
    ReplyException forced = fails(vertx, ea.dial(), dial.copy().put("force", true));
    assertNotEquals(503, forced.failureCode(), "forced past the backoff: " + forced.getMessage());
    assertEquals(400, fails(vertx, ea.dial(), dial.copy().put("force", "yes")).failureCode());
  }
}
