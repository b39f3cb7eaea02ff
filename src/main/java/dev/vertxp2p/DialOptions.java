package dev.vertxp2p;

import io.vertx.core.json.JsonObject;

/** Per-call dial options for {@link Swarm#dialPeer(PeerId, DialOptions)}. */
public class DialOptions {
  /** By default a dial is satisfied by one open connection. */
  public static final int DEFAULT_CONNECTIONS = 1;

  private int connections = DEFAULT_CONNECTIONS;
  private boolean force;

  public DialOptions() {}

  public DialOptions(DialOptions other) {
    this.connections = other.connections;
    this.force = other.force;
  }

  public DialOptions(JsonObject json) {
    Object n = json.getValue("connections");
    if (n != null) {
      if (!(n instanceof Number num) || num.doubleValue() != Math.rint(num.doubleValue())) {
        throw new IllegalArgumentException("connections = " + n + ": must be a whole number >= 1");
      }
      setConnections(num.intValue());
    }
    Object f = json.getValue("force");
    if (f != null) {
      if (!(f instanceof Boolean b)) {
        throw new IllegalArgumentException("force = " + f + ": must be true or false");
      }
      setForce(b);
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

  /** Whether the dial ignores the per-address dial backoff ({@code retry.addressBackoff}). */
  public boolean isForce() {
    return force;
  }

  /**
   * Dial addresses even while they are in dial backoff: after a dial to an address has failed
   * every attempt, it is skipped (or the dial fails with 503) until its backoff has passed, unless
   * forced. Denied addresses ({@code gating}) are never dialled, forced or not.
   */
  public DialOptions setForce(boolean force) {
    this.force = force;
    return this;
  }

  public JsonObject toJson() {
    return new JsonObject().put("connections", connections).put("force", force);
  }
}
