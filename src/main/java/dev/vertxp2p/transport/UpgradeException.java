package dev.vertxp2p.transport;

/** A connection could not be upgraded to a secured, multiplexed one. */
public class UpgradeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UpgradeException(String message) {
    super(message);
  }

  public UpgradeException(String message, Throwable cause) {
    super(message, cause);
  }
}
