package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The filter's decision against the rule as the contract states it, on random lists. */
class AddressFilterProperties {

  /** IPv4 CIDRs inside 10.0.0.0/16, so that random addresses hit them often. */
  @Provide
  Arbitrary<Cidr> cidrs() {
    return Combinators.combine(Arbitraries.integers().between(0, 255),
            Arbitraries.integers().between(0, 255), Arbitraries.integers().between(16, 32))
        .as((c, d, prefix) -> Cidr.of(Cidr.mask(new byte[] {10, 0, (byte) (int) c, (byte) (int) d},
            prefix), prefix));
  }

  @Provide
  Arbitrary<byte[]> addrs() {
    return Combinators.combine(Arbitraries.integers().between(0, 255),
            Arbitraries.integers().between(0, 255), Arbitraries.of(false, false, false, true))
        .as((c, d, mapped) -> mapped
            ? new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, 10, 0, (byte) (int) c,
                (byte) (int) d}
            : new byte[] {10, 0, (byte) (int) c, (byte) (int) d});
  }

  @Property
  void denyWinsAndANonEmptyAllowListIsExclusive(
      @ForAll("cidrLists") List<Cidr> allow, @ForAll("cidrLists") List<Cidr> deny,
      @ForAll("addrs") byte[] ip) {
    AddressFilter.Decision d = new AddressFilter(allow, deny).check(ip);
    Cidr firstDeny = deny.stream().filter(c -> c.contains(ip)).findFirst().orElse(null);
    if (firstDeny != null) {
      assertEquals(AddressFilter.Decision.denied("denyAddrs " + firstDeny), d);
    } else if (allow.isEmpty() || allow.stream().anyMatch(c -> c.contains(ip))) {
      assertEquals(AddressFilter.Decision.ALLOWED, d);
    } else {
      assertEquals(AddressFilter.Decision.denied(AddressFilter.NOT_ALLOWED_RULE), d);
    }
  }

  @Provide
  Arbitrary<List<Cidr>> cidrLists() {
    return cidrs().list().ofMaxSize(6);
  }
}
