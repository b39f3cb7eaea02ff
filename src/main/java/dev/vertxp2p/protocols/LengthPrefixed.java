package dev.vertxp2p.protocols;

import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.ProtocolException;
import java.util.Arrays;

/**
 * Unsigned-varint length-prefixed messages, the framing of identify and of most libp2p
 * protobuf-over-stream protocols.
 */
final class LengthPrefixed {
  private LengthPrefixed() {}

  /** {@code body} with its varint length prefix. */
  static byte[] frame(byte[] body) {
    int n = UnsignedVarint.encodedLength(body.length);
    byte[] out = new byte[n + body.length];
    UnsignedVarint.write(body.length, out, 0);
    System.arraycopy(body, 0, out, n, body.length);
    return out;
  }

  /**
   * Splits a byte stream into messages. Each length prefix is checked against the maximum before
   * anything is buffered for it.
   */
  static final class Reader {
    private final int maxMessage;
    private byte[] buf = new byte[0];
    private int len;

    Reader(int maxMessage) {
      this.maxMessage = maxMessage;
    }

    void feed(byte[] data) {
      if (len + data.length > buf.length) {
        // Never more than one message plus its prefix is held, so the bound is the max message.
        int want = Math.max(len + data.length, buf.length * 2);
        buf = Arrays.copyOf(buf, want);
      }
      System.arraycopy(data, 0, buf, len, data.length);
      len += data.length;
      peekLength(); // fail early on an oversize prefix
    }

    private long peekLength() {
      UnsignedVarint.Decoded d = UnsignedVarint.tryDecode(buf, 0, len);
      if (d == null) {
        return -1;
      }
      if (d.value() > maxMessage) {
        throw new ProtocolException("message length " + d.value() + " exceeds the limit of "
            + maxMessage + " bytes");
      }
      return d.value();
    }

    /** The next whole message, or null when more bytes are needed. */
    byte[] next() {
      if (len == 0) {
        return null;
      }
      UnsignedVarint.Decoded d = UnsignedVarint.tryDecode(buf, 0, len);
      if (d == null) {
        return null;
      }
      long size = peekLength();
      int start = d.length();
      if (len - start < size) {
        return null;
      }
      byte[] msg = Arrays.copyOfRange(buf, start, start + (int) size);
      int consumed = start + (int) size;
      System.arraycopy(buf, consumed, buf, 0, len - consumed);
      len -= consumed;
      return msg;
    }

    /** True when bytes of an unfinished message are buffered. */
    boolean hasPartial() {
      return len > 0;
    }
  }
}
