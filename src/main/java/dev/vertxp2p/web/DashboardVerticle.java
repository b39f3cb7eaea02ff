package dev.vertxp2p.web;

import dev.vertxp2p.HttpOptions;
import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.ErrorCodes;
import dev.vertxp2p.verticle.EventBusAddresses;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import dev.vertxp2p.util.SystemClock;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The dashboard, REST API, event WebSocket and {@code /metrics}, on one HTTP server.
 *
 * <p>Deployed with the same config as the {@link SwarmVerticle} it fronts (it reads the {@code
 * http} section and {@code eventBusPrefix}), it talks to the swarm only through the event bus:
 * it is a client of the verticle like any other. Errors answer {@code {"error", "code"}} with the
 * event-bus failure code as HTTP status; no stack trace ever reaches a response.
 *
 * <p>Every request first passes the {@link RequestGuard} (421 for a foreign {@code Host}, 403 for
 * a foreign {@code Origin}, 415 for a body that is not JSON). With {@code http.token} set, every
 * {@code /api} call and {@code /metrics} need {@code Authorization: Bearer <token>}; the event
 * WebSocket takes a single-use ticket from {@code POST /api/events/ticket} instead, since a
 * browser can set no header on it. The tickets are owned by this verticle's context, where
 * every request is handled.
 */
public class DashboardVerticle extends VerticleBase {
  private static final Log LOG = Log.get(DashboardVerticle.class);

  /** Largest request body accepted; larger ones get 413. */
  public static final long MAX_BODY_BYTES = 64 * 1024;
  /** Largest body of {@code POST /api/cluster/request}. */
  public static final long MAX_CLUSTER_REQUEST_BODY_BYTES = 1024 * 1024;
  /** Largest WebSocket frame and message accepted from a client (it has nothing to send). */
  public static final int MAX_WEBSOCKET_MESSAGE_BYTES = 64 * 1024;
  /** Event-bus reply timeout for quick requests (lists, node, hang-up). */
  public static final long REQUEST_TIMEOUT_MS = 30_000;
  /**
   * Event-bus reply timeout for dial and ping, whose own bounds (connection timeout times
   * attempts, plus back-off) can be long; the swarm answers 504 itself before this in practice.
   */
  public static final long DIAL_TIMEOUT_MS = 10 * 60_000;
  /** Directory of the dashboard page: on the filesystem (working directory) or the class path. */
  public static final String WEBROOT = "webroot";
  /** How long a WebSocket ticket stays good: long enough to open the socket, no longer. */
  public static final Duration TICKET_TTL = Duration.ofSeconds(30);
  /** The most WebSocket tickets outstanding at once; more get 429 until some are used or expire. */
  public static final int MAX_OUTSTANDING_TICKETS = 64;
  /** 429 Too Many Requests (RFC 6585 section 4). */
  static final int TOO_MANY_REQUESTS = 429;

  private final LongSupplier nanos;
  private HttpOptions http;
  private EventBusAddresses addresses;
  private HttpServer server;
  private HostPolicy hosts;
  private Tickets tickets;
  private NodeHealth health;

  /** A dashboard on the system clock. */
  public DashboardVerticle() {
    this(SystemClock.NANOS);
  }

  /** A dashboard whose tickets expire by {@code nanos}, a monotonic clock (tests pass a fake). */
  DashboardVerticle(LongSupplier nanos) {
    this.nanos = Objects.requireNonNull(nanos, "nanos");
  }

