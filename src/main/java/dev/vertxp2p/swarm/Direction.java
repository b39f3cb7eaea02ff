package dev.vertxp2p.swarm;

/** Who opened a connection: the remote ({@code inbound}) or we ({@code outbound}). */
public enum Direction {
  /** The remote dialed us. */
  INBOUND("inbound"),
  /** We dialed the remote. */
  OUTBOUND("outbound");

  private final String jsonName;

  Direction(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The name in JSON ({@code Conn.direction}): {@code "inbound"} or {@code "outbound"}. */
  public String jsonName() {
    return jsonName;
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
