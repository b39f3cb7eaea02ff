package dev.vertxp2p.gating;

import java.util.Arrays;

/**
 * The unit per-IP limits count by: an IPv4 address as it is, an IPv6 address by its /56 prefix.
 *
 * <p>Why /56: one IPv6 subscriber is commonly given a /56 (or a /48, or a /64) and can pick any
 * address in it, so counting per address would give one host billions of budgets; /56 is the
 * common end-site assignment (RFC 6177), the same grain go-libp2p's resource manager counts IPv6
 * connections by. An IPv4-mapped IPv6 address is IPv4 ({@link Cidr#unmap}).
 */
public final class SourceKey {
  /** The prefix IPv6 sources are counted by. */
  public static final int IPV6_PREFIX = 56;

  private final byte[] bytes;
  private final int hash;

  private SourceKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /**
   * The key of a source address (4 or 16 bytes).
   *
   * @throws IllegalArgumentException unless 4 or 16 bytes
   */
  public static SourceKey of(byte[] ip) {
    byte[] a = Cidr.unmap(ip);
    return new SourceKey(a.length == 4 ? a.clone() : Cidr.mask(a, IPV6_PREFIX));
  }

  /** Whether this is an IPv4 address (else an IPv6 /56). */
  public boolean isIpv4() {
    return bytes.length == 4;
  }

  /** The key as a network: {@code 10.0.0.5/32} or {@code 2001:db8:0:ab00::/56}. */
  public Cidr toCidr() {
    return Cidr.of(bytes, isIpv4() ? 32 : IPV6_PREFIX);
  }

  /** {@code 10.0.0.5} for IPv4, {@code 2001:db8:0:ab00::/56} for IPv6: what messages show. */
  @Override
  public String toString() {
    return isIpv4() ? Cidr.format(bytes) : Cidr.format(bytes) + "/" + IPV6_PREFIX;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SourceKey that && Arrays.equals(bytes, that.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }
}
