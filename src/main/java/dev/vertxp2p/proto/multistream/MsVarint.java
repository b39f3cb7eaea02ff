package dev.vertxp2p.proto.multistream;

/**
 * Unsigned LEB128 varints as the multiformats unsigned-varint spec defines them (minimal
 * encoding, at most 9 bytes). Kept package-private until the project has a shared varint class.
 */
final class MsVarint {
  /** multiformats unsigned-varint: "the maximum length of a varint is 9 bytes". */
  static final int MAX_BYTES = 9;

  private MsVarint() {}

  static int encodedLength(long value) {
    int n = 1;
    while ((value >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** Writes {@code value} at {@code pos}; returns the position after it. */
  static int write(long value, byte[] dst, int pos) {
    while ((value & ~0x7FL) != 0) {
      dst[pos++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    dst[pos++] = (byte) value;
    return pos;
  }

  static byte[] encode(long value) {
    byte[] out = new byte[encodedLength(value)];
    write(value, out, 0);
    return out;
  }
}
