package dev.vertxp2p;

/**
 * A multiaddr in text or binary form is malformed: unknown protocol, bad value, truncated bytes.
 * The message names the offending component and its position.
 */
public class MultiaddrException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MultiaddrException(String message) {
    super(message);
  }

  public MultiaddrException(String message, Throwable cause) {
    super(message, cause);
  }
}
