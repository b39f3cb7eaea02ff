package dev.vertxp2p.launcher;

import dev.vertxp2p.Swarm;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.web.DashboardVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A runnable node: the {@link SwarmVerticle} plus, when {@code http.enabled}, the {@link
 * DashboardVerticle}, both deployed with the same config. What the launcher starts.
 */
final class Node {
  private final Vertx vertx;
  private final JsonObject config;
  private final boolean httpEnabled;
  private final SwarmVerticle swarmVerticle = new SwarmVerticle();
  private final DashboardVerticle dashboard = new DashboardVerticle();
  private String swarmDeployment;
  private String dashboardDeployment;

  /**
   * @param config the whole configuration, already validated by {@link
   *     SwarmVerticle.Settings#parse}
   */
  Node(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    this.config = config.copy();
    this.httpEnabled = SwarmVerticle.Settings.parse(config).options().getHttp().isEnabled();
  }

  Swarm swarm() {
    return swarmVerticle.swarm();
  }

  Future<Void> start() {
    DeploymentOptions options = new DeploymentOptions().setConfig(config);
    return vertx.deployVerticle(swarmVerticle, options).compose(id -> {
      swarmDeployment = id;
      if (!httpEnabled) {
        return Future.succeededFuture();
      }
      return vertx.deployVerticle(dashboard, new DeploymentOptions().setConfig(config))
          .map(d -> {
            dashboardDeployment = d;
            return null;
          });
    });
  }

  /** The dashboard's URL, or null when HTTP is off. */
  String httpUrl() {
    return dashboardDeployment == null ? null : dashboard.url();
  }

  /** Stops the dashboard, then the swarm (which closes every connection with GOAWAY). */
  Future<Void> stop() {
    Future<Void> h = dashboardDeployment == null
        ? Future.succeededFuture() : vertx.undeploy(dashboardDeployment);
    return h.transform(ignored -> swarmDeployment == null
        ? Future.succeededFuture() : vertx.undeploy(swarmDeployment));
  }
}
