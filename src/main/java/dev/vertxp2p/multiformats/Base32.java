package dev.vertxp2p.multiformats;

/**
 * RFC 4648 base32 (alphabet a-z, 2-7), written lower case without padding as multibase 'b'
 * requires; the decoder accepts either case but not padding.
 */
public final class Base32 {
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private Base32() {}

  /** Encodes {@code data} lower case, unpadded. */
  public static String encode(byte[] data) {
    StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xFF);
      bits += 8;
      while (bits >= 5) {
        sb.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      sb.append(ALPHABET[(buffer << (5 - bits)) & 31]);
    }
    return sb.toString();
  }

  /**
   * Decodes unpadded base32 text in either case.
   *
   * @throws MultiformatException on a foreign character, an impossible length, or non-zero
   *     padding bits (RFC 4648 section 3.5: canonical encoders zero them, so a decoder may reject)
   */
  public static byte[] decode(CharSequence text) {
    int n = text.length();
    int rem = n % 8;
    // RFC 4648 section 6: a final quantum has 2, 4, 5 or 7 characters; 1, 3 and 6 cannot occur.
    if (rem == 1 || rem == 3 || rem == 6) {
      throw new MultiformatException("invalid base32 length " + n + " (length mod 8 is " + rem + ")");
    }
    byte[] out = new byte[n * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int o = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      int v;
      if (c >= 'a' && c <= 'z') {
        v = c - 'a';
      } else if (c >= 'A' && c <= 'Z') {
        v = c - 'A';
      } else if (c >= '2' && c <= '7') {
        v = c - '2' + 26;
      } else {
        throw new MultiformatException("invalid base32 character '" + c + "' at position " + i);
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out[o++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
      buffer &= (1 << bits) - 1;
    }
    if (buffer != 0) {
      throw new MultiformatException("non-zero trailing bits in base32 text of length " + n);
    }
    return out;
  }
}
