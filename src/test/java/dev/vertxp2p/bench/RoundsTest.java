package dev.vertxp2p.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.proto.noise.NoiseAeads;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RoundsTest {
  private static Map<String, Metric> round(Object... nameValue) {
    Map<String, Metric> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      String name = (String) nameValue[i];
      m.put(name, new Metric(name, ((Number) nameValue[i + 1]).doubleValue(), "Gbit/s", "d"));
    }
    return m;
  }

  private static Map<String, Metric> byName(List<Metric> ms) {
    return ms.stream().collect(Collectors.toMap(Metric::name, m -> m));
  }

  @Test
  void ratiosAreTakenWithinEachRoundThenTheMedian() {
    // Ratio of the medians would be 4 / 12 = 0.333; the per-round ratios are 0.2, 0.1, 0.5.
    Map<String, Metric> out = byName(Rounds.combine(List.of(
        round("perf.java-java.total", 2, "tcp.raw", 10),
        round("perf.java-java.total", 4, "tcp.raw", 40),
        round("perf.java-java.total", 6, "tcp.raw", 12))));
    assertEquals(4, out.get("perf.java-java.total").value());
    assertEquals(12, out.get("tcp.raw").value());
    assertEquals(0.2, out.get("ratio.perf-tcp").value(), 1e-12);
    assertTrue(out.get("tcp.raw").detail().contains("median of 3 rounds: 10.0 / 40.0 / 12.0"),
        out.get("tcp.raw").detail());
    // no round has both sides of the others
    assertFalse(out.containsKey("ratio.agg"));
    assertFalse(out.containsKey("ratio.perf-jsjs"));
    assertFalse(out.containsKey("perf.bound"));
  }

  @Test
  void aeadLimitIsTheSlowerSideOfTheAeadInUse() {
    int java = NoiseAeads.Kind.JAVA.ordinal();
    Map<String, Metric> out = byName(Rounds.combine(List.of(
        round("aead.default", java, "aead.java.encrypt", 5, "aead.java.decrypt", 4,
            "aead.jdk.encrypt", 1, "aead.jdk.decrypt", 1, "perf.java-java.total", 3),
        round("aead.default", java, "aead.java.encrypt", 3, "aead.java.decrypt", 6,
            "aead.jdk.encrypt", 1, "aead.jdk.decrypt", 1, "perf.java-java.total", 2.7))));
    // rounds: 3 / 4 = 0.75 and 2.7 / 3 = 0.9; two rounds: the mean of the middle two
    assertEquals(0.825, out.get("ratio.perf-aead").value(), 1e-12);
  }

  @Test
  void providerLimitIsTheFasterOfTheJdksAndBouncyCastlesSlowerSide() {
    int java = NoiseAeads.Kind.JAVA.ordinal();
    // JDK: encrypt 2, decrypt 1.5 -> 1.5; BouncyCastle: encrypt 3, decrypt 2.5 -> 2.5 wins
    Map<String, Double> f = Map.of("aead.default", (double) java, "aead.java.encrypt", 6.0,
        "aead.java.decrypt", 6.0, "aead.jdk.encrypt", 2.0, "aead.jdk.decrypt", 1.5,
        "aead.bc.encrypt", 3.0, "aead.bc.decrypt", 2.5, "perf.java-java.total", 5.0);
    assertEquals(2.5, Rounds.providerLimit(f), 1e-12);
    assertEquals(2.0, Rounds.derive("ratio.perf-aead.provider", f), 1e-12);
    // our own cipher does not count here, only what the JDK or BouncyCastle gives
    assertEquals(5.0 / 6.0, Rounds.derive("ratio.perf-aead", f), 1e-12);
    // one provider missing: the other alone; both missing: unknown
    assertEquals(1.5, Rounds.providerLimit(Map.of("aead.jdk.encrypt", 2.0,
        "aead.jdk.decrypt", 1.5)), 1e-12);
    assertTrue(Double.isNaN(Rounds.providerLimit(Map.of("aead.java.encrypt", 6.0))));
  }

  @Test
  void perfsBoundIsEveryCoreBusyWithOnlyTheAeadAndTheSocketToPayFor() {
    int java = NoiseAeads.Kind.JAVA.ordinal();
    // encrypt 8 Gbit/s = 1 ns/B, decrypt 4 Gbit/s = 2 ns/B, the socket 1 ns/B: 4 ns per byte on
    // 2 cores is 0.5 B/ns = 4 Gbit/s
    Map<String, Metric> out = byName(Rounds.combine(List.of(
        round("cpus", 2, "aead.default", java, "aead.java.encrypt", 8, "aead.java.decrypt", 4,
            "aead.jdk.encrypt", 1, "aead.jdk.decrypt", 1, "tcp.raw", 16, "tcp.raw.cpu", 1,
            "perf.java-java.total", 3, "perf.java-java.cpu", 5))));
    assertEquals(3, out.get("perf.aead-cost").value(), 1e-12);
    assertEquals("ns/B", out.get("perf.aead-cost").unit());
    assertEquals(4, out.get("perf.bound").value(), 1e-12);
    assertEquals("Gbit/s", out.get("perf.bound").unit());
    assertEquals(1, out.get("perf.rest").value(), 1e-12);
    assertEquals(0.75, out.get("ratio.perf-bound").value(), 1e-12);
    assertEquals(0.25, out.get("ratio.perf-tcp.bound").value(), 1e-12);
    assertEquals(1, out.get("ratio.perf-aead.bound").value(), 1e-12);
    assertEquals(0.25, Rounds.derive("ratio.perf-tcp.bound", Map.of("cpus", 2.0,
        "aead.default", (double) java, "aead.java.encrypt", 8.0, "aead.java.decrypt", 4.0,
        "tcp.raw", 16.0, "tcp.raw.cpu", 1.0)), 1e-12);
    assertTrue(Double.isNaN(Rounds.derive("no.such.figure", Map.of())));
  }

  @Test
  void aRoundMissingOneSideIsLeftOutOfThatRatio() {
    Map<String, Metric> out = byName(Rounds.combine(List.of(
        round("agg.1x1", 4, "agg.3x8", 6),
        round("agg.1x1", 4),
        round("agg.1x1", 5, "agg.3x8", 5))));
    assertEquals(1.25, out.get("ratio.agg").value(), 1e-12);
    assertTrue(out.get("ratio.agg").detail().contains("median of 2 rounds"),
        out.get("ratio.agg").detail());
    assertEquals(5.5, out.get("agg.3x8").value(), 1e-12);
  }

  @Test
  void medianOfNothingIsNaN() {
    assertTrue(Double.isNaN(Rounds.median(new double[0])));
    assertEquals(2, Rounds.median(new double[] {3, 1, 2}));
  }
}
