package dev.vertxp2p;

import java.util.ArrayList;
import java.util.List;

/**
 * What a peer says about itself in identify (libp2p identify spec, "The Identify Message"): one
 * component per field of the spec's {@code Identify} protobuf, {@code null} (or an empty list)
 * where the field was absent. A plain value: the implementation encodes and parses the wire form.
 *
 * <p>Multiaddrs stay in their binary form here; the caller parses them, so one bad address from a
 * peer does not make the whole message unreadable.
 */
public record IdentifyMessage(
    String protocolVersion,
    String agentVersion,
    byte[] publicKey,
    List<byte[]> listenAddrs,
    byte[] observedAddr,
    List<String> protocols,
    byte[] signedPeerRecord) {

  /**
   * Bound on one encoded identify message, checked against its length prefix before buffering
   * and again before parsing.
   */
  public static final int MAX_MESSAGE_SIZE = 64 * 1024;

  public IdentifyMessage {
    listenAddrs = listenAddrs == null ? List.of() : List.copyOf(listenAddrs);
    protocols = protocols == null ? List.of() : List.copyOf(protocols);
  }

  /** Merges a later message into this one, as the spec allows a message split in parts. */
  public IdentifyMessage merge(IdentifyMessage later) {
    List<byte[]> addrs = new ArrayList<>(listenAddrs);
    addrs.addAll(later.listenAddrs);
    List<String> protos = new ArrayList<>(protocols);
    protos.addAll(later.protocols);
    return new IdentifyMessage(
        later.protocolVersion != null ? later.protocolVersion : protocolVersion,
        later.agentVersion != null ? later.agentVersion : agentVersion,
        later.publicKey != null ? later.publicKey : publicKey,
        addrs,
        later.observedAddr != null ? later.observedAddr : observedAddr,
        protos,
        later.signedPeerRecord != null ? later.signedPeerRecord : signedPeerRecord);
  }

  /** A malformed identify message from a peer. */
  public static final class IdentifyException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    public IdentifyException(String message) {
      super(message);
    }
  }
}
