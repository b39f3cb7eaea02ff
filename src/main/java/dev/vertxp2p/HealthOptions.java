package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Connection health checks: the {@code "health"} section of the configuration.
 *
 * <pre>{@code
 * "health": { "enabled": true, "checkInterval": 10.0, "pingTimeout": 5.0, "unhealthyAfter": 3,
 *             "maxPingLatency": 1.0, "replaceUnhealthy": true, "drainTimeout": 10.0 }
 * }</pre>
 *
 * <p>Every open connection is pinged every {@code checkInterval} s, busy or idle (the Yamux ping
 * frame, or {@code /ipfs/ping/1.0.0} on mplex). A check without an answer within {@code
 * pingTimeout} fails; {@code unhealthyAfter} failures in a row make the connection unhealthy. An
 * answer slower than {@code maxPingLatency} only makes it degraded: a saturated link's round trip
 * includes its queue.
 */
public class HealthOptions {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "health";

  public static final boolean DEFAULT_ENABLED = true;
  /** Seconds between two checks of one connection. */
  public static final double DEFAULT_CHECK_INTERVAL = 10.0;
  /** Seconds a check waits for its answer before it counts as failed. */
  public static final double DEFAULT_PING_TIMEOUT = 5.0;
  /** Failed checks in a row that make a connection unhealthy. */
  public static final int DEFAULT_UNHEALTHY_AFTER = 3;
  /** Seconds of smoothed round trip above which an answering connection is degraded. */
  public static final double DEFAULT_MAX_PING_LATENCY = 1.0;
  public static final boolean DEFAULT_REPLACE_UNHEALTHY = true;
  /** Seconds a draining connection's open streams get to finish. */
  public static final double DEFAULT_DRAIN_TIMEOUT = 10.0;

  /** Upper bound of {@code unhealthyAfter}: beyond it detection would take days, surely a typo. */
  public static final int MAX_UNHEALTHY_AFTER = 1000;

  static final Set<String> KEYS = Set.of("enabled", "checkInterval", "pingTimeout",
      "unhealthyAfter", "maxPingLatency", "replaceUnhealthy", "drainTimeout");

  private boolean enabled;
  private double checkInterval;
  private double pingTimeout;
  private int unhealthyAfter;
  private double maxPingLatency;
  private boolean replaceUnhealthy;
  private double drainTimeout;

  /** The defaults. */
  public HealthOptions() {
    enabled = DEFAULT_ENABLED;
    checkInterval = DEFAULT_CHECK_INTERVAL;
    pingTimeout = DEFAULT_PING_TIMEOUT;
    unhealthyAfter = DEFAULT_UNHEALTHY_AFTER;
    maxPingLatency = DEFAULT_MAX_PING_LATENCY;
    replaceUnhealthy = DEFAULT_REPLACE_UNHEALTHY;
    drainTimeout = DEFAULT_DRAIN_TIMEOUT;
  }

  /** A copy of {@code other}. */
  public HealthOptions(HealthOptions other) {
    enabled = other.enabled;
    checkInterval = other.checkInterval;
    pingTimeout = other.pingTimeout;
    unhealthyAfter = other.unhealthyAfter;
    maxPingLatency = other.maxPingLatency;
    replaceUnhealthy = other.replaceUnhealthy;
    drainTimeout = other.drainTimeout;
  }

  /**
   * From the {@code "health"} JSON object.
   *
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public HealthOptions(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setEnabled(ConfigCheck.readBoolean(json, "enabled", path("enabled"), enabled));
    setCheckInterval(readSeconds(json, "checkInterval", checkInterval));
    setPingTimeout(readSeconds(json, "pingTimeout", pingTimeout));
    setUnhealthyAfter(
        ConfigCheck.readInt(json, "unhealthyAfter", path("unhealthyAfter"), unhealthyAfter));
    setMaxPingLatency(readSeconds(json, "maxPingLatency", maxPingLatency));
    setReplaceUnhealthy(ConfigCheck.readBoolean(json, "replaceUnhealthy",
        path("replaceUnhealthy"), replaceUnhealthy));
    setDrainTimeout(readSeconds(json, "drainTimeout", drainTimeout));
  }

  private static String path(String key) {
    return SECTION + "." + key;
  }

  private static double readSeconds(JsonObject json, String key, double dflt) {
    return ConfigCheck.readNumber(json, key, path(key), dflt);
  }

  /** Whether connections are checked at all. */
  public boolean isEnabled() {
    return enabled;
  }

  public HealthOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** Seconds between two checks of one connection. */
  public double getCheckInterval() {
    return checkInterval;
  }

  public Duration getCheckIntervalDuration() {
    return ConfigCheck.toDuration(checkInterval);
  }

  public HealthOptions setCheckInterval(double seconds) {
    this.checkInterval = ConfigCheck.timerSeconds(path("checkInterval"), seconds);
    return this;
  }

  /** Seconds a check waits for its answer. */
  public double getPingTimeout() {
    return pingTimeout;
  }

  public Duration getPingTimeoutDuration() {
    return ConfigCheck.toDuration(pingTimeout);
  }

  public HealthOptions setPingTimeout(double seconds) {
    this.pingTimeout = ConfigCheck.timerSeconds(path("pingTimeout"), seconds);
    return this;
  }

  /** Failed checks in a row that make a connection unhealthy. */
  public int getUnhealthyAfter() {
    return unhealthyAfter;
  }

  public HealthOptions setUnhealthyAfter(int checks) {
    if (checks < 1 || checks > MAX_UNHEALTHY_AFTER) {
      throw ConfigCheck.invalid(path("unhealthyAfter"), checks,
          "must be between 1 and " + MAX_UNHEALTHY_AFTER + " checks");
    }
    this.unhealthyAfter = checks;
    return this;
  }

  /** Seconds of smoothed round trip above which a connection is degraded. */
  public double getMaxPingLatency() {
    return maxPingLatency;
  }

  public HealthOptions setMaxPingLatency(double seconds) {
    this.maxPingLatency = ConfigCheck.positiveSeconds(path("maxPingLatency"), seconds);
    return this;
  }

  /** Whether an unhealthy connection is replaced. */
  public boolean isReplaceUnhealthy() {
    return replaceUnhealthy;
  }

  public HealthOptions setReplaceUnhealthy(boolean replace) {
    this.replaceUnhealthy = replace;
    return this;
  }

  /** Seconds a draining connection's open streams get to finish before it closes. */
  public double getDrainTimeout() {
    return drainTimeout;
  }

  public Duration getDrainTimeoutDuration() {
    return ConfigCheck.toDuration(drainTimeout);
  }

  public HealthOptions setDrainTimeout(double seconds) {
    this.drainTimeout = ConfigCheck.timerSeconds(path("drainTimeout"), seconds);
    return this;
  }

  /** The {@code "health"} JSON object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("checkInterval", checkInterval)
        .put("pingTimeout", pingTimeout)
        .put("unhealthyAfter", unhealthyAfter)
        .put("maxPingLatency", maxPingLatency)
        .put("replaceUnhealthy", replaceUnhealthy)
        .put("drainTimeout", drainTimeout);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HealthOptions that && toJson().equals(that.toJson());
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, checkInterval, pingTimeout, unhealthyAfter, maxPingLatency,
        replaceUnhealthy, drainTimeout);
  }

  @Override
  public String toString() {
    return "HealthOptions" + toJson().encode();
  }
}
