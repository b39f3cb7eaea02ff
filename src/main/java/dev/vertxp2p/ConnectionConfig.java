package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How many connections the swarm keeps to one peer, how long one may take to set up, and how
 * streams are spread over them: the {@code "connection"} section of the configuration.
 *
 * <p>Names and defaults are the seed's (py-libp2p {@code ConnectionConfig}) in camelCase.
 * Durations are seconds as decimal numbers in JSON and also available as {@link Duration}. Every
 * setter validates and throws {@link IllegalArgumentException} naming the key, the value and the
 * rule.
 */
public class ConnectionConfig {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "connection";

  /** Default {@code maxConnectionsPerPeer}: 3 (py-libp2p). */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_PEER = 3;

  /** Default {@code connectionTimeout} in seconds: 30.0 (py-libp2p). */
  public static final double DEFAULT_CONNECTION_TIMEOUT = 30.0;

  /** Default {@code loadBalancingStrategy}: round robin (py-libp2p). */
  public static final LoadBalancingStrategy DEFAULT_LOAD_BALANCING_STRATEGY =
      LoadBalancingStrategy.ROUND_ROBIN;

  /** Default {@code hedgeDelay}: none (null), so streams are never hedged (the contract). */
  public static final Duration DEFAULT_HEDGE_DELAY = null;

  static final Set<String> KEYS = Set.of("maxConnectionsPerPeer", "connectionTimeout",
      "loadBalancingStrategy", "hedgeDelay");

  private int maxConnectionsPerPeer;
  private double connectionTimeout;
  private LoadBalancingStrategy loadBalancingStrategy;
  /** Seconds, or null when hedging is off. */
  private Double hedgeDelay;

  /** The defaults. */
  public ConnectionConfig() {
    maxConnectionsPerPeer = DEFAULT_MAX_CONNECTIONS_PER_PEER;
    connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
    loadBalancingStrategy = DEFAULT_LOAD_BALANCING_STRATEGY;
  }

  /** A copy of {@code other}. */
  public ConnectionConfig(ConnectionConfig other) {
    maxConnectionsPerPeer = other.maxConnectionsPerPeer;
    connectionTimeout = other.connectionTimeout;
    loadBalancingStrategy = other.loadBalancingStrategy;
    hedgeDelay = other.hedgeDelay;
  }

  /**
   * From the {@code "connection"} JSON object; absent keys take their defaults, unknown keys are
   * rejected.
   */
  public ConnectionConfig(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setMaxConnectionsPerPeer(
        ConfigCheck.readInt(
            json, "maxConnectionsPerPeer", path("maxConnectionsPerPeer"), maxConnectionsPerPeer));
    setConnectionTimeout(
        ConfigCheck.readNumber(
            json, "connectionTimeout", path("connectionTimeout"), connectionTimeout));
    String strategy =
        ConfigCheck.readString(
            json,
            "loadBalancingStrategy",
            path("loadBalancingStrategy"),
            loadBalancingStrategy.jsonName(),
            false);
    setLoadBalancingStrategy(
        LoadBalancingStrategy.parse(strategy, path("loadBalancingStrategy")));
    if (json.containsKey("hedgeDelay")) {
      Object v = json.getValue("hedgeDelay");
      if (v != null && !(v instanceof Number)) {
        throw ConfigCheck.invalid(path("hedgeDelay"), v, "must be a number of seconds or null");
      }
      hedgeDelay = v == null ? null : hedgeSeconds(((Number) v).doubleValue());
    }
  }

  private static String path(String key) {
    return ConfigCheck.join(SECTION, key);
  }

  /** The most connections (open plus being set up, both directions) kept to one peer. */
  public int getMaxConnectionsPerPeer() {
    return maxConnectionsPerPeer;
  }

  /**
   * Sets the per-peer connection limit.
   *
   * @throws IllegalArgumentException when below 1
   */
  public ConnectionConfig setMaxConnectionsPerPeer(int maxConnectionsPerPeer) {
    if (maxConnectionsPerPeer < 1) {
      throw ConfigCheck.invalid(
          path("maxConnectionsPerPeer"), maxConnectionsPerPeer, "must be an integer >= 1");
    }
    this.maxConnectionsPerPeer = maxConnectionsPerPeer;
    return this;
  }

