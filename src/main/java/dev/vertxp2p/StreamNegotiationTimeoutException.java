package dev.vertxp2p;

/** The remote did not finish multistream negotiation on a stream in time. */
public class StreamNegotiationTimeoutException extends StreamClosedException {
  private static final long serialVersionUID = 1L;

  public StreamNegotiationTimeoutException(String message) {
    super(TIMED_OUT, message);
  }
}
