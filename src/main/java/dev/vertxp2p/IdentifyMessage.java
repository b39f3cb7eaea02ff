package dev.vertxp2p;

import dev.vertxp2p.protocols.Identify;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The identify protobuf (libp2p identify spec):
 *
 * <pre>
 * message Identify {
 *   optional string protocolVersion = 5;  optional string agentVersion = 6;
 *   optional bytes publicKey = 1;         repeated bytes listenAddrs = 2;
 *   optional bytes observedAddr = 4;      repeated string protocols = 3;
 *   optional bytes signedPeerRecord = 8;
 * }
 * </pre>
 *
 * Multiaddrs stay in their binary form here; the caller parses them, so one bad address from a
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

  /** Bound on one identify message, checked against its length prefix before buffering. */
  public static final int MAX_MESSAGE_SIZE = 64 * 1024;

  private static final int F_PUBLIC_KEY = 1;
  private static final int F_LISTEN_ADDRS = 2;
  private static final int F_PROTOCOLS = 3;
  private static final int F_OBSERVED_ADDR = 4;
  private static final int F_PROTOCOL_VERSION = 5;
  private static final int F_AGENT_VERSION = 6;
  private static final int F_SIGNED_PEER_RECORD = 8;

  public IdentifyMessage {
    listenAddrs = listenAddrs == null ? List.of() : List.copyOf(listenAddrs);
    protocols = protocols == null ? List.of() : List.copyOf(protocols);
  }

  /** Encodes the message (without a length prefix). */
  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      if (publicKey != null) {
        out.writeByteArray(F_PUBLIC_KEY, publicKey);
      }
      for (byte[] a : listenAddrs) {
        out.writeByteArray(F_LISTEN_ADDRS, a);
      }
      for (String p : protocols) {
        out.writeString(F_PROTOCOLS, p);
      }
      if (observedAddr != null) {
        out.writeByteArray(F_OBSERVED_ADDR, observedAddr);
      }
      if (protocolVersion != null) {
        out.writeString(F_PROTOCOL_VERSION, protocolVersion);
      }
      if (agentVersion != null) {
        out.writeString(F_AGENT_VERSION, agentVersion);
      }
      if (signedPeerRecord != null) {
        out.writeByteArray(F_SIGNED_PEER_RECORD, signedPeerRecord);
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes one message. Unknown fields are skipped (forward compatibility); a field of the wrong
   * wire type or truncated bytes raise {@link IdentifyException}.
   */
  public static IdentifyMessage decode(byte[] data) {
    if (data.length > MAX_MESSAGE_SIZE) {
      throw new IdentifyException("identify message of " + data.length + " bytes exceeds the "
          + MAX_MESSAGE_SIZE + "-byte limit");
    }
    CodedInputStream in = CodedInputStream.newInstance(data);
    String protocolVersion = null;
    String agentVersion = null;
    byte[] publicKey = null;
    List<byte[]> listenAddrs = new ArrayList<>();
    byte[] observedAddr = null;
    List<String> protocols = new ArrayList<>();
    byte[] signedPeerRecord = null;
    try {
      int tag;
      while ((tag = in.readTag()) != 0) {
        int field = WireFormat.getTagFieldNumber(tag);
        int wireType = WireFormat.getTagWireType(tag);
        boolean lengthDelimited = wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED;
        switch (field) {
          case F_PUBLIC_KEY -> publicKey = bytesField(in, lengthDelimited, "publicKey");
          case F_LISTEN_ADDRS -> listenAddrs.add(bytesField(in, lengthDelimited, "listenAddrs"));
          case F_PROTOCOLS -> protocols.add(stringField(in, lengthDelimited, "protocols"));
          case F_OBSERVED_ADDR -> observedAddr = bytesField(in, lengthDelimited, "observedAddr");
          case F_PROTOCOL_VERSION ->
              protocolVersion = stringField(in, lengthDelimited, "protocolVersion");
          case F_AGENT_VERSION -> agentVersion = stringField(in, lengthDelimited, "agentVersion");
          case F_SIGNED_PEER_RECORD ->
              signedPeerRecord = bytesField(in, lengthDelimited, "signedPeerRecord");
          default -> in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new IdentifyException("malformed identify message: " + e.getMessage());
    }
    return new IdentifyMessage(protocolVersion, agentVersion, publicKey, listenAddrs, observedAddr,
        protocols, signedPeerRecord);
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

  private static byte[] bytesField(CodedInputStream in, boolean lengthDelimited, String name)
      throws IOException {
    if (!lengthDelimited) {
      throw new IdentifyException("identify field " + name + " must be length-delimited");
    }
    return in.readByteArray();
  }

  private static String stringField(CodedInputStream in, boolean lengthDelimited, String name)
      throws IOException {
    return new String(bytesField(in, lengthDelimited, name), StandardCharsets.UTF_8);
  }

  /** A malformed identify message from a peer. */
  public static final class IdentifyException extends ProtocolException {
    private static final long serialVersionUID = 1L;

    public IdentifyException(String message) {
      super(message);
    }
  }
}
