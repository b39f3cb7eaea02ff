package dev.vertxp2p.protocols;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.IdentifyMessage.IdentifyException;
import dev.vertxp2p.proto.pb.IdentifyPb;
import dev.vertxp2p.proto.pb.WrongWireType;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of {@link IdentifyMessage}: {@code identify.proto}'s {@code Identify} (libp2p
 * identify spec), encoded and parsed by the classes protoc generates from it ({@link IdentifyPb}),
 * without the length prefix the stream puts in front.
 *
 * <p>Decoding checks the size first, then parses, then validates what the parse leaves open. It
 * skips unknown fields (forward compatibility) but rejects a known field with the wrong wire type.
 * Strings are read leniently: bytes that are not UTF-8 become U+FFFD, as agent versions in the
 * wild are not always clean.
 *
 * <p>It also applies the per-message bounds of {@link IdentifyMessage}: at most {@link
 * IdentifyMessage#MAX_PROTOCOLS} protocol ids, each 1 to {@link
 * IdentifyMessage#MAX_PROTOCOL_LENGTH} bytes, and at most {@link IdentifyMessage#MAX_LISTEN_ADDRS}
 * listen addresses. Pure: no I/O, so the fuzz targets drive it directly.
 */
public final class IdentifyCodec {
  private IdentifyCodec() {}

  /** The message's protobuf encoding; {@code null} components stay absent. */
  public static byte[] encode(IdentifyMessage message) {
    IdentifyPb.Identify.Builder out = IdentifyPb.Identify.newBuilder();
    if (message.protocolVersion() != null) {
      out.setProtocolVersion(message.protocolVersion());
    }
    if (message.agentVersion() != null) {
      out.setAgentVersion(message.agentVersion());
    }
    if (message.publicKey() != null) {
      out.setPublicKey(ByteString.copyFrom(message.publicKey()));
    }
    for (byte[] addr : message.listenAddrs()) {
      out.addListenAddrs(ByteString.copyFrom(addr));
    }
    if (message.observedAddr() != null) {
      out.setObservedAddr(ByteString.copyFrom(message.observedAddr()));
    }
    out.addAllProtocols(message.protocols());
    if (message.signedPeerRecord() != null) {
      out.setSignedPeerRecord(ByteString.copyFrom(message.signedPeerRecord()));
    }
    return out.build().toByteArray();
  }

  /**
   * Decodes one message (without its length prefix).
   *
   * @throws IdentifyException if it is larger than {@link IdentifyMessage#MAX_MESSAGE_SIZE}, is not
   *     a protobuf, has a known field with the wrong wire type, or breaks a per-message bound
   */
  public static IdentifyMessage decode(byte[] data) {
    if (data.length > IdentifyMessage.MAX_MESSAGE_SIZE) {
      throw new IdentifyException("expected an identify message of at most "
          + IdentifyMessage.MAX_MESSAGE_SIZE + " bytes, got " + data.length + " bytes");
    }
    IdentifyPb.Identify parsed;
    try {
      parsed = IdentifyPb.Identify.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      throw new IdentifyException("expected an Identify protobuf, got malformed bytes: "
          + e.getMessage());
    }
    return validate(parsed);
  }

  /** The checks the parse leaves to us, then the value. */
  private static IdentifyMessage validate(IdentifyPb.Identify parsed) {
    UnknownFieldSet unknown = parsed.getUnknownFields();
    checkWireType(unknown, IdentifyPb.Identify.PUBLICKEY_FIELD_NUMBER, "publicKey");
    checkWireType(unknown, IdentifyPb.Identify.LISTENADDRS_FIELD_NUMBER, "listenAddrs");
    checkWireType(unknown, IdentifyPb.Identify.PROTOCOLS_FIELD_NUMBER, "protocols");
    checkWireType(unknown, IdentifyPb.Identify.OBSERVEDADDR_FIELD_NUMBER, "observedAddr");
    checkWireType(unknown, IdentifyPb.Identify.PROTOCOLVERSION_FIELD_NUMBER, "protocolVersion");
    checkWireType(unknown, IdentifyPb.Identify.AGENTVERSION_FIELD_NUMBER, "agentVersion");
    checkWireType(unknown, IdentifyPb.Identify.SIGNEDPEERRECORD_FIELD_NUMBER, "signedPeerRecord");
    checkProtocols(parsed);
    if (parsed.getListenAddrsCount() > IdentifyMessage.MAX_LISTEN_ADDRS) {
      throw IdentifyException.limit("maxListenAddrs", "expected at most "
          + IdentifyMessage.MAX_LISTEN_ADDRS + " listen addresses in an identify message, got "
          + parsed.getListenAddrsCount());
    }
    List<byte[]> listenAddrs = new ArrayList<>(parsed.getListenAddrsCount());
    for (ByteString addr : parsed.getListenAddrsList()) {
      listenAddrs.add(addr.toByteArray());
    }
    return new IdentifyMessage(
        parsed.hasProtocolVersion() ? parsed.getProtocolVersion() : null,
        parsed.hasAgentVersion() ? parsed.getAgentVersion() : null,
        parsed.hasPublicKey() ? parsed.getPublicKey().toByteArray() : null,
        listenAddrs,
        parsed.hasObservedAddr() ? parsed.getObservedAddr().toByteArray() : null,
        List.copyOf(parsed.getProtocolsList()),
        parsed.hasSignedPeerRecord() ? parsed.getSignedPeerRecord().toByteArray() : null);
  }

  /** Counted and measured on the wire bytes, before any string is kept. */
  private static void checkProtocols(IdentifyPb.Identify parsed) {
    int count = parsed.getProtocolsCount();
    if (count > IdentifyMessage.MAX_PROTOCOLS) {
      throw IdentifyException.limit("maxProtocols", "expected at most "
          + IdentifyMessage.MAX_PROTOCOLS + " protocols in an identify message, got " + count);
    }
    for (int i = 0; i < count; i++) {
      int length = parsed.getProtocolsBytes(i).size();
      if (length == 0) {
        // Not a bound but malformed: a protocol id names something (connections spec).
        throw new IdentifyException("expected a non-empty protocol id in identify, got an empty"
            + " one at index " + i);
      }
      if (length > IdentifyMessage.MAX_PROTOCOL_LENGTH) {
        throw IdentifyException.limit("maxProtocolLength", "expected protocol ids of at most "
            + IdentifyMessage.MAX_PROTOCOL_LENGTH + " bytes in identify, got " + length
            + " bytes at index " + i);
      }
    }
  }

  private static void checkWireType(UnknownFieldSet unknown, int field, String name) {
    int wireType = WrongWireType.of(unknown, field);
    if (wireType != WrongWireType.NONE) {
      throw new IdentifyException("expected identify field " + name
          + " as a length-delimited field, got wire type " + wireType);
    }
  }
}
