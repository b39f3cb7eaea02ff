package dev.vertxp2p.gating;

/**
 * IPv4 and IPv6 text forms without the JDK's resolver (which may touch DNS). Output is canonical:
 * dotted decimal, and RFC 5952 for IPv6 with IPv4-mapped addresses as {@code ::ffff:a.b.c.d}.
 *
 * <p>Public so that the configuration (in the API root package) and the multiaddr codec share
 * this one parser with {@link Cidr}; it lives here because this package depends on no other of
 * ours, so both may use it without a package cycle.
 */
public final class IpText {
  private IpText() {}

  /**
   * Parses a dotted quad.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static byte[] parseIp4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("'" + s + "' is not a dotted-quad IPv4 address");
    }
    byte[] out = new byte[4];
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      // Leading zeros are refused: some parsers read them as octal, so their meaning is ambiguous.
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        throw new IllegalArgumentException("'" + s + "' is not a dotted-quad IPv4 address");
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          throw new IllegalArgumentException("'" + s + "' is not a dotted-quad IPv4 address");
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        throw new IllegalArgumentException("IPv4 octet " + v + " in '" + s + "' is above 255");
      }
      out[i] = (byte) v;
    }
    return out;
  }

  /** Dotted decimal of 4 bytes. */
  public static String formatIp4(byte[] b) {
    return formatIp4(b, 0);
  }

  private static String formatIp4(byte[] b, int off) {
    return (b[off] & 0xFF) + "." + (b[off + 1] & 0xFF) + "." + (b[off + 2] & 0xFF) + "."
        + (b[off + 3] & 0xFF);
  }

  /**
   * Parses an IPv6 literal (no zone, no brackets), a trailing dotted quad allowed.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static byte[] parseIp6(String s) {
    if (s.isEmpty() || s.length() > 45) {
      throw new IllegalArgumentException("'" + s + "' is not an IPv6 address");
    }
    int dbl = s.indexOf("::");
    if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
      throw new IllegalArgumentException("'" + s + "' has more than one '::'");
    }
    int[] left;
    int[] right;
    if (dbl >= 0) {
      left = groups(s, s.substring(0, dbl), false);
      right = groups(s, s.substring(dbl + 2), true);
      // RFC 4291 section 2.2: "::" stands for one or more groups of zeros.
      if (left.length + right.length > 7) {
        throw new IllegalArgumentException("'" + s + "' has too many groups for '::'");
      }
    } else {
      left = groups(s, s, true);
      right = new int[0];
      if (left.length != 8) {
        throw new IllegalArgumentException("'" + s + "' does not have 8 groups");
      }
    }
    byte[] out = new byte[16];
    for (int i = 0; i < left.length; i++) {
      out[2 * i] = (byte) (left[i] >>> 8);
      out[2 * i + 1] = (byte) left[i];
    }
    int start = 8 - right.length;
    for (int i = 0; i < right.length; i++) {
      out[2 * (start + i)] = (byte) (right[i] >>> 8);
      out[2 * (start + i) + 1] = (byte) right[i];
    }
    return out;
  }

  /** 16-bit groups of one side of "::"; a trailing dotted quad counts as two groups. */
  private static int[] groups(String whole, String side, boolean ipv4Allowed) {
    if (side.isEmpty()) {
      return new int[0];
    }
    String[] parts = side.split(":", -1);
    boolean v4 = ipv4Allowed && parts[parts.length - 1].indexOf('.') >= 0;
    int n = parts.length + (v4 ? 1 : 0);
    if (n > 8) {
      throw new IllegalArgumentException("'" + whole + "' has more than 8 groups");
    }
    int[] out = new int[n];
    for (int i = 0; i < parts.length - (v4 ? 1 : 0); i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 4) {
        throw new IllegalArgumentException("'" + whole + "' has an invalid group '" + p + "'");
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        int d = Character.digit(p.charAt(j), 16);
        if (d < 0) {
          throw new IllegalArgumentException("'" + whole + "' has an invalid group '" + p + "'");
        }
        v = (v << 4) | d;
      }
      out[i] = v;
    }
    if (v4) {
      byte[] q = parseIp4(parts[parts.length - 1]);
      out[n - 2] = ((q[0] & 0xFF) << 8) | (q[1] & 0xFF);
      out[n - 1] = ((q[2] & 0xFF) << 8) | (q[3] & 0xFF);
    }
    return out;
  }

  /** RFC 5952 text of 16 bytes. */
  public static String formatIp6(byte[] b) {
    boolean mapped = true;
    for (int i = 0; i < 10; i++) {
      mapped &= b[i] == 0;
    }
    if (mapped && (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) {
      return "::ffff:" + formatIp4(b, 12);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    // RFC 5952 section 4.2: compress the longest run of two or more zero groups, the first on a tie.
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }
}
