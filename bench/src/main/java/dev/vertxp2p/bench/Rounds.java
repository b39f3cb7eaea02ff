package dev.vertxp2p.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Folds the throughput figures of several back-to-back rounds into one figure each, and computes
 * the target ratios <em>within</em> each round before taking their median.
 *
 * <p>This machine's speed drifts by up to 1.7× over minutes. A ratio of two figures measured
 * minutes apart (once each) reads that drift as much as the code; the two figures of one round
 * are measured seconds apart, and the median over rounds drops a round that a phase change cut
 * through.
 */
final class Rounds {
  private Rounds() {}

  /** A target ratio: a name for the results file and how one round's figures give it. */
  record Ratio(String name, String what, ToDoubleFunction<Map<String, Double>> of) {}

  /** The ratios the paired targets are read from (see {@link Report}). */
  static final List<Ratio> RATIOS = List.of(
      new Ratio("ratio.perf-tcp", "Java↔Java perf / raw TCP",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN)
              / f.getOrDefault("tcp.raw", Double.NaN)),
      new Ratio("ratio.perf-jsjs", "Java↔Java perf / js↔js perf",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN)
              / f.getOrDefault("perf.js-js.total", Double.NaN)),
      new Ratio("ratio.perf-aead", "Java↔Java perf / AEAD limit",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN) / aeadLimit(f)),
      new Ratio("ratio.agg", "3 × 8 / 1 × 1",
          f -> f.getOrDefault("agg.3x8", Double.NaN) / f.getOrDefault("agg.1x1", Double.NaN)));

  /**
   * The AEAD limit: the slower of encrypt and decrypt of the AEAD Noise uses on this JDK ({@code
   * aead.default} names it); NaN when the figures are missing.
   */
  static double aeadLimit(Map<String, Double> figures) {
    Double d = figures.get("aead.default");
    if (d == null || d.isNaN()) {
      return Double.NaN;
    }
    String kind = dev.vertxp2p.proto.noise.NoiseAeads.Kind.values()[d.intValue()].name()
        .toLowerCase(Locale.ROOT);
    return Math.min(figures.getOrDefault("aead." + kind + ".encrypt", Double.NaN),
        figures.getOrDefault("aead." + kind + ".decrypt", Double.NaN));
  }

  /**
   * One figure per name, the median of the rounds that have it, its detail listing every round;
   * then each {@link #RATIOS ratio} that some round has both sides of, the median of the
   * per-round ratios.
   */
  static List<Metric> combine(List<Map<String, Metric>> rounds) {
    Map<String, List<Metric>> byName = new LinkedHashMap<>();
    for (Map<String, Metric> round : rounds) {
      for (Metric m : round.values()) {
        byName.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m);
      }
    }
    List<Metric> out = new ArrayList<>();
    for (List<Metric> ms : byName.values()) {
      Metric first = ms.get(0);
      double[] values = ms.stream().mapToDouble(Metric::value).toArray();
      out.add(new Metric(first.name(), median(values), first.unit(),
          withRounds(first.detail(), values)));
    }
    for (Ratio ratio : RATIOS) {
      double[] values = rounds.stream()
          .map(r -> r.values().stream().collect(Collectors.toMap(Metric::name, Metric::value)))
          .mapToDouble(ratio.of())
          .filter(v -> !Double.isNaN(v) && !Double.isInfinite(v))
          .toArray();
      if (values.length > 0) {
        out.add(new Metric(ratio.name(), median(values), "",
            withRounds(ratio.what() + ", within each round", values)));
      }
    }
    return out;
  }

  private static String withRounds(String detail, double[] values) {
    if (values.length < 2) {
      return detail;
    }
    return detail + (detail.isEmpty() ? "" : "; ") + "median of " + values.length + " rounds: "
        + Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, "%.3g", v))
            .collect(Collectors.joining(" / "));
  }

  /** The median; the mean of the middle two for an even count; NaN for none. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }
}
