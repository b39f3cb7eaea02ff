package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vertxp2p.gating.AddressFilter.Decision;
import dev.vertxp2p.gating.AddressFilter.Verdict;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AddressFilterTest {

  private static byte[] v4(String s) {
    return IpText.parseIp4(s);
  }

  @Test
  void emptyListsAllowEverything() {
    assertEquals(Decision.ALLOWED, AddressFilter.ALLOW_ALL.check(v4("8.8.8.8")));
    assertEquals(Decision.ALLOWED, AddressFilter.ALLOW_ALL.check(IpText.parseIp6("::1")));
  }

  @Test
  void denyNamesTheRuleThatMatched() {
    AddressFilter f = AddressFilter.parse(List.of(), List.of("192.168.0.0/16", "10.0.0.0/8"));
    Decision d = f.check(v4("10.1.2.3"));
    assertEquals(Verdict.DENIED, d.verdict());
    assertEquals("denyAddrs 10.0.0.0/8", d.rule());
    assertEquals(Decision.ALLOWED, f.check(v4("11.0.0.1")));
    // An IPv4 peer on a dual-stack socket is still denied.
    assertEquals("denyAddrs 10.0.0.0/8", f.check(IpText.parseIp6("::ffff:10.0.0.1")).rule());
  }

  @Test
  void denyWinsOverAllow() {
    AddressFilter f = AddressFilter.parse(List.of("10.0.0.0/8"), List.of("10.9.0.0/16"));
    assertEquals(Decision.ALLOWED, f.check(v4("10.1.0.1")));
    assertEquals("denyAddrs 10.9.0.0/16", f.check(v4("10.9.0.1")).rule());
  }

  @Test
  void nonEmptyAllowListAdmitsOnlyItsAddresses() {
    AddressFilter f = AddressFilter.parse(List.of("2001:db8::/32"), List.of());
    assertEquals(Decision.ALLOWED, f.check(IpText.parseIp6("2001:db8::7")));
    Decision d = f.check(v4("1.1.1.1"));
    assertEquals(AddressFilter.NOT_ALLOWED_RULE, d.rule());
    assertEquals(new JsonObject().put("scope", "gating").put("rule", "allowAddrs (not in any)"),
        d.toRefusal("/ip4/1.1.1.1/tcp/1").toJson());
    assertEquals("refused by gating rule allowAddrs (not in any) for /ip4/1.1.1.1/tcp/1",
        d.toRefusal("/ip4/1.1.1.1/tcp/1").message());
    assertThrows(IllegalStateException.class, () -> Decision.ALLOWED.toRefusal("x"));
  }

  @Test
  void multiaddrsAreCheckedOnTheirLeadingIp() {
    AddressFilter deny = AddressFilter.parse(List.of(), List.of("10.0.0.0/8", "fe80::/10"));
    assertEquals("denyAddrs 10.0.0.0/8",
        deny.checkMultiaddr("/ip4/10.0.0.7/tcp/4001/p2p/12D3KooWabc").rule());
    assertEquals(Decision.ALLOWED, deny.checkMultiaddr("/ip4/11.0.0.7/tcp/4001"));
    assertEquals("denyAddrs fe80::/10", deny.checkMultiaddr("/ip6zone/eth0/ip6/fe80::1/tcp/1")
        .rule());
    // Names are never resolved here: the dialer resolves, then checks each address.
    assertEquals(Verdict.UNRESOLVED, deny.checkMultiaddr("/dns4/example.com/tcp/1").verdict());
    assertEquals(Verdict.UNRESOLVED, deny.checkMultiaddr("/dnsaddr/bootstrap.libp2p.io")
        .verdict());
    // No IP and no name: no CIDR holds it.
    assertEquals(Decision.ALLOWED, deny.checkMultiaddr("/p2p/12D3KooWabc"));
    AddressFilter allow = AddressFilter.parse(List.of("10.0.0.0/8"), List.of());
    assertEquals(AddressFilter.NOT_ALLOWED_RULE, allow.checkMultiaddr("/p2p/12D3KooWabc").rule());
    assertEquals(Verdict.UNRESOLVED, allow.checkMultiaddr("/dns/example.com/tcp/1").verdict());
    assertThrows(IllegalArgumentException.class, () -> allow.checkMultiaddr("/ip4/10.0.0/tcp/1"));
  }

  @Test
  void multiaddrIpReadsTheLeadingComponent() {
    MultiaddrIp m = MultiaddrIp.of("/ip6/2001:db8::1/udp/1/quic-v1");
    assertEquals(MultiaddrIp.Kind.IP, m.kind());
    assertArrayEquals(IpText.parseIp6("2001:db8::1"), m.ip());
    assertEquals("example.com", MultiaddrIp.of("/dns6/example.com/tcp/1").name());
    assertEquals(MultiaddrIp.Kind.NONE, MultiaddrIp.of("").kind());
    assertEquals(MultiaddrIp.Kind.NONE, MultiaddrIp.of("ip4/1.2.3.4").kind());
    assertNull(MultiaddrIp.of("/unix/tmp/sock").ip());
    // Equal by content, as a value should be.
    assertEquals(MultiaddrIp.of("/ip4/1.2.3.4/tcp/1"), MultiaddrIp.of("/ip4/1.2.3.4/udp/9"));
    assertEquals(MultiaddrIp.of("/ip4/1.2.3.4/tcp/1").hashCode(),
        MultiaddrIp.of("/ip4/1.2.3.4/udp/9").hashCode());
    assertEquals("IP 1.2.3.4", MultiaddrIp.of("/ip4/1.2.3.4").toString());
  }

  @Test
  void listsAreBounded() {
    List<Cidr> many = new ArrayList<>();
    for (int i = 0; i <= AddressFilter.MAX_RULES; i++) {
      many.add(Cidr.of(new byte[] {10, (byte) (i >> 8), (byte) i, 0}, 24));
    }
    assertThrows(IllegalArgumentException.class, () -> new AddressFilter(many, List.of()));
    assertThrows(IllegalArgumentException.class, () -> new AddressFilter(List.of(), many));
    assertThrows(CidrFormatException.class,
        () -> AddressFilter.parse(List.of("10.0.0.1/8"), List.of()));
  }
}
