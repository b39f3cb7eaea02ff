package dev.vertxp2p;

/** A ready-made {@link NonRetryable} error, to wrap a cause that retrying cannot fix. */
public class NonRetryableException extends P2pException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  public NonRetryableException(String message) {
    super(REMOTE_FAILED, message);
  }

  public NonRetryableException(String message, Throwable cause) {
    super(REMOTE_FAILED, message, cause);
  }
}
