package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST API, the events WebSocket and /metrics, against two real swarms. */
class DashboardApiTest {
  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;
  private DashboardVerticle dash;
  private WebClient client;
  private String peerB;

  @BeforeEach
  void setUp() {
    vertx = MetricsRegistries.createVertx(new VertxOptions());
    a = deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
    peerB = b.swarm().peerId().toString();
    dash = dashboard(config("swarm"));
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(dash.actualPort()));
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private DashboardVerticle dashboard(JsonObject conf) {
    conf.getJsonObject("http").put("enabled", true).put("port", 0);
    DashboardVerticle d = new DashboardVerticle();
    await(vertx.deployVerticle(d, new DeploymentOptions().setConfig(conf)));
    return d;
  }

  private HttpResponse<Buffer> get(String path) {
    return await(client.get(path).send());
  }

  /** A POST with no body, a JSON object, or text sent as {@code application/json}. */
  private HttpResponse<Buffer> post(String path, Object body) {
    return await(body == null ? client.post(path).send()
        : body instanceof JsonObject j ? client.post(path).sendJsonObject(j)
        : client.post(path).putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(body.toString())));
  }

  /** A PUT with a JSON object, or text sent as {@code application/json}. */
  private HttpResponse<Buffer> put(String path, Object body) {
    return await(body instanceof JsonObject j ? client.put(path).sendJsonObject(j)
        : client.put(path).putHeader("Content-Type", "application/json")
            .sendBuffer(Buffer.buffer(body.toString())));
  }

  private HttpResponse<Buffer> delete(String path) {
    return await(client.delete(path).send());
  }

  private static void assertError(HttpResponse<Buffer> r, int code, String mentions) {
    assertEquals(code, r.statusCode(), r.bodyAsString());
    assertEquals("application/json", r.getHeader("content-type"));
    JsonObject body = r.bodyAsJsonObject();
    assertEquals(code, body.getInteger("code"));
    assertTrue(body.getString("error").contains(mentions), body.getString("error"));
    // never a stack trace
    assertFalse(r.bodyAsString().contains("\tat "), r.bodyAsString());
    assertFalse(r.bodyAsString().contains(".java:"), r.bodyAsString());
  }

  private static String randomPeer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey())
        .toString();
  }

  private String addrOfB() {
    return b.swarm().listenAddrs().get(0).toString();
  }

  @Test
  void protectAndUnprotectAPeerShowInNode() {
    JsonObject cm = get("/api/node").bodyAsJsonObject().getJsonObject("connectionManager");
    assertEquals(160, cm.getInteger("lowWater"));
    assertEquals(192, cm.getInteger("highWater"));
    assertTrue(cm.getJsonObject("protected").isEmpty());

    HttpResponse<Buffer> p = post("/api/peers/" + peerB + "/protect", null);
    assertEquals(200, p.statusCode(), p.bodyAsString());
    assertEquals(new JsonArray().add("user"), p.bodyAsJsonObject().getJsonArray("tags"));
    assertEquals(200, post("/api/peers/" + peerB + "/protect?tag=relay", null).statusCode());
    cm = get("/api/node").bodyAsJsonObject().getJsonObject("connectionManager");
    assertEquals(new JsonArray().add("relay").add("user"),
        cm.getJsonObject("protected").getJsonArray(peerB));
    assertTrue(a.swarm().isProtected(b.swarm().peerId()));

    JsonObject left = delete("/api/peers/" + peerB + "/protect").bodyAsJsonObject();
    assertEquals(true, left.getBoolean("protected"));
    left = delete("/api/peers/" + peerB + "/protect?tag=relay").bodyAsJsonObject();
    assertEquals(false, left.getBoolean("protected"));
    assertFalse(a.swarm().isProtected(b.swarm().peerId()));

    assertError(post("/api/peers/not-a-peer/protect", null), 400, "not-a-peer");
    assertError(post("/api/peers/" + peerB + "/protect?tag=%20", null), 400, "tag");
  }

  @Test
  void keepUnkeepAndListKeptPeers() {
    a.swarm().addAddresses(b.swarm().peerId(), b.swarm().listenAddrs());
    HttpResponse<Buffer> k = put("/api/peers/" + peerB + "/keep",
        new JsonObject().put("connections", 2));
    assertEquals(200, k.statusCode(), k.bodyAsString());
    assertEquals(peerB, k.bodyAsJsonObject().getString("peer"));
    assertEquals(2, k.bodyAsJsonObject().getInteger("target"));
    assertEquals(2, k.bodyAsJsonObject().getJsonArray("connections").size());
    assertEquals(new JsonArray().add(new JsonObject().put("peer", peerB).put("target", 2)
        .put("open", 2).put("downForMs", 0)), get("/api/kept").bodyAsJsonObject().getJsonArray("kept"));
    assertTrue(a.swarm().isProtected(b.swarm().peerId()), "a kept peer is protected");

    HttpResponse<Buffer> u = delete("/api/peers/" + peerB + "/keep");
    assertEquals(200, u.statusCode(), u.bodyAsString());
    assertEquals(new JsonObject().put("peer", peerB), u.bodyAsJsonObject());
    assertEquals(new JsonArray(), get("/api/kept").bodyAsJsonObject().getJsonArray("kept"));
    assertEquals(2, a.swarm().getConnections(b.swarm().peerId()).size(),
        "un-keeping leaves the connections open");

    // Hanging up the whole peer un-keeps it.
    assertEquals(200, put("/api/peers/" + peerB + "/keep",
        new JsonObject().put("connections", 1)).statusCode());
    assertEquals(204, delete("/api/peers/" + peerB).statusCode());
    assertEquals(new JsonArray(), get("/api/kept").bodyAsJsonObject().getJsonArray("kept"));
  }

  @Test
  void aGracefulHangUpDrainsAndABadGracefulValueIs400() {
    java.util.List<dev.vertxp2p.SwarmEvent> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.core.Promise<Void> twoDrains = io.vertx.core.Promise.promise();
    a.swarm().eventHandler(e -> {
      seen.add(e);
      if (seen.stream().filter(x -> dev.vertxp2p.SwarmEvent.CONNECTION_DRAINING.equals(x.type()))
          .count() == 2) {
        twoDrains.tryComplete();
      }
    });
    await(a.swarm().dial(b.swarm().listenAddrs().get(0),
        new dev.vertxp2p.DialOptions().setConnections(2)));
    assertError(delete("/api/peers/" + peerB + "?graceful=maybe"), 400, "graceful");
    String connId = a.swarm().getConnections(b.swarm().peerId()).get(0).id();
    assertError(delete("/api/connections/" + connId + "?graceful=1"), 400, "graceful");
    assertEquals(2, a.swarm().getConnections(b.swarm().peerId()).size(), "a 400 closed nothing");

    assertEquals(204, delete("/api/connections/" + connId + "?graceful=true").statusCode());
    assertEquals(204, delete("/api/peers/" + peerB + "?graceful=true").statusCode());
    await(twoDrains.future()); // the replies come once the drains are asked for, not done
    java.util.List<String> reasons = seen.stream()
        .filter(e -> dev.vertxp2p.SwarmEvent.CONNECTION_DRAINING.equals(e.type()))
        .map(e -> e.fields().getString("reason")).toList();
    assertEquals(java.util.List.of("application", "hang-up"), reasons);
    assertError(delete("/api/peers/" + randomPeer() + "?graceful=true"), 404, "no open connection");
  }

  @Test
  void limitsShowEachScopesLimitBesideItsUse() {
    await(a.swarm().dial(b.swarm().listenAddrs().get(0),
        new dev.vertxp2p.DialOptions().setConnections(2)));
    io.vertx.core.Future<?> held = a.swarm().newStream(b.swarm().peerId(), "/ipfs/ping/1.0.0");
    await(held);
    HttpResponse<Buffer> r = get("/api/limits");
    assertEquals(200, r.statusCode(), r.bodyAsString());
    JsonObject l = r.bodyAsJsonObject();
    var o = a.swarm().options();
    assertEquals(new JsonObject().put("scope", "system")
        .put("limit", o.getLimits().getMaxConnections()).put("current", 2), l.getJsonObject("system"));
    assertEquals(new JsonObject().put("scope", "peer")
        .put("limit", o.getConnection().getMaxConnectionsPerPeer()).put("current", 2)
        .put("peer", peerB), l.getJsonObject("peer"));
    assertEquals(o.getLimits().getMaxPendingInbound(),
        l.getJsonObject("pending").getInteger("limit"));
    JsonObject streams = l.getJsonObject("streams");
    assertEquals(o.getLimits().getMaxStreamsInbound(), streams.getInteger("limit"));
    assertTrue(streams.getInteger("current") >= 1, streams.encode());
    assertEquals(o.getLimits().getMaxBufferedBytes(),
        l.getJsonObject("buffer").getLong("limit"));
    assertEquals(0, l.getJsonObject("dials").getInteger("running"));
    assertEquals(o.getLimits().getMaxConnectionsPerIp(), l.getJsonObject("ip").getInteger("limit"));
    assertEquals("rate", l.getJsonObject("rate").getString("scope"));
  }

  @Test
  void clusterViewsOnANodeOutsideAClusterSaySo() {
    assertError(get("/api/cluster"), 503, "not in a cluster (cluster.enabled is false)");
    assertError(get("/api/cluster/peers"), 503, "not in a cluster");
  }

  @Test
  void badKeepRequestsAre400NamingTheField() {
    String path = "/api/peers/" + peerB + "/keep";
    assertError(put(path, new JsonObject()), 400, "connections");
    assertError(put(path, new JsonObject().put("connections", 0)), 400, "connections");
    assertError(put(path, new JsonObject().put("connections", 4)), 400,
        "maxConnectionsPerPeer");
    assertError(put(path, new JsonObject().put("connections", "two")), 400, "connections");
    assertError(put(path, new JsonObject().put("connections", 1).put("peer", peerB)), 400,
        "\"peer\"");
    assertError(put(path, "{not json"), 400, "JSON");
    assertError(put("/api/peers/not-a-peer/keep", new JsonObject().put("connections", 1)), 400,
        "not-a-peer");
    assertError(delete("/api/peers/not-a-peer/keep"), 400, "not-a-peer");
    // No Content-Type: the request guard refuses the body.
    HttpResponse<Buffer> plain = await(client.put(path)
        .sendBuffer(Buffer.buffer("{\"connections\": 1}")));
    assertEquals(415, plain.statusCode(), plain.bodyAsString());
    // A peer with no known address: 404, and nothing is kept.
    assertError(put(path, new JsonObject().put("connections", 1)), 404, peerB);
    assertEquals(new JsonArray(), get("/api/kept").bodyAsJsonObject().getJsonArray("kept"));
  }

  @Test
  void everyPathSucceeds() {
    JsonObject node = get("/api/node").bodyAsJsonObject();
    assertEquals(a.swarm().peerId().toString(), node.getString("peerId"));
    assertNotNull(node.getJsonObject("config").getJsonObject("retry"));

    HttpResponse<Buffer> dial = post("/api/dial",
        new JsonObject().put("addr", addrOfB()).put("connections", 2));
    assertEquals(200, dial.statusCode(), dial.bodyAsString());
    assertEquals(peerB, dial.bodyAsJsonObject().getString("peer"));
    JsonArray conns = dial.bodyAsJsonObject().getJsonArray("connections");
    assertEquals(2, conns.size());

    assertEquals(2, get("/api/connections").bodyAsJsonObject()
        .getJsonArray("connections").size());
    assertEquals(2, get("/api/connections?peer=" + peerB).bodyAsJsonObject()
        .getJsonArray("connections").size());
    assertEquals(0, get("/api/connections?peer=" + randomPeer()).bodyAsJsonObject()
        .getJsonArray("connections").size());
    assertEquals(2, get("/api/peers").bodyAsJsonObject().getJsonObject("peers")
        .getJsonArray(peerB).size());
    assertEquals(2, get("/api/peers/" + peerB + "/connections").bodyAsJsonObject()
        .getJsonArray("connections").size());

    HttpResponse<Buffer> ping = post("/api/peers/" + peerB + "/ping", null);
    assertEquals(200, ping.statusCode(), ping.bodyAsString());
    double rtt = ping.bodyAsJsonObject().getDouble("rttMs");
    assertTrue(rtt > 0 && rtt < 10_000, "rttMs " + rtt);

    String first = conns.getJsonObject(0).getString("id");
    HttpResponse<Buffer> streams = get("/api/connections/" + first + "/streams");
    assertEquals(200, streams.statusCode(), streams.bodyAsString());
    assertEquals(first, streams.bodyAsJsonObject().getString("connection"));
    assertNotNull(streams.bodyAsJsonObject().getJsonArray("streams"));
    HttpResponse<Buffer> hang = delete("/api/connections/" + first);
    assertEquals(204, hang.statusCode());
    assertEquals(1, get("/api/connections").bodyAsJsonObject()
        .getJsonArray("connections").size());
    assertError(delete("/api/connections/" + first), 404, first);
    assertError(get("/api/connections/" + first + "/streams"), 404, first);

    assertEquals(204, delete("/api/peers/" + peerB).statusCode());
    assertEquals(0, get("/api/connections").bodyAsJsonObject()
        .getJsonArray("connections").size());
    assertError(delete("/api/peers/" + peerB), 404, peerB);
  }

  @Test
  void failuresAnswerTheContractCodes() {
    assertError(post("/api/dial", "{not json"), 400, "JSON");
    assertError(post("/api/dial", "[1,2]"), 400, "JSON object");
    assertError(post("/api/dial", null), 400, "JSON object");
    assertError(post("/api/dial", new JsonObject()), 400, "addr");
    assertError(post("/api/dial", new JsonObject().put("addr", "/ip4/1.2.3.4.5/tcp/1")), 400,
        "1.2.3.4.5");
    assertError(post("/api/dial", new JsonObject().put("addr", addrOfB())
        .put("connections", 4)), 409, "maxConnectionsPerPeer");
    String stranger = randomPeer();
    assertError(post("/api/dial", new JsonObject().put("peer", stranger)), 404, stranger);
    assertError(post("/api/peers/" + stranger + "/ping", null), 404, stranger);
    assertError(post("/api/peers/notapeer/ping", null), 400, "");
    assertError(get("/api/peers/notapeer/connections"), 400, "");
    assertError(get("/api/connections?peer=zzz"), 400, "");
    assertError(delete("/api/peers/notapeer"), 400, "");
    assertError(get("/api/nothing"), 404, "/api/nothing");

    NetServer s = await(vertx.createNetServer().connectHandler(so -> { })
        .listen(0, "127.0.0.1"));
    int port = s.actualPort();
    await(s.close());
    JsonObject dead = new JsonObject()
        .put("addr", "/ip4/127.0.0.1/tcp/" + port + "/p2p/" + randomPeer());
    assertError(post("/api/dial", dead), 502, "" + port);
    // The address failed every attempt: it is in dial backoff (503) until forced.
    HttpResponse<Buffer> backedOff = post("/api/dial", dead);
    assertError(backedOff, 503, "dial backoff");
    JsonObject refusal = backedOff.bodyAsJsonObject().getJsonObject("refusal");
    assertEquals("backoff", refusal.getString("scope"), backedOff.bodyAsString());
    assertTrue(refusal.getString("until").endsWith("Z"), refusal.encode());
    assertError(post("/api/dial", dead.copy().put("force", true)), 502, "" + port);
  }

  @Test
  void timeoutIs504() {
    NetServer silent = await(vertx.createNetServer().connectHandler(so -> { })
        .listen(0, "127.0.0.1"));
    JsonObject conf = config("slow");
    conf.getJsonObject("connection").put("connectionTimeout", 0.3);
    conf.getJsonObject("retry").put("maxRetries", 0);
    deploy(vertx, conf);
    DashboardVerticle slow = dashboard(conf.copy());
    HttpResponse<Buffer> r = await(WebClient.create(vertx).post(slow.actualPort(), "127.0.0.1",
        "/api/dial").sendJsonObject(new JsonObject().put("addr",
            "/ip4/127.0.0.1/tcp/" + silent.actualPort() + "/p2p/" + randomPeer())));
    assertError(r, 504, "timed out");
  }

  @Test
  void largeBodiesAre413() {
    String big = "{\"addr\":\"" + "x".repeat(70 * 1024) + "\"}";
    assertError(post("/api/dial", big), 413, "65536");
  }

  @Test
  void dashboardPageIsServed() {
    HttpResponse<Buffer> r = get("/");
    assertEquals(200, r.statusCode());
    assertTrue(r.getHeader("content-type").startsWith("text/html"), r.getHeader("content-type"));
    assertTrue(r.bodyAsString().contains("vertx-libp2p-swarm"));
    assertTrue(r.getHeader("content-security-policy").contains("default-src 'self'"));
  }

  /** The check named {@code id} in a vertx-health-check answer. */
  private static JsonObject check(JsonObject health, String id) {
    for (Object o : health.getJsonArray("checks", new JsonArray())) {
      JsonObject c = (JsonObject) o;
      if (id.equals(c.getString("id"))) {
        return c;
      }
    }
    throw new AssertionError("no check " + id + " in " + health.encode());
  }

  @Test
  void healthLiveAndReadinessWithAKeptPeerThatGoesAway() throws Exception {
    HttpResponse<Buffer> live = get("/health/live");
    assertEquals(200, live.statusCode(), live.bodyAsString());
    assertEquals("UP", live.bodyAsJsonObject().getString("status"));
    HttpResponse<Buffer> ready = get("/health");
    assertEquals(200, ready.statusCode(), ready.bodyAsString());
    assertEquals("UP", check(ready.bodyAsJsonObject(), "listeners").getString("status"));

    assertEquals(200, post("/api/dial", new JsonObject().put("addr", addrOfB())).statusCode());
    assertEquals(200, put("/api/peers/" + peerB + "/keep", new JsonObject().put("connections", 1))
        .statusCode());
    ready = get("/health");
    assertEquals(200, ready.statusCode(), ready.bodyAsString());
    assertEquals("UP", check(ready.bodyAsJsonObject(), "kept-" + peerB).getString("status"));

    // B goes away for good; A re-dials it under retry (initialDelay 0.01 s, maxDelay 0.05 s).
    // Five re-dial rounds announced means the four delays before the fifth have passed, over
    // 0.05 s of being down, whatever their jitter.
    BlockingQueue<String> retries = new LinkedBlockingQueue<>();
    a.swarm().eventHandler(e -> {
      if (e.type().equals(dev.vertxp2p.SwarmEvent.DIAL_RETRY)) {
        retries.add(e.type());
      }
    });
    await(b.swarm().close());
    for (int i = 0; i < 5; i++) {
      assertNotNull(retries.poll(10, TimeUnit.SECONDS), "re-dial round " + (i + 1));
    }

    ready = get("/health");
    assertEquals(503, ready.statusCode(), ready.bodyAsString());
    JsonObject keptCheck = check(ready.bodyAsJsonObject(), "kept-" + peerB);
    assertEquals("DOWN", keptCheck.getString("status"));
    assertTrue(keptCheck.getJsonObject("data").getLong("downForMs") > 50, keptCheck.encode());
    assertEquals("UP", check(ready.bodyAsJsonObject(), "listeners").getString("status"));
    live = get("/health/live");
    assertEquals(200, live.statusCode(), "a peer that went away never fails liveness");
  }

  @Test
  void tokenIsRequiredWhenSet() {
    JsonObject conf = config("swarm");
    conf.getJsonObject("http").put("token", "t0ken");
    DashboardVerticle locked = dashboard(conf);
    WebClient c = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(locked.actualPort()));
    assertError(await(c.get("/api/node").send()), 401, "token");
    assertEquals("Bearer", await(c.get("/api/node").send()).getHeader("WWW-Authenticate"));
    assertError(await(c.get("/api/node").bearerTokenAuthentication("wrong").send()), 401,
        "wrong");
    assertError(await(c.post("/api/dial").sendJsonObject(new JsonObject())), 401, "token");
    // the query token only counts on the WebSocket
    assertError(await(c.get("/api/node?token=t0ken").send()), 401, "token");
    HttpResponse<Buffer> ok = await(c.get("/api/node").bearerTokenAuthentication("t0ken").send());
    assertEquals(200, ok.statusCode());
    assertEquals(a.swarm().peerId().toString(), ok.bodyAsJsonObject().getString("peerId"));
    // the page stays reachable: it asks for the token itself; /metrics needs it
    assertEquals(200, await(c.get("/").send()).statusCode());
    assertError(await(c.get("/metrics").send()), 401, "token");
    assertError(await(c.get("/health").send()), 401, "token");
    assertError(await(c.get("/health/live").send()), 401, "token");
    assertEquals(200, await(c.get("/health/live").bearerTokenAuthentication("t0ken").send())
        .statusCode());
    assertEquals(200, await(c.get("/metrics").bearerTokenAuthentication("t0ken").send())
        .statusCode());

    WebSocketClient ws = vertx.createWebSocketClient();
    Throwable t = failure(ws.connect(locked.actualPort(), "127.0.0.1", "/api/events"));
    assertEquals(401, assertInstanceOf(UpgradeRejectedException.class, t).getStatus());
    // the token never travels in a URL: the page brings a ticket instead
    Throwable viaQuery = failure(ws.connect(locked.actualPort(), "127.0.0.1",
        "/api/events?token=t0ken"));
    assertEquals(401, assertInstanceOf(UpgradeRejectedException.class, viaQuery).getStatus());
    String ticket = await(c.post("/api/events/ticket").bearerTokenAuthentication("t0ken").send())
        .bodyAsJsonObject().getString("ticket");
    WebSocket viaTicket = await(ws.connect(locked.actualPort(), "127.0.0.1",
        "/api/events?ticket=" + ticket));
    viaTicket.close();
    // a client that can set headers may still send the token as one
    WebSocket viaHeader = await(ws.connect(new WebSocketConnectOptions()
        .setPort(locked.actualPort()).setHost("127.0.0.1").setURI("/api/events")
        .addHeader("Authorization", "Bearer t0ken")));
    viaHeader.close();
  }

  @Test
  void foreignOriginIsRefusedOnTheWebSocket() {
    WebSocketClient ws = vertx.createWebSocketClient();
    int port = dash.actualPort();
    Throwable t = failure(ws.connect(new WebSocketConnectOptions().setPort(port)
        .setHost("127.0.0.1").setURI("/api/events")
        .addHeader("Origin", "http://evil.example")));
    assertEquals(403, assertInstanceOf(UpgradeRejectedException.class, t).getStatus());
    Throwable otherPort = failure(ws.connect(new WebSocketConnectOptions().setPort(port)
        .setHost("127.0.0.1").setURI("/api/events")
        .addHeader("Origin", "http://127.0.0.1:" + (port == 1 ? 2 : port - 1))));
    assertEquals(403, assertInstanceOf(UpgradeRejectedException.class, otherPort).getStatus());
    WebSocket same = await(ws.connect(new WebSocketConnectOptions().setPort(port)
        .setHost("127.0.0.1").setURI("/api/events")
        .addHeader("Origin", "http://127.0.0.1:" + port)));
    same.close();
  }

  @Test
  void webSocketSendsSnapshotThenEventsInOrder() throws Exception {
    post("/api/dial", new JsonObject().put("addr", addrOfB()));
    BlockingQueue<JsonObject> got = new LinkedBlockingQueue<>();
    WebSocket ws = await(EventSockets.open(vertx, vertx.createWebSocketClient(),
        dash.actualPort(), "/api/events", got));
    JsonObject snapshot = got.poll(10, TimeUnit.SECONDS);
    assertNotNull(snapshot);
    assertEquals("snapshot", snapshot.getString("type"));
    assertEquals(1, snapshot.getJsonObject("peers").getJsonArray(peerB).size());

    post("/api/dial", new JsonObject().put("addr", addrOfB()).put("connections", 2));
    JsonObject opened = got.poll(10, TimeUnit.SECONDS);
    assertNotNull(opened);
    assertEquals("connection.opened", opened.getString("type"));
    assertEquals(peerB, opened.getString("peer"));
    assertEquals(2, opened.getInteger("connectionsToPeer"));
    assertTrue(opened.containsKey("at"));

    assertEquals(204, delete("/api/peers/" + peerB).statusCode());
    JsonObject c1 = got.poll(10, TimeUnit.SECONDS);
    JsonObject c2 = got.poll(10, TimeUnit.SECONDS);
    JsonObject gone = got.poll(10, TimeUnit.SECONDS);
    assertNotNull(gone);
    assertEquals("connection.closed", c1.getString("type"));
    assertEquals("connection.closed", c2.getString("type"));
    assertEquals(1, c1.getInteger("connectionsToPeer"));
    assertEquals(0, c2.getInteger("connectionsToPeer"));
    assertEquals("peer.disconnected", gone.getString("type"));
    ws.close();
  }

  @Test
  void metricsShowSwarmMetersMovingAfterADial() {
    String before = get("/metrics").bodyAsString();
    assertTrue(before.contains("libp2p_connections_opened_total{direction=\"outbound\","
        + "muxer=\"/yamux/1.0.0\",node=\"swarm\",transport=\"tcp\"} 0.0"), before);
    // The listener lists a connection a moment after the dial completes (once it has read the
    // last handshake message): wait for b to hold both before reading its gauge.
    Future<Void> bHoldsTwo = connectionsReach(b.swarm(), a.swarm().peerId(), 2);
    post("/api/dial", new JsonObject().put("addr", addrOfB()).put("connections", 2));
    post("/api/peers/" + peerB + "/ping", null);
    await(bHoldsTwo);
    HttpResponse<Buffer> r = get("/metrics");
    assertEquals(200, r.statusCode());
    assertTrue(r.getHeader("content-type").startsWith("text/plain"), r.getHeader("content-type"));
    String text = r.bodyAsString();
    assertTrue(text.contains("libp2p_connections_opened_total{direction=\"outbound\","
        + "muxer=\"/yamux/1.0.0\",node=\"swarm\",transport=\"tcp\"} 2.0"), text);
    assertTrue(text.contains("libp2p_connections_open{direction=\"outbound\","
        + "muxer=\"/yamux/1.0.0\",node=\"swarm\",transport=\"tcp\"} 2.0"), text);
    assertTrue(text.contains("libp2p_connections_open{direction=\"inbound\","
        + "muxer=\"/yamux/1.0.0\",node=\"nodeb\",transport=\"tcp\"} 2.0"), text);
    assertTrue(text.contains("libp2p_dial_attempts_total{node=\"swarm\",result=\"success\"} 2.0"),
        text);
    assertTrue(value(text, "libp2p_bytes_out_bytes_total{node=\"swarm\"}") > 0, text);
    assertTrue(value(text, "libp2p_bytes_in_bytes_total{node=\"swarm\"}") > 0, text);
    // Vert.x's own meters are in the same registry
    assertTrue(text.contains("vertx_http_server_requests_total"), text);
    assertTrue(text.contains("vertx_net_client_active_connections")
        || text.contains("vertx_net_server_active_connections"), text);
    assertFalse(text.contains(peerB), "a peer id must never be a tag");
  }

  /** Completes once {@code swarm} lists {@code n} connections to {@code peer}. */
  private static Future<Void> connectionsReach(Swarm swarm, PeerId peer, int n) {
    Promise<Void> p = Promise.promise();
    swarm.eventHandler(e -> {
      if (swarm.getConnections(peer).size() == n) {
        p.tryComplete();
      }
    });
    if (swarm.getConnections(peer).size() == n) {
      p.tryComplete();
    }
    return p.future();
  }

  static double value(String text, String series) {
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError(series + " not in\n" + text);
  }
}
