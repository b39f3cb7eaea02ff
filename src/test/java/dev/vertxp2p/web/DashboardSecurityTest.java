package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a web page of another site, or one whose name was rebound to our address, can make a
 * browser do to the dashboard: nothing. Requests are sent with explicit {@code Host}, {@code
 * Origin} and {@code Content-Type} headers, as a browser would send them.
 */
class DashboardSecurityTest {
  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;
  private String peerB;
  private HttpClient http;
  private Context client;
  private WebSocketClient ws;
  private int port;

  @BeforeEach
  void setUp() {
    vertx = MetricsRegistries.createVertx(new VertxOptions());
    a = deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
    peerB = b.swarm().peerId().toString();
    http = vertx.createHttpClient();
    client = vertx.getOrCreateContext();
    ws = vertx.createWebSocketClient();
    port = dashboard(new JsonObject()).actualPort();
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  /** A dashboard for swarm {@code a} with the given {@code http} settings on a free port. */
  private DashboardVerticle dashboard(JsonObject httpSettings) {
    JsonObject conf = config("swarm");
    conf.getJsonObject("http").put("enabled", true).put("port", 0).mergeIn(httpSettings);
    DashboardVerticle d = new DashboardVerticle();
    await(vertx.deployVerticle(d, new DeploymentOptions().setConfig(conf)));
    return d;
  }

  private record Answer(int status, String contentType, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  private RequestOptions to(HttpMethod method, String path) {
    return to(port, method, path);
  }

  private static RequestOptions to(int port, HttpMethod method, String path) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port)
        .setURI(path);
  }

  /**
   * Sends {@code body} (null: none) with a Content-Length, or chunked when asked. Every request
   * starts on the one {@link #client} context, so the response's body handler is set in the
   * tick the response arrives in: from the test thread, each call would get a fresh context and
   * the handler could come a hop later, after a short body had already gone by.
   */
  private Answer send(RequestOptions options, String body, boolean chunked) {
    Promise<Answer> answer = Promise.promise();
    client.runOnContext(v -> http.request(options).compose(req -> {
      req.setChunked(chunked);
      return body == null ? req.send() : req.send(Buffer.buffer(body));
    }).compose(resp -> resp.body().map(buf -> new Answer(resp.statusCode(),
        resp.getHeader("content-type"), buf.toString()))).onComplete(answer));
    return await(answer.future());
  }

  private Answer send(RequestOptions options, String body) {
    return send(options, body, false);
  }

  private static void assertError(Answer r, int code, String mentions) {
    assertEquals(code, r.status(), r.body());
    assertEquals("application/json", r.contentType());
    assertEquals(code, r.json().getInteger("code"));
    assertTrue(r.json().getString("error").contains(mentions), r.json().getString("error"));
  }

  private String dialBody(int connections) {
    return new JsonObject().put("addr", b.swarm().listenAddrs().get(0).toString())
        .put("connections", connections).encode();
  }

  private void assertNothingDialled() {
    assertEquals(List.of(), a.swarm().getConnections(), "a dial happened");
    assertEquals(List.of(), b.swarm().getConnections(), "a dial happened");
  }

  private int connectionsToB() {
    return a.swarm().getConnections(b.swarm().peerId()).size();
  }

  // ---- 415: a body must be JSON ---------------------------------------------------------------

  @Test
  void bodyThatIsNotJsonIs415AndDialsNothing() {
    // The three types a page of any site may POST without a CORS preflight, and none at all.
    for (String type : Arrays.asList("text/plain", "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", null)) {
      RequestOptions o = to(HttpMethod.POST, "/api/dial");
      if (type != null) {
        o.putHeader("Content-Type", type);
      }
      Answer r = send(o, dialBody(2));
      assertError(r, 415, "application/json");
      assertTrue(r.json().getString("error").contains(type == null ? "no Content-Type" : type),
          r.body());
    }
    assertNothingDialled();
    // The same body as JSON, parameters allowed, is dialled.
    Answer ok = send(to(HttpMethod.POST, "/api/dial")
        .putHeader("Content-Type", "Application/JSON; charset=utf-8"), dialBody(2));
    assertEquals(200, ok.status(), ok.body());
    assertEquals(2, connectionsToB());
  }

  @Test
  void chunkedBodyWithoutContentTypeIs415() {
    assertError(send(to(HttpMethod.POST, "/api/dial"), dialBody(1), true), 415, "no Content-Type");
    assertError(send(to(HttpMethod.POST, "/api/dial").putHeader("Content-Type", "text/plain"),
        dialBody(1), true), 415, "text/plain");
    assertNothingDialled();
    Answer ok = send(to(HttpMethod.POST, "/api/dial")
        .putHeader("Content-Type", "application/json"), dialBody(1), true);
    assertEquals(200, ok.status(), ok.body());
    assertEquals(1, connectionsToB());
  }

