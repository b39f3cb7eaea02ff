package dev.vertxp2p;


/** No open connection to a peer could carry a new stream. */
public class NoConnectionException extends P2pException {
  private static final long serialVersionUID = 1L;

  public NoConnectionException(PeerId peer, int tried) {
    this(peer, tried, null);
  }

  /** With the last connection's failure as the cause (so callers can tell a stream limit). */
  public NoConnectionException(PeerId peer, int tried, Throwable lastFailure) {
    super(codeOf(lastFailure), tried == 0
        ? "no open connection to " + peer
        : "none of the " + tried + " connections to " + peer + " could open a stream"
            + (lastFailure == null ? "" : " (last: " + lastFailure.getMessage() + ")"),
        lastFailure);
  }

  /** 409 when the last connection tried was at its stream limit, else 502. */
  private static int codeOf(Throwable lastFailure) {
    return lastFailure instanceof P2pException p && p.code() == LIMIT_REACHED
        ? LIMIT_REACHED : REMOTE_FAILED;
  }
}
