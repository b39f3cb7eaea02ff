package dev.vertxp2p.multiformats;

import java.util.Base64;

/**
 * Multibase text: one prefix character naming the base, then the encoded bytes.
 *
 * <p>Supported prefixes: 'z' base58btc, 'b'/'B' base32 (lower/upper, no padding), 'k'/'K' base36
 * (lower/upper), and 'u' base64url without padding (WebTransport certhashes use it). Anything else
 * is refused with the prefix named.
 */
public final class Multibase {

  /** The bases this codec speaks, with their multibase prefix. */
  public enum Base {
    BASE58BTC('z'),
    BASE32('b'),
    BASE36('k'),
    BASE64URL('u');

    private final char prefix;

    Base(char prefix) {
      this.prefix = prefix;
    }

    /** The multibase prefix character (lower-case form). */
    public char prefix() {
      return prefix;
    }
  }

  /** Longest multibase text {@link #decode} accepts; bounds the quadratic base58/base36 work. */
  public static final int MAX_DECODE_CHARS = 4096;

  private static final RadixCodec BASE36 =
      new RadixCodec("base36", "0123456789abcdefghijklmnopqrstuvwxyz");

  private Multibase() {}

  /** Encodes {@code data} in {@code base} with its prefix. */
  public static String encode(Base base, byte[] data) {
    return switch (base) {
      case BASE58BTC -> 'z' + Base58.encode(data);
      case BASE32 -> 'b' + Base32.encode(data);
      case BASE36 -> 'k' + BASE36.encode(data);
      case BASE64URL -> 'u' + Base64.getUrlEncoder().withoutPadding().encodeToString(data);
    };
  }

  /**
   * Decodes multibase text.
   *
   * @throws MultiformatException for an empty string, an unsupported prefix, or a bad body
   */
  public static byte[] decode(String text) {
    if (text.isEmpty()) {
      throw new MultiformatException("empty multibase string: expected a prefix character");
    }
    if (text.length() > MAX_DECODE_CHARS) {
      throw new MultiformatException(
          "multibase text of " + text.length() + " characters exceeds the limit of " + MAX_DECODE_CHARS);
    }
    char prefix = text.charAt(0);
    String body = text.substring(1);
    switch (prefix) {
      case 'z':
        return Base58.decode(body);
      case 'b':
      case 'B':
        return Base32.decode(body);
      case 'k':
        return BASE36.decode(body);
      case 'K':
        return BASE36.decode(body.toLowerCase(java.util.Locale.ROOT));
      case 'u':
        if (body.indexOf('=') >= 0) {
          // multibase table: 'u' is base64url *without* padding ('U' is the padded variant).
          throw new MultiformatException("padding '=' in multibase base64url ('u') text");
        }
        try {
          return Base64.getUrlDecoder().decode(body);
        } catch (IllegalArgumentException e) {
          throw new MultiformatException("invalid base64url text: " + e.getMessage(), e);
        }
      default:
        throw new MultiformatException(
            "unsupported multibase prefix '" + prefix + "': expected one of z, b, B, k, K, u");
    }
  }
}