  @Test
  void bodylessCallsNeedNoContentType() {
    send(to(HttpMethod.POST, "/api/dial").putHeader("Content-Type", "application/json"),
        dialBody(1));
    assertEquals(1, connectionsToB());
    Answer ping = send(to(HttpMethod.POST, "/api/peers/" + peerB + "/ping"), null);
    assertEquals(200, ping.status(), ping.body());
    // Content-Length 0 is no body, whatever type it claims
    Answer empty = send(to(HttpMethod.POST, "/api/peers/" + peerB + "/ping")
        .putHeader("Content-Type", "text/plain"), "");
    assertEquals(200, empty.status(), empty.body());
    assertEquals(204, send(to(HttpMethod.DELETE, "/api/peers/" + peerB), null).status());
    assertEquals(0, connectionsToB());
  }

  // ---- 403: a foreign Origin ------------------------------------------------------------------

  @Test
  void foreignOriginIs403() {
    send(to(HttpMethod.POST, "/api/dial").putHeader("Content-Type", "application/json"),
        dialBody(1));
    assertEquals(1, connectionsToB());
    for (String origin : List.of("http://evil.example", "http://evil.example:" + port, "null",
        "http://127.0.0.1:" + (port == 1 ? 2 : port - 1), "http://127.0.0.1.evil.example:" + port,
        "file://", "http://127.0.0.1:" + port + "/path")) {
      assertError(send(to(HttpMethod.DELETE, "/api/peers/" + peerB).putHeader("Origin", origin),
          null), 403, origin);
      assertError(send(to(HttpMethod.POST, "/api/peers/" + peerB + "/ping")
          .putHeader("Origin", origin), null), 403, "Origin");
      assertError(send(to(HttpMethod.POST, "/api/dial").putHeader("Origin", origin)
          .putHeader("Content-Type", "application/json"), dialBody(2)), 403, "Origin");
    }
    assertEquals(1, connectionsToB(), "a foreign page hung up or dialled");
    // the dashboard's own origins
    for (String origin : List.of("http://127.0.0.1:" + port, "http://localhost:" + port,
        "http://LocalHost:" + port, "http://[::1]:" + port)) {
      Answer ping = send(to(HttpMethod.POST, "/api/peers/" + peerB + "/ping")
          .putHeader("Origin", origin), null);
      assertEquals(200, ping.status(), origin + ": " + ping.body());
    }
  }

  // ---- 421: a Host that is not ours (DNS rebinding) -------------------------------------------

