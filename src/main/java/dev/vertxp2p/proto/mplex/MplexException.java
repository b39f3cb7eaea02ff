package dev.vertxp2p.proto.mplex;

import dev.vertxp2p.ProtocolException;

/**
 * The remote broke mplex: a message over the size limit, an unknown flag, a NewStream for a
 * stream id already open, a malformed varint. The session is failed after it.
 */
public class MplexException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public MplexException(String message) {
    super(message);
  }
}
