package dev.vertxp2p.gating;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation: {@code 10.0.0.0/8}, {@code 2001:db8::/32}; a bare
 * address is the network of that one address ({@code /32} or {@code /128}). Immutable.
 *
 * <p>Decisions, so that a configuration means one thing only:
 *
 * <ul>
 *   <li><b>Host bits must be zero.</b> {@code 10.0.0.1/8} is refused ("host bits set"), not
 *       silently masked to {@code 10.0.0.0/8}: in a deny list the user may have meant the one
 *       address or the whole network, and guessing either way gates the wrong peers.
 *   <li><b>Literals only, never DNS.</b> The text is parsed here ({@link IpText}), so a host name
 *       is refused rather than resolved; {@link InetAddress} is only read, never looked up.
 *   <li><b>IPv4-mapped IPv6</b> ({@code ::ffff:a.b.c.d}) is IPv4. An address in that form (as a
 *       dual-stack socket reports an IPv4 peer) is matched as the IPv4 address, and a CIDR in that
 *       form with a prefix of at least 96 is the IPv4 CIDR with 96 less ({@code ::ffff:10.0.0.0/104}
 *       is {@code 10.0.0.0/8}). So an IPv4 rule catches an IPv4 peer however the socket reports it.
 *       Otherwise the families are apart: {@code ::/0} matches no IPv4 address.
 *   <li>No zone ids ({@code fe80::1%eth0}), brackets, leading zeros in IPv4 octets or prefixes
 *       (some parsers read them as octal), and at most {@link #MAX_TEXT_LENGTH} characters.
 * </ul>
 */
public final class Cidr {

  /** Longest text accepted: an IPv6 literal (at most 45) plus {@code /128}, with room to spare. */
  public static final int MAX_TEXT_LENGTH = 64;

  private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF,
      (byte) 0xFF};

  private final byte[] network;
  private final int prefixLength;

  private Cidr(byte[] network, int prefixLength) {
    this.network = network;
    this.prefixLength = prefixLength;
  }

  /**
   * Parses {@code a.b.c.d/n}, {@code x:y::z/n} or a bare address.
   *
   * @throws CidrFormatException naming the text and the problem
   */
  public static Cidr parse(String text) {
    if (text == null) {
      throw new CidrFormatException("null", "no text");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new CidrFormatException(text.substring(0, MAX_TEXT_LENGTH) + "...",
          "longer than " + MAX_TEXT_LENGTH + " characters");
    }
    int slash = text.indexOf('/');
    String addrText = slash < 0 ? text : text.substring(0, slash);
    byte[] addr = parseAddress(text, addrText);
    int max = addr.length * 8;
    int prefix = slash < 0 ? max : parsePrefix(text, text.substring(slash + 1), max);
    if (addr.length == 16 && isMapped(addr) && prefix >= 96) {
      addr = Arrays.copyOfRange(addr, 12, 16);
      prefix -= 96;
    }
    if (!hostBitsZero(addr, prefix)) {
      byte[] masked = mask(addr, prefix);
      throw new CidrFormatException(text, "host bits set (the network of /" + prefix + " is "
          + format(masked) + "/" + prefix + "; for the one address write /" + max + ")");
    }
    return new Cidr(addr, prefix);
  }

  /**
   * The network of {@code address} (4 or 16 bytes) with {@code prefixLength} leading bits.
   *
   * @throws CidrFormatException when the length is out of range or host bits are set
   * @throws IllegalArgumentException when the address is not 4 or 16 bytes
   */
  public static Cidr of(byte[] address, int prefixLength) {
    byte[] addr = checkLength(address).clone();
    String text = format(addr) + "/" + prefixLength;
    if (prefixLength < 0 || prefixLength > addr.length * 8) {
      throw new CidrFormatException(text, "prefix " + prefixLength + " is outside 0.."
          + addr.length * 8);
    }
    if (!hostBitsZero(addr, prefixLength)) {
      throw new CidrFormatException(text, "host bits set");
    }
    if (addr.length == 16 && isMapped(addr) && prefixLength >= 96) {
      return new Cidr(Arrays.copyOfRange(addr, 12, 16), prefixLength - 96);
    }
    return new Cidr(addr, prefixLength);
  }

  /** Whether the text names a literal address, bare or with a prefix, that {@link #parse} takes. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (CidrFormatException e) {
      return false;
    }
  }

  private static byte[] parseAddress(String whole, String addrText) {
    if (addrText.isEmpty()) {
      throw new CidrFormatException(whole, "no address before the '/'");
    }
    if (addrText.indexOf('%') >= 0) {
      throw new CidrFormatException(whole, "zone ids ('%...') are not allowed");
    }
    try {
      if (addrText.indexOf(':') >= 0) {
        return IpText.parseIp6(addrText);
      }
      // A host name, or anything but digits and dots, must never reach a resolver.
      for (int i = 0; i < addrText.length(); i++) {
        char c = addrText.charAt(i);
        if ((c < '0' || c > '9') && c != '.') {
          throw new CidrFormatException(whole,
              "not an IPv4 or IPv6 literal (host names are not resolved)");
        }
      }
      return IpText.parseIp4(addrText);
    } catch (CidrFormatException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new CidrFormatException(whole, e.getMessage());
    }
  }

  private static int parsePrefix(String whole, String p, int max) {
    if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
      throw new CidrFormatException(whole, "prefix '" + p + "' is not a number 0.." + max
          + " without leading zeros");
    }
    int v = 0;
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c < '0' || c > '9') {
        throw new CidrFormatException(whole, "prefix '" + p + "' is not a number 0.." + max);
      }
      v = v * 10 + (c - '0');
    }
    if (v > max) {
      throw new CidrFormatException(whole, "prefix " + v + " is above " + max + " for "
          + (max == 32 ? "IPv4" : "IPv6"));
    }
    return v;
  }

  private static byte[] checkLength(byte[] ip) {
    if (ip == null || (ip.length != 4 && ip.length != 16)) {
      throw new IllegalArgumentException("an IP address is 4 or 16 bytes, got "
          + (ip == null ? "null" : ip.length + " bytes"));
    }
    return ip;
  }

  static boolean isMapped(byte[] ip) {
    return ip.length == 16 && Arrays.equals(ip, 0, 12, MAPPED_PREFIX, 0, 12);
  }

  /**
   * {@code ip} with an IPv4-mapped IPv6 address turned into its 4 IPv4 bytes; other addresses as
   * they are (not copied).
   *
   * @throws IllegalArgumentException unless 4 or 16 bytes
   */
  public static byte[] unmap(byte[] ip) {
    checkLength(ip);
    return isMapped(ip) ? Arrays.copyOfRange(ip, 12, 16) : ip;
  }

  static byte[] mask(byte[] addr, int prefix) {
    byte[] out = addr.clone();
    for (int bit = prefix; bit < out.length * 8; bit++) {
      out[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
    }
    return out;
  }

  private static boolean hostBitsZero(byte[] addr, int prefix) {
    return Arrays.equals(addr, mask(addr, prefix));
  }

  static String format(byte[] addr) {
    return addr.length == 4 ? IpText.formatIp4(addr) : IpText.formatIp6(addr);
  }

  /**
   * Whether the address (4 or 16 bytes, IPv4-mapped IPv6 read as IPv4) is in this network.
   *
   * @throws IllegalArgumentException unless 4 or 16 bytes
   */
  public boolean contains(byte[] ip) {
    byte[] a = unmap(ip);
    if (a.length != network.length) {
      return false;
    }
    int full = prefixLength >>> 3;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = prefixLength & 7;
    if (rest == 0) {
      return true;
    }
    int m = (0xFF00 >>> rest) & 0xFF;
    return (a[full] & m) == (network[full] & m);
  }

  /** Same as {@link #contains(byte[])} on the address's bytes; no lookup is made. */
  public boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }

  /** Whether this is an IPv4 network (a mapped one included). */
  public boolean isIpv4() {
    return network.length == 4;
  }

  /** The number of leading bits that are the network. */
  public int prefixLength() {
    return prefixLength;
  }

  /** The network address (a copy): 4 or 16 bytes. */
  public byte[] network() {
    return network.clone();
  }

  /** The canonical text, always with its prefix: {@code 10.0.0.0/8}, {@code 2001:db8::/32}. */
  @Override
  public String toString() {
    return format(network) + "/" + prefixLength;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr that && prefixLength == that.prefixLength
        && Arrays.equals(network, that.network);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(network) + prefixLength;
  }
}
