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

  /**
   * A figure derived from one round's figures: a target ratio, or a part of the bound on perf
   * (see {@link #perfBound}).
   */
  record Ratio(String name, String unit, String what,
      ToDoubleFunction<Map<String, Double>> of) {}

  /** The ratios the paired targets are read from (see {@link Report}), and perf's bound. */
  static final List<Ratio> RATIOS = List.of(
      new Ratio("ratio.perf-tcp", "", "Java↔Java perf / raw TCP",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN)
              / f.getOrDefault("tcp.raw", Double.NaN)),
      new Ratio("ratio.perf-jsjs", "", "Java↔Java perf / js↔js perf",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN)
              / f.getOrDefault("perf.js-js.total", Double.NaN)),
      new Ratio("ratio.perf-aead", "", "Java↔Java perf / AEAD limit",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN) / aeadLimit(f)),
      new Ratio("ratio.perf-aead.provider", "",
          "Java↔Java perf / the faster of the JDK's and BouncyCastle's AEAD on one core",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN) / providerLimit(f)),
      new Ratio("ratio.agg", "", "3 × 8 / 1 × 1",
          f -> f.getOrDefault("agg.3x8", Double.NaN) / f.getOrDefault("agg.1x1", Double.NaN)),
      new Ratio("perf.aead-cost", "ns/B",
          "CPU per byte the AEAD in use needs to encrypt it once and decrypt it once, at the speed"
              + " of its one-core rows",
          Rounds::aeadCost),
      new Ratio("perf.bound", "Gbit/s",
          "the most one perf stream could move on these cores: every core busy, each byte costing"
              + " only perf.aead-cost + tcp.raw.cpu",
          Rounds::perfBound),
      new Ratio("perf.rest", "ns/B",
          "perf.java-java.cpu - perf.aead-cost - tcp.raw.cpu: our framing, copies and"
              + " allocation, the JIT and GC, and the AEAD running slower than in its loop",
          f -> f.getOrDefault("perf.java-java.cpu", Double.NaN) - aeadCost(f)
              - f.getOrDefault("tcp.raw.cpu", Double.NaN)),
      new Ratio("ratio.perf-bound", "", "Java↔Java perf / perf.bound",
          f -> f.getOrDefault("perf.java-java.total", Double.NaN) / perfBound(f)),
      new Ratio("ratio.perf-tcp.bound", "", "perf.bound / raw TCP: perf / raw TCP at most",
          f -> perfBound(f) / f.getOrDefault("tcp.raw", Double.NaN)),
      new Ratio("ratio.perf-aead.bound", "", "perf.bound / AEAD limit: perf / AEAD at most",
          f -> perfBound(f) / aeadLimit(f)));

  /** The figure {@code name} of {@link #RATIOS} from one set of figures; NaN when unknown. */
  static double derive(String name, Map<String, Double> figures) {
    for (Ratio r : RATIOS) {
      if (r.name().equals(name)) {
        return r.of().applyAsDouble(figures);
      }
    }
    return Double.NaN;
  }

  /**
   * The bound on one perf stream, in Gbit/s: {@code cpus} cores (the figure {@code cpus}, else
   * this JVM's) busy all the time, and each byte costing no more than it must, its encryption
   * and decryption by the AEAD in use at its one-core speed and its trip through a Java socket at
   * raw TCP's CPU per byte. Perf's own framing and copies come on top of that.
   */
  static double perfBound(Map<String, Double> f) {
    double cpus = f.getOrDefault("cpus", (double) Runtime.getRuntime().availableProcessors());
    // Gbit/s = 8 / (ns per byte)
    return 8 * cpus / (aeadCost(f) + f.getOrDefault("tcp.raw.cpu", Double.NaN));
  }

  /** ns per byte to encrypt and decrypt it with the AEAD in use ({@link #aeadLimit}'s kind). */
  static double aeadCost(Map<String, Double> f) {
    String kind = aeadKind(f);
    if (kind == null) {
      return Double.NaN;
    }
    return 8 / f.getOrDefault("aead." + kind + ".encrypt", Double.NaN)
        + 8 / f.getOrDefault("aead." + kind + ".decrypt", Double.NaN);
  }

  /**
   * The AEAD limit: the slower of encrypt and decrypt of the AEAD Noise uses on this JDK ({@code
   * aead.default} names it); NaN when the figures are missing.
   */
  static double aeadLimit(Map<String, Double> figures) {
    String kind = aeadKind(figures);
    if (kind == null) {
      return Double.NaN;
    }
    return slowerSide(figures, kind);
  }

  /** The slower of encrypt and decrypt of the AEAD {@code kind} ({@code jdk}, ...), or NaN. */
  private static double slowerSide(Map<String, Double> f, String kind) {
    return Math.min(f.getOrDefault("aead." + kind + ".encrypt", Double.NaN),
        f.getOrDefault("aead." + kind + ".decrypt", Double.NaN));
  }

  /**
   * The AEAD limit of the ciphers a Java program gets without writing its own: the slower of
   * encrypt and decrypt of the JDK's ChaCha20-Poly1305, or of BouncyCastle's, whichever is
   * faster; NaN when both are missing.
   */
  static double providerLimit(Map<String, Double> f) {
    double best = Double.NaN;
    for (String kind : List.of("jdk", "bc")) {
      double limit = slowerSide(f, kind);
      if (!Double.isNaN(limit) && (Double.isNaN(best) || limit > best)) {
        best = limit;
      }
    }
    return best;
  }

  /** The AEAD Noise uses on this JDK as its figures name it ({@code jdk}, ...), or null. */
  private static String aeadKind(Map<String, Double> figures) {
    Double d = figures.get("aead.default");
    if (d == null || d.isNaN()) {
      return null;
    }
    return dev.vertxp2p.proto.noise.NoiseAeads.Kind.values()[d.intValue()].name()
        .toLowerCase(Locale.ROOT);
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
        out.add(new Metric(ratio.name(), median(values), ratio.unit(),
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
