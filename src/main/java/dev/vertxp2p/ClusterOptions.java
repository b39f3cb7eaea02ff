package dev.vertxp2p;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Clustering: the {@code "cluster"} section of the configuration.
 *
 * <pre>{@code
 * "cluster": { "enabled": false, "name": "vertx-libp2p", "host": "127.0.0.1", "port": 5701,
 *              "members": ["127.0.0.1:5701", "127.0.0.1:5702"], "nodeName": null,
 *              "maxConnectionsPerRemotePeer": null }
 * }</pre>
 *
 * <p>With {@code enabled} the launcher starts a clustered Vert.x (Hazelcast, TCP-IP join to
 * {@code members}, no multicast) named {@code name}, bound to {@code host}:{@code port}. {@code
 * nodeName} (default: the node's peer id) names the node's cluster-wide addresses.
 */
public class ClusterOptions {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "cluster";

  public static final boolean DEFAULT_ENABLED = false;
  public static final String DEFAULT_NAME = "vertx-libp2p";
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;
  public static final List<String> DEFAULT_MEMBERS = List.of("127.0.0.1:5701", "127.0.0.1:5702");
  /** No node name by default: the node's peer id. */
  public static final String DEFAULT_NODE_NAME = null;
  /** No cluster-wide limit by default. */
  public static final Integer DEFAULT_MAX_CONNECTIONS_PER_REMOTE_PEER = null;

  /** The node name reserved for the cluster-wide views ({@code swarm.cluster.*}). */
  public static final String RESERVED_NODE_NAME = "cluster";
  /** Longest node name, cluster name or host accepted. */
  public static final int MAX_NAME_LENGTH = 100;
  /** Most members accepted. */
  public static final int MAX_MEMBERS = 256;

  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.:-]+");

  static final Set<String> KEYS = Set.of("enabled", "name", "host", "port", "members",
      "nodeName", "maxConnectionsPerRemotePeer");

  private boolean enabled;
  private String name;
  private String host;
  private int port;
  private List<String> members;
  private String nodeName;
  private Integer maxConnectionsPerRemotePeer;

  /** The defaults. */
  public ClusterOptions() {
    enabled = DEFAULT_ENABLED;
    name = DEFAULT_NAME;
    host = DEFAULT_HOST;
    port = DEFAULT_PORT;
    members = new ArrayList<>(DEFAULT_MEMBERS);
    nodeName = DEFAULT_NODE_NAME;
    maxConnectionsPerRemotePeer = DEFAULT_MAX_CONNECTIONS_PER_REMOTE_PEER;
  }

  /** A copy of {@code other}. */
  public ClusterOptions(ClusterOptions other) {
    enabled = other.enabled;
    name = other.name;
    host = other.host;
    port = other.port;
    members = new ArrayList<>(other.members);
    nodeName = other.nodeName;
    maxConnectionsPerRemotePeer = other.maxConnectionsPerRemotePeer;
  }

  /**
   * From the {@code "cluster"} JSON object.
   *
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public ClusterOptions(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setEnabled(ConfigCheck.readBoolean(json, "enabled", path("enabled"), enabled));
    setName(ConfigCheck.readString(json, "name", path("name"), name, false));
    setHost(ConfigCheck.readString(json, "host", path("host"), host, false));
    setPort(ConfigCheck.readInt(json, "port", path("port"), port));
    setMembers(ConfigCheck.readStrings(json, "members", path("members"), members,
        "\"host:port\" strings"));
    setNodeName(ConfigCheck.readString(json, "nodeName", path("nodeName"), nodeName, true));
    if (json.containsKey("maxConnectionsPerRemotePeer")
        && json.getValue("maxConnectionsPerRemotePeer") != null) {
      setMaxConnectionsPerRemotePeer(ConfigCheck.readInt(json, "maxConnectionsPerRemotePeer",
          path("maxConnectionsPerRemotePeer"), 0));
    }
  }

  private static String path(String key) {
    return SECTION + "." + key;
  }

  /** Whether the launcher starts a clustered Vert.x. */
  public boolean isEnabled() {
    return enabled;
  }

  public ClusterOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  /** The cluster's name: only members with the same name join each other. */
  public String getName() {
    return name;
  }

  public ClusterOptions setName(String name) {
    if (name == null || name.length() > MAX_NAME_LENGTH || !CLUSTER_NAME.matcher(name).matches()) {
      throw ConfigCheck.invalid(path("name"), name, "must be 1.." + MAX_NAME_LENGTH
          + " letters, digits, '.', '_' or '-'");
    }
    this.name = name;
    return this;
  }

  /** The interface (and the address announced to the other members) of the cluster port. */
  public String getHost() {
    return host;
  }

  public ClusterOptions setHost(String host) {
    if (host == null || host.length() > MAX_NAME_LENGTH || !HOST.matcher(host).matches()) {
      throw ConfigCheck.invalid(path("host"), host, "must be an IP address or host name");
    }
    this.host = host;
    return this;
  }

  /** The cluster manager's TCP port. */
  public int getPort() {
    return port;
  }

  public ClusterOptions setPort(int port) {
    if (port < 1 || port > 65535) {
      throw ConfigCheck.invalid(path("port"), port, "must be a TCP port, 1..65535");
    }
    this.port = port;
    return this;
  }

  /** The {@code host:port} of the members to join (an unmodifiable view). */
  public List<String> getMembers() {
    return Collections.unmodifiableList(members);
  }

  public ClusterOptions setMembers(List<String> members) {
    if (members == null) {
      throw ConfigCheck.invalid(path("members"), null, "must be an array of \"host:port\"");
    }
    if (members.size() > MAX_MEMBERS) {
      throw ConfigCheck.invalid(path("members"), "[" + members.size() + " entries]",
          "must have at most " + MAX_MEMBERS + " entries");
    }
    for (int i = 0; i < members.size(); i++) {
      checkMember(path("members") + "[" + i + "]", members.get(i));
    }
    this.members = new ArrayList<>(members);
    return this;
  }

  private static void checkMember(String path, String member) {
    String rule = "must be \"host:port\" with a port of 1..65535, e.g. \"127.0.0.1:5701\"";
    if (member == null || member.length() > MAX_NAME_LENGTH + 6) {
      throw ConfigCheck.invalid(path, member, rule);
    }
    int colon = member.lastIndexOf(':');
    if (colon <= 0 || colon == member.length() - 1
        || !HOST.matcher(member.substring(0, colon)).matches()) {
      throw ConfigCheck.invalid(path, member, rule);
    }
    String portText = member.substring(colon + 1);
    if (portText.length() > 5 || !portText.chars().allMatch(Character::isDigit)) {
      throw ConfigCheck.invalid(path, member, rule);
    }
    int p = Integer.parseInt(portText);
    if (p < 1 || p > 65535) {
      throw ConfigCheck.invalid(path, member, rule);
    }
  }

  /** The node's name in the cluster, or null for its peer id. */
  public String getNodeName() {
    return nodeName;
  }

  public ClusterOptions setNodeName(String nodeName) {
    if (nodeName != null && (nodeName.length() > MAX_NAME_LENGTH
        || !NODE_NAME.matcher(nodeName).matches() || nodeName.equals(RESERVED_NODE_NAME))) {
      throw ConfigCheck.invalid(path("nodeName"), nodeName, "must be null or 1.."
          + MAX_NAME_LENGTH + " letters, digits, '_' or '-', and not \"" + RESERVED_NODE_NAME
          + "\"");
    }
    this.nodeName = nodeName;
    return this;
  }

  /** The cluster-wide limit of connections to one remote peer, or null for none (not enforced yet). */
  public Integer getMaxConnectionsPerRemotePeer() {
    return maxConnectionsPerRemotePeer;
  }

  public ClusterOptions setMaxConnectionsPerRemotePeer(Integer max) {
    if (max != null && max < 1) {
      throw ConfigCheck.invalid(path("maxConnectionsPerRemotePeer"), max,
          "must be null or a whole number >= 1");
    }
    this.maxConnectionsPerRemotePeer = max;
    return this;
  }

  /** The {@code "cluster"} JSON object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("enabled", enabled)
        .put("name", name)
        .put("host", host)
        .put("port", port)
        .put("members", new JsonArray(new ArrayList<>(members)))
        .put("nodeName", nodeName)
        .put("maxConnectionsPerRemotePeer", maxConnectionsPerRemotePeer);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterOptions that && toJson().equals(that.toJson());
  }

  @Override
  public int hashCode() {
    return Objects.hash(enabled, name, host, port, members, nodeName, maxConnectionsPerRemotePeer);
  }

  @Override
  public String toString() {
    return "ClusterOptions" + toJson().encode();
  }
}
