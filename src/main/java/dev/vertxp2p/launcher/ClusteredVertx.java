package dev.vertxp2p.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.vertxp2p.ClusterOptions;
import dev.vertxp2p.metrics.MetricsRegistries;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.regex.Pattern;

/**
 * A clustered Vert.x for the {@code cluster} section: Hazelcast configured in code, TCP-IP join
 * to {@code cluster.members}, no multicast, no auto-detection, bound to {@code cluster.host}:
 * {@code cluster.port}, with failure detection tuned so a killed member is noticed within 15 s.
 */
public final class ClusteredVertx {

  /** Seconds between two Hazelcast heartbeats. */
  static final int HEARTBEAT_INTERVAL_SECONDS = 1;
  /** Seconds without a heartbeat after which a member is declared gone. */
  static final int MAX_NO_HEARTBEAT_SECONDS = 8;

  private static final Pattern IP_LITERAL =
      Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*");

  private ClusteredVertx() {}

  /** The Hazelcast configuration for {@code options}. */
  public static Config hazelcastConfig(ClusterOptions options) {
    Config config = new Config();
    config.setClusterName(options.getName());
    // Failure detection: heartbeat every second; silent for MAX_NO_HEARTBEAT_SECONDS = gone.
    config.setProperty("hazelcast.heartbeat.interval.seconds",
        Integer.toString(HEARTBEAT_INTERVAL_SECONDS));
    config.setProperty("hazelcast.max.no.heartbeat.seconds",
        Integer.toString(MAX_NO_HEARTBEAT_SECONDS));
    // Join at once instead of waiting 5 s for more members to show up.
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    // Vert.x leaves the cluster itself on close; Hazelcast's own hook would leave too early.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(options.getPort()).setPortAutoIncrement(false);
    network.setPublicAddress(options.getHost() + ":" + options.getPort());
    if (IP_LITERAL.matcher(options.getHost()).matches()) {
      network.getInterfaces().setEnabled(true).addInterface(options.getHost());
      config.setProperty("hazelcast.socket.bind.any", "false");
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(options.getMembers());
    return config;
  }

  /**
   * Starts a clustered Vert.x with Micrometer metrics ({@link MetricsRegistries}); completes once
   * it has joined the cluster.
   */
  public static Future<Vertx> create(ClusterOptions options) {
    VertxOptions vertxOptions = new VertxOptions();
    vertxOptions.getEventBusOptions().setHost(options.getHost())
        .setClusterPublicHost(options.getHost()).setPort(0);
    return MetricsRegistries.createClusteredVertx(vertxOptions,
        new HazelcastClusterManager(hazelcastConfig(options)));
  }
}
