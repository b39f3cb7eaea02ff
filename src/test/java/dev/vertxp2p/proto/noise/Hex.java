package dev.vertxp2p.proto.noise;

final class Hex {
  private Hex() {}

  /** Hex digits to bytes; whitespace is skipped, so vectors can keep the spec's layout. */
  static byte[] decode(String s) {
    s = s.replaceAll("\\s", "");
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  static String encode(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x));
    }
    return sb.toString();
  }
}
