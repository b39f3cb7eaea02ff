package dev.vertxp2p.verticle;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static dev.vertxp2p.verticle.TestNodes.fails;
import static dev.vertxp2p.verticle.TestNodes.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The event-bus API of two SwarmVerticles in one Vert.x, under different prefixes. */
class SwarmVerticleTest {
  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;
  private EventBusAddresses ea;
  private EventBusAddresses eb;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    a = deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
    ea = EventBusAddresses.defaults();
    eb = EventBusAddresses.of("nodeb");
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private String addrOfB() {
    return b.swarm().listenAddrs().get(0).toString();
  }

  private static String randomPeer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey())
        .toString();
  }

  @Test
  void nodeDescribesEachSwarmUnderItsOwnPrefix() {
    JsonObject na = request(vertx, EventBusAddresses.SWARM_NODE, new JsonObject());
    JsonObject nb = request(vertx, eb.node(), new JsonObject());
    assertEquals(a.swarm().peerId().toString(), na.getString("peerId"));
    assertEquals(b.swarm().peerId().toString(), nb.getString("peerId"));
    assertNotEquals(na.getString("peerId"), nb.getString("peerId"));
    assertEquals(a.swarm().listenAddrs().get(0).toString(),
        na.getJsonArray("listenAddrs").getString(0));
    assertTrue(na.getString("agentVersion").startsWith("vertx-libp2p-swarm/"));
    assertTrue(na.getJsonArray("protocols").contains("/ipfs/ping/1.0.0"));
    assertEquals(3, na.getJsonObject("config").getJsonObject("connection")
        .getInteger("maxConnectionsPerPeer"));
    assertEquals("nodeb", nb.getString("eventBusPrefix"));
  }

  @Test
  void nodeMasksTheToken() {
    JsonObject conf = config("withtoken");
    conf.getJsonObject("http").put("token", "s3cret");
    deploy(vertx, conf);
    JsonObject n = request(vertx, "withtoken.node", new JsonObject());
    assertEquals("***", n.getJsonObject("config").getJsonObject("http").getString("token"));
    assertTrue(!n.encode().contains("s3cret"));
  }

  @Test
  void samePrefixTwiceIsRefused() {
    Throwable t = failure(vertx.deployVerticle(new SwarmVerticle(),
        new DeploymentOptions().setConfig(config("nodeb"))));
    assertTrue(t.getMessage().contains("already used"), t.getMessage());
    // the first one still answers
    assertEquals(b.swarm().peerId().toString(),
        request(vertx, eb.node(), new JsonObject()).getString("peerId"));
  }

  @Test
  void badConfigFailsTheDeploymentNamingTheKey() {
    JsonObject conf = config("bad");
    conf.getJsonObject("connection").put("maxConnectionsPerPeer", 0);
    Throwable t = failure(vertx.deployVerticle(new SwarmVerticle(),
        new DeploymentOptions().setConfig(conf)));
    assertTrue(t.getMessage().contains("connection.maxConnectionsPerPeer"), t.getMessage());
    Throwable p = failure(vertx.deployVerticle(new SwarmVerticle(),
        new DeploymentOptions().setConfig(config("bad prefix"))));
    assertTrue(p.getMessage().contains("eventBusPrefix"), p.getMessage());
  }

  @Test
  void dialListPingAndHangUp() {
    TestNodes.Recorder eventsA = new TestNodes.Recorder(vertx, ea.events());
    TestNodes.Recorder eventsB = new TestNodes.Recorder(vertx, eb.events());
    String peerB = b.swarm().peerId().toString();
    String peerA = a.swarm().peerId().toString();

    JsonObject dial = request(vertx, EventBusAddresses.SWARM_DIAL,
        new JsonObject().put("addr", addrOfB()).put("connections", 2));
    assertEquals(peerB, dial.getString("peer"));
    JsonArray conns = dial.getJsonArray("connections");
    assertEquals(2, conns.size());
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < conns.size(); i++) {
      JsonObject c = conns.getJsonObject(i);
      assertEquals(peerB, c.getString("peer"));
      assertEquals("outbound", c.getString("direction"));
      assertEquals("/noise", c.getString("security"));
      assertEquals("tcp", c.getString("transport"));
      ids.add(c.getString("id"));
    }
    assertEquals(2, ids.size());

    // events on A's address: the first connection, then peer.connected, then the second
    JsonObject e1 = eventsA.next();
    assertEquals("connection.opened", e1.getString("type"));
    assertEquals(peerB, e1.getString("peer"));
    assertEquals(1, e1.getInteger("connectionsToPeer"));
    assertEquals("peer.connected", eventsA.next().getString("type"));
    JsonObject e3 = eventsA.next("connection.opened");
    assertEquals(2, e3.getInteger("connectionsToPeer"));
    // and B's events went to B's address, about A
    JsonObject inB = eventsB.next("connection.opened");
    assertEquals(peerA, inB.getString("peer"));
    assertEquals("inbound", inB.getJsonObject("connection").getString("direction"));

    // dialing again with connections 1 reuses them
    assertEquals(2, request(vertx, ea.dial(), new JsonObject().put("peer", peerB))
        .getJsonArray("connections").size());

    assertEquals(2, request(vertx, ea.connections(), new JsonObject())
        .getJsonArray("connections").size());
    assertEquals(2, request(vertx, ea.connections(), new JsonObject().put("peer", peerB))
        .getJsonArray("connections").size());
    assertEquals(0, request(vertx, ea.connections(), new JsonObject().put("peer", randomPeer()))
        .getJsonArray("connections").size());
    JsonObject map = request(vertx, ea.connectionsMap(), new JsonObject())
        .getJsonObject("peers");
    assertEquals(Set.of(peerB), map.fieldNames());
    assertEquals(2, map.getJsonArray(peerB).size());
    assertEquals(Set.of(peerA), request(vertx, eb.connectionsMap(), new JsonObject())
        .getJsonObject("peers").fieldNames());
    JsonObject legacy = request(vertx, ea.connection(), new JsonObject().put("peer", peerB))
        .getJsonObject("connection");
    assertNotNull(legacy);
    assertEquals(conns.getJsonObject(0).getString("id"), legacy.getString("id"));
    assertNull(request(vertx, ea.connection(), new JsonObject().put("peer", randomPeer()))
        .getValue("connection"));

    JsonObject ping = request(vertx, ea.ping(), new JsonObject().put("peer", peerB));
    assertEquals(peerB, ping.getString("peer"));
    double rtt = ping.getDouble("rttMs");
    assertTrue(rtt > 0 && rtt < 10_000, ping.encode());

    String firstId = conns.getJsonObject(0).getString("id");
    assertEquals(1, request(vertx, ea.hangup(), new JsonObject().put("connection", firstId))
        .getInteger("closed"));
    JsonObject closed = eventsA.next("connection.closed");
    assertEquals(firstId, closed.getJsonObject("connection").getString("id"));
    assertEquals(1, closed.getInteger("connectionsToPeer"));
    assertEquals(404, fails(vertx, ea.hangup(), new JsonObject().put("connection", firstId))
        .failureCode());

    assertEquals(1, request(vertx, ea.hangup(), new JsonObject().put("peer", peerB))
        .getInteger("closed"));
    eventsA.next("peer.disconnected");
    assertEquals(0, a.swarm().getConnections().size());
    ReplyException gone = fails(vertx, ea.hangup(), new JsonObject().put("peer", peerB));
    assertEquals(404, gone.failureCode());
    assertTrue(gone.getMessage().contains(peerB), gone.getMessage());
  }

  /**
   * swarm.streams lists a connection's open streams on both ends: B's side of a stream it has
   * paused holds what A wrote, and A's side shows the window that took it.
   */
  @Test
  void streamsOfAConnectionShowEachEnd() {
    String peerB = b.swarm().peerId().toString();
    Promise<P2pStream> held = Promise.promise();
    b.swarm().handle("/hold/1.0.0", st -> {
      st.pause();
      held.complete(st);
    });
    JsonObject dial = request(vertx, ea.dial(), new JsonObject().put("addr", addrOfB()));
    String connA = dial.getJsonArray("connections").getJsonObject(0).getString("id");
    P2pStream out = await(a.swarm().newStream(b.swarm().peerId(), "/hold/1.0.0"));
    await(out.write(Buffer.buffer(new byte[1000])));
    await(held.future());
    // a ping on the same (only) connection comes back after B has read the 1000 bytes
    request(vertx, ea.ping(), new JsonObject().put("peer", peerB));

    JsonObject onA = request(vertx, ea.streams(), new JsonObject().put("connection", connA));
    assertEquals(connA, onA.getString("connection"));
    assertEquals(peerB, onA.getString("peer"));
    JsonObject sa = onA.getJsonArray("streams").stream().map(JsonObject.class::cast)
        .filter(x -> "/hold/1.0.0".equals(x.getString("protocol"))).findFirst().orElseThrow();
    assertEquals("outbound", sa.getString("direction"));
    assertEquals(0L, sa.getLong("queued"));
    assertFalse(sa.getBoolean("localEnded"));
    // B has given no window back (it read none of the 1000 bytes, and the negotiation's few are
    // far below a window update): the initial 256 KiB (Yamux spec) less all A sent on the
    // stream, its multistream lines (1 + 19 for "/multistream/1.0.0\n", 1 + 12 for
    // "/hold/1.0.0\n") and the 1000 bytes.
    assertEquals(256 * 1024 - (20 + 13 + 1000L), sa.getLong("sendWindow"), sa.encode());

    String connB = request(vertx, eb.connections(), new JsonObject())
        .getJsonArray("connections").getJsonObject(0).getString("id");
    JsonObject sb = request(vertx, eb.streams(), new JsonObject().put("connection", connB))
        .getJsonArray("streams").stream().map(JsonObject.class::cast)
        .filter(x -> "/hold/1.0.0".equals(x.getString("protocol"))).findFirst().orElseThrow();
    assertEquals("inbound", sb.getString("direction"));
    assertTrue(sb.getBoolean("paused"), sb.encode());
    assertEquals(1000L, sb.getLong("buffered"), sb.encode());
    assertEquals(sa.getLong("id"), sb.getLong("id"));

    assertEquals(404, fails(vertx, ea.streams(), new JsonObject().put("connection", "c999"))
        .failureCode());
  }

  @Test
  void dialByPeerWithAddrs() {
    String peerB = b.swarm().peerId().toString();
    String plain = b.swarm().listenAddrs().get(0).withoutPeerId().toString();
    JsonObject r = request(vertx, ea.dial(), new JsonObject().put("peer", peerB)
        .put("addrs", new JsonArray().add(plain)));
    assertEquals(1, r.getJsonArray("connections").size());
  }

  @Test
  void malformedInputIs400NamingWhatWasWrong() {
    String peerB = b.swarm().peerId().toString();
    assertBad(ea.dial(), new JsonObject().put("addr", "/ip4/not-an-ip/tcp/1"), "not-an-ip");
    assertBad(ea.dial(), new JsonObject().put("addr", "/ip4/127.0.0.1/tcp/1"), "/p2p/");
    assertBad(ea.dial(), new JsonObject(), "addr");
    assertBad(ea.dial(), new JsonObject().put("peer", 12), "peer");
    assertBad(ea.dial(), new JsonObject().put("peer", "QmNotAPeer"), "");
    assertBad(ea.dial(), new JsonObject().put("addr", addrOfB()).put("connections", "two"),
        "connections");
    assertBad(ea.dial(), new JsonObject().put("addr", addrOfB()).put("connections", 0),
        "connections");
    assertBad(ea.dial(), new JsonObject().put("addr", addrOfB()).put("peer", peerB), "not both");
    assertBad(ea.dial(), new JsonObject().put("peer", peerB).put("addrs", "x"), "addrs");
    assertBad(ea.dial(), new JsonObject().put("peer", peerB)
        .put("addrs", new JsonArray().add("/ip4/127.0.0.1/tcp/1/p2p/" + randomPeer())), "addrs[0]");
    assertBad(ea.dial(), "not json", "JSON");
    assertBad(ea.dial(), 42, "JSON object");
    assertBad(ea.connections(), new JsonObject().put("peer", "nope"), "");
    assertBad(ea.connection(), new JsonObject(), "peer");
    assertBad(ea.hangup(), new JsonObject(), "exactly one");
    assertBad(ea.hangup(), new JsonObject().put("peer", peerB).put("connection", "x"),
        "exactly one");
    assertBad(ea.streams(), new JsonObject(), "connection");
    assertBad(ea.ping(), new JsonObject(), "peer");
    assertBad(ea.ping(), new JsonObject().put("peer", "garbage!"), "");
    assertBad(ea.ping(), new JsonObject().put("peer", a.swarm().peerId().toString()),
        "ourselves");
  }

  private void assertBad(String address, Object body, String mentions) {
    ReplyException e = fails(vertx, address, body);
    assertEquals(400, e.failureCode(), address + " " + body + ": " + e.getMessage());
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  @Test
  void tooManyConnectionsIs409() {
    ReplyException e = fails(vertx, ea.dial(),
        new JsonObject().put("addr", addrOfB()).put("connections", 4));
    assertEquals(409, e.failureCode());
    assertTrue(e.getMessage().contains("maxConnectionsPerPeer"), e.getMessage());
  }

  @Test
  void unknownPeerIs404() {
    String stranger = randomPeer();
    ReplyException dial = fails(vertx, ea.dial(), new JsonObject().put("peer", stranger));
    assertEquals(404, dial.failureCode());
    assertTrue(dial.getMessage().contains(stranger), dial.getMessage());
    assertEquals(404, fails(vertx, ea.ping(), new JsonObject().put("peer", stranger))
        .failureCode());
    assertEquals(404, fails(vertx, ea.hangup(), new JsonObject().put("connection", "c-none"))
        .failureCode());
  }

  @Test
  void refusedEverywhereIs502() {
    // A port that was just free: nothing listens, every attempt is refused.
    NetServer s = await(vertx.createNetServer().connectHandler(so -> { })
        .listen(0, "127.0.0.1"));
    int port = s.actualPort();
    await(s.close());
    TestNodes.Recorder events = new TestNodes.Recorder(vertx, ea.events());
    String stranger = randomPeer();
    ReplyException e = fails(vertx, ea.dial(),
        new JsonObject().put("addr", "/ip4/127.0.0.1/tcp/" + port + "/p2p/" + stranger));
    assertEquals(502, e.failureCode(), e.getMessage());
    assertTrue(e.getMessage().contains("127.0.0.1/tcp/" + port), e.getMessage());
    JsonObject retry = events.next();
    assertEquals("dial.retry", retry.getString("type"));
    assertEquals(1, retry.getInteger("attempt"));
    assertTrue(retry.containsKey("delay"));
    JsonObject failed = events.next("dial.failed");
    assertEquals(stranger, failed.getString("peer"));
  }

  @Test
  void silentListenerIs504() {
    // Accepts TCP and never speaks: every attempt runs into connection.connectionTimeout.
    NetServer silent = await(vertx.createNetServer().connectHandler(so -> { })
        .listen(0, "127.0.0.1"));
    JsonObject conf = config("slow");
    conf.getJsonObject("connection").put("connectionTimeout", 0.3);
    conf.getJsonObject("retry").put("maxRetries", 0);
    deploy(vertx, conf);
    ReplyException e = fails(vertx, "slow.dial", new JsonObject().put("addr",
        "/ip4/127.0.0.1/tcp/" + silent.actualPort() + "/p2p/" + randomPeer()));
    assertEquals(504, e.failureCode(), e.getMessage());
    assertTrue(e.getMessage().contains("timed out"), e.getMessage());
  }

  @Test
  void undeployClosesConnectionsAndFreesThePrefix() {
    TestNodes.Recorder eventsB = new TestNodes.Recorder(vertx, eb.events());
    request(vertx, ea.dial(), new JsonObject().put("addr", addrOfB()));
    eventsB.next("connection.opened");
    await(vertx.undeploy(a.deploymentID()));
    // B sees the connection go (A closed it with GOAWAY)
    eventsB.next("peer.disconnected");
    assertEquals(0, b.swarm().getConnections().size());
    Throwable t = failure(vertx.eventBus().request(ea.node(), new JsonObject()));
    assertTrue(t instanceof ReplyException);
    SwarmVerticle again = deploy(vertx, config("swarm"));
    assertEquals(again.swarm().peerId().toString(),
        request(vertx, ea.node(), new JsonObject()).getString("peerId"));
  }
}
