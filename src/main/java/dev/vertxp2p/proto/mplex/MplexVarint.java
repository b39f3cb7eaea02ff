package dev.vertxp2p.proto.mplex;

/**
 * Unsigned LEB128 varints as the multiformats unsigned-varint spec defines them (minimal
 * encoding, at most 9 bytes). Kept package-private until the project has a shared varint class.
 */
final class MplexVarint {
  /** multiformats unsigned-varint: "the maximum length of a varint is 9 bytes". */
  static final int MAX_BYTES = 9;

  private MplexVarint() {}

  /** Outcome of {@link Decoder#offer}. */
  static final int MORE = 0;
  static final int DONE = 1;
  static final int TOO_LONG = 2;
  static final int NOT_MINIMAL = 3;

  /**
   * Decodes one varint a byte at a time, so nothing needs buffering while a prefix is split
   * across reads; {@link #value()} is the partial value so far, for early bound checks.
   */
  static final class Decoder {
    private long value;
    private int shift;
    private int count;

    int offer(byte b) {
      if (count == MAX_BYTES) {
        return TOO_LONG;
      }
      value |= (long) (b & 0x7F) << shift;
      shift += 7;
      count++;
      if ((b & 0x80) != 0) {
        return MORE;
      }
      // unsigned-varint spec: a multi-byte encoding must not end in a zero group.
      return count > 1 && b == 0 ? NOT_MINIMAL : DONE;
    }

    long value() {
      return value;
    }

    void reset() {
      value = 0;
      shift = 0;
      count = 0;
    }
  }

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
