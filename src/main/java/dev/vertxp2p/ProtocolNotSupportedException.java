package dev.vertxp2p;

import java.util.List;

/** The remote answered {@code na} to every protocol proposed for a stream. Never retried. */
public class ProtocolNotSupportedException extends P2pException {
  private static final long serialVersionUID = 1L;
  private final List<String> protocols;

  public ProtocolNotSupportedException(List<String> protocols) {
    super(REMOTE_FAILED, "remote supports none of the protocols " + protocols);
    this.protocols = List.copyOf(protocols);
  }

  public List<String> protocols() {
    return protocols;
  }
}
