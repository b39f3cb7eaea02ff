package dev.vertxp2p;

/**
 * A multiaddr in text or binary form is malformed: unknown protocol, bad value, truncated bytes.
 * The message names the offending component and its position.
 */
public class MultiaddrException extends P2pException {
  private static final long serialVersionUID = 1L;

  public MultiaddrException(String message) {
    super(BAD_REQUEST, message);
  }

  public MultiaddrException(String message, Throwable cause) {
    super(BAD_REQUEST, message, cause);
  }
}
