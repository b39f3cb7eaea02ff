package dev.vertxp2p.proto.yamux;

/**
 * The Yamux frame header (hashicorp/yamux spec.md "Framing"): version (8 bits), type (8), flags
 * (16), stream id (32), length (32), all big-endian, 12 bytes in all. Only Data frames carry a body
 * of {@code length} bytes; for the other types the length field is a window delta, a ping's opaque
 * value or a go-away code.
 */
public final class YamuxFrame {

  /** spec.md "Framing": each header has a 12 byte overhead. */
  public static final int HEADER_LENGTH = 12;

  /** spec.md "Version Field": always 0. */
  public static final int VERSION = 0;

  /** spec.md "Type Field". */
  public static final int TYPE_DATA = 0;

  /** spec.md "Type Field". */
  public static final int TYPE_WINDOW_UPDATE = 1;

  /** spec.md "Type Field". */
  public static final int TYPE_PING = 2;

  /** spec.md "Type Field". */
  public static final int TYPE_GO_AWAY = 3;

  /** spec.md "Flag Field": start of a new stream; outbound ping. */
  public static final int FLAG_SYN = 0x1;

  /** spec.md "Flag Field": stream accepted; ping response. */
  public static final int FLAG_ACK = 0x2;

  /** spec.md "Flag Field": half-close. */
  public static final int FLAG_FIN = 0x4;

  /** spec.md "Flag Field": reset the stream immediately. */
  public static final int FLAG_RST = 0x8;

  /** spec.md "Session termination": normal termination. */
  public static final int GO_AWAY_NORMAL = 0;

  /** spec.md "Session termination": protocol error. */
  public static final int GO_AWAY_PROTOCOL_ERROR = 1;

  /** spec.md "Session termination": internal error. */
  public static final int GO_AWAY_INTERNAL_ERROR = 2;

  /** Largest value of the 32-bit stream id and length fields. */
  public static final long MAX_U32 = 0xFFFF_FFFFL;

  private YamuxFrame() {}

  /** A decoded header; stream id and length are unsigned 32-bit values held in longs. */
  public record Header(int version, int type, int flags, long streamId, long length) {}

  /**
   * Writes a header into {@code dst} at {@code off}.
   *
   * @throws IllegalArgumentException when a field does not fit its width
   */
  public static void writeHeader(
      byte[] dst, int off, int type, int flags, long streamId, long length) {
    if (type < 0 || type > 0xFF || flags < 0 || flags > 0xFFFF) {
      throw new IllegalArgumentException("type or flags out of range: " + type + ", " + flags);
    }
    if (streamId < 0 || streamId > MAX_U32 || length < 0 || length > MAX_U32) {
      throw new IllegalArgumentException(
          "stream id or length out of 32-bit range: " + streamId + ", " + length);
    }
    dst[off] = (byte) VERSION;
    dst[off + 1] = (byte) type;
    dst[off + 2] = (byte) (flags >>> 8);
    dst[off + 3] = (byte) flags;
    putU32(dst, off + 4, streamId);
    putU32(dst, off + 8, length);
  }

  /** A fresh 12-byte header. */
  public static byte[] header(int type, int flags, long streamId, long length) {
    byte[] b = new byte[HEADER_LENGTH];
    writeHeader(b, 0, type, flags, streamId, length);
    return b;
  }

  /** Decodes the 12 bytes at {@code off} without judging them (the engine does). */
  public static Header parseHeader(byte[] src, int off) {
    int flags = ((src[off + 2] & 0xFF) << 8) | (src[off + 3] & 0xFF);
    return new Header(
        src[off] & 0xFF, src[off + 1] & 0xFF, flags, getU32(src, off + 4), getU32(src, off + 8));
  }

  static void putU32(byte[] dst, int off, long v) {
    dst[off] = (byte) (v >>> 24);
    dst[off + 1] = (byte) (v >>> 16);
    dst[off + 2] = (byte) (v >>> 8);
    dst[off + 3] = (byte) v;
  }

  static long getU32(byte[] src, int off) {
    return ((src[off] & 0xFFL) << 24)
        | ((src[off + 1] & 0xFFL) << 16)
        | ((src[off + 2] & 0xFFL) << 8)
        | (src[off + 3] & 0xFFL);
  }
}
