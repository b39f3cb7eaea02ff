package dev.vertxp2p;

/**
 * A connection's health, as health checks found it (the {@code "health"} section; the contract's
 * "Connection health and kept peers").
 */
public enum ConnectionHealth {
  /** Not checked yet, or no ping is served (mplex without {@code /ipfs/ping}): never unhealthy. */
  UNKNOWN("unknown"),
  /** The last check was answered in time, and the round trip is within {@code maxPingLatency}. */
  HEALTHY("healthy"),
  /**
   * Failed checks in a row, fewer than {@code unhealthyAfter}; or a round trip over {@code
   * maxPingLatency}, which alone never makes a connection unhealthy.
   */
  DEGRADED("degraded"),
  /** {@code unhealthyAfter} checks in a row without an answer within {@code pingTimeout}. */
  UNHEALTHY("unhealthy"),
  /** Takes no new streams; closes once its open streams finish. Terminal. */
  DRAINING("draining");

  private final String jsonName;

  ConnectionHealth(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The contract's JSON name, e.g. {@code "degraded"}. */
  public String jsonName() {
    return jsonName;
  }

  /** False for the states that should take no new stream while another connection can. */
  public boolean takesStreams() {
    return this != UNHEALTHY && this != DRAINING;
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
