package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** CIDR matching against an independent model: the first n bits as a big integer. */
class CidrProperties {

  @Provide
  Arbitrary<byte[]> addresses() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofSize(4),
        Arbitraries.bytes().array(byte[].class).ofSize(16));
  }

  private static BigInteger top(byte[] a, int bits) {
    return new BigInteger(1, a).shiftRight(a.length * 8 - bits);
  }

  @Property
  void containsIsPrefixEquality(@ForAll("addresses") byte[] net, @ForAll("addresses") byte[] probe,
      @ForAll @IntRange(min = 0, max = 128) int rawPrefix, @ForAll boolean sharePrefix) {
    int prefix = rawPrefix % (net.length * 8 + 1);
    if (Cidr.isMapped(net) || Cidr.isMapped(probe)) {
      return; // Mapped addresses are IPv4, checked by CidrTest.
    }
    byte[] masked = Cidr.mask(net, prefix);
    if (sharePrefix && probe.length == net.length) {
      // Make half the probes share the prefix, or nearly all would miss.
      for (int bit = 0; bit < prefix; bit++) {
        int m = 0x80 >>> (bit & 7);
        probe[bit >>> 3] = (byte) ((probe[bit >>> 3] & ~m) | (net[bit >>> 3] & m));
      }
    }
    Cidr c = Cidr.of(masked, prefix);
    boolean expected = probe.length == net.length
        && top(probe, prefix).equals(top(masked, prefix));
    assertEquals(expected, c.contains(probe));
  }

  @Property
  void textRoundTrips(@ForAll("addresses") byte[] net,
      @ForAll @IntRange(min = 0, max = 128) int rawPrefix) {
    int prefix = rawPrefix % (net.length * 8 + 1);
    Cidr c = Cidr.of(Cidr.mask(net, prefix), prefix);
    assertEquals(c, Cidr.parse(c.toString()));
    assertEquals(c.toString(), Cidr.parse(c.toString()).toString());
  }
}