  @Test
  void dnsRebindingIs421() {
    String evil = "evil.example:" + port;
    for (String path : List.of("/api/node", "/", "/metrics")) {
      assertError(send(to(HttpMethod.GET, path).putHeader("Host", evil)
          .putHeader("Origin", "http://" + evil), null), 421, evil);
    }
    assertError(send(to(HttpMethod.POST, "/api/dial").putHeader("Host", evil)
        .putHeader("Origin", "http://" + evil).putHeader("Content-Type", "application/json"),
        dialBody(1)), 421, "evil.example");
    assertNothingDialled();
    // the event WebSocket, where Origin and Host agreeing used to be enough
    Throwable t = failure(ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(port).setURI("/api/events").addHeader("Host", evil)
        .addHeader("Origin", "http://" + evil)));
    assertEquals(421, assertInstanceOf(UpgradeRejectedException.class, t).getStatus());
  }

  @Test
  void hostMustNameTheBoundAddressOrLocalhostWithTheBoundPort() {
    for (String host : List.of("127.0.0.1:" + (port == 1 ? 2 : port - 1), "127.0.0.1",
        "localhost", "127.0.0.2:" + port, "localhost.evil.example:" + port, "0.0.0.0:" + port)) {
      assertError(send(to(HttpMethod.GET, "/api/node").putHeader("Host", host), null), 421,
          "Host");
    }
    for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port,
        "[::1]:" + port, "[0:0:0:0:0:0:0:1]:" + port)) {
      Answer r = send(to(HttpMethod.GET, "/api/node").putHeader("Host", host), null);
      assertEquals(200, r.status(), host + ": " + r.body());
    }
  }

  @Test
  void allowedHostsLetANameIn() {
    int p = dashboard(new JsonObject().put("allowedHosts",
        new JsonArray().add("dash.example").add("10.9.8.7"))).actualPort();
    for (String host : List.of("dash.example:" + p, "DASH.Example:" + p, "dash.example",
        "dash.example:443", "10.9.8.7:" + p, "127.0.0.1:" + p, "localhost:" + p)) {
      Answer r = send(to(p, HttpMethod.GET, "/api/node").putHeader("Host", host), null);
      assertEquals(200, r.status(), host + ": " + r.body());
    }
    // behind a TLS reverse proxy: the page's origin has the default port
    for (String origin : List.of("http://dash.example:" + p, "https://dash.example",
        "http://dash.example")) {
      Answer r = send(to(p, HttpMethod.GET, "/api/node").putHeader("Host", "dash.example")
          .putHeader("Origin", origin), null);
      assertEquals(200, r.status(), origin + ": " + r.body());
    }
    assertError(send(to(p, HttpMethod.GET, "/api/node").putHeader("Host", "other.example:" + p),
        null), 421, "other.example");
    assertError(send(to(p, HttpMethod.GET, "/api/node").putHeader("Host", "dash.example:1234"),
        null), 421, "dash.example:1234");
    assertError(send(to(p, HttpMethod.GET, "/api/node").putHeader("Host", "dash.example")
        .putHeader("Origin", "https://dash.example:1234"), null), 403, "dash.example:1234");
  }

  // ---- /metrics and the WebSocket with a token ------------------------------------------------

  @Test
  void metricsNeedTheTokenWhenOneIsSet() {
    assertEquals(200, send(to(HttpMethod.GET, "/metrics"), null).status());
    int p = dashboard(new JsonObject().put("token", "t0ken")).actualPort();
    assertError(send(to(p, HttpMethod.GET, "/metrics"), null), 401, "token");
    assertError(send(to(p, HttpMethod.GET, "/metrics")
        .putHeader("Authorization", "Bearer wrong"), null), 401, "wrong");
    Answer ok = send(to(p, HttpMethod.GET, "/metrics")
        .putHeader("Authorization", "Bearer t0ken"), null);
    assertEquals(200, ok.status());
    assertTrue(ok.contentType().startsWith("text/plain"), ok.contentType());
    assertTrue(ok.body().contains("libp2p_connections_open"), ok.body());
  }

  @Test
  void tokenInTheWebSocketUrlIsRefused() {
    int p = dashboard(new JsonObject().put("token", "t0ken")).actualPort();
    Throwable t = failure(ws.connect(p, "127.0.0.1", "/api/events?token=t0ken"));
    assertEquals(401, assertInstanceOf(UpgradeRejectedException.class, t).getStatus());
  }

  @Test
  void ticketNeedsTheTokenAndOpensOneWebSocketOnce() throws Exception {
    int p = dashboard(new JsonObject().put("token", "t0ken")).actualPort();
    assertError(send(to(p, HttpMethod.POST, "/api/events/ticket"), null), 401, "token");
    assertError(send(to(p, HttpMethod.POST, "/api/events/ticket")
        .putHeader("Authorization", "Bearer wrong"), null), 401, "wrong");
    // not from another site's page either, even with the token
    assertError(send(to(p, HttpMethod.POST, "/api/events/ticket")
        .putHeader("Authorization", "Bearer t0ken")
        .putHeader("Origin", "http://evil.example"), null), 403, "evil.example");

    Answer r = send(to(p, HttpMethod.POST, "/api/events/ticket")
        .putHeader("Authorization", "Bearer t0ken"), null);
    assertEquals(200, r.status(), r.body());
    assertEquals(30, r.json().getInteger("expiresIn"));
    String ticket = r.json().getString("ticket");
    // 128 bits or more in URL-safe base64: at least 22 characters
    assertTrue(ticket.matches("[A-Za-z0-9_-]{22,}"), ticket);
    String other = send(to(p, HttpMethod.POST, "/api/events/ticket")
        .putHeader("Authorization", "Bearer t0ken"), null).json().getString("ticket");
    assertNotEquals(ticket, other);

    Throwable unknown = failure(ws.connect(p, "127.0.0.1", "/api/events?ticket=" + ticket + "x"));
    assertEquals(401, assertInstanceOf(UpgradeRejectedException.class, unknown).getStatus());

    BlockingQueue<JsonObject> got = new LinkedBlockingQueue<>();
    WebSocket socket = await(EventSockets.open(vertx, ws, p, "/api/events?ticket=" + ticket,
        got));
    JsonObject snapshot = got.poll(10, TimeUnit.SECONDS);
    assertNotNull(snapshot);
    assertEquals("snapshot", snapshot.getString("type"));
    socket.close();

    Throwable again = failure(ws.connect(p, "127.0.0.1", "/api/events?ticket=" + ticket));
    assertEquals(401, assertInstanceOf(UpgradeRejectedException.class, again).getStatus());
    // the other ticket is still good, once
    await(ws.connect(p, "127.0.0.1", "/api/events?ticket=" + other)).close();
  }
}
