package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Set;

/**
 * Which built-in protocol services the node serves: the {@code "services"} section of the
 * configuration ({@code /ipfs/ping/1.0.0}, {@code /ipfs/id/1.0.0}, {@code /echo/1.0.0},
 * {@code /perf/1.0.0}).
 */
public class ServicesOptions {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "services";

  /** Ping is served by default. */
  public static final boolean DEFAULT_PING = true;

  /** Identify is served by default. */
  public static final boolean DEFAULT_IDENTIFY = true;

  /** Echo is off by default: it reflects any bytes, useful only for tests. */
  public static final boolean DEFAULT_ECHO = false;

  /** Perf is off by default: it lets a remote make us send data of its chosen size. */
  public static final boolean DEFAULT_PERF = false;

  static final Set<String> KEYS = Set.of("ping", "identify", "echo", "perf");

  private boolean ping;
  private boolean identify;
  private boolean echo;
  private boolean perf;

  /** The defaults. */
  public ServicesOptions() {
    ping = DEFAULT_PING;
    identify = DEFAULT_IDENTIFY;
    echo = DEFAULT_ECHO;
    perf = DEFAULT_PERF;
  }

  /** A copy of {@code other}. */
  public ServicesOptions(ServicesOptions other) {
    ping = other.ping;
    identify = other.identify;
    echo = other.echo;
    perf = other.perf;
  }

  /** From the {@code "services"} JSON object; unknown keys are rejected. */
  public ServicesOptions(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    ping = ConfigCheck.readBoolean(json, "ping", SECTION + ".ping", ping);
    identify = ConfigCheck.readBoolean(json, "identify", SECTION + ".identify", identify);
    echo = ConfigCheck.readBoolean(json, "echo", SECTION + ".echo", echo);
    perf = ConfigCheck.readBoolean(json, "perf", SECTION + ".perf", perf);
  }

  /** Whether {@code /ipfs/ping/1.0.0} is served. */
  public boolean isPing() {
    return ping;
  }

  /** Serves or stops serving ping. */
  public ServicesOptions setPing(boolean ping) {
    this.ping = ping;
    return this;
  }

  /** Whether {@code /ipfs/id/1.0.0} is served. */
  public boolean isIdentify() {
    return identify;
  }

  /** Serves or stops serving identify. */
  public ServicesOptions setIdentify(boolean identify) {
    this.identify = identify;
    return this;
  }

  /** Whether {@code /echo/1.0.0} is served. */
  public boolean isEcho() {
    return echo;
  }

  /** Serves or stops serving echo. */
  public ServicesOptions setEcho(boolean echo) {
    this.echo = echo;
    return this;
  }

  /** Whether {@code /perf/1.0.0} is served. */
  public boolean isPerf() {
    return perf;
  }

  /** Serves or stops serving perf. */
  public ServicesOptions setPerf(boolean perf) {
    this.perf = perf;
    return this;
  }

  /** The {@code "services"} JSON object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("ping", ping)
        .put("identify", identify)
        .put("echo", echo)
        .put("perf", perf);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ServicesOptions)) {
      return false;
    }
    ServicesOptions that = (ServicesOptions) o;
    return ping == that.ping
        && identify == that.identify
        && echo == that.echo
        && perf == that.perf;
  }

  @Override
  public int hashCode() {
    return Objects.hash(ping, identify, echo, perf);
  }

  @Override
  public String toString() {
    return "ServicesOptions" + toJson().encode();
  }
}
