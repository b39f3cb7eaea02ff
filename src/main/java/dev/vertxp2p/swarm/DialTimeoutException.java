package dev.vertxp2p.swarm;

import java.time.Duration;

/**
 * One dial attempt did not finish within {@code connection.connectionTimeout}. Retryable: a slow
 * network may well answer the next time.
 */
public class DialTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String address;
  private final Duration timeout;

  public DialTimeoutException(String address, Duration timeout) {
    super("dial to " + address + " timed out: no connection within " + timeout.toMillis() + " ms");
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
