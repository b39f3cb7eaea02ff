package dev.vertxp2p;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A runnable node: the swarm plus, when enabled, the HTTP server. What the launcher starts.
 */
final class Node {
  private final Vertx vertx;
  private final SwarmOptions options;
  private final Swarm swarm;
  private HttpServer http;

  Node(Vertx vertx, SwarmOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.swarm = Swarm.create(vertx, options);
  }

  Swarm swarm() {
    return swarm;
  }

  Future<Void> start() {
    return swarm.start().compose(v -> startHttp());
  }

  private Future<Void> startHttp() {
    HttpOptions h = options.getHttp();
    if (!h.isEnabled()) {
      return Future.succeededFuture();
    }
    return vertx.createHttpServer()
        .requestHandler(req -> {
          if ("/api/node".equals(req.path())) {
            req.response().putHeader("content-type", "application/json")
                .end(nodeJson().encode());
          } else {
            req.response().setStatusCode(404).putHeader("content-type", "application/json")
                .end(new JsonObject().put("error", "no such path: " + req.path())
                    .put("code", 404).encode());
          }
        })
        .listen(h.getPort(), h.getHost())
        .map(server -> {
          this.http = server;
          return null;
        });
  }

  JsonObject nodeJson() {
    return new JsonObject()
        .put("peerId", swarm.peerId().toString())
        .put("listenAddrs", new JsonArray(swarm.listenAddrs().stream().map(Multiaddr::toString).toList()))
        .put("protocols", new JsonArray(swarm.protocols()))
        .put("config", options.toPublicJson());
  }

  /** The dashboard's URL, or null when HTTP is off. */
  String httpUrl() {
    if (http == null) {
      return null;
    }
    String host = options.getHttp().getHost();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return "http://" + host + ":" + http.actualPort();
  }

  Future<Void> stop() {
    Future<Void> h = http == null ? Future.succeededFuture() : http.close();
    return h.compose(v -> swarm.close());
  }
}
