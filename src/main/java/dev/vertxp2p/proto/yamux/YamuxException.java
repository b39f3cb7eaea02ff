package dev.vertxp2p.proto.yamux;

import dev.vertxp2p.ProtocolException;

/** The remote broke the Yamux protocol; the session has failed and a GOAWAY(1) is queued. */
public class YamuxException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  /** A failure whose message says what came and what was expected. */
  public YamuxException(String message) {
    super(message);
  }
}
