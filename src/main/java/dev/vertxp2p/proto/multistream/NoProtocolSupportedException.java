package dev.vertxp2p.proto.multistream;

import java.util.List;

/**
 * The responder answered {@code na} to every protocol the initiator proposed. Not a protocol
 * violation as such, but the negotiation is over and the channel is useless for this purpose.
 */
public class NoProtocolSupportedException extends MultistreamException {
  private static final long serialVersionUID = 1L;

  private final List<String> proposed;

  public NoProtocolSupportedException(List<String> proposed) {
    super("the remote answered na to every proposed protocol: " + proposed);
    this.proposed = List.copyOf(proposed);
  }

  /** Every protocol the initiator proposed, in the order it proposed them. */
  public List<String> proposed() {
    return proposed;
  }
}
