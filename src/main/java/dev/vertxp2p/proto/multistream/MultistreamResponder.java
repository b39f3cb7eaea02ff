package dev.vertxp2p.proto.multistream;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The listening side of multistream-select: sends its header at once, then answers each
 * proposal with the protocol line (accepting it) or {@code na}, and answers {@code ls} with the
 * list of protocols it advertises.
 */
public final class MultistreamResponder extends MultistreamNegotiator {
  /**
   * How many proposals (including {@code ls}) one negotiation may make before we give up on the
   * remote. The spec sets no bound; an initiator has only a handful of candidates, so this
   * generous number only cuts off a peer that loops.
   */
  public static final int MAX_PROPOSALS = 64;

  private final Predicate<String> supports;
  private final List<String> advertised;
  private int proposals;

  /**
   * Supports exactly the given protocols, and lists them for {@code ls} in iteration order.
   *
   * @throws IllegalArgumentException for an invalid id
   */
  public MultistreamResponder(Collection<String> supported) {
    this(Set.copyOf(validate(supported))::contains, supported);
  }

  /**
   * Supports whatever {@code supports} accepts (for protocol families such as versioned ids) and
   * lists {@code advertised} for {@code ls}.
   *
   * @throws IllegalArgumentException for an invalid advertised id
   */
  public MultistreamResponder(Predicate<String> supports, Collection<String> advertised) {
    this.supports = Objects.requireNonNull(supports, "supports");
    this.advertised = List.copyOf(validate(advertised));
    queue(Multistream.encodeMessage(Multistream.PROTOCOL_ID));
  }

  private static Collection<String> validate(Collection<String> protocols) {
    Objects.requireNonNull(protocols, "protocols");
    Set<String> ordered = new LinkedHashSet<>();
    for (String p : protocols) {
      ordered.add(Multistream.requireValidProtocol(p));
    }
    return ordered;
  }

  @Override
  void onLine(String line) {
    proposals++;
    if (proposals > MAX_PROPOSALS) {
      throw fail("at most " + MAX_PROPOSALS + " proposals", "proposal number " + proposals);
    }
    if (line.equals(Multistream.LS)) {
      queue(Multistream.encodeLsReply(advertised));
      return;
    }
    if (isProposable(line) && supports.test(line)) {
      // connections spec: accepting means echoing the protocol id back.
      queue(Multistream.encodeMessage(line));
      complete(line);
      return;
    }
    queue(Multistream.encodeMessage(Multistream.NA));
  }

  private static boolean isProposable(String line) {
    return !line.isEmpty()
        && !line.equals(Multistream.NA)
        && !line.equals(Multistream.PROTOCOL_ID)
        && line.indexOf('\n') < 0;
  }
}
