package dev.vertxp2p.verticle;

/**
 * A request to the swarm's event-bus API that fails with a given contract code (400, 404, 409,
 * 502, 504); the message says what was wrong and is what the requester sees.
 */
public class SwarmRequestException extends dev.vertxp2p.P2pException {
  private static final long serialVersionUID = 1L;

  public SwarmRequestException(int code, String message) {
    super(code, message);
  }

}
