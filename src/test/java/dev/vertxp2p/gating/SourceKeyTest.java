package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SourceKeyTest {

  @Test
  void ipv4CountsPerAddress() {
    SourceKey a = SourceKey.of(IpText.parseIp4("10.0.0.5"));
    assertEquals("10.0.0.5", a.toString());
    assertTrue(a.isIpv4());
    assertNotEquals(a, SourceKey.of(IpText.parseIp4("10.0.0.6")));
    assertEquals(a, SourceKey.of(IpText.parseIp6("::ffff:10.0.0.5")));
    assertEquals(Cidr.parse("10.0.0.5/32"), a.toCidr());
  }

  @Test
  void ipv6CountsPerSlash56() {
    SourceKey a = SourceKey.of(IpText.parseIp6("2001:db8:1:ab12::1"));
    SourceKey sameSite = SourceKey.of(IpText.parseIp6("2001:db8:1:abff:ffff:ffff:ffff:ffff"));
    SourceKey next = SourceKey.of(IpText.parseIp6("2001:db8:1:ac00::1"));
    assertEquals(a, sameSite);
    assertEquals(a.hashCode(), sameSite.hashCode());
    assertNotEquals(a, next);
    assertEquals("2001:db8:1:ab00::/56", a.toString());
    assertEquals(Cidr.parse("2001:db8:1:ab00::/56"), a.toCidr());
  }

  @Test
  void refusesBadLengths() {
    assertThrows(IllegalArgumentException.class, () -> SourceKey.of(new byte[7]));
  }
}
