package dev.vertxp2p;

import io.vertx.core.json.JsonObject;

/** Per-call dial options for {@link Swarm#dialPeer(PeerId, DialOptions)}. */
public class DialOptions {
  /** By default a dial is satisfied by one open connection. */
  public static final int DEFAULT_CONNECTIONS = 1;

  private int connections = DEFAULT_CONNECTIONS;

  public DialOptions() {}

  public DialOptions(DialOptions other) {
    this.connections = other.connections;
  }

  public DialOptions(JsonObject json) {
    Object n = json.getValue("connections");
    if (n != null) {
      if (!(n instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
        throw new IllegalArgumentException("connections = " + n + ": must be a whole number >= 1");
      }
      setConnections(num.intValue());
    }
  }

  public int getConnections() {
    return connections;
  }

  /**
   * Top the peer up to {@code n} open connections (at most the swarm's maxConnectionsPerPeer).
   */
  public DialOptions setConnections(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("connections = " + n + ": must be >= 1");
    }
    this.connections = n;
    return this;
  }

  public JsonObject toJson() {
    return new JsonObject().put("connections", connections);
  }
}
