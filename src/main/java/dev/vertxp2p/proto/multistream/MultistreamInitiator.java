package dev.vertxp2p.proto.multistream;

import java.util.ArrayList;
import java.util.List;

/**
 * The dialing side of multistream-select: proposes protocols one at a time, in order of
 * preference, moving to the next on {@code na}.
 *
 * <p>The header and the first proposal go out together in the first {@link #pollOutbound()}, as
 * go-, rust- and js-libp2p do, saving a round trip when the first choice is accepted. The
 * negotiation completes when the responder echoes the proposal back.
 */
public final class MultistreamInitiator extends MultistreamNegotiator {
  private final List<String> proposals;
  private int current;

  /**
   * @param protocols protocol ids in order of preference; non-empty, each a valid id
   * @throws IllegalArgumentException for an empty list or an invalid id
   */
  public MultistreamInitiator(List<String> protocols) {
    if (protocols == null || protocols.isEmpty()) {
      throw new IllegalArgumentException("at least one protocol to propose is required");
    }
    List<String> copy = new ArrayList<>(protocols.size());
    for (String p : protocols) {
      copy.add(Multistream.requireValidProtocol(p));
    }
    this.proposals = List.copyOf(copy);
    byte[] header = Multistream.encodeMessage(Multistream.PROTOCOL_ID);
    byte[] first = Multistream.encodeMessage(proposals.get(0));
    byte[] both = new byte[header.length + first.length];
    System.arraycopy(header, 0, both, 0, header.length);
    System.arraycopy(first, 0, both, header.length, first.length);
    queue(both);
  }

  /** The protocols this initiator proposes, in order. */
  public List<String> proposals() {
    return proposals;
  }

  @Override
  void onLine(String line) {
    String proposed = proposals.get(current);
    if (line.equals(proposed)) {
      complete(proposed);
      return;
    }
    if (line.equals(Multistream.NA)) {
      current++;
      if (current == proposals.size()) {
        throw new NoProtocolSupportedException(proposals);
      }
      queue(Multistream.encodeMessage(proposals.get(current)));
      return;
    }
    // connections spec: the responder either echoes the proposal or answers "na".
    throw fail("'" + printable(proposed) + "' or 'na'", "'" + printable(line) + "'");
  }
}
