package dev.vertxp2p;

/**
 * A multiaddr names a protocol this implementation does not know. Unlike a truncated or invalid
 * multiaddr this is no fault of the sender: newer peers use protocols we have not learnt yet.
 */
public class UnknownMultiaddrProtocolException extends MultiaddrException {
  private static final long serialVersionUID = 1L;

  public UnknownMultiaddrProtocolException(String message) {
    super(message);
  }
}
