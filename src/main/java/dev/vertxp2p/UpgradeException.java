package dev.vertxp2p;

/** A connection could not be upgraded to a secured, multiplexed one. */
public class UpgradeException extends P2pException {
  private static final long serialVersionUID = 1L;

  public UpgradeException(String message) {
    super(REMOTE_FAILED, message);
  }

  public UpgradeException(String message, Throwable cause) {
    super(REMOTE_FAILED, message, cause);
  }

  /** For subclasses with a code of their own. */
  protected UpgradeException(int code, String message) {
    super(code, message);
  }
}
