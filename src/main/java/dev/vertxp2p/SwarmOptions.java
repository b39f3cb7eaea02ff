package dev.vertxp2p;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a node is configured with: the whole {@code conf/config.json}.
 *
 * <pre>{@code
 * { "identity": { "keyFile": null },
 *   "listen": ["/ip4/127.0.0.1/tcp/4001"],
 *   "connection": {...}, "retry": {...}, "services": {...}, "http": {...},
 *   "keep": [{"addr": "/ip4/10.0.0.7/tcp/4001/p2p/12D3KooW...", "connections": 3}],
 *   "gating": { "allowAddrs": [], "denyAddrs": [], "denyPeers": [] } }
 * }</pre>
 *
 * <p>Every key is optional. Unknown keys, at any level, are rejected with a message naming them:
 * a typo must not silently fall back to a default. Invalid values are rejected with a message
 * naming the key's full JSON path, the value and the rule.
 */
public class SwarmOptions {

  /** No key file by default: a fresh identity every start. */
  public static final String DEFAULT_IDENTITY_KEY_FILE = null;

  /** Default listen address: loopback, port 4001. */
  public static final List<String> DEFAULT_LISTEN = List.of("/ip4/127.0.0.1/tcp/4001");

  static final Set<String> KEYS =
      Set.of(
          "identity", "listen", "connection", "retry", "services", "http", "transport", "limits",
          "connectionManager", "keep", HealthOptions.SECTION, GatingOptions.SECTION,
          ClusterOptions.SECTION);
  static final Set<String> IDENTITY_KEYS = Set.of("keyFile");

  private String identityKeyFile;
  private List<String> listen;
  private ConnectionConfig connection;
  private RetryConfig retry;
  private ServicesOptions services;
  private HttpOptions http;
  private TransportOptions transport;
  private LimitsOptions limits;
  private ConnectionManagerOptions connectionManager;
  private List<KeepOptions> keep;
  private HealthOptions health;
  private GatingOptions gating;
  private ClusterOptions cluster;

  /** The defaults. */
  public SwarmOptions() {
    identityKeyFile = DEFAULT_IDENTITY_KEY_FILE;
    listen = new ArrayList<>(DEFAULT_LISTEN);
    connection = new ConnectionConfig();
    retry = new RetryConfig();
    services = new ServicesOptions();
    http = new HttpOptions();
    transport = new TransportOptions();
    limits = new LimitsOptions();
    connectionManager = new ConnectionManagerOptions();
    keep = new ArrayList<>();
    health = new HealthOptions();
    gating = new GatingOptions();
    cluster = new ClusterOptions();
  }

  /** A deep copy of {@code other}. */
  public SwarmOptions(SwarmOptions other) {
    identityKeyFile = other.identityKeyFile;
    listen = new ArrayList<>(other.listen);
    connection = new ConnectionConfig(other.connection);
    retry = new RetryConfig(other.retry);
    services = new ServicesOptions(other.services);
    http = new HttpOptions(other.http);
    transport = new TransportOptions(other.transport);
    limits = new LimitsOptions(other.limits);
    connectionManager = new ConnectionManagerOptions(other.connectionManager);
    keep = copyKeep(other.keep);
    health = new HealthOptions(other.health);
    gating = new GatingOptions(other.gating);
    cluster = new ClusterOptions(other.cluster);
  }