  /** The port actually bound; -1 before the deployment started. */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** The base URL, e.g. {@code http://127.0.0.1:8080}; null before the deployment started. */
  public String url() {
    if (server == null) {
      return null;
    }
    String host = http.getHost();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + server.actualPort();
  }

  @Override
  public Future<?> start() {
    SwarmVerticle.Settings settings;
    try {
      settings = SwarmVerticle.Settings.parse(config());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    http = settings.options().getHttp();
    addresses = settings.addresses();
    health = new NodeHealth(vertx, addresses,
        settings.options().getRetry().getMaxDelayDuration().toMillis());
    HttpServerOptions serverOptions = new HttpServerOptions()
        .setHost(http.getHost())
        .setPort(http.getPort())
        // HTTP/1.x only: there a request without Content-Length or Transfer-Encoding has no
        // body, which the guard's 415 relies on; the dashboard gains nothing from h2c.
        .setHttp2ClearTextEnabled(false)
        .setMaxWebSocketFrameSize(MAX_WEBSOCKET_MESSAGE_BYTES)
        .setMaxWebSocketMessageSize(MAX_WEBSOCKET_MESSAGE_BYTES);
    HttpServer created = vertx.createHttpServer(serverOptions);
    tickets = new Tickets(new Owner(context, "dashboard WebSocket tickets"), nanos,
        new SecureRandom(), TICKET_TTL, MAX_OUTSTANDING_TICKETS);
    // Bound to a wildcard, the machine's own addresses are names of the dashboard; reading
    // them is a system call, kept off the event loop.
    Future<List<String>> interfaces = HostPolicy.isWildcard(http.getHost())
        ? vertx.executeBlocking(HostPolicy::interfaceAddresses)
        : Future.succeededFuture(List.of());
    return interfaces
        .compose(addrs -> {
          hosts = HostPolicy.create(http.getHost(), http.getAllowedHosts(), addrs,
              created::actualPort);
          return created.requestHandler(router()).listen();
        })
        .onSuccess(s -> {
          server = s;
          // Where the swarm's cluster summary finds this node's dashboard.
          vertx.sharedData().getLocalMap(SwarmVerticle.HTTP_URLS_MAP)
              .put(addresses.prefix(), url());
        });
  }

  @Override
  public Future<?> stop() {
    if (server != null) {
      vertx.sharedData().getLocalMap(SwarmVerticle.HTTP_URLS_MAP)
          .removeIfPresent(addresses.prefix(), url());
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  Router router() {
    Router r = Router.router(vertx);
    r.route().handler(ctx -> {
      ctx.response()
          .putHeader("X-Content-Type-Options", "nosniff")
          .putHeader("Referrer-Policy", "no-referrer")
          .putHeader("X-Frame-Options", "DENY")
          // The page loads nothing from elsewhere; keep it that way.
          .putHeader("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:;"
              + " img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
      ctx.next();
    });
    r.route().handler(new RequestGuard(hosts));
    r.route("/api/*").handler(this::authorize);
    r.get("/metrics").handler(this::authorize);
    r.get("/health").handler(this::authorize);
    r.get("/health/*").handler(this::authorize);
    r.get("/api/events").handler(this::events);
    r.post("/api/events/ticket").handler(this::ticket);
    // A cluster request carries its data (base64) in the body: up to 1 MiB of body there.
    r.post("/api/cluster/request").handler(
        BodyHandler.create(false).setBodyLimit(MAX_CLUSTER_REQUEST_BODY_BYTES));
    r.post("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    r.put("/api/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));

    r.get("/api/node").handler(ctx -> forward(ctx, addresses.node(), new JsonObject()));
    r.get("/api/connections").handler(ctx -> {
      JsonObject body = new JsonObject();
      String peer = ctx.queryParams().get("peer");
      if (peer != null) {
        body.put("peer", peer);
      }
      String state = ctx.queryParams().get("state");
      if (state != null) {
        body.put("state", state);
      }
      forward(ctx, addresses.connections(), body);
    });
    r.get("/api/peers").handler(ctx -> forward(ctx, addresses.connectionsMap(), new JsonObject()));
    r.get("/api/peers/:id/connections").handler(ctx ->
        forward(ctx, addresses.connections(), new JsonObject().put("peer", ctx.pathParam("id"))));
    r.post("/api/dial").handler(ctx -> {
      JsonObject body = jsonBody(ctx);
      if (body != null) {
        forward(ctx, addresses.dial(), body, DIAL_TIMEOUT_MS, 200);
      }
    });
    r.post("/api/peers/:id/ping").handler(ctx ->
        forward(ctx, addresses.ping(), new JsonObject().put("peer", ctx.pathParam("id")),
            DIAL_TIMEOUT_MS, 200));
    r.delete("/api/peers/:id").handler(ctx -> {
      JsonObject body = hangupBody(ctx, "peer", ctx.pathParam("id"));
      if (body != null) {
        forward(ctx, addresses.hangup(), body, REQUEST_TIMEOUT_MS, 204);
      }
    });
    r.get("/api/connections/:connId/streams").handler(ctx ->
        forward(ctx, addresses.streams(),
            new JsonObject().put("connection", ctx.pathParam("connId"))));
    r.get("/api/connections/:connId/timeline").handler(ctx ->
        forward(ctx, addresses.timeline(),
            new JsonObject().put("connection", ctx.pathParam("connId"))));
    r.delete("/api/connections/:connId").handler(ctx -> {
      JsonObject body = hangupBody(ctx, "connection", ctx.pathParam("connId"));
      if (body != null) {
        forward(ctx, addresses.hangup(), body, REQUEST_TIMEOUT_MS, 204);
      }
    });
    r.post("/api/peers/:id/protect").handler(ctx ->
        forward(ctx, addresses.protect(), protectBody(ctx)));
    r.delete("/api/peers/:id/protect").handler(ctx ->
        forward(ctx, addresses.unprotect(), protectBody(ctx)));
    r.put("/api/peers/:id/keep").handler(ctx -> {
      JsonObject body = keepBody(ctx);
      if (body != null) {
        forward(ctx, addresses.keep(), body, DIAL_TIMEOUT_MS, 200);
      }
    });
    r.delete("/api/peers/:id/keep").handler(ctx ->
        forward(ctx, addresses.unkeep(), new JsonObject().put("peer", ctx.pathParam("id"))));
    r.get("/api/kept").handler(ctx -> forward(ctx, addresses.kept(), new JsonObject()));
    r.get("/api/limits").handler(ctx -> forward(ctx, addresses.limits(), new JsonObject()));
    r.post("/api/peers/:id/block").handler(ctx ->
        forward(ctx, addresses.block(), new JsonObject().put("peer", ctx.pathParam("id"))));
    r.delete("/api/peers/:id/block").handler(ctx ->
        forward(ctx, addresses.unblock(), new JsonObject().put("peer", ctx.pathParam("id"))));
    r.get("/api/blocked").handler(ctx -> forward(ctx, addresses.blocked(), new JsonObject()));
    r.get("/api/cluster").handler(ctx ->
        forward(ctx, addresses.clusterNodes(), new JsonObject()));
    r.get("/api/cluster/peers").handler(ctx ->
        forward(ctx, addresses.clusterPeers(), new JsonObject()));
    r.post("/api/cluster/dial").handler(ctx -> {
      JsonObject body = jsonBody(ctx);
      if (body != null) {
        forward(ctx, addresses.clusterDial(), body, DIAL_TIMEOUT_MS, 200);
      }
    });
    r.post("/api/cluster/keep").handler(ctx -> {
      JsonObject body = jsonBody(ctx);
      if (body != null) {
        forward(ctx, addresses.clusterKeep(), body);
      }
    });
    r.delete("/api/cluster/keep/:peer").handler(ctx -> forward(ctx, addresses.clusterUnkeep(),
        new JsonObject().put("peer", ctx.pathParam("peer"))));
    r.get("/api/cluster/kept").handler(ctx ->
        forward(ctx, addresses.clusterKept(), new JsonObject()));
    r.post("/api/cluster/request").handler(ctx -> {
      JsonObject body = jsonBody(ctx);
      if (body != null) {
        Object t = body.getValue("timeout");
        long wait = (t instanceof Number n && n.doubleValue() > 0 && n.doubleValue() <= 300
            ? (long) (n.doubleValue() * 1000) : 30_000) + 10_000;
        forward(ctx, addresses.clusterRequest(), body, wait, 200);
      }
    });
    r.route("/api/*").handler(ctx -> error(ctx, ErrorCodes.NOT_FOUND,
        "no API endpoint " + ctx.request().method() + " " + ctx.request().path()));

    r.get("/health/live").handler(ctx -> health(ctx, health.live()));
    r.get("/health").handler(ctx -> health(ctx, health.ready()));
    r.get("/metrics").handler(PrometheusScrapingHandler.create(
        MetricsRegistries.registryFor(vertx)));
    r.route("/*").handler(StaticHandler.create(WEBROOT).setCachingEnabled(false));
    r.route().failureHandler(this::failure);
    return r;
  }

  /** {@code {"peer", "tag"?}} from the path and the optional {@code ?tag=} query parameter. */
  private static JsonObject protectBody(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("peer", ctx.pathParam("id"));
    String tag = ctx.queryParams().get("tag");
    if (tag != null) {
      body.put("tag", tag);
    }
    return body;
  }

  /**
   * The hang-up request for {@code key} (peer or connection) with the query's {@code graceful}
   * ({@code true} or {@code false}, default false); null once a 400 is sent.
   */
  private static JsonObject hangupBody(RoutingContext ctx, String key, String value) {
    JsonObject body = new JsonObject().put(key, value);
    String graceful = ctx.request().getParam("graceful");
    if (graceful != null) {
      if (!graceful.equals("true") && !graceful.equals("false")) {
        error(ctx, ErrorCodes.BAD_REQUEST, "graceful must be true or false, got \""
            + graceful + "\"");
        return null;
      }
      body.put("graceful", Boolean.parseBoolean(graceful));
    }
    return body;
  }

  /**
   * {@code {"connections": n}} from the body, with the peer from the path; null once a 400 is
   * sent. The body may name no other field: the peer is the path's.
   */
  private JsonObject keepBody(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    if (body == null) {
      return null;
    }
    for (String key : body.fieldNames()) {
      if (!key.equals("connections")) {
        error(ctx, ErrorCodes.BAD_REQUEST, "unknown field \"" + key
            + "\": the body is {\"connections\": n}, the peer is the path's");
        return null;
      }
    }
    return new JsonObject().put("peer", ctx.pathParam("id"))
        .put("connections", body.getValue("connections"));
  }

  // ---- auth -----------------------------------------------------------------------------------

  /**
   * With a token configured: the bearer token, or on the event WebSocket a ticket. The token is
   * never taken from the URL, where it would stay in history and logs.
   */
  private void authorize(RoutingContext ctx) {
    String token = http.getToken();
    if (token == null) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String given = header.substring(7).trim();
      if (MessageDigest.isEqual(
          given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
        ctx.next();
      } else {
        unauthorized(ctx, "wrong token");
      }
      return;
    }
    if (ctx.request().method() == HttpMethod.GET && ctx.normalizedPath().equals("/api/events")) {
      // A browser cannot set a header on a WebSocket: the page brings a ticket instead.
      String ticket = ctx.queryParams().get("ticket");
      if (ticket != null) {
        if (tickets.redeem(ticket)) {
          ctx.next();
        } else {
          unauthorized(ctx, "unknown, used or expired ticket: get a fresh one from"
              + " POST /api/events/ticket (each opens one WebSocket within "
              + TICKET_TTL.toSeconds() + " s)");
        }
        return;
      }
      if (ctx.queryParams().contains("token")) {
        unauthorized(ctx, "?token= is not accepted: get a ticket from POST /api/events/ticket"
            + " with Authorization: Bearer <token> and open /api/events?ticket=<ticket>");
        return;
      }
      unauthorized(ctx, "this node needs a token: open /api/events?ticket=<ticket>, with a"
          + " ticket from POST /api/events/ticket, or send Authorization: Bearer <token>");
      return;
    }
    unauthorized(ctx, "this node needs a token: send Authorization: Bearer <token>");
  }

  private static void unauthorized(RoutingContext ctx, String text) {
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    error(ctx, 401, text);
  }

  /** Answers a health check: 200 when UP, 503 when DOWN, the vertx-health-check JSON. */
  private void health(RoutingContext ctx, Future<io.vertx.ext.healthchecks.CheckResult> result) {
    result.onComplete(ar -> {
      if (ctx.response().ended()) {
        return;
      }
      if (ar.failed()) {
        error(ctx, 503, "health check failed: " + ar.cause().getMessage());
        return;
      }
      io.vertx.ext.healthchecks.CheckResult r = ar.result();
      ctx.response().setStatusCode(Boolean.TRUE.equals(r.getUp()) ? 200 : 503)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(r.toJson().encode());
    });
  }

  /** {@code POST /api/events/ticket}: a single-use ticket for one event WebSocket. */
  private void ticket(RoutingContext ctx) {
    String ticket = tickets.issue();
    if (ticket == null) {
      error(ctx, TOO_MANY_REQUESTS, tickets.maxOutstanding() + " WebSocket tickets are"
          + " outstanding, the most allowed: use one, or wait up to " + TICKET_TTL.toSeconds()
          + " s for them to expire");
      return;
    }
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(new JsonObject().put("ticket", ticket)
            .put("expiresIn", TICKET_TTL.toSeconds()).encode());
  }

  // ---- WebSocket ------------------------------------------------------------------------------

  private void events(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String upgrade = req.getHeader(HttpHeaders.UPGRADE);
    if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
      error(ctx, ErrorCodes.BAD_REQUEST, "/api/events is a WebSocket: send Upgrade: websocket");
      return;
    }
    // The guard has checked Host and Origin, and authorize the ticket.
    req.toWebSocket()
        .onSuccess(ws -> new EventStream(vertx, addresses, ws).start())
        .onFailure(err -> LOG.debug(() -> "WebSocket upgrade failed: " + err.getMessage()));
  }

  // ---- forwarding -----------------------------------------------------------------------------

  private JsonObject jsonBody(RoutingContext ctx) {
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      error(ctx, ErrorCodes.BAD_REQUEST, "the body must be a JSON object, got nothing");
      return null;
    }
    try {
      Object v = io.vertx.core.json.Json.decodeValue(text);
      if (v instanceof JsonObject json) {
        return json;
      }
      error(ctx, ErrorCodes.BAD_REQUEST, "the body must be a JSON object");
    } catch (RuntimeException e) {
      error(ctx, ErrorCodes.BAD_REQUEST, "the body is not valid JSON: " + e.getMessage());
    }
    return null;
  }

  private void forward(RoutingContext ctx, String address, JsonObject body) {
    forward(ctx, address, body, REQUEST_TIMEOUT_MS, 200);
  }

  private void forward(RoutingContext ctx, String address, JsonObject body, long timeoutMs,
      int okStatus) {
    vertx.eventBus().<JsonObject>request(address, body,
            new DeliveryOptions().setSendTimeout(timeoutMs))
        .onSuccess(reply -> {
          if (ctx.response().ended()) {
            return;
          }
          if (okStatus == 204) {
            ctx.response().setStatusCode(204).end();
          } else {
            ctx.response().setStatusCode(okStatus)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(reply.body().encode());
          }
        })
        .onFailure(err -> {
          if (err instanceof ReplyException re) {
            switch (re.failureType()) {
              case RECIPIENT_FAILURE -> {
                if (re instanceof dev.vertxp2p.verticle.RefusalReply rr) {
                  error(ctx, re.failureCode(), re.getMessage(), rr.refusal());
                } else {
                  error(ctx, re.failureCode(), re.getMessage());
                }
              }
              case TIMEOUT -> error(ctx, ErrorCodes.TIMED_OUT,
                  "the swarm did not answer on " + address + " within " + timeoutMs + " ms");
              default -> error(ctx, 503, address.startsWith(addresses.prefix() + ".cluster.")
                  ? "this node is not in a cluster (cluster.enabled is false), or its swarm is"
                      + " not running (nothing serves " + address + ")"
                  : "the swarm is not running (nothing serves " + address + ")");
            }
          } else {
            LOG.warn("event-bus request to " + address + " failed", err);
            error(ctx, ErrorCodes.INTERNAL, "internal error");
          }
        });
  }

  private void failure(RoutingContext ctx) {
    int status = ctx.statusCode();
    Throwable err = ctx.failure();
    String text;
    if (status == 413) {
      text = "request body larger than " + (ctx.request().path().equals("/api/cluster/request")
          ? MAX_CLUSTER_REQUEST_BODY_BYTES : MAX_BODY_BYTES) + " bytes";
    } else if (status >= 400 && status < 600 && status != 500) {
      text = err != null && err.getMessage() != null ? err.getMessage()
          : io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase();
    } else {
      if (err != null) {
        LOG.warn("request " + ctx.request().path() + " failed", err);
      }
      status = ErrorCodes.INTERNAL;
      text = "internal error";
    }
    error(ctx, status, text);
  }

  static void error(RoutingContext ctx, int code, String text) {
    error(ctx, code, text, null);
  }

  /** An error body {@code {"error", "code"}}, with {@code "refusal"} when a refusal caused it. */
  static void error(RoutingContext ctx, int code, String text, JsonObject refusal) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    int status = code >= 400 && code < 600 ? code : ErrorCodes.INTERNAL;
    JsonObject body = new JsonObject().put("error", text).put("code", code);
    if (refusal != null) {
      body.put("refusal", refusal);
    }
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode());
  }
}
