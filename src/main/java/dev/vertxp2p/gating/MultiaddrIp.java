package dev.vertxp2p.gating;

import java.util.Arrays;
import java.util.Objects;

/**
 * The leading network component of a multiaddr's text: an IP address, a DNS name, or neither.
 * Read from the text so that this package needs nothing of the multiaddr codec (which depends on
 * this package); the text is expected canonical, as {@code Multiaddr.toString()} gives it.
 *
 * @param kind what the leading component is
 * @param ip the address (4 or 16 bytes) for {@link Kind#IP}, else null; equality compares its
 *     content
 * @param name the DNS name for {@link Kind#DNS}, else null
 */
public record MultiaddrIp(Kind kind, byte[] ip, String name) {

  /** What the leading component is. */
  public enum Kind {
    /** {@code /ip4/..} or {@code /ip6/..} (an {@code /ip6zone/..} before it skipped). */
    IP,
    /** {@code /dns/..}, {@code /dns4/..}, {@code /dns6/..} or {@code /dnsaddr/..}. */
    DNS,
    /** Anything else: {@code /p2p/..}, {@code /unix/..}, empty. */
    NONE
  }

  /**
   * The leading component of {@code multiaddr}.
   *
   * @throws IllegalArgumentException when an ip4/ip6 value is not an address literal
   */
  public static MultiaddrIp of(String multiaddr) {
    String[] parts = multiaddr.split("/", 6);
    // parts[0] is the empty text before the leading '/'.
    int i = 1;
    if (parts.length > 3 && parts[1].equals("ip6zone")) {
      i = 3;
    }
    if (parts.length <= i + 1 || !parts[0].isEmpty()) {
      return new MultiaddrIp(Kind.NONE, null, null);
    }
    String value = parts[i + 1];
    return switch (parts[i]) {
      case "ip4" -> new MultiaddrIp(Kind.IP, IpText.parseIp4(value), null);
      case "ip6" -> new MultiaddrIp(Kind.IP, IpText.parseIp6(value), null);
      case "dns", "dns4", "dns6", "dnsaddr" -> new MultiaddrIp(Kind.DNS, null, value);
      default -> new MultiaddrIp(Kind.NONE, null, null);
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MultiaddrIp that && kind == that.kind && Arrays.equals(ip, that.ip)
        && Objects.equals(name, that.name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, Arrays.hashCode(ip), name);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case IP -> "IP " + Cidr.format(ip);
      case DNS -> "DNS " + name;
      case NONE -> "NONE";
    };
  }
}
