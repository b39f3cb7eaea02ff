package dev.vertxp2p.verticle;

/**
 * A request to the swarm's event-bus API that fails with a given contract code (400, 404, 409,
 * 502, 504); the message says what was wrong and is what the requester sees.
 */
public class SwarmRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;

  public SwarmRequestException(int code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** The contract's failure code. */
  public int code() {
    return code;
  }
}