  /** Time allowed for one connection attempt (TCP connect plus upgrade), in seconds. */
  public double getConnectionTimeout() {
    return connectionTimeout;
  }

  /** {@link #getConnectionTimeout()} as a {@link Duration}. */
  public Duration getConnectionTimeoutDuration() {
    return ConfigCheck.toDuration(connectionTimeout);
  }

  /**
   * Sets the per-attempt timeout in seconds.
   *
   * @throws IllegalArgumentException unless finite and at least 0.001 (a timer's 1 ms)
   */
  public ConnectionConfig setConnectionTimeout(double seconds) {
    this.connectionTimeout = ConfigCheck.timerSeconds(path("connectionTimeout"), seconds);
    return this;
  }

  /** Sets the per-attempt timeout. */
  public ConnectionConfig setConnectionTimeout(Duration timeout) {
    this.connectionTimeout = ConfigCheck.timerSeconds(path("connectionTimeout"),
        ConfigCheck.positiveSeconds(path("connectionTimeout"), timeout));
    return this;
  }

  /** How streams are spread over a peer's connections. */
  public LoadBalancingStrategy getLoadBalancingStrategy() {
    return loadBalancingStrategy;
  }

  /** Sets the load-balancing strategy. */
  public ConnectionConfig setLoadBalancingStrategy(LoadBalancingStrategy strategy) {
    if (strategy == null) {
      throw ConfigCheck.invalid(
          path("loadBalancingStrategy"), null, "must be a strategy name, not null");
    }
    this.loadBalancingStrategy = strategy;
    return this;
  }

  /** Sets the load-balancing strategy by its configuration name, e.g. {@code "least_loaded"}. */
  public ConnectionConfig setLoadBalancingStrategy(String name) {
    return setLoadBalancingStrategy(
        LoadBalancingStrategy.parse(name, path("loadBalancingStrategy")));
  }

  /**
   * How long a new stream's protocol negotiation may run on its connection before the same
   * stream is also tried on another connection of the peer (the first to negotiate wins, the
   * other is reset); null when hedging is off, the default.
   */
  public Duration getHedgeDelay() {
    return hedgeDelay == null ? null : ConfigCheck.toDuration(hedgeDelay);
  }

  /** {@link #getHedgeDelay()} in seconds, or null when hedging is off. */
  public Double getHedgeDelaySeconds() {
    return hedgeDelay;
  }

  /**
   * Sets the hedge delay in seconds.
   *
   * @throws IllegalArgumentException unless finite and at least 0.001 (a timer's 1 ms)
   */
  public ConnectionConfig setHedgeDelay(double seconds) {
    this.hedgeDelay = hedgeSeconds(seconds);
    return this;
  }

  /**
   * Sets the hedge delay; null turns hedging off.
   *
   * @throws IllegalArgumentException unless null or at least 1 ms
   */
  public ConnectionConfig setHedgeDelay(Duration delay) {
    this.hedgeDelay = delay == null ? null
        : hedgeSeconds(ConfigCheck.positiveSeconds(path("hedgeDelay"), delay));
    return this;
  }

  private static double hedgeSeconds(double seconds) {
    return ConfigCheck.timerSeconds(path("hedgeDelay"), seconds);
  }

  /**
   * The {@code "connection"} JSON object. {@code hedgeDelay} appears only when set: absent and
   * null both mean off, and the contract's default block has no such key.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("maxConnectionsPerPeer", maxConnectionsPerPeer)
        .put("connectionTimeout", connectionTimeout)
        .put("loadBalancingStrategy", loadBalancingStrategy.jsonName());
    if (hedgeDelay != null) {
      json.put("hedgeDelay", hedgeDelay);
    }
    return json;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ConnectionConfig)) {
      return false;
    }
    ConnectionConfig that = (ConnectionConfig) o;
    return maxConnectionsPerPeer == that.maxConnectionsPerPeer
        && Double.compare(connectionTimeout, that.connectionTimeout) == 0
        && loadBalancingStrategy == that.loadBalancingStrategy
        && Objects.equals(hedgeDelay, that.hedgeDelay);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxConnectionsPerPeer, connectionTimeout, loadBalancingStrategy,
        hedgeDelay);
  }

  @Override
  public String toString() {
    return "ConnectionConfig" + toJson().encode();
  }
}
