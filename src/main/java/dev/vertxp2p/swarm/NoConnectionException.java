package dev.vertxp2p.swarm;

import dev.vertxp2p.PeerId;

/** No open connection to a peer could carry a new stream. */
public class NoConnectionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NoConnectionException(PeerId peer, int tried) {
    this(peer, tried, null);
  }

  /** With the last connection's failure as the cause (so callers can tell a stream limit). */
  public NoConnectionException(PeerId peer, int tried, Throwable lastFailure) {
    super(tried == 0
        ? "no open connection to " + peer
        : "none of the " + tried + " connections to " + peer + " could open a stream"
            + (lastFailure == null ? "" : " (last: " + lastFailure.getMessage() + ")"),
        lastFailure);
  }
}
