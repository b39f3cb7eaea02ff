package dev.vertxp2p;

/**
 * A connection was closed because the remote answered nothing, not even a keep-alive ping,
 * within {@link dev.vertxp2p.TransportOptions#getKeepAliveTimeout()}: a stalled peer.
 */
public class KeepAliveTimeoutException extends P2pException {
  private static final long serialVersionUID = 1L;

  public KeepAliveTimeoutException(String message) {
    super(TIMED_OUT, message);
  }
}
