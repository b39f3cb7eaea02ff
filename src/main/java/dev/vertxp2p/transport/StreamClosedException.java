package dev.vertxp2p.transport;

/** A stream ended abnormally: the remote reset it, or its connection closed. */
public class StreamClosedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StreamClosedException(String message) {
    super(message);
  }

  public StreamClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
