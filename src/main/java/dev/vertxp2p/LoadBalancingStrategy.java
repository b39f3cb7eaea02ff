package dev.vertxp2p;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How the swarm picks one of a peer's several connections for a new stream.
 *
 * <p>Names in configuration are lower_snake ({@code "round_robin"}), as in the seed
 * (py-libp2p's {@code ConnectionConfig.load_balancing_strategy}).
 */
public enum LoadBalancingStrategy {
  /** Each connection in turn, a cursor per peer. */
  ROUND_ROBIN("round_robin"),
  /** The connection with the fewest open streams; ties taken in turn. */
  LEAST_LOADED("least_loaded"),
  /** go-libp2p's choice: the most open streams, then the newest connection. */
  BEST("best"),
  /** The lowest smoothed ping round-trip time; unknown latency last; ties taken in turn. */
  LOWEST_LATENCY("lowest_latency"),
  /** py-libp2p's name for {@link #LOWEST_LATENCY}: the same selection. */
  LATENCY_BASED("latency_based"),
  /**
   * Healthy connections first (then unknown, then degraded, unhealthy last), then the lowest
   * smoothed round trip, then the fewest open streams; ties taken in turn.
   */
  HEALTH_BASED("health_based"),
  /**
   * The fewest bytes queued or in flight (written and not yet out of this node), not the fewest
   * streams: an idle connection with several open streams beats one carrying a bulk transfer.
   */
  LEAST_BUSY("least_busy");

  private final String jsonName;

  LoadBalancingStrategy(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The name used in configuration and JSON, e.g. {@code "least_loaded"}. */
  public String jsonName() {
    return jsonName;
  }

  @Override
  public String toString() {
    return jsonName;
  }

  /**
   * Parses a configuration name.
   *
   * @throws IllegalArgumentException naming the value and the accepted names
   */
  public static LoadBalancingStrategy parse(String name) {
    return parse(name, "connection.loadBalancingStrategy");
  }

  static LoadBalancingStrategy parse(String name, String path) {
    for (LoadBalancingStrategy s : values()) {
      if (s.jsonName.equals(name)) {
        return s;
      }
    }
    throw ConfigCheck.invalid(
        path,
        name,
        "must be one of "
            + Arrays.stream(values()).map(s -> s.jsonName).collect(Collectors.joining(", ")));
  }
}
