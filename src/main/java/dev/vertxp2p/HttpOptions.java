package dev.vertxp2p;

import dev.vertxp2p.gating.IpText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The dashboard, REST and WebSocket server: the {@code "http"} section of the configuration.
 *
 * <p>When {@code token} is set, every {@code /api} call and {@code /metrics} need it as a bearer
 * token, and the event WebSocket a single-use ticket got with it. Every request's {@code Host}
 * must name the server: the bound address, {@code localhost}, or one of {@code allowedHosts}.
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

  /** No extra host names by default: only the bound address and {@code localhost} are served. */
  public static final List<String> DEFAULT_ALLOWED_HOSTS = List.of();

  /** Most entries {@code allowedHosts} may hold. */
  public static final int MAX_ALLOWED_HOSTS = 64;

  /** Longest DNS name (RFC 1035 section 2.3.4), and so the longest entry of allowedHosts. */
  public static final int MAX_HOST_NAME_LENGTH = 253;

  /** Longest label of a DNS name (RFC 1035 section 2.3.4). */
  static final int MAX_LABEL_LENGTH = 63;

  static final Set<String> KEYS = Set.of("enabled", "host", "port", "token", "allowedHosts");

  private boolean enabled;
  private String host;
  private int port;
  private String token;
  private List<String> allowedHosts;

  /** The defaults. */
  public HttpOptions() {
    enabled = DEFAULT_ENABLED;
    host = DEFAULT_HOST;
    port = DEFAULT_PORT;
    token = DEFAULT_TOKEN;
    allowedHosts = DEFAULT_ALLOWED_HOSTS;
  }

  /** A copy of {@code other}. */
  public HttpOptions(HttpOptions other) {
    enabled = other.enabled;
    host = other.host;
    port = other.port;
    token = other.token;
    allowedHosts = other.allowedHosts;
  }

  /** From the {@code "http"} JSON object; unknown keys are rejected. */
  public HttpOptions(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setEnabled(ConfigCheck.readBoolean(json, "enabled", SECTION + ".enabled", enabled));
    setHost(ConfigCheck.readString(json, "host", SECTION + ".host", host, false));
    setPort(ConfigCheck.readInt(json, "port", SECTION + ".port", port));
    setToken(ConfigCheck.readString(json, "token", SECTION + ".token", token, true));
    if (json.containsKey("allowedHosts")) {
      String path = SECTION + ".allowedHosts";
      Object v = json.getValue("allowedHosts");
      if (!(v instanceof JsonArray array)) {
        throw ConfigCheck.invalid(path, v, "must be an array of host names or IP addresses");
      }
      List<String> list = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        Object h = array.getValue(i);
        if (!(h instanceof String)) {
          throw ConfigCheck.invalid(path + "[" + i + "]", h, "must be a string");
        }
        list.add((String) h);
      }
      setAllowedHosts(list);
    }
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

  /**
   * Host names and IP addresses that requests may name in {@code Host} (and pages in {@code
   * Origin}) besides the bound address and {@code localhost}: the names the dashboard is reached
   * by, such as a reverse proxy's.
   */
  public List<String> getAllowedHosts() {
    return allowedHosts;
  }

  /**
   * Sets the extra host names and IP addresses the server answers to. Each is a DNS name
   * (letters, digits, hyphens and dots; compared case-insensitively), a dotted-quad IPv4 address
   * or an IPv6 address (with or without brackets); no port, scheme or wildcard.
   *
   * @throws IllegalArgumentException when null, longer than {@link #MAX_ALLOWED_HOSTS}, or an
   *     entry is neither a host name nor an IP address
   */
  public HttpOptions setAllowedHosts(List<String> allowedHosts) {
    String path = SECTION + ".allowedHosts";
    if (allowedHosts == null) {
      throw ConfigCheck.invalid(path, null, "must be a list of host names (empty for none)");
    }
    if (allowedHosts.size() > MAX_ALLOWED_HOSTS) {
      throw ConfigCheck.invalid(path, "(" + allowedHosts.size() + " entries)",
          "must have at most " + MAX_ALLOWED_HOSTS + " entries");
    }
    for (int i = 0; i < allowedHosts.size(); i++) {
      checkHost(path + "[" + i + "]", allowedHosts.get(i));
    }
    this.allowedHosts = List.copyOf(allowedHosts);
    return this;
  }

  /** Refuses {@code h} unless it is a DNS name or an IPv4 or IPv6 literal. */
  private static void checkHost(String path, String h) {
    String rule = "must be a host name or an IP address, without port, scheme or wildcard";
    if (h == null || h.isEmpty() || h.length() > MAX_HOST_NAME_LENGTH + 2) {
      throw ConfigCheck.invalid(path, h, rule);
    }
    if (h.indexOf(':') >= 0 || h.startsWith("[")) {
      String bare = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
      try {
        IpText.parseIp6(bare);
        return;
      } catch (IllegalArgumentException e) {
        throw ConfigCheck.invalid(path, h, rule + " (" + e.getMessage() + ")");
      }
    }
    if (h.length() > MAX_HOST_NAME_LENGTH) {
      throw ConfigCheck.invalid(path, h, rule + " (at most " + MAX_HOST_NAME_LENGTH + " characters)");
    }
    String[] labels = h.split("\\.", -1);
    String last = labels[labels.length - 1];
    // A name whose last label is numeric is read as an IPv4 address by browsers (WHATWG URL
    // standard, "ends in a number"), so it must be a well-formed one.
    if (!last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9')) {
      try {
        IpText.parseIp4(h);
        return;
      } catch (IllegalArgumentException e) {
        throw ConfigCheck.invalid(path, h, rule + " (" + e.getMessage() + ")");
      }
    }
    for (String label : labels) {
      // RFC 1123 section 2.1: letters, digits and hyphens, neither first nor last a hyphen.
      boolean ok = !label.isEmpty() && label.length() <= MAX_LABEL_LENGTH
          && label.charAt(0) != '-' && label.charAt(label.length() - 1) != '-'
          && label.toLowerCase(Locale.ROOT).chars().allMatch(
              c -> (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
      if (!ok) {
        throw ConfigCheck.invalid(path, h, rule + " (label \"" + label + "\" is not one of"
            + " 1 to " + MAX_LABEL_LENGTH + " letters, digits or inner hyphens)");
      }
    }
  }

  /** The {@code "http"} JSON object; the token is included, so do not log it as is. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("host", host)
        .put("port", port)
        .put("token", token)
        .put("allowedHosts", new JsonArray(new ArrayList<>(allowedHosts)));
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
        && Objects.equals(token, that.token)
        && allowedHosts.equals(that.allowedHosts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, host, port, token, allowedHosts);
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
        + ", allowedHosts="
        + allowedHosts
        + "}";
  }
}
