package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Set;

/**
 * The dashboard, REST and WebSocket server: the {@code "http"} section of the configuration.
 *
 * <p>When {@code token} is set, every {@code /api} call and the event WebSocket need it as a
 * bearer token.
 */
public class HttpOptions {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "http";

  /** The server runs by default. */
  public static final boolean DEFAULT_ENABLED = true;

  /** Loopback only by default: the API can dial and hang up, so it is not exposed unasked. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** Default port: 8080. */
  public static final int DEFAULT_PORT = 8080;

  /** No token by default (loopback only). */
  public static final String DEFAULT_TOKEN = null;

  /** Highest TCP port number. */
  public static final int MAX_PORT = 65535;

  static final Set<String> KEYS = Set.of("enabled", "host", "port", "token");

  private boolean enabled;
  private String host;
  private int port;
  private String token;

  /** The defaults. */
  public HttpOptions() {
    enabled = DEFAULT_ENABLED;
    host = DEFAULT_HOST;
    port = DEFAULT_PORT;
    token = DEFAULT_TOKEN;
  }

  /** A copy of {@code other}. */
  public HttpOptions(HttpOptions other) {
    enabled = other.enabled;
    host = other.host;
    port = other.port;
    token = other.token;
  }

  /** From the {@code "http"} JSON object; unknown keys are rejected. */
  public HttpOptions(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setEnabled(ConfigCheck.readBoolean(json, "enabled", SECTION + ".enabled", enabled));
    setHost(ConfigCheck.readString(json, "host", SECTION + ".host", host, false));
    setPort(ConfigCheck.readInt(json, "port", SECTION + ".port", port));
    setToken(ConfigCheck.readString(json, "token", SECTION + ".token", token, true));
  }

  /** Whether the HTTP server runs. */
  public boolean isEnabled() {
    return enabled;
  }

  /** Turns the HTTP server on or off. */
  public HttpOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** Interface address to bind. */
  public String getHost() {
    return host;
  }

  /**
   * Sets the interface address to bind.
   *
   * @throws IllegalArgumentException when null or blank
   */
  public HttpOptions setHost(String host) {
    this.host = ConfigCheck.nonEmpty(SECTION + ".host", host, false);
    return this;
  }

  /** TCP port; 0 picks a free one. */
  public int getPort() {
    return port;
  }

  /**
   * Sets the TCP port.
   *
   * @throws IllegalArgumentException unless in [0, 65535]
   */
  public HttpOptions setPort(int port) {
    if (port < 0 || port > MAX_PORT) {
      throw ConfigCheck.invalid(
          SECTION + ".port", port, "must be an integer in [0, " + MAX_PORT + "] (0: any free port)");
    }
    this.port = port;
    return this;
  }

  /** The bearer token the API requires, or null for none. */
  public String getToken() {
    return token;
  }

  /**
   * Sets the bearer token, or null for none.
   *
   * @throws IllegalArgumentException when blank (an empty token would look like protection)
   */
  public HttpOptions setToken(String token) {
    this.token = ConfigCheck.nonEmpty(SECTION + ".token", token, true);
    return this;
  }

  /** The {@code "http"} JSON object; the token is included, so do not log it as is. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("host", host)
        .put("port", port)
        .put("token", token);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HttpOptions)) {
      return false;
    }
    HttpOptions that = (HttpOptions) o;
    return enabled == that.enabled
        && port == that.port
        && host.equals(that.host)
        && Objects.equals(token, that.token);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, host, port, token);
  }

  @Override
  public String toString() {
    // The token is a secret: show only whether one is set.
    return "HttpOptions{enabled="
        + enabled
        + ", host="
        + host
        + ", port="
        + port
        + ", token="
        + (token == null ? "null" : "***")
        + "}";
  }
}
