package dev.vertxp2p;

/**
 * A connection was closed because health checks found it unhealthy and the per-peer limit left
 * no slot for its replacement beside it: it closed first, and the streams still open on it fail
 * with this (nothing moved on them any more). The message names the connection, its peer and the
 * checks that failed.
 */
public class ConnectionReplacedException extends P2pException {
  private static final long serialVersionUID = 1L;

  public ConnectionReplacedException(String message) {
    super(REMOTE_FAILED, message);
  }
}
