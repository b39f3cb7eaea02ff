package dev.vertxp2p.verticle;

import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.proto.ProtocolException;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.swarm.DialFailedException;
import dev.vertxp2p.swarm.NoAddressException;
import dev.vertxp2p.swarm.NoConnectionException;
import dev.vertxp2p.swarm.ResourceLimitException;
import dev.vertxp2p.proto.mux.MuxerException;
import dev.vertxp2p.transport.StreamClosedException;
import dev.vertxp2p.transport.UpgradeException;
import io.vertx.core.json.DecodeException;

/**
 * The contract's failure codes for {@code Message.fail(code, text)} (and the HTTP status the REST
 * layer answers with), and the mapping from the swarm's exception types to them.
 */
public final class ErrorCodes {
  /** Malformed input: bad multiaddr, peer id or JSON, a missing field, a wrong type. */
  public static final int BAD_REQUEST = 400;
  /** Unknown peer, connection, or no known address. */
  public static final int NOT_FOUND = 404;
  /** A limit was reached (connections per peer, limits.*, streams per connection). */
  public static final int LIMIT_REACHED = 409;
  /** Every attempt failed, or the remote misbehaved. */
  public static final int ALL_ATTEMPTS_FAILED = 502;
  /** Timed out. */
  public static final int TIMED_OUT = 504;
  /** A fault of this node (a bug); never expected. */
  public static final int INTERNAL = 500;

  private ErrorCodes() {}

  /** The contract code for {@code error}. */
  public static int codeOf(Throwable error) {
    if (error instanceof SwarmRequestException e) {
      return e.code();
    }
    if (error instanceof DialFailedException e) {
      return e.allTimedOut() ? TIMED_OUT : ALL_ATTEMPTS_FAILED;
    }
    if (DialFailedException.isTimeout(error)) {
      return TIMED_OUT;
    }
    if (error instanceof ResourceLimitException || isStreamLimit(error)
        || (error instanceof NoConnectionException && isStreamLimit(error.getCause()))) {
      return LIMIT_REACHED;
    }
    if (error instanceof NoAddressException) {
      return NOT_FOUND;
    }
    // MultiaddrException and InvalidPeerIdException are IllegalArgumentExceptions.
    if (error instanceof IllegalArgumentException
        || error instanceof DecodeException
        || error instanceof ClassCastException) {
      return BAD_REQUEST;
    }
    if (error instanceof ProtocolException
        || error instanceof ProtocolNotSupportedException
        || error instanceof NoConnectionException
        || error instanceof StreamClosedException
        || error instanceof UpgradeException
        || error instanceof Ping.PingException
        || error instanceof java.io.IOException
        || error instanceof io.vertx.core.VertxException) {
      return ALL_ATTEMPTS_FAILED;
    }
    return INTERNAL;
  }

  /** Every connection tried was at its stream limit (limits.maxStreamsOutbound or the muxer's). */
  private static boolean isStreamLimit(Throwable error) {
    return error instanceof MuxerException m && m.reason() == MuxerException.Reason.STREAM_LIMIT;
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
