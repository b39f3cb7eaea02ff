package dev.vertxp2p;

/** Text or bytes given as a peer ID are not one; the message names what is wrong. */
public class InvalidPeerIdException extends P2pException {
  private static final long serialVersionUID = 1L;

  public InvalidPeerIdException(String message) {
    super(BAD_REQUEST, message);
  }

  public InvalidPeerIdException(String message, Throwable cause) {
    super(BAD_REQUEST, message, cause);
  }
}
