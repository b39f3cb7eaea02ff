package dev.vertxp2p.proto.multistream;

import dev.vertxp2p.multiformats.UnsignedVarint;

import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Constants and message encoding of multistream-select 1.0.0 (multiformats multistream-select
 * README; libp2p specs connections/README.md, "Protocol Negotiation").
 *
 * <p>Every message is an unsigned-varint length prefix followed by that many bytes, the last of
 * which is {@code '\n'} (the newline counts in the length).
 */
public final class Multistream {
  /** The header line both sides send first. */
  public static final String PROTOCOL_ID = "/multistream/1.0.0";

  /** The responder's answer to a protocol it does not support ("not available"). */
  public static final String NA = "na";

  /** The request for the responder's list of protocols. */
  public static final String LS = "ls";

  /**
   * Largest message we accept, newline included, checked against the length prefix before any of
   * the body is buffered. Protocol ids are short; go-multistream and rust-libp2p bound messages
   * too. The libp2p connections spec gives no number; 1024 bytes fits any real protocol id.
   */
  public static final int MAX_MESSAGE_SIZE = 1024;

  private Multistream() {}

  /** Frames one line: varint(len(line) + 1), the UTF-8 bytes of line, '\n'. */
  public static byte[] encodeMessage(String line) {
    byte[] text = line.getBytes(StandardCharsets.UTF_8);
    int bodyLen = text.length + 1;
    byte[] out = new byte[UnsignedVarint.encodedLength(bodyLen) + bodyLen];
    int pos = UnsignedVarint.write(bodyLen, out, 0);
    System.arraycopy(text, 0, out, pos, text.length);
    out[out.length - 1] = '\n';
    return out;
  }

  /**
   * Frames the answer to {@code ls} the way go-multistream and rust-libp2p put it on the wire:
   * one length-prefixed message whose body is every protocol as its own length-prefixed,
   * newline-terminated line, followed by a final {@code '\n'}.
   */
  public static byte[] encodeLsReply(Collection<String> protocols) {
    int inner = 1;
    for (String p : protocols) {
      int lineLen = p.getBytes(StandardCharsets.UTF_8).length + 1;
      inner += UnsignedVarint.encodedLength(lineLen) + lineLen;
    }
    byte[] out = new byte[UnsignedVarint.encodedLength(inner) + inner];
    int pos = UnsignedVarint.write(inner, out, 0);
    for (String p : protocols) {
      byte[] text = p.getBytes(StandardCharsets.UTF_8);
      pos += UnsignedVarint.write(text.length + 1, out, pos);
      System.arraycopy(text, 0, out, pos, text.length);
      pos += text.length;
      out[pos++] = '\n';
    }
    out[pos] = '\n';
    return out;
  }

  /**
   * Checks a protocol id a local caller wants to propose or support.
   *
   * @throws IllegalArgumentException when it is empty, holds a newline, collides with a control
   *     message or would not fit in {@link #MAX_MESSAGE_SIZE}
   */
  static String requireValidProtocol(String protocol) {
    if (protocol == null || protocol.isEmpty()) {
      throw new IllegalArgumentException("protocol id must be non-empty");
    }
    if (protocol.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("protocol id must not contain a newline: " + protocol);
    }
    if (protocol.equals(NA) || protocol.equals(LS) || protocol.equals(PROTOCOL_ID)) {
      throw new IllegalArgumentException("protocol id collides with a control message: " + protocol);
    }
    if (protocol.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_MESSAGE_SIZE) {
      throw new IllegalArgumentException(
          "protocol id longer than " + (MAX_MESSAGE_SIZE - 1) + " bytes: " + protocol);
    }
    return protocol;
  }
}
