package dev.vertxp2p.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.UUID;

/**
 * The Prometheus registry of one Vert.x instance: where Vert.x's own meters (with {@link
 * #createVertx}) and the swarm meters go, and what {@code /metrics} scrapes.
 *
 * <p>The registry is kept in the instance's local shared data, not in a static, so that several
 * Vert.x instances in one JVM (tests, embedding) keep separate meters. An instance made without
 * metrics gets a registry of its own on first use, holding only the swarm meters.
 */
public final class MetricsRegistries {
  static final String MAP = "dev.vertxp2p.metrics";
  static final String KEY = "registry";

  private MetricsRegistries() {}

  /** Holds the registry in local shared data. */
  private record Holder(PrometheusMeterRegistry registry) implements Shareable {}

  /**
   * A Vert.x instance with Micrometer metrics on (net, HTTP, event bus, pools) into a fresh
   * Prometheus registry, which {@link #registryFor} then returns.
   */
  public static Vertx createVertx(VertxOptions options) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = builder(options, registry).build();
    map(vertx).put(KEY, new Holder(registry));
    return vertx;
  }

  /**
   * As {@link #createVertx}, but a clustered instance using {@code clusterManager}; completes
   * once it has joined the cluster.
   */
  public static Future<Vertx> createClusteredVertx(VertxOptions options,
      ClusterManager clusterManager) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    return builder(options, registry).withClusterManager(clusterManager).buildClustered()
        .map(vertx -> {
          map(vertx).put(KEY, new Holder(registry));
          return vertx;
        });
  }

  private static VertxBuilder builder(VertxOptions options, PrometheusMeterRegistry registry) {
    VertxOptions copy = new VertxOptions(options).setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        // A name per instance: Vert.x keeps backend registries in a JVM-wide map by name.
        .setRegistryName("vertxp2p-" + UUID.randomUUID()));
    return Vertx.builder()
        .with(copy)
        .withMetrics(new MicrometerMetricsFactory(registry));
  }

  /** The registry of {@code vertx}, created (swarm meters only) when it has none yet. */
  public static PrometheusMeterRegistry registryFor(Vertx vertx) {
    LocalMap<String, Holder> map = map(vertx);
    Holder h = map.get(KEY);
    if (h == null) {
      Holder fresh = new Holder(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      Holder prior = map.putIfAbsent(KEY, fresh);
      h = prior == null ? fresh : prior;
    }
    return h.registry();
  }

  private static LocalMap<String, Holder> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }
}
