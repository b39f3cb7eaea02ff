package dev.vertxp2p;


/** A dial to a peer whose address we do not know. Retrying cannot help. */
public class NoAddressException extends P2pException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  public NoAddressException(PeerId peer) {
    super(NOT_FOUND, "no known address for peer " + peer + "; dial a multiaddr ending in /p2p/" + peer
        + " first");
  }
}
