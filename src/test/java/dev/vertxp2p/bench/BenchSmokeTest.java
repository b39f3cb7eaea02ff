package dev.vertxp2p.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.bench.jmh.IdentityVerifyBench;
import dev.vertxp2p.bench.jmh.MultistreamBench;
import dev.vertxp2p.bench.jmh.NoiseBench;
import dev.vertxp2p.bench.jmh.SelectorBench;
import dev.vertxp2p.bench.jmh.YamuxBench;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Keeps bench/ compiling and working: every benchmark body once, at tiny sizes (the js rows are
 * covered by the interop tests of the peer's commands). No figure is judged here, only that each
 * body produces its figures and the report renders them.
 */
class BenchSmokeTest {
  private final TransportOptions options = new TransportOptions();

  @Test
  @Timeout(30)
  void everyScenarioRunsOnceAtTinySizes() throws Exception {
    List<Metric> all = new ArrayList<>();
    // one warm-up slice each: the JIT need not be quiet for figures nobody judges
    System.setProperty("bench.warmUpMaxSeconds", "0.1");
    try {
      all.addAll(Scenarios.rawTcp(1 << 20));
      all.addAll(Scenarios.aead(1 << 18));
      all.addAll(Scenarios.cores(0.2, 0.1));
      all.addAll(Scenarios.perfJava(100_000, 200_000, options));
      all.addAll(Scenarios.aggregate(1, 1, 1 << 18, options));
      all.addAll(Scenarios.aggregate(3, 2, 1 << 18, options));
      all.addAll(Scenarios.establish(10, 2, 5, options));
      all.addAll(Scenarios.establish(10, 2, 5, Scenarios.withSecurity(options, "tls")));
      all.addAll(Scenarios.pingJava(5, options));
      all.addAll(Scenarios.idleHeap(8, 4, options));
    } finally {
      System.clearProperty("bench.warmUpMaxSeconds");
    }

    Map<String, Metric> byName = new LinkedHashMap<>();
    for (Metric m : all) {
      assertFalse(Double.isNaN(m.value()), m.toString());
      byName.put(m.name(), m);
    }
    for (String name : List.of("tcp.raw", "tcp.raw.cpu", "tcp.raw.cores", "aead.jdk.encrypt", "aead.bc.decrypt",
        "cores.aead.median", "cores.aead.min", "cores.aead.slow",
        "perf.java-java.total", "perf.java-java.cores", "agg.1x1", "agg.3x2", "agg.1x1.cores",
        "conn.java-java", "conn.java-java.tls", "conn.java-java.tls.cpu", "ping.java-java.p50",
        "ping.java-java.p99", "heap.outbound", "heap.inbound", "heap.used.outbound",
        "heap.used.inbound")) {
      assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
    }
    assertTrue(byName.get("perf.java-java.total").value() > 0);
    // the process CPU clock ticks every 10 ms or so: a tiny transfer may read 0, or more cores
    // than the machine has; only a negative, NaN or infinite figure is wrong
    double busy = byName.get("agg.1x1.cores").value();
    assertTrue(busy >= 0 && !Double.isInfinite(busy), "agg.1x1.cores " + busy);
    assertTrue(byName.get("ping.java-java.p50").value()
        <= byName.get("ping.java-java.p99").value());

    String report = Report.render("smoke", List.of(new Report.Run("jdk", byName,
        new io.vertx.core.json.JsonArray())));
    assertTrue(report.contains("| perf.java-java.total | Gbit/s |"), report);
    assertTrue(report.contains("3 conns × 8 streams / 1 × 1"), report);
    for (String row : List.of(
        "| 3 × 8 / 1 × 1 at most on these cores (cpus / cores 1 × 1 kept busy) | ",
        "| Java↔Java perf / raw TCP at most on these cores (perf.bound / raw TCP) | ",
        "| Java↔Java perf / AEAD limit of the JDK's or BouncyCastle's cipher, the faster | ")) {
      assertTrue(report.contains(row), row + " missing from\n" + report);
    }
  }

  /**
   * The derived rows of the report from figures chosen so that each comes out by hand: 2 cpus,
   * 1 × 1 keeping 0.5 cores busy; the JDK's AEAD in use at 16 Gbit/s each way (1 ns/B to encrypt
   * and decrypt a byte), raw TCP 20 Gbit/s at 1 ns/B of CPU, so perf.bound = 8 × 2 / (1 + 1) =
   * 8 Gbit/s; BouncyCastle at 8 and 10 Gbit/s; perf 4 Gbit/s.
   */
  /** The hedge scenario once, small: 12 calls, a 1 s negotiation timeout, a 50 ms hedge. */
  @Test
  @Timeout(60)
  void theHedgeScenarioRunsOnceAtATinySize() throws Exception {
    Map<String, Metric> byName = new LinkedHashMap<>();
    for (Metric m : HedgeScenario.run(12, 4, java.time.Duration.ofMillis(50),
        java.time.Duration.ofSeconds(1))) {
      assertFalse(Double.isNaN(m.value()), m.toString());
      byName.put(m.name(), m);
    }
    for (String name : List.of("hedge.off.p50", "hedge.off.p99", "hedge.off.failed",
        "hedge.on.p50", "hedge.on.p99", "hedge.on.failed")) {
      assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
    }
    assertEquals(0.0, byName.get("hedge.off.failed").value(), "calls failed without hedging");
    assertEquals(0.0, byName.get("hedge.on.failed").value(), "calls failed with hedging");
    assertTrue(byName.get("hedge.on.p50").value() <= byName.get("hedge.on.p99").value());
  }

  /** The stream-rate scenario once, small: 40 streams per layout, 4 in flight, Java only. */
  @Test
  @Timeout(60)
  void theStreamRateScenarioRunsOnceAtATinySize() {
    System.setProperty("bench.warmUpMaxSeconds", "0.1");
    Map<String, Metric> byName = new LinkedHashMap<>();
    try {
      for (Metric m : StreamRateScenario.javaJava(40, 4, 5, options)) {
        byName.put(m.name(), m);
      }
    } finally {
      System.clearProperty("bench.warmUpMaxSeconds");
    }
    for (String name : List.of("streams.java-java.1conn", "streams.java-java.1conn.cpu",
        "streams.java-java.3conn", "streams.java-java.3conn.cpu")) {
      assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
      assertFalse(Double.isNaN(byName.get(name).value()), name);
    }
    assertTrue(byName.get("streams.java-java.1conn").value() > 0);
    assertTrue(byName.get("streams.java-java.3conn").value() > 0);
  }

  /** The transports scenario once, small: every kind, 1 MiB each way, top-ups to 2 for 0.3 s. */
  @Test
  @Timeout(120)
  void theTransportsScenarioRunsEveryKindOnceAtATinySize() {
    System.setProperty("bench.warmUpMaxSeconds", "0.1");
    Map<String, Metric> byName = new LinkedHashMap<>();
    try {
      for (Metric m : TransportScenario.run(TransportScenario.select(""), 1 << 20, 2, 0.3)) {
        byName.put(m.name(), m);
      }
    } finally {
      System.clearProperty("bench.warmUpMaxSeconds");
    }
    for (String kind : TransportScenario.KINDS.keySet()) {
      for (String row : List.of(".perf.up", ".perf.down", ".perf.total", ".perf.cpu", ".conn",
          ".conn.cpu")) {
        String name = "transport." + kind + row;
        assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
        assertTrue(byName.get(name).value() > 0, name + " = " + byName.get(name).value());
      }
    }
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> TransportScenario.select("tcp-noise,carrier-pigeon"));
    assertTrue(e.getMessage().contains("unknown transport 'carrier-pigeon'"), e.getMessage());
  }

  /** The transports scenario's Java↔js part once, small: every kind, 1 MiB each way. */
  @Test
  @Timeout(180)
  void theTransportsScenarioRunsEveryKindAgainstJsOnceAtATinySize() throws Exception {
    dev.vertxp2p.interop.JsInterop.assumeAvailable();
    System.setProperty("bench.warmUpMaxSeconds", "0.1");
    Map<String, Metric> byName = new LinkedHashMap<>();
    try {
      for (Metric m : TransportScenario.runJs(TransportScenario.select(""), 1 << 20)) {
        byName.put(m.name(), m);
      }
    } finally {
      System.clearProperty("bench.warmUpMaxSeconds");
    }
    for (String kind : TransportScenario.KINDS.keySet()) {
      for (String row : List.of(".java-js.perf.up", ".java-js.perf.down", ".java-js.perf.total",
          ".js-java.perf.total")) {
        String name = "transport." + kind + row;
        assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
        assertTrue(byName.get(name).value() > 0, name + " = " + byName.get(name).value());
      }
    }
  }

  /**
   * The shaped-links and stall scenarios once, small: 2 MiB per layout through 40 Mbit/s links
   * with 2 ms each way; a 0.5 s stall with a 50 ms hedge, 40 calls a second.
   */
  @Test
  @Timeout(120)
  void theShapedAndStallScenariosRunOnceAtTinySizes() throws Exception {
    System.setProperty("bench.warmUpMaxSeconds", "0.1");
    Map<String, Metric> byName = new LinkedHashMap<>();
    try {
      for (Metric m : ShapedScenario.shaped(2 << 20, 2,
          new ShapingProxy.Shape(40_000_000, java.time.Duration.ofMillis(2)))) {
        byName.put(m.name(), m);
      }
      for (Metric m : ShapedScenario.stall(40, java.time.Duration.ofMillis(500),
          java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(2))) {
        byName.put(m.name(), m);
      }
    } finally {
      System.clearProperty("bench.warmUpMaxSeconds");
    }
    for (String name : List.of("shaped.1x2", "shaped.3x2", "shaped.ratio", "shaped.3x2.cores",
        "stall.off.p50",
        "stall.off.p99", "stall.off.max", "stall.off.failed", "stall.on.p50", "stall.on.p99",
        "stall.on.max", "stall.on.failed", "stall.on.bound", "stall.on.base.p50",
        "stall.on.base.p99")) {
      assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
      assertFalse(Double.isNaN(byName.get(name).value()), name);
    }
    assertTrue(byName.get("shaped.1x2").value() > 0 && byName.get("shaped.3x2").value() > 0);
    assertEquals(0.0, byName.get("stall.off.failed").value(), "calls failed without hedging");
    assertEquals(0.0, byName.get("stall.on.failed").value(), "calls failed with hedging");
    assertTrue(byName.get("stall.on.p50").value() <= byName.get("stall.on.p99").value());

    String report = Report.render("smoke", List.of(new Report.Run("jdk", byName,
        new io.vertx.core.json.JsonArray())));
    for (String row : List.of("| shaped links: 3 conns × 8 streams / 1 × 8 | ≥ 2.7 | ",
        "| stall: p99 with hedging / (hedgeDelay + 3 × RTT) | ≤ 1 | ", "| shaped.1x2 | Mbit/s |",
        "| stall.on.p99 | ms |")) {
      assertTrue(report.contains(row), row + " missing from\n" + report);
    }
  }

  /**
   * The js half of the stall scenario once, small: the js peer's {@code echoRate} command through
   * the proxy, a 0.5 s stall (skipped where the js peer is not installed, as the interop tests).
   */
  @Test
  @Timeout(120)
  void theJsStallRunsOnceAtATinySize() throws Exception {
    dev.vertxp2p.interop.JsInterop.assumeAvailable();
    dev.vertxp2p.interop.JsPeer.Options o =
        dev.vertxp2p.interop.JsPeer.Options.defaults().withMuxers("yamux");
    Map<String, Metric> byName = new LinkedHashMap<>();
    try (dev.vertxp2p.interop.JsPeer a = dev.vertxp2p.interop.JsPeer.start(o);
        dev.vertxp2p.interop.JsPeer b = dev.vertxp2p.interop.JsPeer.start(o.withEcho(true))) {
      for (Metric m : ShapedScenario.stallJs(a, b, 20, java.time.Duration.ofMillis(500),
          java.time.Duration.ofMillis(2))) {
        byName.put(m.name(), m);
      }
    }
    for (String name : List.of("stall.js-js.p50", "stall.js-js.p99", "stall.js-js.failed",
        "stall.js-js.base.p50", "stall.js-js.base.p99")) {
      assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
      assertFalse(Double.isNaN(byName.get(name).value()), name);
    }
    assertEquals(0.0, byName.get("stall.js-js.failed").value(), "js calls failed");
  }

  @Test
  void derivedRowsFromFiguresWorkedOutByHand() {
    Map<String, Metric> m = new LinkedHashMap<>();
    for (Object[] f : new Object[][] {
        {"cpus", 2.0}, {"agg.1x1.cores", 0.5}, {"aead.default", 0.0},
        {"aead.jdk.encrypt", 16.0}, {"aead.jdk.decrypt", 16.0},
        {"aead.bc.encrypt", 8.0}, {"aead.bc.decrypt", 10.0},
        {"tcp.raw", 20.0}, {"tcp.raw.cpu", 1.0}, {"perf.java-java.total", 4.0}}) {
      m.put((String) f[0], new Metric((String) f[0], (Double) f[1], "", ""));
    }
    String report = Report.render("by hand", List.of(new Report.Run("jdk", m,
        new io.vertx.core.json.JsonArray())));
    // cpus / cores of 1 × 1 = 2 / 0.5
    assertTrue(report.contains(
        "| 3 × 8 / 1 × 1 at most on these cores (cpus / cores 1 × 1 kept busy) | 4.000 |"),
        report);
    // perf.bound / raw TCP = 8 / 20
    assertTrue(report.contains("| Java↔Java perf / raw TCP at most on these cores"
        + " (perf.bound / raw TCP) | 0.400 |"), report);
    // perf / the faster of the slower sides, JDK 16 and BouncyCastle 8: 4 / 16
    assertTrue(report.contains("| Java↔Java perf / AEAD limit of the JDK's or BouncyCastle's"
        + " cipher, the faster | 0.250 |"), report);
  }

  @Test
  void coreFiguresAreTheMedianTheSlowestSliceAndTheShareOfSlowSlices() {
    // core 0 steady at 6, core 1 loses a third of its speed for two of four slices
    List<Metric> m = Scenarios.coreMetrics(new double[][] {{6, 6, 6, 6}, {6, 4, 4, 6}}, 0.5);
    Map<String, Double> v = new LinkedHashMap<>();
    m.forEach(x -> v.put(x.name(), x.value()));
    assertEquals(6.0, v.get("cores.aead.median"));
    assertEquals(4.0, v.get("cores.aead.min"));
    assertEquals(25.0, v.get("cores.aead.slow"));
    assertTrue(m.get(0).detail().contains("6.0 6.0 6.0 6.0 | 6.0 4.0 4.0 6.0"), m.get(0).detail());
  }

  @Test
  @Timeout(60)
  void theKeptPeerScenariosRunOnceAtTinySizes() throws Exception {
    Map<String, Metric> byName = new LinkedHashMap<>();
    for (Metric m : KeepScenario.restoreAfterHangUp(2)) {
      byName.put(m.name(), m);
    }
    double median = byName.get("keep.restore.median").value();
    assertTrue(median > 0 && median <= byName.get("keep.restore.max").value(), byName.toString());
    // a figure, or "n/a" with its reason where unhealthy connections are not replaced
    for (Metric m : KeepScenario.replaceStalled(1, 5)) {
      assertTrue(m.value() > 0 || m.detail().startsWith("n/a (no connection.replaced event"),
          m.toString());
    }
  }

  @Test
  @Timeout(20)
  void everyJmhBodyRunsOnce() throws Exception {
    Blackhole bh = new Blackhole(
        "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    for (String kind : List.of("JDK", "BC")) {
      NoiseBench n = new NoiseBench();
      n.aead = kind;
      n.setUp();
      assertEquals(65535 + 2, n.sessionEncrypt().length);
      assertEquals(65519, n.sessionRoundTrip().length);
      assertEquals(65535, n.rawEncrypt());
    }
    for (int size : new int[] {32, 65507}) {
      YamuxBench y = new YamuxBench();
      y.size = size;
      y.setUp();
      for (int i = 0; i < 10; i++) {
        assertEquals(12 + size, y.encode().length);
        y.decode(bh);
      }
    }
    assertEquals("/perf/1.0.0", new MultistreamBench().negotiate());
    for (String strategy : List.of("LEAST_LOADED", "ROUND_ROBIN")) {
      SelectorBench s = new SelectorBench();
      s.strategy = strategy;
      s.connections = 3;
      s.setUp();
      assertNotNull(s.pick());
    }
    for (String key : List.of("ED25519", "RSA_8192")) {
      IdentityVerifyBench b = new IdentityVerifyBench();
      b.key = key;
      b.setUp();
      assertEquals(key.equals("ED25519"), b.decodeAndVerify());
    }
  }

  /**
   * The {@code scale} scenario at 200 connections from one dialer JVM, with its JFR summary: every
   * row is produced and the report renders them. No figure is judged.
   */
  @Test
  @Timeout(180)
  void scaleRunsAtATinySize(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    System.setProperty("bench.warmUpMaxSeconds", "0.1");
    List<Metric> all;
    try {
      all = ScaleScenario.run(new ScaleScenario.Sizes(200, 200, 3, 8, 10, "256m", 0.1, true,
          dir.resolve("scale.jfr")));
    } finally {
      System.clearProperty("bench.warmUpMaxSeconds");
    }
    Map<String, Metric> byName = new LinkedHashMap<>();
    all.forEach(m -> byName.put(m.name(), m));
    List<String> names = new ArrayList<>(List.of("scale.conns", "scale.ping.p50",
        "scale.ping.p99", "scale.linear.heap", "scale.linear.cpu", "scale.project.heap",
        "scale.project.fds", "scale.project.cpu", "scale.project.rest", "scale.jfr.cpu.top.1",
        "scale.jfr.alloc.ours.1"));
    for (int n = 20; n <= 200; n += 20) {
      for (String kind : List.of("heap", "rate", "cpu", "rest")) {
        names.add("scale." + kind + "." + n);
      }
    }
    for (String name : names) {
      assertNotNull(byName.get(name), name + " missing from " + byName.keySet());
    }
    assertEquals(200, byName.get("scale.conns").value());
    String report = Report.render("smoke", List.of(new Report.Run("jdk", byName,
        new io.vertx.core.json.JsonArray())));
    assertTrue(report.contains("| scale.heap.200 | KiB/conn |"), report);
    assertTrue(report.contains("| scale: heap per connection with all open (KiB) | ≤ 16 | "
        + Report.fmt(byName.get("scale.heap.200").value())), report);
  }
}
