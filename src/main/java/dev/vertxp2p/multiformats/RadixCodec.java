package dev.vertxp2p.multiformats;

import java.util.Arrays;

/**
 * Big-number radix encoding (base58btc, base36) where each leading zero byte maps to one leading
 * "zero digit", as the base58 draft and multibase describe. Quadratic in the input length, which is
 * why callers bound their inputs.
 */
final class RadixCodec {
  private final String name;
  private final char[] alphabet;
  private final int radix;
  private final int[] digitOf = new int[128];

  RadixCodec(String name, String alphabet) {
    this.name = name;
    this.alphabet = alphabet.toCharArray();
    this.radix = alphabet.length();
    Arrays.fill(digitOf, -1);
    for (int i = 0; i < radix; i++) {
      digitOf[alphabet.charAt(i)] = i;
    }
  }

  String encode(byte[] data) {
    int zeros = 0;
    while (zeros < data.length && data[zeros] == 0) {
      zeros++;
    }
    // log(256)/log(radix) digits per byte, rounded up generously.
    int cap = (int) ((data.length - zeros) * (Math.log(256) / Math.log(radix))) + 2;
    byte[] digits = new byte[cap];
    int len = 0;
    for (int i = zeros; i < data.length; i++) {
      int carry = data[i] & 0xFF;
      for (int j = 0; j < len; j++) {
        carry += (digits[j] & 0xFF) << 8;
        digits[j] = (byte) (carry % radix);
        carry /= radix;
      }
      while (carry > 0) {
        digits[len++] = (byte) (carry % radix);
        carry /= radix;
      }
    }
    StringBuilder sb = new StringBuilder(zeros + len);
    for (int i = 0; i < zeros; i++) {
      sb.append(alphabet[0]);
    }
    for (int i = len - 1; i >= 0; i--) {
      sb.append(alphabet[digits[i]]);
    }
    return sb.toString();
  }

  byte[] decode(CharSequence text) {
    int zeros = 0;
    while (zeros < text.length() && text.charAt(zeros) == alphabet[0]) {
      zeros++;
    }
    int cap = (int) ((text.length() - zeros) * (Math.log(radix) / Math.log(256))) + 2;
    byte[] bytes = new byte[cap];
    int len = 0;
    for (int i = zeros; i < text.length(); i++) {
      char c = text.charAt(i);
      int digit = c < 128 ? digitOf[c] : -1;
      if (digit < 0) {
        throw new MultiformatException(
            "invalid " + name + " character '" + c + "' at position " + i);
      }
      int carry = digit;
      for (int j = 0; j < len; j++) {
        carry += (bytes[j] & 0xFF) * radix;
        bytes[j] = (byte) carry;
        carry >>>= 8;
      }
      while (carry > 0) {
        bytes[len++] = (byte) carry;
        carry >>>= 8;
      }
    }
    byte[] out = new byte[zeros + len];
    for (int i = 0; i < len; i++) {
      out[zeros + i] = bytes[len - 1 - i];
    }
    return out;
  }
}
