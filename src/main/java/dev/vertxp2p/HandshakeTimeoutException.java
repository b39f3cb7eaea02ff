package dev.vertxp2p;

/** The upgrade (security and muxer negotiation) did not finish within its time bound. */
public class HandshakeTimeoutException extends UpgradeException {
  private static final long serialVersionUID = 1L;

  public HandshakeTimeoutException(String message) {
    super(TIMED_OUT, message);
  }
}
