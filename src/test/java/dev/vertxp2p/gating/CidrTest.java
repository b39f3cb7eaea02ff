package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

class CidrTest {

  private static byte[] ip(String literal) {
    return literal.indexOf(':') >= 0 ? IpText.parseIp6(literal) : IpText.parseIp4(literal);
  }

  private static void refused(String text, String... fragments) {
    CidrFormatException e = assertThrows(CidrFormatException.class, () -> Cidr.parse(text));
    assertTrue(e.getMessage().contains("'" + text + "'") || text.length() > Cidr.MAX_TEXT_LENGTH,
        e.getMessage());
    for (String f : fragments) {
      assertTrue(e.problem().contains(f), () -> "<" + e.problem() + "> lacks <" + f + ">");
    }
  }

  @Test
  void parsesIpv4AndIpv6WithAndWithoutPrefix() {
    Cidr c = Cidr.parse("10.0.0.0/8");
    assertTrue(c.isIpv4());
    assertEquals(8, c.prefixLength());
    assertEquals("10.0.0.0/8", c.toString());
    assertEquals("192.168.1.7/32", Cidr.parse("192.168.1.7").toString());
    assertEquals("2001:db8::/32", Cidr.parse("2001:0DB8::/32").toString());
    assertEquals("::1/128", Cidr.parse("::1").toString());
    assertEquals("::/0", Cidr.parse("::/0").toString());
    assertEquals("0.0.0.0/0", Cidr.parse("0.0.0.0/0").toString());
    assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.of(new byte[] {10, 0, 0, 0}, 8));
    assertEquals(Cidr.parse("10.0.0.0/8").hashCode(), Cidr.of(new byte[] {10, 0, 0, 0}, 8)
        .hashCode());
  }

  @Test
  void containsChecksExactlyThePrefixBits() {
    Cidr c = Cidr.parse("192.168.4.0/22");
    assertTrue(c.contains(ip("192.168.4.0")));
    assertTrue(c.contains(ip("192.168.7.255")));
    assertFalse(c.contains(ip("192.168.8.0")));
    assertFalse(c.contains(ip("192.168.3.255")));
    Cidr v6 = Cidr.parse("2001:db8:ab00::/40");
    assertTrue(v6.contains(ip("2001:db8:abff:ffff::1")));
    assertFalse(v6.contains(ip("2001:db8:ac00::1")));
    assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("255.255.255.255")));
    assertTrue(Cidr.parse("::/0").contains(ip("ffff::1")));
  }

  @Test
  void familiesStayApartButMappedIpv4IsIpv4() {
    assertFalse(Cidr.parse("::/0").contains(ip("1.2.3.4")));
    assertFalse(Cidr.parse("0.0.0.0/0").contains(ip("2001:db8::1")));
    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: IPv4 rules must catch it.
    assertTrue(Cidr.parse("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
    assertFalse(Cidr.parse("::/0").contains(ip("::ffff:10.1.2.3")));
    // A mapped CIDR with prefix >= 96 is the IPv4 one.
    assertEquals(Cidr.parse("10.0.0.0/8"), Cidr.parse("::ffff:10.0.0.0/104"));
    assertEquals(Cidr.parse("0.0.0.0/0"), Cidr.parse("::ffff:0:0/96"));
    assertTrue(Cidr.parse("::ffff:10.0.0.0/104").isIpv4());
    assertEquals(Cidr.parse("1.2.3.4/32"), Cidr.of(ip("::ffff:1.2.3.4"), 128));
  }

  @Test
  void containsInetAddressWithoutLookup() throws UnknownHostException {
    // getByAddress never resolves: it is the form a socket gives.
    InetAddress a = InetAddress.getByAddress(new byte[] {127, 0, 0, 5});
    assertTrue(Cidr.parse("127.0.0.0/8").contains(a));
    assertFalse(Cidr.parse("::1/128").contains(a));
  }

  @Test
  void hostBitsSetAreRefusedWithTheNetworkNamed() {
    refused("10.0.0.1/8", "host bits set", "10.0.0.0/8", "/32");
    refused("2001:db8::1/64", "host bits set", "2001:db8::/64", "/128");
    assertThrows(CidrFormatException.class, () -> Cidr.of(new byte[] {10, 0, 0, 1}, 8));
  }

  @Test
  void badTextIsRefusedNamingTheProblem() {
    refused("10.0.0.0/33", "prefix 33 is above 32 for IPv4");
    refused("::/129", "prefix 129 is above 128 for IPv6");
    refused("10.0.0.0/", "prefix ''");
    refused("10.0.0.0/08", "leading zeros");
    refused("10.0.0.0/-1", "prefix '-1'");
    refused("10.0.0.0/8/8", "prefix '8/8'");
    refused("/8", "no address");
    refused("localhost", "host names are not resolved");
    refused("example.com/24", "host names are not resolved");
    refused("10.0.0", "dotted-quad");
    refused("10.0.0.256", "above 255");
    refused("010.0.0.0/8", "dotted-quad");
    refused("fe80::1%eth0/64", "zone");
    refused("1::2::3", "more than one '::'");
    refused("[::1]/128", "invalid group");
    refused("");
    refused("1".repeat(100), "longer than 64");
    assertThrows(CidrFormatException.class, () -> Cidr.parse(null));
    assertThrows(CidrFormatException.class, () -> Cidr.of(new byte[4], 33));
    assertThrows(IllegalArgumentException.class, () -> Cidr.of(new byte[5], 8));
    assertFalse(Cidr.isValid("10.0.0.1/8"));
    assertTrue(Cidr.isValid("10.0.0.0/8"));
  }

  @Test
  void containsRefusesBadLengths() {
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::/0").contains(new byte[8]));
    assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::/0").contains((byte[]) null));
  }

  @Test
  void networkIsACopy() {
    Cidr c = Cidr.parse("10.0.0.0/8");
    c.network()[0] = 11;
    assertArrayEquals(new byte[] {10, 0, 0, 0}, c.network());
  }
}
