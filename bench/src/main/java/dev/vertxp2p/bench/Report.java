package dev.vertxp2p.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Turns the results of one {@code bench/run.sh} run into a Markdown report: every figure per JDK,
 * the targets as ratios to the baselines of the same run, and the JMH scores.
 *
 * <p>{@code Report <title> <label>=<results.jsonl>[,<jmh.json>] ...}
 */
public final class Report {
  private Report() {}

  /** One JDK's figures. */
  record Run(String label, Map<String, Metric> metrics, JsonArray jmh) {
    double get(String name) {
      Metric m = metrics.get(name);
      return m == null ? Double.NaN : m.value();
    }
  }

  public static void main(String[] args) throws IOException {
    List<Run> runs = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      String[] files = kv[1].split(",");
      Map<String, Metric> metrics = new LinkedHashMap<>();
      for (String line : Files.readAllLines(Path.of(files[0]), StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonObject o = new JsonObject(line);
        Double v = o.getDouble("value");
        metrics.put(o.getString("name"), new Metric(o.getString("name"),
            v == null ? Double.NaN : v, o.getString("unit"), o.getString("detail", "")));
      }
      JsonArray jmh = new JsonArray();
      if (files.length > 1 && Files.isRegularFile(Path.of(files[1]))) {
        jmh = new JsonArray(Files.readString(Path.of(files[1]), StandardCharsets.UTF_8));
      }
      runs.add(new Run(kv[0], metrics, jmh));
    }
    System.out.print(render(args.length > 0 ? args[0] : "Benchmark", runs));
  }

