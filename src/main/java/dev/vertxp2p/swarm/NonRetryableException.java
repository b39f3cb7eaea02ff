package dev.vertxp2p.swarm;

/** A ready-made {@link NonRetryable} error, to wrap a cause that retrying cannot fix. */
public class NonRetryableException extends RuntimeException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  public NonRetryableException(String message) {
    super(message);
  }

  public NonRetryableException(String message, Throwable cause) {
    super(message, cause);
  }
}
