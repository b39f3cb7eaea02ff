package dev.vertxp2p.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * The top frames of a JFR recording of the {@code scale} node: what {@code jfr print --events
 * jdk.ExecutionSample,jdk.ObjectAllocationSample} lists, read with the JDK's own reader and
 * counted here. Four tables, each as figures whose value is the share in percent and whose
 * description names the frame: CPU samples by top frame and by the first frame in this project's
 * code ({@code dev.vertxp2p}), and allocation (by the samples' weight, in bytes) by top frame with
 * the class allocated and by the first frame in this project's code.
 */
public final class ScaleProfile {
  private static final String OURS = "dev.vertxp2p.";

  private ScaleProfile() {}

  /** Runs on a recording file: {@code ScaleProfile <file.jfr> [top]}, printing the figures. */
  public static void main(String[] args) throws IOException {
    for (Metric m : top(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 15)) {
      System.out.printf(Locale.ROOT, "%-22s %6.1f %%  %s%n", m.name(), m.value(), m.detail());
    }
  }

  public static List<Metric> top(Path file, int n) throws IOException {
    Map<String, Double> cpuTop = new HashMap<>();
    Map<String, Double> cpuOurs = new HashMap<>();
    Map<String, Double> allocTop = new HashMap<>();
    Map<String, Double> allocOurs = new HashMap<>();
    long[] samples = new long[2];
    double[] bytes = new double[1];
    try (RecordingFile f = new RecordingFile(file)) {
      while (f.hasMoreEvents()) {
        RecordedEvent e = f.readEvent();
        String type = e.getEventType().getName();
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
          continue;
        }
        if (type.equals("jdk.ExecutionSample")) {
          samples[0]++;
          cpuTop.merge(frame(st.getFrames().get(0)), 1.0, Double::sum);
          cpuOurs.merge(ours(st), 1.0, Double::sum);
        } else if (type.equals("jdk.ObjectAllocationSample")) {
          samples[1]++;
          double w = e.getLong("weight");
          bytes[0] += w;
          String cls = e.getClass("objectClass").getName();
          allocTop.merge(cls + " in " + frame(st.getFrames().get(0)), w, Double::sum);
          allocOurs.merge(cls + " in " + ours(st), w, Double::sum);
        }
      }
    }
    List<Metric> out = new ArrayList<>();
    String cpuHow = samples[0] + " execution samples";
    String allocHow = samples[1] + " allocation samples, "
        + Scenarios.mib((long) bytes[0]) + " by their weight";
    out.addAll(table("scale.jfr.cpu.top", cpuTop, samples[0], n, cpuHow + ", by top frame"));
    out.addAll(table("scale.jfr.cpu.ours", cpuOurs, samples[0], n,
        cpuHow + ", by the first frame in dev.vertxp2p"));
    out.addAll(table("scale.jfr.alloc.top", allocTop, bytes[0], n,
        allocHow + ", by class and top frame"));
    out.addAll(table("scale.jfr.alloc.ours", allocOurs, bytes[0], n,
        allocHow + ", by class and the first frame in dev.vertxp2p"));
    return out;
  }

  private static List<Metric> table(String prefix, Map<String, Double> m, double total, int n,
      String how) {
    List<Metric> out = new ArrayList<>();
    List<Map.Entry<String, Double>> sorted = new ArrayList<>(m.entrySet());
    sorted.sort(Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder()));
    for (int i = 0; i < Math.min(n, sorted.size()); i++) {
      Map.Entry<String, Double> e = sorted.get(i);
      out.add(new Metric(prefix + "." + (i + 1), e.getValue() * 100 / Math.max(1, total), "%",
          e.getKey() + " (" + how + ")"));
    }
    return out;
  }

  private static String frame(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  /** The first frame of this project's code from the top, or "(none)" where none is ours. */
  private static String ours(RecordedStackTrace st) {
    for (RecordedFrame f : st.getFrames()) {
      if (f.getMethod().getType().getName().startsWith(OURS)
          && !f.getMethod().getType().getName().startsWith("dev.vertxp2p.bench.")) {
        return frame(f);
      }
    }
    return "(none in dev.vertxp2p)";
  }
}
