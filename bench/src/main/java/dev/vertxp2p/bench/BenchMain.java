package dev.vertxp2p.bench;

import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.interop.GoPeer;
import dev.vertxp2p.interop.JsInterop;
import dev.vertxp2p.interop.JsPeer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Runs the benchmark scenarios with sizes from environment variables (see bench/README.md)
 * and appends every figure as a JSON line to the file named by the first argument. The
 * throughput figures that target ratios pair up run {@code BENCH_ROUNDS} times back to back and
 * are folded by {@link Rounds}.
 *
 * <p>{@code java -cp ... dev.vertxp2p.bench.BenchMain results/jdk17.jsonl}
 */
public final class BenchMain {
  private BenchMain() {}

  static long env(String name, long dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : Long.parseLong(v.trim());
  }

  static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v.trim();
  }

  /** A scenario body that may throw. */
  interface Body {
    List<Metric> run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: BenchMain <results.jsonl>");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    long tcpBytes = env("BENCH_TCP_BYTES", 2L << 30);
    long aeadBytes = env("BENCH_AEAD_BYTES", 128L << 20);
    long coresSeconds = env("BENCH_CORES_SECONDS", 10);
    long perfBytes = env("BENCH_PERF_BYTES", 1L << 30);
    long jsPerfBytes = env("BENCH_JS_PERF_BYTES", 1L << 30);
    long aggBytes = env("BENCH_AGG_BYTES", 1L << 30);
    int connCount = (int) env("BENCH_CONN_COUNT", 5000);
    double connSeconds = env("BENCH_CONN_SECONDS", 5);
    int connConcurrency = (int) env("BENCH_CONN_CONCURRENCY", 32);
    int idleConns = (int) env("BENCH_IDLE_CONNS", 10_000);
    int pings = (int) env("BENCH_PINGS", 2000);
    int hedgeCalls = (int) env("BENCH_HEDGE_CALLS", 200);
    int keepReps = (int) env("BENCH_KEEP_REPS", 20);
    long keepStallWait = env("BENCH_KEEP_STALL_WAIT", 10);
    int streamsCount = (int) env("BENCH_STREAMS_COUNT", 50_000);
    double streamsSeconds = env("BENCH_STREAMS_SECONDS", 5);
    int streamsConcurrency = (int) env("BENCH_STREAMS_CONCURRENCY", 32);
    int streamsJsBatch = (int) env("BENCH_STREAMS_JS_BATCH", 128);
    long shapedBytes = env("BENCH_SHAPED_BYTES", 256L << 20);
    long shapedMbits = env("BENCH_SHAPED_MBITS", 200);
    long shapedDelayMs = env("BENCH_SHAPED_DELAY_MS", 10);
    long stallSeconds = env("BENCH_STALL_SECONDS", 5);
    long stallRate = env("BENCH_STALL_RATE", 100);
    long stallHedgeMs = env("BENCH_STALL_HEDGE_MS", 200);
    boolean jsJs = env("BENCH_JSJS", 1) != 0;
    List<TransportScenario.Kind> transportKinds =
        TransportScenario.select(env("BENCH_TRANSPORTS", ""));
    long transportBytes = env("BENCH_TRANSPORT_BYTES", 256L << 20);
    int transportInFlight = (int) env("BENCH_TRANSPORT_INFLIGHT", 32);
    long transportJsBytes = env("BENCH_TRANSPORT_JS_BYTES", 64L << 20);
    double transportSeconds = env("BENCH_TRANSPORT_SECONDS", 5);
    String only = env("BENCH_ONLY", "");
    Set<String> selected = only.isEmpty() ? Set.of()
        : Arrays.stream(only.split(",")).map(String::trim).collect(Collectors.toSet());
    String jsReason = JsInterop.unavailableReason();
    boolean js = jsReason.isEmpty() && env("BENCH_JS", 1) != 0;
    TransportOptions options = new TransportOptions();

    record(out, List.of(new Metric("jvm", Runtime.version().feature(), "",
        System.getProperty("java.vm.name") + " " + Runtime.version() + ", "
            + Runtime.getRuntime().availableProcessors() + " cpus, Noise AEAD "
            + dev.vertxp2p.proto.noise.NoiseAeads.configuredKind().name().toLowerCase(Locale.ROOT)
            + " (java's ChaCha20: " + dev.vertxp2p.proto.noise.NoiseAeads.javaChaCha20Path()
            + ")"),
        new Metric("cpus", Runtime.getRuntime().availableProcessors(), "",
            "processors this JVM may use")));
    if (!js) {
      System.err.println("bench: js scenarios skipped: "
          + (jsReason.isEmpty() ? "BENCH_JS=0" : jsReason));
    }
    boolean wantGo = env("BENCH_GO", 1) != 0
        && (selected.isEmpty() || selected.contains("go"));
    String goReason = wantGo ? GoPeer.unavailableReason() : "BENCH_GO=0";
    boolean go = wantGo && goReason.isEmpty();
    if (!go) {
      System.err.println("bench: Go scenarios skipped: " + goReason);
    }

    // The throughput figures the target ratios pair up run in rounds, each round all of them
    // back to back, so that the two sides of a ratio are measured seconds apart (Rounds).
    int rounds = (int) env("BENCH_ROUNDS", 3);
    if (rounds < 1) {
      throw new IllegalArgumentException("BENCH_ROUNDS must be at least 1, got " + rounds);
    }
    JsPeer.Options jsOptions = JsPeer.Options.defaults().withMuxers("yamux");
    JsPeer jsA = null;
    JsPeer jsB = null;
    int failures = 0;
    try {
      boolean jsPair = false;
      if (js && (selected.isEmpty() || selected.contains("jsjs"))) {
        // two js peers for js<->js, kept for all rounds and the js<->js ping and dials
        try {
          jsA = JsPeer.start(jsOptions);
          jsB = JsPeer.start(jsOptions);
          jsPair = true;
        } catch (RuntimeException e) {
          failures++;
          System.err.println("bench: js<->js peers failed to start: " + e);
          record(out, List.of(new Metric("error.jsjs", Double.NaN, "", String.valueOf(e))));
        }
      }
      JsPeer a = jsA;
      JsPeer b = jsB;
      List<Object[]> paired = new ArrayList<>();
      paired.add(new Object[] {"tcp", (Body) () -> Scenarios.rawTcp(tcpBytes)});
      paired.add(new Object[] {"aead", (Body) () -> Scenarios.aead(aeadBytes)});
      paired.add(new Object[] {"cores", (Body) () -> Scenarios.cores(coresSeconds, 0.5)});
      paired.add(new Object[] {"perf", (Body) () ->
          Scenarios.perfJava(perfBytes, perfBytes, options)});
      paired.add(new Object[] {"agg", (Body) () -> {
        List<Metric> m = new ArrayList<>(Scenarios.aggregate(1, 1, aggBytes, options));
        m.addAll(Scenarios.aggregate(3, 8, aggBytes, options));
        return m;
      }});
      if (jsPair) {
        paired.add(new Object[] {"jsjs", (Body) () ->
            Scenarios.perfJsJs(a, b, jsPerfBytes, jsPerfBytes)});
      }
      List<Map<String, Metric>> perRound = new ArrayList<>();
      for (int r = 1; r <= rounds; r++) {
        Map<String, Metric> got = new LinkedHashMap<>();
        for (Object[] step : paired) {
          String name = (String) step[0];
          if (!selected.isEmpty() && !selected.contains(name)) {
            continue;
          }
          List<Metric> m = runStep(out, name + " (round " + r + "/" + rounds + ")", (Body) step[1]);
          if (m == null) {
            failures++;
          } else {
            m.forEach(x -> got.put(x.name(), x));
          }
        }
        perRound.add(got);
      }
      record(out, Rounds.combine(perRound));

      List<Object[]> plan = new ArrayList<>();
      // BENCH_CONN_SECURITY: the security protocols whose establishments are timed, in turn
      List<String> connSecurity = Arrays.stream(env("BENCH_CONN_SECURITY", "noise,tls")
          .split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
      plan.add(new Object[] {"conn", (Body) () -> {
        List<Metric> m = new ArrayList<>();
        for (String security : connSecurity) {
          m.addAll(Scenarios.establish(connCount, connConcurrency, connSeconds,
              Scenarios.withSecurity(options, security)));
        }
        return m;
      }});
      plan.add(new Object[] {"ping", (Body) () -> Scenarios.pingJava(pings, options)});
      plan.add(new Object[] {"idle", (Body) () -> Scenarios.idleHeap(idleConns, 64, options)});
      plan.add(new Object[] {"hedge", (Body) () -> HedgeScenario.run(hedgeCalls, 16,
          java.time.Duration.ofMillis(200), TransportOptions.DEFAULT_STREAM_NEGOTIATION_TIMEOUT)});
      plan.add(new Object[] {"keep", (Body) () -> KeepScenario.restoreAfterHangUp(keepReps)});
      plan.add(new Object[] {"keepstall", (Body) () ->
          KeepScenario.replaceStalled(keepReps, keepStallWait)});
      plan.add(new Object[] {"cluster", (Body) () -> ClusterScenario.run(
          Path.of(env("BENCH_CLUSTER_JAR", "target/vertx-libp2p-swarm.jar")),
          (int) env("BENCH_CLUSTER_PORT", 5881), (int) env("BENCH_CLUSTER_KILLS", 5),
          (int) env("BENCH_CLUSTER_REQUESTS", 200))});
      boolean streamsJs = js && jsJs;
      plan.add(new Object[] {"streams", (Body) () -> {
        List<Metric> m = new ArrayList<>(StreamRateScenario.javaJava(streamsCount,
            streamsConcurrency, streamsSeconds, options));
        if (streamsJs) {
          // like the rest of js<->js, measured once (on the first JDK)
          try (JsPeer client = JsPeer.start(jsOptions);
              JsPeer server = JsPeer.start(jsOptions.withEcho(true))) {
            m.addAll(StreamRateScenario.jsJs(client, server, streamsCount, streamsJsBatch,
                streamsSeconds));
          }
        }
        return m;
      }});
      plan.add(new Object[] {"shaped", (Body) () -> ShapedScenario.shaped(shapedBytes, 8,
          new ShapingProxy.Shape(shapedMbits * 1_000_000,
              java.time.Duration.ofMillis(shapedDelayMs)))});
      plan.add(new Object[] {"stall", (Body) () -> {
        List<Metric> m = new ArrayList<>(ShapedScenario.stall(stallRate,
            java.time.Duration.ofSeconds(stallSeconds), java.time.Duration.ofMillis(stallHedgeMs),
            java.time.Duration.ofMillis(shapedDelayMs)));
        if (streamsJs) {
          // js-libp2p with one connection under the same stall, once (on the first JDK)
          try (JsPeer client = JsPeer.start(jsOptions);
              JsPeer server = JsPeer.start(jsOptions.withEcho(true))) {
            m.addAll(ShapedScenario.stallJs(client, server, stallRate,
                java.time.Duration.ofSeconds(stallSeconds),
                java.time.Duration.ofMillis(shapedDelayMs)));
          }
        }
        return m;
      }});
      plan.add(new Object[] {"transports", (Body) () -> {
        List<Metric> m = new ArrayList<>(TransportScenario.run(transportKinds, transportBytes,
            transportInFlight, transportSeconds));
        if (js) {
          m.addAll(TransportScenario.runJs(transportKinds, transportJsBytes));
        }
        return m;
      }});
      plan.add(new Object[] {"scale", (Body) () -> ScaleScenario.run(scaleSizes())});
      if (js) {
        plan.add(new Object[] {"js", (Body) () -> {
          try (JsPeer peer = JsPeer.start(jsOptions)) {
            List<Metric> m = new ArrayList<>();
            m.addAll(Scenarios.perfJavaJs(peer, jsPerfBytes, jsPerfBytes, options));
            m.addAll(Scenarios.pingJavaJs(peer, pings, options));
            m.addAll(Scenarios.establishJs(peer, connCount, connConcurrency, connSeconds,
                options));
            return m;
          }
        }});
      }
      if (jsPair && jsJs) {
        // the rest of js<->js does not depend on the JDK: run.sh asks for it once
        plan.add(new Object[] {"jsjs", (Body) () -> {
          List<Metric> m = new ArrayList<>();
          m.addAll(Scenarios.pingJsJs(a, b, pings));
          m.addAll(Scenarios.establishJsJs(a, b, connCount, connConcurrency, connSeconds));
          return m;
        }});
      }
      if (go) {
        plan.add(new Object[] {"go", (Body) () ->
            Scenarios.perfGo(perfBytes, perfBytes, options)});
      }
      for (Object[] step : plan) {
        String name = (String) step[0];
        if (!selected.isEmpty() && !selected.contains(name)) {
          continue;
        }
        List<Metric> m = runStep(out, name, (Body) step[1]);
        if (m == null) {
          failures++;
        } else {
          record(out, m);
        }
      }
    } finally {
      if (jsA != null) {
        jsA.close();
      }
      if (jsB != null) {
        jsB.close();
      }
    }
    System.exit(failures == 0 ? 0 : 1);
  }

  /** The {@code scale} scenario's sizes from {@code BENCH_SCALE_*} (bench/README.md). */
  static ScaleScenario.Sizes scaleSizes() {
    return new ScaleScenario.Sizes((int) env("BENCH_SCALE_CONNS", 19_000),
        (int) env("BENCH_SCALE_PER_DIALER", 9_500), (int) env("BENCH_SCALE_PER_PEER", 3),
        (int) env("BENCH_SCALE_INFLIGHT", 32), (int) env("BENCH_SCALE_PING_SAMPLE", 200),
        env("BENCH_SCALE_NODE_HEAP", "1g"),
        Double.parseDouble(env("BENCH_SCALE_REST", "1")), env("BENCH_SCALE_JFR", 0) != 0,
        Path.of(env("BENCH_SCALE_JFR_FILE", "target/bench/scale-node.jfr")));
  }

  /** Runs one step and logs its figures; on failure records an error figure and gives null. */
  private static List<Metric> runStep(Path out, String name, Body body) throws IOException {
    long t0 = System.nanoTime();
    System.err.println("bench: " + name + " ...");
    List<Metric> m = null;
    try {
      m = body.run();
      for (Metric x : m) {
        System.err.printf(Locale.ROOT, "  %-24s %12.3f %s%n", x.name(), x.value(), x.unit());
      }
    } catch (Throwable t) {
      System.err.println("bench: " + name + " FAILED: " + t);
      t.printStackTrace();
      record(out, List.of(new Metric("error." + name.split(" ")[0], Double.NaN, "",
          String.valueOf(t))));
    }
    System.err.printf(Locale.ROOT, "bench: %s took %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
    return m;
  }

  static void record(Path out, List<Metric> metrics) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Metric m : metrics) {
      JsonObject o = m.toJson();
      if (Double.isNaN(m.value())) {
        o.putNull("value");
      }
      sb.append(o.encode()).append('\n');
    }
    Files.writeString(out, sb.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
