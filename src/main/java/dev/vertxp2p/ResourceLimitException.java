package dev.vertxp2p;

/**
 * A configured resource limit was reached: a dial beyond {@code limits.maxConnections}, too many
 * protection tags. Retrying at once cannot help, so the dialer does not retry it; the event bus
 * answers 409.
 */
public class ResourceLimitException extends P2pException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  private final String limit;

  /**
   * @param limit the configuration path of the limit, e.g. {@code limits.maxConnections}
   * @param message what was refused and why
   */
  public ResourceLimitException(String limit, String message) {
    super(LIMIT_REACHED, message);
    this.limit = limit;
  }

  /** The configuration path of the limit that was reached. */
  public String limit() {
    return limit;
  }
}
