package dev.vertxp2p.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Connections on one node, up to the descriptor limit: a {@link ScaleNode} (one swarm, the node
 * under test, in a child JVM with the heap given) accepts {@code conns} connections from {@link
 * ScaleDialer} child JVMs of at most {@code perDialer} each, dialled as peers of {@code perPeer}
 * connections (the node's default per-peer limit). One process here may hold at most 20,000
 * descriptors, so the node takes every connection and the dialers share them.
 *
 * <p>After a warm-up (establishments closed once up, until the node's JIT is quiet) the
 * connections open in tenths of {@code conns} ({@code inflight} dials in flight over all
 * dialers), with one more point at 1,000 when a tenth is larger. At each point the node reports
 * its heap after GC, its CPU time and its open descriptors, and its CPU at rest for a second
 * (health checks on every connection, at their defaults). With all open, the node pings a
 * sample of its connections. The figures: the curve, the linearity of heap and CPU per
 * establishment from the first point to the last, and a straight-line projection to 100,000.
 */
public final class ScaleScenario {
  /** The descriptor limit of one process here (the hard limit, which cannot be raised). */
  static final int FD_LIMIT = 20_000;
  /** The projection's size. */
  static final int PROJECTED = 100_000;
  /**
   * The warm-up's longest. Three JVMs compiling on two busy cores took 70 s here to be quiet; cut
   * at the other scenarios' 40 s, the first steps ran partly compiled code and cost the node and
   * the dialers a third more CPU per establishment than the last ones.
   */
  static final double WARM_UP_MAX_SECONDS = 150;
  /** Round trips per sampled connection (one more is run first and left out). */
  static final int PING_ROUNDS = 10;

  private ScaleScenario() {}

  /** Sizes and switches of one run; see bench/README.md for the {@code BENCH_SCALE_*} names. */
  public record Sizes(int conns, int perDialer, int perPeer, int inflight, int pingSample,
      String nodeHeap, double restSeconds, boolean jfr, Path jfrFile) {
    int dialers() {
      return (conns + perDialer - 1) / perDialer;
    }
  }

  public static List<Metric> run(Sizes s) throws Exception {
    List<Child> children = new ArrayList<>();
    try {
      List<String> nodeCmd = Scenarios.javaCommand(ScaleNode.class.getName());
      nodeCmd.add(1, "-Xmx" + s.nodeHeap());
      nodeCmd.add(Integer.toString(s.conns()));
      Child node = new Child("node", nodeCmd);
      children.add(node);
      String addr = node.expect("LISTEN ").substring("LISTEN ".length()).trim();
      List<Child> dialers = new ArrayList<>();
      for (int d = 0; d < s.dialers(); d++) {
        List<String> cmd = Scenarios.javaCommand(ScaleDialer.class.getName());
        cmd.add(1, "-Xmx1g");
        cmd.add(addr);
        cmd.add(Integer.toString(s.perPeer()));
        cmd.add(Integer.toString(d)); // its source addresses (ScaleDialer.client)
        Child c = new Child("dialer" + d, cmd);
        children.add(c);
        dialers.add(c);
      }
      for (Child c : dialers) {
        c.expect("READY");
      }
      int perDialerInflight = Math.max(1, s.inflight() / dialers.size());
      double warm = warmUp(node, dialers, s, perDialerInflight);
      waitForCount(node, 0);
      long baseHeap = Long.parseLong(node.ask("HEAP", "HEAP ")[1]);
      if (s.jfr()) {
        node.ask("JFR " + s.jfrFile().toAbsolutePath(), "JFRON");
      }
      // after the recording starts: its start-up is not the first step's CPU
      long[] stat0 = stat(node);

      System.err.println("bench: scale: " + config(s));
      List<Integer> points = points(s.conns());
      List<Point> curve = new ArrayList<>();
      int[] held = new int[dialers.size()];
      int open = 0;
      long[] before = stat0;
      for (int target : points) {
        int n = target - open;
        int[] share = share(n, held, s.perDialer());
        long[] machine0 = machineJiffies();
        long t0 = System.nanoTime();
        for (int d = 0; d < dialers.size(); d++) {
          dialers.get(d).send("DIAL " + share[d] + " " + perDialerInflight);
        }
        long ok = 0;
        long failed = 0;
        long dialerCpu = 0;
        for (int d = 0; d < dialers.size(); d++) {
          String[] r = dialers.get(d).expect("DIALED ").split(" ");
          ok += Long.parseLong(r[1]);
          failed += Long.parseLong(r[2]);
          dialerCpu += Long.parseLong(r[4]);
          held[d] += (int) Long.parseLong(r[1]);
        }
        long wall = System.nanoTime() - t0;
        double busyCores = busyCores(machine0, machineJiffies());
        open += (int) ok;
        long[] after = waitForCount(node, open);
        long[] rest = stat(node);
        Thread.sleep((long) (s.restSeconds() * 1000));
        long[] rested = stat(node);
        String[] heap = node.ask("HEAP", "HEAP ");
        long count = Long.parseLong(heap[2]);
        Point p = new Point(target, count, (Long.parseLong(heap[1]) - baseHeap) / 1024.0 / count,
            ok * 1e9 / wall, (after[0] - before[0]) / 1e6 / Math.max(1, ok),
            (rested[0] - rest[0]) / 1e9 / s.restSeconds(), after[3], failed,
            dialerCpu / 1e6 / Math.max(1, ok), busyCores);
        curve.add(p);
        System.err.printf(Locale.ROOT, "bench: scale %,d open: %.2f KiB/conn, %.0f/s, %.3f ms"
            + " CPU/establishment (dialers %.3f), machine %.2f cores busy, %.3f cores at rest,"
            + " %d fds, %d failed%n", count, p.kibPerConn, p.rate, p.cpuMs, p.dialerCpuMs,
            p.busyCores, p.restCores, p.fds, failed);
        if (count < target - Math.max(1, target / 100)) {
          throw new IllegalStateException("the node holds " + count + " of " + target
              + " connections (" + failed + " dials failed)");
        }
        before = stat(node);
      }
      String[] pingLine = node.ask("PING " + s.pingSample() + " " + PING_ROUNDS, "PING");
      long[] rtts = new long[pingLine.length - 1];
      for (int i = 1; i < pingLine.length; i++) {
        rtts[i - 1] = Long.parseLong(pingLine[i]);
      }
      Arrays.sort(rtts);
      List<Metric> out = new ArrayList<>(metrics(s, curve, rtts, warm));
      if (s.jfr()) {
        node.ask("JFRSTOP", "JFR ");
        out.addAll(ScaleProfile.top(s.jfrFile(), 8));
      }
      return out;
    } finally {
      for (Child c : children) {
        c.close();
      }
    }
  }

  /** One point of the curve. */
  record Point(int target, long conns, double kibPerConn, double rate, double cpuMs,
      double restCores, long fds, long failed, double dialerCpuMs, double busyCores) {}

  /**
   * {@code {busy, total}} jiffies of the whole machine from the kernel's {@code /proc/stat}
   * (busy: user, nice, system, irq, softirq and steal; total adds idle and iowait), or null where
   * it cannot be read.
   */
  static long[] machineJiffies() {
    try {
      String line = java.nio.file.Files.readAllLines(Path.of("/proc/stat")).get(0);
      String[] w = line.trim().split("\\s+");
      long busy = 0;
      long total = 0;
      for (int i = 1; i < Math.min(w.length, 9); i++) {
        long v = Long.parseLong(w[i]);
        total += v;
        busy += i == 4 || i == 5 ? 0 : v;
      }
      return new long[] {busy, total};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The machine's cores busy between two {@link #machineJiffies()}, or NaN. */
  static double busyCores(long[] before, long[] after) {
    if (before == null || after == null || after[1] <= before[1]) {
      return Double.NaN;
    }
    return (double) (after[0] - before[0]) / (after[1] - before[1])
        * Runtime.getRuntime().availableProcessors();
  }

  /** The tenths of {@code conns}, with 1,000 before the first when a tenth is larger. */
  static List<Integer> points(int conns) {
    List<Integer> p = new ArrayList<>();
    if (conns / 10 > 1000) {
      p.add(1000);
    }
    for (int i = 1; i <= 10; i++) {
      int v = (int) ((long) conns * i / 10);
      if (v > 0 && (p.isEmpty() || v > p.get(p.size() - 1))) {
        p.add(v);
      }
    }
    return p;
  }

  /** {@code n} new connections over the dialers, each up to {@code cap}, evenly. */
  static int[] share(int n, int[] held, int cap) {
    int[] s = new int[held.length];
    int left = n;
    while (left > 0) {
      boolean any = false;
      for (int d = 0; d < held.length && left > 0; d++) {
        if (held[d] + s[d] < cap) {
          s[d]++;
          left--;
          any = true;
        }
      }
      if (!any) {
        throw new IllegalStateException("the dialers hold no more than " + cap + " each");
      }
    }
    return s;
  }

  /**
   * Establishments closed once up, in slices of about a second of the dialers' work, until two
   * slices in a row cost the compilers of the node and of each dialer less than 5 % of the slice,
   * or {@link #WARM_UP_MAX_SECONDS} ({@code bench.warmUpMaxSeconds} when set).
   */
  private static double warmUp(Child node, List<Child> dialers, Sizes s, int inflight)
      throws IOException {
    int slice = Math.max(inflight * 2, Math.min(1500, s.conns() / 10)) / dialers.size() + 1;
    long start = System.nanoTime();
    int quiet = 0;
    long[] dialerJit0 = new long[dialers.size()];
    double maxSeconds = System.getProperty("bench.warmUpMaxSeconds") != null
        ? Scenarios.warmUpMaxSeconds() : WARM_UP_MAX_SECONDS;
    while (quiet < 2 && System.nanoTime() - start < maxSeconds * 1e9) {
      long jit0 = stat(node)[1];
      long t0 = System.nanoTime();
      for (Child d : dialers) {
        d.send("WARM " + slice + " " + inflight);
      }
      long dialerJit = 0;
      for (int d = 0; d < dialers.size(); d++) {
        long jit = Long.parseLong(dialers.get(d).expect("WARMED ").split(" ")[5]);
        dialerJit = Math.max(dialerJit, jit - dialerJit0[d]);
        dialerJit0[d] = jit;
      }
      long sliceMs = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
      long nodeJit = stat(node)[1] - jit0;
      long jit = Math.max(nodeJit, dialerJit);
      quiet = jit * 20 < sliceMs ? quiet + 1 : 0;
      System.err.printf(Locale.ROOT, "bench: scale warm-up slice %d ms: compilers %d ms on the"
          + " node, %d ms on the busiest dialer%n", sliceMs, nodeJit, dialerJit);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** {@code {cpu ns, jit ms, connections, fds}} of the node. */
  private static long[] stat(Child node) throws IOException {
    String[] w = node.ask("STAT", "STAT ");
    return new long[] {Long.parseLong(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3]),
        Long.parseLong(w[4])};
  }

  /**
   * Polls the node until it counts {@code n} connections (a dialer's end is up before the
   * node's is registered), every 20 ms, for 30 s at most.
   */
  private static long[] waitForCount(Child node, long n) throws IOException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    long[] st = stat(node);
    while (st[2] != n && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      st = stat(node);
    }
    return st;
  }

  static List<Metric> metrics(Sizes s, List<Point> curve, long[] sortedRtts, double warm) {
    List<Metric> out = new ArrayList<>();
    out.add(new Metric("scale.conns", curve.get(curve.size() - 1).conns(), "conns",
        config(s) + "; warm-up " + String.format(Locale.ROOT, "%.0f s", warm)));
    for (Point p : curve) {
      String at = " at " + p.conns() + " open";
      out.add(new Metric("scale.heap." + p.target(), p.kibPerConn(), "KiB/conn",
          "node's heap used after GC over its value before the first connection, per connection"
              + at));
      out.add(new Metric("scale.rate." + p.target(), p.rate(), "conn/s",
          "establishments per second of the step that ended" + at + ", " + s.inflight()
              + " in flight" + (p.failed() > 0 ? ", " + p.failed() + " dials failed" : "")));
      out.add(new Metric("scale.cpu." + p.target(), p.cpuMs(), "ms/conn",
          "node's process CPU time (every thread, GC and JIT included) over the step, per"
              + " establishment, the step that ended" + at));
      out.add(new Metric("scale.dialcpu." + p.target(), p.dialerCpuMs(), "ms/conn",
          "the dialer JVMs' CPU time over the step, per establishment (their TCP connect, Noise,"
              + " Yamux and the node's identify and pings answered), the step that ended" + at));
      out.add(new Metric("scale.cores." + p.target(), p.busyCores(), "cores",
          "the whole machine's cores busy over the step (kernel included), of "
              + Runtime.getRuntime().availableProcessors() + ", the step that ended" + at));
      out.add(new Metric("scale.rest." + p.target(), p.restCores(), "cores",
          "node's CPU over " + s.restSeconds() + " s with nothing dialling (health checks and"
              + " keep-alive at their defaults)" + at + "; " + p.fds() + " open descriptors"));
    }
    Point slowest = curve.stream().min(java.util.Comparator.comparingDouble(Point::rate))
        .orElseThrow();
    out.add(new Metric("scale.rate.min", slowest.rate(), "conn/s", "the slowest step's"
        + " establishments per second, the step to " + slowest.conns() + " (target >= 1,000)"));
    String pingHow = sortedRtts.length + " round trips of 32 bytes, " + PING_ROUNDS + " on one"
        + " ping stream on each of " + Math.min(s.pingSample(), curve.get(curve.size() - 1).conns())
        + " connections spread over the node's map, one at a time, from the node, all "
        + curve.get(curve.size() - 1).conns() + " open";
    out.add(new Metric("scale.ping.p50", pct(sortedRtts, 0.50) / 1e6, "ms", pingHow));
    out.add(new Metric("scale.ping.p99", pct(sortedRtts, 0.99) / 1e6, "ms", pingHow));
    out.add(new Metric("scale.ping.max", sortedRtts.length == 0 ? Double.NaN
        : sortedRtts[sortedRtts.length - 1] / 1e6, "ms", pingHow));

    Point first = curve.get(0);
    Point last = curve.get(curve.size() - 1);
    out.add(new Metric("scale.linear.heap", (last.kibPerConn() / first.kibPerConn() - 1) * 100,
        "%", "heap per connection at " + last.conns() + " over its value at " + first.conns()
            + ", minus 1 (target within ±10 %)"));
    // the second point is a full step on the warm node; the first may be a short one
    out.add(new Metric("scale.linear.cpu", (last.cpuMs() / first.cpuMs() - 1) * 100, "%",
        "CPU per establishment in the step to " + last.conns() + " over the step to "
            + first.conns() + ", minus 1 (target within ±10 %)"));
    double[] line = fit(curve.stream().mapToDouble(Point::conns).toArray(),
        curve.stream().mapToDouble(Point::cpuMs).toArray());
    double lineFirst = line[0] + line[1] * first.conns();
    double lineLast = line[0] + line[1] * last.conns();
    DoubleSummaryStatistics steps = curve.stream().mapToDouble(Point::cpuMs).summaryStatistics();
    out.add(new Metric("scale.linear.cpu.fit", (lineLast / lineFirst - 1) * 100, "%",
        String.format(Locale.ROOT, "the same from the least-squares line through all %d points"
            + " (%.3f ms at %d, %.3f ms at %d), less swayed by one step: the steps' own figures"
            + " ran from %.3f to %.3f ms", curve.size(), lineFirst, first.conns(), lineLast,
            last.conns(), steps.getMin(), steps.getMax())));
    out.addAll(projection(curve));
    return out;
  }

  /** Straight lines through the curve (least squares), taken to {@link #PROJECTED}. */
  static List<Metric> projection(List<Point> curve) {
    int n = curve.size();
    double[] x = new double[n];
    double[] heapMib = new double[n];
    double[] cpu = new double[n];
    double[] fds = new double[n];
    for (int i = 0; i < n; i++) {
      Point p = curve.get(i);
      x[i] = p.conns();
      heapMib[i] = p.kibPerConn() * p.conns() / 1024;
      cpu[i] = p.cpuMs();
      fds[i] = p.fds();
    }
    double[] h = fit(x, heapMib);
    double[] c = fit(x, cpu);
    boolean grows = c[1] > 0;
    if (!grows) {
      // falling with the count is the JIT or the machine, not the node: take the curve's mean
      c = new double[] {Arrays.stream(cpu).average().orElse(Double.NaN), 0};
    }
    double[] f = fit(x, fds);
    double heap = h[0] + h[1] * PROJECTED;
    double fixedFds = f[0];
    double descriptors = fixedFds + f[1] * PROJECTED;
    // CPU per establishment as a line in the count: the total to reach N is its integral
    double cpuAtN = c[0] + c[1] * PROJECTED;
    double cpuTotalS = (c[0] * PROJECTED + c[1] * PROJECTED * (double) PROJECTED / 2) / 1000;
    Point last = curve.get(n - 1);
    int perProcess = (int) Math.floor(FD_LIMIT - Math.max(0, fixedFds));
    String through = " (least squares through " + n + " points, " + (long) x[0] + " to "
        + (long) x[n - 1] + ")";
    List<Metric> out = new ArrayList<>();
    out.add(new Metric("scale.project.heap", heap, "MiB",
        String.format(Locale.ROOT, "heap of %,d connections: %.3f KiB each + %.1f MiB", PROJECTED,
            h[1] * 1024, h[0]) + through + "; a -Xmx of about twice this leaves GC its room"));
    out.add(new Metric("scale.project.fds", descriptors, "fds",
        String.format(Locale.ROOT, "descriptors of %,d connections: %.3f each + %.0f fixed",
            PROJECTED, f[1], fixedFds) + through + "; with " + FD_LIMIT
            + " per process here one node holds at most " + perProcess + ", so "
            + (PROJECTED + perProcess - 1) / perProcess + " processes"));
    out.add(new Metric("scale.project.cpu", cpuAtN, "ms/conn", String.format(Locale.ROOT,
        "node's CPU per establishment at %,d open: %.4f ms + %.4f ms per 1,000 open", PROJECTED,
        c[0], c[1] * 1000) + (grows ? through : " (the curve's mean: it does not grow with the"
        + " count)") + String.format(Locale.ROOT, "; bringing up all %,d costs"
        + " %.0f CPU seconds (the line's integral)", PROJECTED, cpuTotalS)));
    out.add(new Metric("scale.project.rest", last.restCores() * PROJECTED / last.conns(),
        "cores", "node's CPU at rest with " + PROJECTED + " open, at most: its CPU at rest with "
            + last.conns() + " open, as if all of it grew with the connections (health checks"
            + " every 10 s on each, the default)"));
    return out;
  }

  /** The figure {@code prefix<n>} of the largest {@code n}, or NaN: the curve's last point. */
  static double atLastPoint(java.util.Map<String, Metric> metrics, String prefix) {
    long best = -1;
    double v = Double.NaN;
    for (Metric m : metrics.values()) {
      String rest = m.name().startsWith(prefix) ? m.name().substring(prefix.length()) : "";
      if (!rest.isEmpty() && rest.chars().allMatch(Character::isDigit)
          && Long.parseLong(rest) > best) {
        best = Long.parseLong(rest);
        v = m.value();
      }
    }
    return v;
  }

  /** {@code {intercept, slope}} of the least-squares line through the points. */
  static double[] fit(double[] x, double[] y) {
    int n = x.length;
    if (n == 1) {
      return new double[] {0, x[0] == 0 ? 0 : y[0] / x[0]};
    }
    double mx = Arrays.stream(x).average().orElse(0);
    double my = Arrays.stream(y).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
    }
    double slope = sxx == 0 ? 0 : sxy / sxx;
    return new double[] {my - slope * mx, slope};
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  /** The node's configuration as the report states it: what was raised, and what was not. */
  static String config(Sizes s) {
    int max = s.conns() + ScaleNode.headroom(s.conns());
    return String.format(Locale.ROOT, "node under test (listener, child JVM -Xmx%s): raised"
        + " limits.maxConnections %d (default %d), connectionManager watermarks %d/%d (default"
        + " %d/%d); everything else default (health checks, identify, maxConnectionsPerPeer %d,"
        + " maxPendingInbound %d); dialled by %d child JVMs of at most %d connections, as peers of"
        + " %d connections each (%d peers)%s",
        s.nodeHeap(), max, dev.vertxp2p.LimitsOptions.DEFAULT_MAX_CONNECTIONS, s.conns(), max,
        dev.vertxp2p.ConnectionManagerOptions.DEFAULT_LOW_WATER,
        dev.vertxp2p.ConnectionManagerOptions.DEFAULT_HIGH_WATER,
        dev.vertxp2p.ConnectionConfig.DEFAULT_MAX_CONNECTIONS_PER_PEER,
        dev.vertxp2p.LimitsOptions.DEFAULT_MAX_PENDING_INBOUND, s.dialers(), s.perDialer(),
        s.perPeer(), (s.conns() + s.perPeer() - 1) / s.perPeer(),
        s.jfr() ? "; JFR (profile settings) on the node from the first connection to the pings"
            : "");
  }

  /** A child JVM spoken to one line at a time. */
  private static final class Child implements AutoCloseable {
    final String name;
    final Process process;
    final BufferedReader in;
    final OutputStream toChild;

    Child(String name, List<String> cmd) throws IOException {
      this.name = name;
      this.process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      this.in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
      this.toChild = process.getOutputStream();
    }

    void send(String line) throws IOException {
      toChild.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      toChild.flush();
    }

    /** The next line starting with {@code prefix}; other lines are passed on to stderr. */
    String expect(String prefix) throws IOException {
      for (int i = 0; i < 1000; i++) {
        String line = in.readLine();
        if (line == null) {
          throw new IllegalStateException(name + " exited before printing " + prefix.trim());
        }
        if (line.startsWith(prefix)) {
          return line;
        }
        if (line.startsWith("ERROR")) {
          throw new IllegalStateException(name + ": " + line);
        }
        System.err.println(name + ": " + line);
      }
      throw new IllegalStateException("no " + prefix.trim() + " line from " + name);
    }

    String[] ask(String command, String prefix) throws IOException {
      send(command);
      return expect(prefix).split(" ");
    }

    @Override
    public void close() throws IOException {
      try {
        toChild.close();
      } catch (IOException e) {
        // already gone
      }
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
