package dev.vertxp2p.swarm;

import dev.vertxp2p.PeerId;

/** A dial to a peer whose address we do not know. Retrying cannot help. */
public class NoAddressException extends RuntimeException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  public NoAddressException(PeerId peer) {
    super("no known address for peer " + peer + "; dial a multiaddr ending in /p2p/" + peer
        + " first");
  }
}
