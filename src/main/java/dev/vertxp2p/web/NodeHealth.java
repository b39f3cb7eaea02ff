package dev.vertxp2p.web;

import dev.vertxp2p.verticle.EventBusAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

/**
 * The node's health for an orchestrator, as vertx-health-check results.
 *
 * <ul>
 *   <li>Liveness ({@code /health/live}): UP while the node runs and its swarm answers on the event
 *       bus. Nothing about remote peers goes into it, so a peer that went away never gets the node
 *       restarted.
 *   <li>Readiness ({@code /health}): the listeners (at least one bound address), plus one check per
 *       kept peer, DOWN once that peer has had no connection for longer than {@code
 *       retry.maxDelay} (the longest a re-dial waits, so one missed round does not flap it).
 * </ul>
 */
final class NodeHealth {
  /** Bound on each event-bus question a check asks the swarm. */
  static final long CHECK_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final EventBusAddresses addresses;
  private final long maxDownMillis;

  NodeHealth(Vertx vertx, EventBusAddresses addresses, long maxDownMillis) {
    this.vertx = vertx;
    this.addresses = addresses;
    this.maxDownMillis = maxDownMillis;
  }

  private Future<JsonObject> ask(String address) {
    return vertx.eventBus().<JsonObject>request(address, new JsonObject(),
        new DeliveryOptions().setSendTimeout(CHECK_TIMEOUT_MS)).map(m -> m.body());
  }

  /** UP while the swarm answers. */
  Future<CheckResult> live() {
    return ask(addresses.node()).transform(ar -> HealthChecks.create(vertx)
        .register("node", p -> p.complete(ar.succeeded()
            ? Status.OK(new JsonObject().put("peerId", ar.result().getString("peerId")))
            : Status.KO(new JsonObject().put("error", String.valueOf(ar.cause().getMessage())))))
        .checkStatus());
  }

  /** The listeners, and each kept peer not down for longer than {@code retry.maxDelay}. */
  Future<CheckResult> ready() {
    Future<JsonObject> node = ask(addresses.node());
    Future<JsonObject> kept = ask(addresses.kept());
    return Future.join(node, kept).transform(ignored -> {
      HealthChecks checks = HealthChecks.create(vertx);
      checks.register("listeners", p -> {
        if (node.failed()) {
          p.complete(Status.KO(new JsonObject().put("error", node.cause().getMessage())));
          return;
        }
        JsonArray addrs = node.result().getJsonArray("listenAddrs", new JsonArray());
        JsonObject data = new JsonObject().put("listenAddrs", addrs);
        p.complete(addrs.isEmpty() ? Status.KO(data) : Status.OK(data));
      });
      if (kept.failed()) {
        checks.register("kept", p -> p.complete(
            Status.KO(new JsonObject().put("error", kept.cause().getMessage()))));
      } else {
        for (Object o : kept.result().getJsonArray("kept", new JsonArray())) {
          JsonObject k = (JsonObject) o;
          long downFor = k.getLong("downForMs", 0L);
          JsonObject data = new JsonObject().put("target", k.getInteger("target"))
              .put("open", k.getInteger("open")).put("downForMs", downFor)
              .put("maxDownMs", maxDownMillis);
          boolean up = k.getInteger("open", 0) > 0 || downFor <= maxDownMillis;
          checks.register("kept-" + k.getString("peer"),
              p -> p.complete(up ? Status.OK(data) : Status.KO(data)));
        }
      }
      return checks.checkStatus();
    });
  }
}
