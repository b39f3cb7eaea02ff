package dev.vertxp2p.multiformats;

/**
 * The multiformats unsigned varint: 7 bits per byte, least significant group first, the high bit
 * of each byte set when another byte follows.
 *
 * <p>The multiformats unsigned-varint spec caps the encoding at 9 bytes (63 bits of value) and
 * requires the minimal encoding, so a decoder rejects a 10th byte and any trailing zero group. The
 * decoders here work on partial input for streaming engines: {@link #tryDecode} returns {@code null}
 * (and {@link #length} {@link #NEED_MORE}) while the varint is still incomplete.
 */
public final class UnsignedVarint {

  /** unsigned-varint spec, "Practical maximum of 9 bytes (for security)". */
  public static final int MAX_BYTES = 9;

  /** The largest encodable value: 9 groups of 7 bits. */
  public static final long MAX_VALUE = Long.MAX_VALUE;

  /** Returned by {@link #length} when the input ends before the varint does. */
  public static final int NEED_MORE = -1;

  private UnsignedVarint() {}

  /** A decoded value and the number of bytes it occupied. */
  public record Decoded(long value, int length) {}

  /** Bytes needed to encode {@code value}. */
  public static int encodedLength(long value) {
    checkEncodable(value);
    int n = 1;
    while ((value >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** The minimal encoding of {@code value} (0 .. {@link #MAX_VALUE}). */
  public static byte[] encode(long value) {
    byte[] out = new byte[encodedLength(value)];
    write(value, out, 0);
    return out;
  }

  /**
   * Writes the minimal encoding of {@code value} into {@code dst} at {@code offset}.
   *
   * @return the number of bytes written
   * @throws IndexOutOfBoundsException if {@code dst} has no room for it
   */
  public static int write(long value, byte[] dst, int offset) {
    int n = encodedLength(value);
    if (offset < 0 || offset + n > dst.length) {
      throw new IndexOutOfBoundsException(
          "varint of " + n + " bytes does not fit at offset " + offset + " of " + dst.length);
    }
    int i = offset;
    while ((value & ~0x7FL) != 0) {
      dst[i++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    dst[i++] = (byte) value;
    return n;
  }

  /**
   * Length of the varint starting at {@code offset}, reading no further than {@code limit}
   * (exclusive), or {@link #NEED_MORE} if the input ends first.
   *
   * @throws VarintException if the varint is longer than {@link #MAX_BYTES} or not minimal
   */
  public static int length(byte[] src, int offset, int limit) {
    checkRange(src, offset, limit);
    for (int i = 0; i < MAX_BYTES; i++) {
      int pos = offset + i;
      if (pos >= limit) {
        return NEED_MORE;
      }
      int b = src[pos] & 0xFF;
      if ((b & 0x80) == 0) {
        // unsigned-varint spec: "the number MUST be encoded in the fewest bytes possible",
        // so a final zero group after the first byte is a non-minimal encoding.
        if (b == 0 && i > 0) {
          throw new VarintException(
              "non-minimal varint: byte " + (i + 1) + " of " + (i + 1) + " is 0x00");
        }
        return i + 1;
      }
    }
    // unsigned-varint spec: at most 9 bytes, so the 9th byte must end the varint.
    throw new VarintException(
        "varint longer than " + MAX_BYTES + " bytes: byte " + MAX_BYTES + " has the continuation bit");
  }

  /**
   * Decodes the varint at {@code offset} if it is complete before {@code limit}.
   *
   * @return the value and its length, or {@code null} when more bytes are needed
   * @throws VarintException if the varint is too long or not minimal
   */
  public static Decoded tryDecode(byte[] src, int offset, int limit) {
    int n = length(src, offset, limit);
    if (n == NEED_MORE) {
      return null;
    }
    return new Decoded(readValidated(src, offset, n), n);
  }

  /**
   * Decodes the varint at {@code offset} that must be complete before {@code limit}.
   *
   * @throws VarintException if it is truncated, too long or not minimal
   */
  public static Decoded decode(byte[] src, int offset, int limit) {
    Decoded d = tryDecode(src, offset, limit);
    if (d == null) {
      throw new VarintException(
          "truncated varint: input ends after " + (limit - offset) + " byte(s) with the continuation bit set");
    }
    return d;
  }

  /** Decodes a buffer that holds exactly one varint and nothing else. */
  public static long decodeExact(byte[] src) {
    Decoded d = decode(src, 0, src.length);
    if (d.length() != src.length) {
      throw new VarintException(
          "expected a single varint of " + d.length() + " bytes, got " + src.length + " bytes");
    }
    return d.value();
  }

  private static long readValidated(byte[] src, int offset, int n) {
    long value = 0;
    for (int i = 0; i < n; i++) {
      value |= (long) (src[offset + i] & 0x7F) << (7 * i);
    }
    return value;
  }

  private static void checkEncodable(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("unsigned varint cannot encode negative value " + value);
    }
  }

  private static void checkRange(byte[] src, int offset, int limit) {
    if (offset < 0 || limit > src.length || offset > limit) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", limit " + limit + " outside array of " + src.length);
    }
  }
}
