package dev.vertxp2p.proto.multistream;

import dev.vertxp2p.ProtocolException;

/**
 * The remote broke multistream-select 1.0: garbage or a wrong header, a message over the size
 * limit, a message without its trailing newline, an unexpected reply, too many proposals.
 */
public class MultistreamException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public MultistreamException(String message) {
    super(message);
  }
}