  static String render(String title, List<Run> runs) {
    StringBuilder sb = new StringBuilder();
    sb.append("## ").append(title).append("\n\n");
    for (Run r : runs) {
      Metric jvm = r.metrics().get("jvm");
      sb.append("- **").append(r.label()).append("**: ")
          .append(jvm == null ? "?" : jvm.detail()).append('\n');
    }
    sb.append('\n');

    // js-only and Go-only figures do not depend on the JDK: take them from whichever run has them.
    Map<String, Double> common = new LinkedHashMap<>();
    for (Run r : runs) {
      for (Metric m : r.metrics().values()) {
        if (m.name().contains("js-js") || m.name().contains("go-go")) {
          common.putIfAbsent(m.name(), m.value());
        }
      }
    }

    sb.append("### Targets (ratios within the same run)\n\n");
    sb.append("The first four are the median of ratios taken within each round (`ratio.*` below);"
        + " each round measures both sides of every ratio back to back.\n\n");
    header(sb, runs, "| target | goal |", "", "|---|---|" + "---|".repeat(runs.size()));
    target(sb, runs, "Java↔Java perf / raw TCP loopback", "≥ 0.50 (JDK 21+)", 0.5,
        r -> derivedValue(r, "ratio.perf-tcp"));
    target(sb, runs, "Java↔Java perf / js↔js perf", "≥ 4 (JDK 21+)", 4,
        r -> paired(r, "ratio.perf-jsjs",
            r.get("perf.java-java.total") / anyRun(common, r, "perf.js-js.total")));
    target(sb, runs, "Java↔Java perf / AEAD limit (slower of encrypt, decrypt of the AEAD in use)",
        "≥ 0.80 (JDK 17)", 0.8,
        r -> derivedValue(r, "ratio.perf-aead"));
    target(sb, runs, "3 conns × 8 streams / 1 × 1", "≥ 1.5", 1.5,
        r -> derivedValue(r, "ratio.agg"));
    target(sb, runs, "connection establishments per second, one JVM", "≥ 1000", 1000,
        r -> r.get("conn.java-java"));
    target(sb, runs, "heap per idle connection (KiB, worst of both ends, fresh or used)", "≤ 16",
        -16, r -> Math.max(Math.max(r.get("heap.outbound"), r.get("heap.inbound")),
            Math.max(r.get("heap.used.outbound"), r.get("heap.used.inbound"))));
    target(sb, runs, "ping p50 Java↔Java / js↔js", "≤ 1", -1,
        r -> r.get("ping.java-java.p50") / anyRun(common, r, "ping.js-js.p50"));
    target(sb, runs, "streams/s Java↔Java / js↔js, 1 connection", "≥ 5 (JDK 25)", 5,
        r -> r.get("streams.java-java.1conn") / anyRun(common, r, "streams.js-js.1conn"));
    target(sb, runs, "shaped links: 3 conns × 8 streams / 1 × 8", "≥ 2.7", 2.7,
        r -> r.get("shaped.ratio"));
    target(sb, runs, "stall: p99 with hedging / (hedgeDelay + 3 × RTT)", "≤ 1", -1,
        r -> r.get("stall.on.p99") / r.get("stall.on.bound"));
    target(sb, runs, "scale: heap per connection with all open (KiB)", "≤ 16", -16,
        r -> ScaleScenario.atLastPoint(r.metrics(), "scale.heap."));
    target(sb, runs, "scale: establishments per second, slowest tenth", "≥ 1000", 1000,
        r -> r.get("scale.rate.min"));
    target(sb, runs, "scale: ping p99 over a sample, all open (ms)", "≤ 5", -5,
        r -> r.get("scale.ping.p99"));
    row(sb, runs, "| scale: heap per connection, last point / first − 1 (%) | within ±10 |",
        r -> r.get("scale.linear.heap"), v -> Math.abs(v) <= 10);
    row(sb, runs, "| scale: CPU per establishment, last step / first − 1 (%) | within ±10 |",
        r -> r.get("scale.linear.cpu"), v -> Math.abs(v) <= 10);
    sb.append('\n');

    sb.append("### Other reference points (same run, no target)\n\n");
    header(sb, runs, "| ratio |", "", "|---|" + "---|".repeat(runs.size()));
    ratio(sb, runs, "Java↔Java perf / Go↔Go (hashicorp/yamux + flynn/noise)",
        r -> r.get("perf.java-java.total") / anyRun(common, r, "perf.go-go.total"));
    ratio(sb, runs, "Java↔Go perf / Go↔Go",
        r -> r.get("perf.java-go.total") / anyRun(common, r, "perf.go-go.total"));
    ratio(sb, runs, "streams/s Java↔Java, 3 connections / 1",
        r -> r.get("streams.java-java.3conn") / r.get("streams.java-java.1conn"));
    ratio(sb, runs, "stall: p99 without hedging / with",
        r -> r.get("stall.off.p99") / r.get("stall.on.p99"));
    ratio(sb, runs, "stall: p99 js↔js (one connection) / Java↔Java with hedging",
        r -> anyRun(common, r, "stall.js-js.p99") / r.get("stall.on.p99"));
    ratio(sb, runs, "3 × 8 / 1 × 1 at most on these cores (cpus / cores 1 × 1 kept busy)",
        r -> r.get("agg.1x1.cores") > 0 ? r.get("cpus") / r.get("agg.1x1.cores") : Double.NaN);
    derived(sb, runs, "ratio.perf-tcp.bound",
        "Java↔Java perf / raw TCP at most on these cores (perf.bound / raw TCP)");
    derived(sb, runs, "ratio.perf-aead.bound",
        "Java↔Java perf / AEAD limit at most on these cores (perf.bound / AEAD limit)");
    derived(sb, runs, "ratio.perf-bound", "Java↔Java perf / perf.bound");
    derived(sb, runs, "ratio.perf-aead.provider",
        "Java↔Java perf / AEAD limit of the JDK's or BouncyCastle's cipher, the faster");
    sb.append('\n');

    sb.append("### Figures\n\n");
    header(sb, runs, "| figure | unit |", " how |",
        "|---|---|" + "---:|".repeat(runs.size()) + "---|");
    Map<String, Metric> names = new LinkedHashMap<>();
    for (Run r : runs) {
      for (Metric m : r.metrics().values()) {
        if (!m.name().equals("jvm")) {
          names.putIfAbsent(m.name(), m);
        }
      }
    }
    for (Metric m : names.values()) {
      sb.append("| ").append(m.name()).append(" | ").append(m.unit()).append(" |");
      for (Run r : runs) {
        sb.append(' ').append(fmt(r.get(m.name()))).append(" |");
      }
      sb.append(' ').append(m.detail().replace("|", "/")).append(" |\n");
    }
    sb.append('\n');

    boolean anyJmh = runs.stream().anyMatch(r -> !r.jmh().isEmpty());
    if (anyJmh) {
      sb.append("### JMH\n\n");
      header(sb, runs, "| benchmark | unit |", "", "|---|---|" + "---:|".repeat(runs.size()));
      Map<String, String> units = new LinkedHashMap<>();
      List<Map<String, Double>> scores = new ArrayList<>();
      for (Run r : runs) {
        Map<String, Double> s = new LinkedHashMap<>();
        for (int i = 0; i < r.jmh().size(); i++) {
          JsonObject b = r.jmh().getJsonObject(i);
          String name = b.getString("benchmark").replace("dev.vertxp2p.bench.jmh.", "");
          JsonObject params = b.getJsonObject("params");
          if (params != null && !params.isEmpty()) {
            name += " " + params.encode();
          }
          JsonObject pm = b.getJsonObject("primaryMetric");
          units.putIfAbsent(name, pm.getString("scoreUnit"));
          s.put(name, pm.getDouble("score"));
        }
        scores.add(s);
      }
      for (Map.Entry<String, String> e : units.entrySet()) {
        sb.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |");
        for (Map<String, Double> s : scores) {
          Double v = s.get(e.getKey());
          sb.append(' ').append(v == null ? "–" : fmt(v)).append(" |");
        }
        sb.append('\n');
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  private static double anyRun(Map<String, Double> common, Run r, String name) {
    double v = r.get(name);
    return Double.isNaN(v) ? common.getOrDefault(name, Double.NaN) : v;
  }

  /**
   * The ratio as {@link Rounds} took it within each round, or for results without rounds, the
   * ratio of the run's figures.
   */
  private static double paired(Run r, String ratio, double ofFigures) {
    double v = r.get(ratio);
    return Double.isNaN(v) ? ofFigures : v;
  }

  private static Map<String, Double> figures(Run r) {
    Map<String, Double> figures = new LinkedHashMap<>();
    r.metrics().forEach((k, m) -> figures.put(k, m.value()));
    return figures;
  }

  /**
   * One of {@link Rounds#RATIOS} for a run: the median of its rounds, or, when the run has no
   * rounds of it, derived from the run's figures.
   */
  private static double derivedValue(Run r, String name) {
    return paired(r, name, Rounds.derive(name, figures(r)));
  }

  /** A reference row of one of {@link Rounds#RATIOS}. */
  private static void derived(StringBuilder sb, List<Run> runs, String name, String what) {
    ratio(sb, runs, what, r -> derivedValue(r, name));
  }

  /** A table's first two lines: {@code lead}, a column per run, {@code tail}; then {@code rule}. */
  private static void header(StringBuilder sb, List<Run> runs, String lead, String tail,
      String rule) {
    sb.append(lead);
    for (Run r : runs) {
      sb.append(' ').append(r.label()).append(" |");
    }
    sb.append(tail).append('\n').append(rule).append('\n');
  }

  /** A row of figures without a goal. */
  private static void ratio(StringBuilder sb, List<Run> runs, String what,
      ToDoubleFunction<Run> f) {
    row(sb, runs, "| " + what + " |", f, null);
  }

  /** A goal below zero means "at most its absolute value". */
  private static void target(StringBuilder sb, List<Run> runs, String what, String goal,
      double threshold, ToDoubleFunction<Run> f) {
    row(sb, runs, "| " + what + " | " + goal + " |", f,
        v -> threshold < 0 ? v <= -threshold : v >= threshold);
  }

  /** The cells, one figure per run, each marked ✅ or ❌ when {@code met} is given. */
  private static void row(StringBuilder sb, List<Run> runs, String cells, ToDoubleFunction<Run> f,
      java.util.function.DoublePredicate met) {
    sb.append(cells);
    for (Run r : runs) {
      double v = f.applyAsDouble(r);
      String mark = met == null || Double.isNaN(v) ? "" : met.test(v) ? " ✅" : " ❌";
      sb.append(' ').append(fmt(v)).append(mark).append(" |");
    }
    sb.append('\n');
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
