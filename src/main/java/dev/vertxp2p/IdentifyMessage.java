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
 *
 * <p>What a remote sends is bounded by the constants below, each refused with an {@link
 * IdentifyException} naming it rather than cut short: a message over any of them comes from no
 * implementation we know of, and a silently shortened protocol list would make us believe the
 * peer lacks a protocol it has. The bounds are generous next to what real peers send (go-libp2p
 * and js-libp2p refuse a message over 8 KiB), so they cost no interop.
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

  /**
   * Messages read from one identify or identify-push stream, merged into one (the spec lets a
   * peer split its message; go-libp2p sends at most two parts and reads at most ten, as here).
   */
  public static final int MAX_MESSAGES_PER_STREAM = 10;

  /**
   * Protocol ids in one message, and in the merged message of one stream: go-libp2p keeps at
   * most this many for a peer. Without it one 64 KiB message carries 32,000 empty entries.
   */
  public static final int MAX_PROTOCOLS = 1024;

  /**
   * Bytes of one protocol id: the longest a multistream-select line of 1024 bytes can carry
   * (the id and its newline), so a longer one could never be negotiated anyway.
   */
  public static final int MAX_PROTOCOL_LENGTH = 1023;

  /**
   * Listen addresses in one message, and in the merged message of one stream: what go-libp2p
   * keeps for a connected peer. The peer store keeps fewer still.
   */
  public static final int MAX_LISTEN_ADDRS = 500;

  /**
   * Bound on the merged message of one stream, measured by {@link #contentSize()}: what one
   * message may carry, so identify data kept for a peer never exceeds one message. Every byte on
   * the wire decodes to at most one byte or char, so parts that fit one message always merge.
   */
  public static final int MAX_MERGED_SIZE = MAX_MESSAGE_SIZE;

  public IdentifyMessage {
    listenAddrs = listenAddrs == null ? List.of() : List.copyOf(listenAddrs);
    protocols = protocols == null ? List.of() : List.copyOf(protocols);
  }

  /**
   * What the message holds: the bytes of its byte fields plus the chars of its strings. Heap
   * use is this plus a few dozen bytes per list entry.
   */
  public int contentSize() {
    long n = length(protocolVersion) + length(agentVersion) + length(publicKey)
        + length(observedAddr) + length(signedPeerRecord);
    for (byte[] a : listenAddrs) {
      n += a.length;
    }
    for (String p : protocols) {
      n += p.length();
    }
    return (int) Math.min(n, Integer.MAX_VALUE);
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }

  private static int length(byte[] b) {
    return b == null ? 0 : b.length;
  }

  /**
   * Merges a later part into this one, as the spec allows a message split in parts: lists are
   * joined, a field the later part sets replaces ours.
   *
   * @throws IdentifyException if the result would break {@link #MAX_PROTOCOLS}, {@link
   *     #MAX_LISTEN_ADDRS} or {@link #MAX_MERGED_SIZE}
   */
  public IdentifyMessage merge(IdentifyMessage later) {
    return new Merger().add(this).add(later).result();
  }

  /**
   * Merges the parts of one message in time linear in their size: each part's lists are appended
   * once and copied once more by {@link #result()}, where merging pairwise would copy everything
   * merged so far again for every part. Checks every merge bound as each part comes, so it never
   * holds more than the bounds allow. Not thread-safe: one per stream, used on its thread.
   */
  public static final class Merger {
    private String protocolVersion;
    private String agentVersion;
    private byte[] publicKey;
    private final List<byte[]> listenAddrs = new ArrayList<>();
    private byte[] observedAddr;
    private final List<String> protocols = new ArrayList<>();
    private byte[] signedPeerRecord;
    private int parts;
    /** {@link IdentifyMessage#contentSize()} of what {@link #result()} would return now. */
    private long size;

    /**
     * Adds the next part.
     *
     * @throws IdentifyException if the merged message would break a bound; this merger is then
     *     unchanged
     */
    public Merger add(IdentifyMessage part) {
      int addrs = listenAddrs.size() + part.listenAddrs.size();
      if (addrs > MAX_LISTEN_ADDRS) {
        throw IdentifyException.limit("maxListenAddrs", "expected at most " + MAX_LISTEN_ADDRS
            + " listen addresses in a merged identify message, got " + addrs);
      }
      int protos = protocols.size() + part.protocols.size();
      if (protos > MAX_PROTOCOLS) {
        throw IdentifyException.limit("maxProtocols", "expected at most " + MAX_PROTOCOLS
            + " protocols in a merged identify message, got " + protos);
      }
      long merged = size + part.contentSize()
          - replaced(protocolVersion, part.protocolVersion)
          - replaced(agentVersion, part.agentVersion)
          - replaced(publicKey, part.publicKey)
          - replaced(observedAddr, part.observedAddr)
          - replaced(signedPeerRecord, part.signedPeerRecord);
      if (merged > MAX_MERGED_SIZE) {
        throw IdentifyException.limit("maxMergedSize", "expected a merged identify message of at"
            + " most " + MAX_MERGED_SIZE + " bytes and chars, got " + merged);
      }
      size = merged;
      listenAddrs.addAll(part.listenAddrs);
      protocols.addAll(part.protocols);
      protocolVersion = part.protocolVersion != null ? part.protocolVersion : protocolVersion;
      agentVersion = part.agentVersion != null ? part.agentVersion : agentVersion;
      publicKey = part.publicKey != null ? part.publicKey : publicKey;
      observedAddr = part.observedAddr != null ? part.observedAddr : observedAddr;
      signedPeerRecord = part.signedPeerRecord != null ? part.signedPeerRecord : signedPeerRecord;
      parts++;
      return this;
    }

    /** The size of {@code old} when {@code later} replaces it, else 0. */
    private static int replaced(String old, String later) {
      return later != null ? length(old) : 0;
    }

    private static int replaced(byte[] old, byte[] later) {
      return later != null ? length(old) : 0;
    }

    /** Parts added so far. */
    public int parts() {
      return parts;
    }

    /**
     * The merged message.
     *
     * @throws IllegalStateException if no part was added
     */
    public IdentifyMessage result() {
      if (parts == 0) {
        throw new IllegalStateException("no identify message was added to merge");
      }
      return new IdentifyMessage(protocolVersion, agentVersion, publicKey, listenAddrs,
          observedAddr, protocols, signedPeerRecord);
    }
  }

  /**
   * A malformed identify message from a peer, or one over a bound ({@link #limit()} names it).
   */
  public static final class IdentifyException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    private final String limit;

    public IdentifyException(String message) {
      this(null, message);
    }

    private IdentifyException(String limit, String message) {
      super(message);
      this.limit = limit;
    }

    /**
     * A message over the bound {@code limit} (the name of its constant in camel case, such as
     * {@code maxMessagesPerStream}).
     */
    public static IdentifyException limit(String limit, String message) {
      return new IdentifyException(limit, "identify limit " + limit + ": " + message);
    }

    /** The bound the message broke, or null when it was malformed rather than too large. */
    public String limit() {
      return limit;
    }
  }
}
