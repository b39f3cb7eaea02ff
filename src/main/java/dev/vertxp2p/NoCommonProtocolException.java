package dev.vertxp2p;


/**
 * The remote speaks none of our security protocols or muxers. Retrying cannot help.
 */
public class NoCommonProtocolException extends UpgradeException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  public NoCommonProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
