package dev.vertxp2p.crypto;


/**
 * Key bytes were malformed: a bad protobuf envelope, an unknown key type, a wrong length, a point
 * off the curve, a key too small. The message says what was expected and what came.
 */
public class KeyFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public KeyFormatException(String message) {
    super(message);
  }

  public KeyFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
