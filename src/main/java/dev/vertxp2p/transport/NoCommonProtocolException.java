package dev.vertxp2p.transport;

import dev.vertxp2p.swarm.NonRetryable;

/**
 * The remote speaks none of our security protocols or muxers. Retrying cannot help.
 */
public class NoCommonProtocolException extends UpgradeException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  public NoCommonProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
