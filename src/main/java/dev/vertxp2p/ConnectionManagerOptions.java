package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The connection manager: the {@code "connectionManager"} section of the configuration.
 *
 * <pre>{@code
 * "connectionManager": { "enabled": true, "lowWater": 160, "highWater": 192,
 *                        "gracePeriod": 60.0, "checkInterval": 10.0 }
 * }</pre>
 *
 * <p>Soft limits in the manner of go-libp2p's basic connection manager: once more than {@code
 * highWater} connections are open, the swarm closes connections until {@code lowWater} remain,
 * idle ones of unprotected peers first, never one younger than {@code gracePeriod}. The defaults are
 * go-libp2p's (160 / 192, one minute), so small nodes never trim.
 */
public class ConnectionManagerOptions {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "connectionManager";

  public static final boolean DEFAULT_ENABLED = true;
  public static final int DEFAULT_LOW_WATER = 160;
  public static final int DEFAULT_HIGH_WATER = 192;
  /** New connections are spared this long: a fresh dial must get the chance to be used. */
  public static final double DEFAULT_GRACE_PERIOD = 60.0;
  /** How often the total is checked besides on every new connection. */
  public static final double DEFAULT_CHECK_INTERVAL = 10.0;

  static final Set<String> KEYS =
      Set.of("enabled", "lowWater", "highWater", "gracePeriod", "checkInterval");

  private boolean enabled;
  private int lowWater;
  private int highWater;
  private double gracePeriod;
  private double checkInterval;

  /** The defaults. */
  public ConnectionManagerOptions() {
    enabled = DEFAULT_ENABLED;
    lowWater = DEFAULT_LOW_WATER;
    highWater = DEFAULT_HIGH_WATER;
    gracePeriod = DEFAULT_GRACE_PERIOD;
    checkInterval = DEFAULT_CHECK_INTERVAL;
  }

  /** A copy of {@code other}. */
  public ConnectionManagerOptions(ConnectionManagerOptions other) {
    enabled = other.enabled;
    lowWater = other.lowWater;
    highWater = other.highWater;
    gracePeriod = other.gracePeriod;
    checkInterval = other.checkInterval;
  }

  /**
   * From the {@code "connectionManager"} JSON object.
   *
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public ConnectionManagerOptions(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    enabled = ConfigCheck.readBoolean(json, "enabled", SECTION + ".enabled", enabled);
    int low = ConfigCheck.readInt(json, "lowWater", SECTION + ".lowWater", lowWater);
    int high = ConfigCheck.readInt(json, "highWater", SECTION + ".highWater", highWater);
    setWatermarks(low, high);
    setGracePeriod(ConfigCheck.readNumber(json, "gracePeriod", SECTION + ".gracePeriod",
        gracePeriod));
    setCheckInterval(ConfigCheck.readNumber(json, "checkInterval", SECTION + ".checkInterval",
        checkInterval));
  }

  /** Whether the swarm trims connections at all. */
  public boolean isEnabled() {
    return enabled;
  }

  public ConnectionManagerOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** Trimming stops when this many connections remain. */
  public int getLowWater() {
    return lowWater;
  }

  /** Trimming starts when more than this many connections are open. */
  public int getHighWater() {
    return highWater;
  }

  /**
   * Sets both watermarks together (they are checked against each other).
   *
   * @throws IllegalArgumentException unless {@code 0 <= low <= high}
   */
  public ConnectionManagerOptions setWatermarks(int low, int high) {
    if (low < 0 || low > LimitsOptions.MAX_COUNT) {
      throw ConfigCheck.invalid(SECTION + ".lowWater", low,
          "must be between 0 and " + LimitsOptions.MAX_COUNT);
    }
    if (high < 1 || high > LimitsOptions.MAX_COUNT) {
      throw ConfigCheck.invalid(SECTION + ".highWater", high,
          "must be between 1 and " + LimitsOptions.MAX_COUNT);
    }
    if (low > high) {
      throw ConfigCheck.invalid(SECTION + ".lowWater", low,
          "must not exceed connectionManager.highWater (" + high + ")");
    }
    this.lowWater = low;
    this.highWater = high;
    return this;
  }

  /** Seconds a new connection is never trimmed. */
  public double getGracePeriod() {
    return gracePeriod;
  }

  public Duration getGracePeriodDuration() {
    return ConfigCheck.toDuration(gracePeriod);
  }

  /** Seconds; 0 means new connections have no grace. */
  public ConnectionManagerOptions setGracePeriod(double seconds) {
    String path = SECTION + ".gracePeriod";
    if (seconds != 0) {
      ConfigCheck.positiveSeconds(path, seconds);
    }
    this.gracePeriod = seconds;
    return this;
  }

  /** Seconds between periodic checks. */
  public double getCheckInterval() {
    return checkInterval;
  }

  public Duration getCheckIntervalDuration() {
    return ConfigCheck.toDuration(checkInterval);
  }

  /** Seconds, at least 0.01 (Vert.x timers are millisecond timers). */
  public ConnectionManagerOptions setCheckInterval(double seconds) {
    String path = SECTION + ".checkInterval";
    ConfigCheck.positiveSeconds(path, seconds);
    if (seconds < 0.01) {
      throw ConfigCheck.invalid(path, seconds, "must be at least 0.01 seconds");
    }
    this.checkInterval = seconds;
    return this;
  }

  /** The {@code "connectionManager"} JSON object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("lowWater", lowWater)
        .put("highWater", highWater)
        .put("gracePeriod", gracePeriod)
        .put("checkInterval", checkInterval);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConnectionManagerOptions that && toJson().equals(that.toJson());
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, lowWater, highWater, gracePeriod, checkInterval);
  }

  @Override
  public String toString() {
    return "ConnectionManagerOptions" + toJson().encode();
  }
}