  /**
   * From the whole configuration object.
   *
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public SwarmOptions(JsonObject json) {
    this();
    Objects.requireNonNull(json, "json");
    ConfigCheck.rejectUnknownKeys(json, "", KEYS);
    JsonObject identity = ConfigCheck.readObject(json, "identity", "identity");
    ConfigCheck.rejectUnknownKeys(identity, "identity", IDENTITY_KEYS);
    setIdentityKeyFile(
        ConfigCheck.readString(identity, "keyFile", "identity.keyFile", null, true));
    if (json.containsKey("listen")) {
      Object v = json.getValue("listen");
      if (!(v instanceof JsonArray)) {
        throw ConfigCheck.invalid("listen", v, "must be an array of multiaddr strings");
      }
      JsonArray array = (JsonArray) v;
      List<String> addrs = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        Object a = array.getValue(i);
        if (!(a instanceof String)) {
          throw ConfigCheck.invalid("listen[" + i + "]", a, "must be a multiaddr string");
        }
        addrs.add((String) a);
      }
      setListen(addrs);
    }
    connection = new ConnectionConfig(ConfigCheck.readObject(json, "connection", "connection"));
    retry = new RetryConfig(ConfigCheck.readObject(json, "retry", "retry"));
    services = new ServicesOptions(ConfigCheck.readObject(json, "services", "services"));
    http = new HttpOptions(ConfigCheck.readObject(json, "http", "http"));
    transport = new TransportOptions(ConfigCheck.readObject(json, "transport", "transport"));
    limits = new LimitsOptions(ConfigCheck.readObject(json, LimitsOptions.SECTION,
        LimitsOptions.SECTION));
    connectionManager = new ConnectionManagerOptions(ConfigCheck.readObject(json,
        ConnectionManagerOptions.SECTION, ConnectionManagerOptions.SECTION));
    if (json.containsKey("keep")) {
      Object v = json.getValue("keep");
      if (!(v instanceof JsonArray array)) {
        throw ConfigCheck.invalid("keep", v,
            "must be an array of {\"addr\": \"/.../p2p/<peer id>\", \"connections\": n}");
      }
      List<KeepOptions> entries = new ArrayList<>(array.size());
      for (int i = 0; i < array.size(); i++) {
        Object e = array.getValue(i);
        if (!(e instanceof JsonObject entry)) {
          throw ConfigCheck.invalid("keep[" + i + "]", e,
              "must be an object {\"addr\", \"connections\"}");
        }
        entries.add(new KeepOptions(entry, "keep[" + i + "]"));
      }
      setKeep(entries);
    }
    health = new HealthOptions(ConfigCheck.readObject(json, HealthOptions.SECTION,
        HealthOptions.SECTION));
    gating = new GatingOptions(ConfigCheck.readObject(json, GatingOptions.SECTION,
        GatingOptions.SECTION));
    cluster = new ClusterOptions(ConfigCheck.readObject(json, ClusterOptions.SECTION,
        ClusterOptions.SECTION));
  }

  /** Clustering (the contract's {@code "cluster"} section). */
  public ClusterOptions getCluster() {
    return cluster;
  }

  /** Sets the {@code "cluster"} section. */
  public SwarmOptions setCluster(ClusterOptions cluster) {
    this.cluster = requireSection(ClusterOptions.SECTION, cluster);
    return this;
  }

  /** Address allow/deny lists and denied peers (the contract's {@code "gating"} section). */
  public GatingOptions getGating() {
    return gating;
  }

  /** Sets the {@code "gating"} section. */
  public SwarmOptions setGating(GatingOptions gating) {
    this.gating = requireSection(GatingOptions.SECTION, gating);
    return this;
  }

  /** Peers the node keeps connected from its start (an unmodifiable view; copies). */
  public List<KeepOptions> getKeep() {
    return Collections.unmodifiableList(copyKeep(keep));
  }

