package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Random failures and successes: delays stay in [base, max], never shrink in a run, table bounded. */
class AddressBackoffProperties {
  private static final long S = 1_000_000_000L;

  record Op(boolean success, int addr, int afterMillis) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(Arbitraries.of(true, false, false, false),
            Arbitraries.integers().between(0, 7),
            Arbitraries.integers().between(0, 200_000))
        .as(Op::new).list().ofMaxSize(200);
  }

  @Property(tries = 300)
  void delaysAreBoundedAndGrowUntilASuccess(@ForAll("ops") List<Op> ops,
      @ForAll @IntRange(min = 1, max = 30) int baseSeconds,
      @ForAll @IntRange(min = 1, max = 20) int capFactor,
      @ForAll @IntRange(min = 1, max = 10) int maxEntries) {
    long base = baseSeconds * S;
    long max = base * capFactor;
    AddressBackoff b = new AddressBackoff(base, max, maxEntries);
    Map<String, Long> lastDelay = new HashMap<>();
    long now = 0;
    for (Op op : ops) {
      now += op.afterMillis() * 1_000_000L;
      String addr = "/ip4/10.0.0." + op.addr() + "/tcp/1";
      if (op.success()) {
        b.succeeded(addr);
        lastDelay.remove(addr);
        assertFalse(b.isBackedOff(addr, now));
        continue;
      }
      long until = b.failed(addr, now);
      long delay = until - now;
      assertTrue(delay >= base && delay <= max, "delay " + delay);
      assertTrue(b.isBackedOff(addr, now));
      assertTrue(b.isBackedOff(addr, until - 1));
      assertFalse(b.isBackedOff(addr, until));
      assertEquals(b.delayNanos(b.failures(addr)), delay);
      Long previous = lastDelay.put(addr, delay);
      // Failures in a row never shrink the delay, except back to the base: a fresh start after
      // a long quiet, or the address dropped from the full table.
      if (previous != null && delay < previous) {
        assertEquals(base, delay);
      }
      assertTrue(b.size() <= maxEntries);
    }
  }
}
