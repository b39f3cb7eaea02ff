package dev.vertxp2p;

/**
 * The root of the swarm's errors. Each carries the failure code of the contract, which the event
 * bus sends with {@code Message.fail(code, text)} and REST answers as the HTTP status, so no
 * caller maps exception types to codes.
 */
public class P2pException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Malformed input: a bad multiaddr, peer id or JSON, a missing field, a wrong type. */
  public static final int BAD_REQUEST = 400;
  /** An unknown peer or connection, or no known address. */
  public static final int NOT_FOUND = 404;
  /** A limit was reached (connections per peer, {@code limits.*}, streams per connection). */
  public static final int LIMIT_REACHED = 409;
  /** Every attempt failed, or the remote misbehaved. */
  public static final int REMOTE_FAILED = 502;
  /** This node cannot serve the call now: it is closing or not started. */
  public static final int UNAVAILABLE = 503;
  /** Timed out. */
  public static final int TIMED_OUT = 504;

  private final int code;

  /** An error with the contract's {@code code} (400, 404, 409, 502, 503 or 504). */
  public P2pException(int code, String message) {
    super(message);
    this.code = code;
  }

  /** An error with the contract's {@code code} and what caused it. */
  public P2pException(int code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The contract's failure code for this error. */
  public int code() {
    return code;
  }
}
