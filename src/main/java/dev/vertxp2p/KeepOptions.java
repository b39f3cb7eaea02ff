package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the configuration's {@code "keep"} list: a peer the node keeps connected, with
 * the number of connections it maintains.
 *
 * <pre>{@code {"addr": "/ip4/10.0.0.7/tcp/4001/p2p/12D3KooW...", "connections": 3}}</pre>
 *
 * <p>{@code addr} must name the peer ({@code /p2p/<id>}); {@code connections} is 1 or more, and
 * at most {@code connection.maxConnectionsPerPeer}: that rule spans two sections, so {@link
 * SwarmOptions} checks it. A node keeps at most {@link #MAX_KEPT_PEERS} peers.
 */
public class KeepOptions {

  /** Bound on the peers one node keeps, from the configuration and at run time together. */
  public static final int MAX_KEPT_PEERS = 1024;
  /** Connections kept when an entry names none. */
  public static final int DEFAULT_CONNECTIONS = 1;

  static final Set<String> KEYS = Set.of("addr", "connections");

  private String addr;
  private int connections = DEFAULT_CONNECTIONS;

  /** An entry with no address yet; {@link #setAddr} must be called before use. */
  public KeepOptions() {}

  /** A copy of {@code other}. */
  public KeepOptions(KeepOptions other) {
    this.addr = other.addr;
    this.connections = other.connections;
  }

  /**
   * From one element of the {@code "keep"} array.
   *
   * @param path the element's path, e.g. {@code keep[0]}, named in errors
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public KeepOptions(JsonObject json, String path) {
    Objects.requireNonNull(json, "json");
    ConfigCheck.rejectUnknownKeys(json, path, KEYS);
    if (!json.containsKey("addr")) {
      throw ConfigCheck.invalid(ConfigCheck.join(path, "addr"), null,
          "is required: a multiaddr ending in /p2p/<peer id>");
    }
    setAddr(ConfigCheck.join(path, "addr"),
        ConfigCheck.readString(json, "addr", ConfigCheck.join(path, "addr"), null, false));
    setConnections(ConfigCheck.join(path, "connections"), ConfigCheck.readInt(json, "connections",
        ConfigCheck.join(path, "connections"), DEFAULT_CONNECTIONS));
  }

  /** The peer's address, ending in {@code /p2p/<peer id>}. */
  public String getAddr() {
    return addr;
  }

  /** The peer this entry keeps, from its address. */
  public PeerId peerId() {
    return Multiaddr.parse(addr).peerId().orElseThrow();
  }

  /**
   * Sets the address.
   *
   * @throws IllegalArgumentException unless a multiaddr with a {@code /p2p/<peer id>} part
   */
  public KeepOptions setAddr(String addr) {
    return setAddr("keep.addr", addr);
  }

  private KeepOptions setAddr(String path, String addr) {
    if (addr == null) {
      throw ConfigCheck.invalid(path, null, "must be a multiaddr ending in /p2p/<peer id>");
    }
    Multiaddr parsed;
    try {
      parsed = Multiaddr.parse(addr);
    } catch (RuntimeException e) {
      throw ConfigCheck.invalid(path, addr, "must be a multiaddr: " + e.getMessage());
    }
    if (parsed.peerId().isEmpty()) {
      throw ConfigCheck.invalid(path, addr, "must carry a /p2p/<peer id> part naming the peer");
    }
    this.addr = addr;
    return this;
  }

  /** Connections maintained to the peer. */
  public int getConnections() {
    return connections;
  }

  /**
   * Sets the connections maintained.
   *
   * @throws IllegalArgumentException when below 1 (the upper bound is checked by {@link
   *     SwarmOptions}, against {@code connection.maxConnectionsPerPeer})
   */
  public KeepOptions setConnections(int connections) {
    return setConnections("keep.connections", connections);
  }

  private KeepOptions setConnections(String path, int connections) {
    if (connections < 1) {
      throw ConfigCheck.invalid(path, connections, "must be >= 1");
    }
    this.connections = connections;
    return this;
  }

  /** The entry as it appears in the configuration. */
  public JsonObject toJson() {
    return new JsonObject().put("addr", addr).put("connections", connections);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeepOptions that && Objects.equals(addr, that.addr)
        && connections == that.connections;
  }

  @Override
  public int hashCode() {
    return Objects.hash(addr, connections);
  }

  @Override
  public String toString() {
    return "KeepOptions" + toJson().encode();
  }
}
