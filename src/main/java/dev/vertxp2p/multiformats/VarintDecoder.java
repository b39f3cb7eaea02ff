package dev.vertxp2p.multiformats;

/**
 * Decodes one unsigned varint a byte at a time, so a streaming decoder needs no buffer while a
 * length prefix is split across reads. {@link #value()} is the partial value so far, for bound
 * checks before the last byte arrives.
 */
public final class VarintDecoder {
  /** {@link #offer} result: the varint continues. */
  public static final int MORE = 0;
  /** {@link #offer} result: the varint is complete; read {@link #value()}. */
  public static final int DONE = 1;
  /** {@link #offer} result: over {@link UnsignedVarint#MAX_BYTES} bytes. */
  public static final int TOO_LONG = 2;
  /** {@link #offer} result: a multi-byte encoding ending in a zero group (not minimal). */
  public static final int NOT_MINIMAL = 3;

  private long value;
  private int shift;
  private int count;

  /** Takes the next byte; one of {@link #MORE}, {@link #DONE}, {@link #TOO_LONG}, {@link #NOT_MINIMAL}. */
  public int offer(byte b) {
    if (count == UnsignedVarint.MAX_BYTES) {
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

  /** The value decoded so far. */
  public long value() {
    return value;
  }

  /** Starts over for the next varint. */
  public void reset() {
    value = 0;
    shift = 0;
    count = 0;
  }
}
