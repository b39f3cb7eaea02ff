package dev.vertxp2p.multiformats;

/**
 * Base58 with the bitcoin alphabet ("base58btc"), the canonical text form of libp2p peer IDs.
 *
 * <p>The conversion is quadratic in the length; {@link #MAX_DECODE_CHARS} bounds what a decoder
 * accepts so hostile input cannot burn CPU.
 */
public final class Base58 {
  /** The bitcoin base58 alphabet (no 0, O, I, l). */
  public static final String ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

  /**
   * Longest text {@link #decode} accepts. Peer IDs and multiaddr certhashes are well under 100
   * characters; 4096 leaves room for any key-sized payload while keeping the quadratic work small.
   */
  public static final int MAX_DECODE_CHARS = 4096;

  private static final RadixCodec CODEC = new RadixCodec("base58btc", ALPHABET);

  private Base58() {}

  /** Encodes {@code data}; each leading zero byte becomes a leading '1'. */
  public static String encode(byte[] data) {
    return CODEC.encode(data);
  }

  /**
   * Decodes base58btc text.
   *
   * @throws MultiformatException on a character outside the alphabet or text over the limit
   */
  public static byte[] decode(CharSequence text) {
    if (text.length() > MAX_DECODE_CHARS) {
      throw new MultiformatException(
          "base58btc text of " + text.length() + " characters exceeds the limit of " + MAX_DECODE_CHARS);
    }
    return CODEC.decode(text);
  }
}
