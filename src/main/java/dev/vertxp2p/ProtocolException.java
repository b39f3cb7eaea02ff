package dev.vertxp2p;

/**
 * The remote broke a protocol: malformed bytes, a frame over a limit, a message out of order.
 *
 * <p>Every protocol engine raises a subclass of this and then moves to a terminal failed state;
 * the transport closes the offending connection or stream and keeps serving everyone else. The
 * message always says what was expected and what came.
 */
public class ProtocolException extends P2pException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(REMOTE_FAILED, message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(REMOTE_FAILED, message, cause);
  }
}
