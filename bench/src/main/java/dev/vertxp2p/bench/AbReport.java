package dev.vertxp2p.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The before/after table of {@code bench/ab.sh}: for each cost row and JDK, the median of each
 * side with its range, the change of the medians, and whether it stays within the spread (the
 * larger of the two sides' ranges, relative to their medians). A cost that grew by more than the
 * spread is a regression.
 *
 * <p>{@code AbReport <dir>} reads {@code <side>-<round>-<jdk>.jsonl} files written by ab.sh.
 */
public final class AbReport {
  /** The rows compared: what a change of structure could cost. Lower is better for each. */
  static final List<String> ROWS = List.of(
      "perf.java-java.cpu", "conn.java-java.cpu", "heap.outbound", "heap.inbound");

  private AbReport() {}

  /** One row's verdict. */
  record Row(String jdk, String name, double[] before, double[] after) {
    double beforeMedian() {
      return Rounds.median(before);
    }

    double afterMedian() {
      return Rounds.median(after);
    }

    /** The change of the medians, relative to before. */
    double change() {
      return afterMedian() / beforeMedian() - 1;
    }

    /** The larger relative range (max - min over the median) of the two sides. */
    double spread() {
      return Math.max(range(before) / beforeMedian(), range(after) / afterMedian());
    }

    String verdict() {
      if (Math.abs(change()) <= spread()) {
        return "within the spread";
      }
      return change() > 0 ? "REGRESSION" : "better";
    }
  }

  static double range(double[] v) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return max - min;
  }

  public static void main(String[] args) throws IOException {
    Map<String, Map<String, List<Double>>> before = new TreeMap<>();
    Map<String, Map<String, List<Double>>> after = new TreeMap<>();
    try (Stream<Path> files = Files.list(Path.of(args[0]))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        String[] parts = f.getFileName().toString().replace(".jsonl", "").split("-");
        Map<String, Map<String, List<Double>>> side = parts[0].equals("before") ? before : after;
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (line.isBlank()) {
            continue;
          }
          JsonObject o = new JsonObject(line);
          Double v = o.getDouble("value");
          if (ROWS.contains(o.getString("name")) && v != null && !v.isNaN()) {
            side.computeIfAbsent(parts[2], k -> new TreeMap<>())
                .computeIfAbsent(o.getString("name"), k -> new ArrayList<>()).add(v);
          }
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    for (String jdk : before.keySet()) {
      for (String name : ROWS) {
        List<Double> b = before.get(jdk).get(name);
        List<Double> a = after.getOrDefault(jdk, Map.of()).get(name);
        if (b != null && a != null) {
          rows.add(new Row(jdk, name, toArray(b), toArray(a)));
        }
      }
    }
    System.out.print(render(rows));
  }

  private static double[] toArray(List<Double> list) {
    return list.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static String render(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append("| JDK | row | before: median [min-max] (n) | after: median [min-max] (n)"
        + " | change | spread | verdict |\n|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %+.1f %% | %.1f %% | %s |%n",
          r.jdk(), r.name(), side(r.before()), side(r.after()), 100 * r.change(),
          100 * r.spread(), r.verdict()));
    }
    return sb.toString();
  }

  private static String side(double[] v) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return String.format(Locale.ROOT, "%.4g [%.4g-%.4g] (%d)", Rounds.median(v), min, max,
        v.length);
  }
}
