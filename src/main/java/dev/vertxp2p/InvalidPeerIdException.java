package dev.vertxp2p;

/** Text or bytes given as a peer ID are not one; the message names what is wrong. */
public class InvalidPeerIdException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidPeerIdException(String message) {
    super(message);
  }

  public InvalidPeerIdException(String message, Throwable cause) {
    super(message, cause);
  }
}
