package dev.vertxp2p;

import java.time.Duration;

/**
 * One dial attempt did not finish within {@code connection.connectionTimeout}. Retryable: a slow
 * network may well answer the next time.
 */
public class DialTimeoutException extends P2pException {
  private static final long serialVersionUID = 1L;

  private final String address;
  private final Duration timeout;

  public DialTimeoutException(String address, Duration timeout) {
    super(TIMED_OUT, "dial to " + address + " timed out: no connection within " + timeout.toMillis() + " ms");
    this.address = address;
    this.timeout = timeout;
  }

  /** The address being dialed. */
  public String address() {
    return address;
  }

  /** The time allowed. */
  public Duration timeout() {
    return timeout;
  }
}