  /**
   * Replaces the kept peers. Checks each entry's {@code connections} against {@code
   * connection.maxConnectionsPerPeer} as set now (set the {@code connection} section first), that
   * no peer is named twice, and that there are at most {@link KeepOptions#MAX_KEPT_PEERS}.
   *
   * @throws IllegalArgumentException naming the offending entry's path
   */
  public SwarmOptions setKeep(List<KeepOptions> entries) {
    if (entries == null) {
      throw ConfigCheck.invalid("keep", null, "must be an array");
    }
    if (entries.size() > KeepOptions.MAX_KEPT_PEERS) {
      throw ConfigCheck.invalid("keep", "[" + entries.size() + " entries]",
          "must have at most " + KeepOptions.MAX_KEPT_PEERS + " entries");
    }
    int max = connection.getMaxConnectionsPerPeer();
    Set<PeerId> seen = new java.util.HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      KeepOptions e = entries.get(i);
      if (e == null || e.getAddr() == null) {
        throw ConfigCheck.invalid("keep[" + i + "]", null, "must have an addr");
      }
      if (e.getConnections() > max) {
        throw ConfigCheck.invalid("keep[" + i + "].connections", e.getConnections(),
            "must be 1.." + max + " (connection.maxConnectionsPerPeer)");
      }
      if (!seen.add(e.peerId())) {
        throw ConfigCheck.invalid("keep[" + i + "].addr", e.getAddr(),
            "names peer " + e.peerId() + " a second time");
      }
    }
    this.keep = copyKeep(entries);
    return this;
  }

  private static List<KeepOptions> copyKeep(List<KeepOptions> entries) {
    List<KeepOptions> copy = new ArrayList<>(entries.size());
    for (KeepOptions e : entries) {
      copy.add(new KeepOptions(e));
    }
    return copy;
  }

  /** Connection health checks (the contract's {@code "health"} section). */
  public HealthOptions getHealth() {
    return health;
  }

  /** Sets the {@code "health"} section. */
  public SwarmOptions setHealth(HealthOptions health) {
    this.health = requireSection(HealthOptions.SECTION, health);
    return this;
  }

  /** Hard resource limits (an extension of the contract's config). */
  public LimitsOptions getLimits() {
    return limits;
  }

  /** Sets the {@code "limits"} section. */
  public SwarmOptions setLimits(LimitsOptions limits) {
    this.limits = requireSection(LimitsOptions.SECTION, limits);
    return this;
  }

  /** Watermarks, grace period and trimming (an extension of the contract's config). */
  public ConnectionManagerOptions getConnectionManager() {
    return connectionManager;
  }

  /** Sets the {@code "connectionManager"} section. */
  public SwarmOptions setConnectionManager(ConnectionManagerOptions connectionManager) {
    this.connectionManager = requireSection(ConnectionManagerOptions.SECTION, connectionManager);
    return this;
  }

  /** Muxers offered and upgrade time bounds (an extension of the contract's config). */
  public TransportOptions getTransport() {
    return transport;
  }

  public SwarmOptions setTransport(TransportOptions transport) {
    this.transport = new TransportOptions(Objects.requireNonNull(transport, "transport"));
    return this;
  }

  /** Same as {@link #SwarmOptions(JsonObject)}. */
  public static SwarmOptions fromJson(JsonObject json) {
    return new SwarmOptions(json);
  }

  /** Path of the Ed25519 identity key file, or null for a fresh identity every start. */
  public String getIdentityKeyFile() {
    return identityKeyFile;
  }

  /**
   * Sets the identity key file, or null for a fresh identity every start.
   *
   * @throws IllegalArgumentException when blank
   */
  public SwarmOptions setIdentityKeyFile(String keyFile) {
    this.identityKeyFile = ConfigCheck.nonEmpty("identity.keyFile", keyFile, true);
    return this;
  }

  /** Multiaddrs to listen on (an unmodifiable view); may be empty for a dial-only node. */
  public List<String> getListen() {
    return Collections.unmodifiableList(listen);
  }

  /**
   * Replaces the listen addresses.
   *
   * @throws IllegalArgumentException for null or an entry that is not a multiaddr string
   */
  public SwarmOptions setListen(List<String> addrs) {
    if (addrs == null) {
      throw ConfigCheck.invalid("listen", null, "must be an array of multiaddr strings");
    }
    List<String> copy = new ArrayList<>(addrs.size());
    for (int i = 0; i < addrs.size(); i++) {
      copy.add(checkListen("listen[" + i + "]", addrs.get(i)));
    }
    this.listen = copy;
    return this;
  }

  /** Adds one listen address. */
  public SwarmOptions addListen(String addr) {
    listen.add(checkListen("listen[" + listen.size() + "]", addr));
    return this;
  }

  private static String checkListen(String path, String addr) {
    // Only the shape is checked here; the multiaddr codec parses it fully when listening.
    if (addr == null || !addr.startsWith("/") || addr.length() < 2) {
      throw ConfigCheck.invalid(
          path, addr, "must be a multiaddr string starting with '/', e.g. /ip4/0.0.0.0/tcp/4001");
    }
    return addr;
  }

  /** The {@code "connection"} section (live, not a copy). */
  public ConnectionConfig getConnection() {
    return connection;
  }

  /** Sets the {@code "connection"} section. */
  public SwarmOptions setConnection(ConnectionConfig connection) {
    this.connection = requireSection("connection", connection);
    return this;
  }

  /** The {@code "retry"} section (live, not a copy). */
  public RetryConfig getRetry() {
    return retry;
  }

  /** Sets the {@code "retry"} section. */
  public SwarmOptions setRetry(RetryConfig retry) {
    this.retry = requireSection("retry", retry);
    return this;
  }

  /** The {@code "services"} section (live, not a copy). */
  public ServicesOptions getServices() {
    return services;
  }

  /** Sets the {@code "services"} section. */
  public SwarmOptions setServices(ServicesOptions services) {
    this.services = requireSection("services", services);
    return this;
  }

  /** The {@code "http"} section (live, not a copy). */
  public HttpOptions getHttp() {
    return http;
  }

  /** Sets the {@code "http"} section. */
  public SwarmOptions setHttp(HttpOptions http) {
    this.http = requireSection("http", http);
    return this;
  }

  private static <T> T requireSection(String path, T section) {
    if (section == null) {
      throw ConfigCheck.invalid(path, null, "must be an object");
    }
    return section;
  }

  /** The whole configuration object; {@code new SwarmOptions(toJson())} equals this. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("identity", new JsonObject().put("keyFile", identityKeyFile))
        .put("listen", new JsonArray(new ArrayList<>(listen)))
        .put("connection", connection.toJson())
        .put("retry", retry.toJson())
        .put("services", services.toJson())
        .put("http", http.toJson())
        .put("transport", transport.toJson())
        .put(LimitsOptions.SECTION, limits.toJson())
        .put(ConnectionManagerOptions.SECTION, connectionManager.toJson())
        .put("keep", keepJson())
        .put(HealthOptions.SECTION, health.toJson())
        .put(GatingOptions.SECTION, gating.toJson())
        .put(ClusterOptions.SECTION, cluster.toJson());
  }

  private JsonArray keepJson() {
    JsonArray array = new JsonArray();
    for (KeepOptions e : keep) {
      array.add(e.toJson());
    }
    return array;
  }

  /**
   * {@link #toJson()} with secrets masked ({@code http.token} shown as {@code "***"} when set):
   * what {@code swarm.node} and {@code /api/node} may show.
   */
  public JsonObject toPublicJson() {
    JsonObject json = toJson();
    if (http.getToken() != null) {
      json.getJsonObject("http").put("token", "***");
    }
    return json;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SwarmOptions)) {
      return false;
    }
    SwarmOptions that = (SwarmOptions) o;
    return Objects.equals(identityKeyFile, that.identityKeyFile)
        && listen.equals(that.listen)
        && connection.equals(that.connection)
        && retry.equals(that.retry)
        && services.equals(that.services)
        && http.equals(that.http)
        && transport.toJson().equals(that.transport.toJson())
        && limits.equals(that.limits)
        && connectionManager.equals(that.connectionManager)
        && keep.equals(that.keep)
        && health.equals(that.health)
        && gating.equals(that.gating)
        && cluster.equals(that.cluster);
  }

  @Override
  public int hashCode() {
    return Objects.hash(identityKeyFile, listen, connection, retry, services, http);
  }

  @Override
  public String toString() {
    return "SwarmOptions" + toPublicJson().encode();
  }
}
