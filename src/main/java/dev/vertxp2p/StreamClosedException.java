package dev.vertxp2p;

/** A stream ended abnormally: the remote reset it, or its connection closed. */
public class StreamClosedException extends P2pException {
  private static final long serialVersionUID = 1L;

  public StreamClosedException(String message) {
    super(REMOTE_FAILED, message);
  }

  public StreamClosedException(String message, Throwable cause) {
    super(REMOTE_FAILED, message, cause);
  }

  /** For subclasses with a code of their own. */
  protected StreamClosedException(int code, String message) {
    super(code, message);
  }
}
