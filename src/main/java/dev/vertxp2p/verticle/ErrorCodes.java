package dev.vertxp2p.verticle;

import dev.vertxp2p.P2pException;
import io.vertx.core.json.DecodeException;

/**
 * The contract's failure codes for {@code Message.fail(code, text)} (and the HTTP status the REST
 * layer answers with), and the mapping from the swarm's exception types to them.
 */
public final class ErrorCodes {
  /** Malformed input: bad multiaddr, peer id or JSON, a missing field, a wrong type. */
  public static final int BAD_REQUEST = P2pException.BAD_REQUEST;
  /** Unknown peer, connection, or no known address. */
  public static final int NOT_FOUND = P2pException.NOT_FOUND;
  /** A limit was reached (connections per peer, limits.*, streams per connection). */
  public static final int LIMIT_REACHED = P2pException.LIMIT_REACHED;
  /** Every attempt failed, or the remote misbehaved. */
  public static final int ALL_ATTEMPTS_FAILED = P2pException.REMOTE_FAILED;
  /** Timed out. */
  public static final int TIMED_OUT = P2pException.TIMED_OUT;
  /** Closing or not started. */
  public static final int UNAVAILABLE = P2pException.UNAVAILABLE;
  /** A fault of this node (a bug); never expected. */
  public static final int INTERNAL = 500;

  private ErrorCodes() {}

  /**
   * The contract code for {@code error}: the swarm's own errors carry it; of the rest, bad input
   * (an {@link IllegalArgumentException} such as a malformed key or varint, bad JSON) is 400, an
   * I/O failure 502, anything else a fault of this node.
   */
  public static int codeOf(Throwable error) {
    return error instanceof P2pException p ? p.code()
        : error instanceof IllegalArgumentException || error instanceof DecodeException
            || error instanceof ClassCastException ? BAD_REQUEST
        : error instanceof java.io.IOException || error instanceof io.vertx.core.VertxException
            ? ALL_ATTEMPTS_FAILED
        : INTERNAL;
  }

  /** The text to send: the exception's message, or its type when it has none; never a trace. */
  public static String textOf(Throwable error) {
    String m = error.getMessage();
    if (m == null || m.isBlank()) {
      return error.getClass().getSimpleName();
    }
    return m;
  }
}
