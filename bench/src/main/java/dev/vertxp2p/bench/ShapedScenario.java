package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.interop.JsPeer;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Perf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two scenarios on shaped links ({@link ShapingProxy}), where several connections to one peer
 * pay off as they cannot on one unshaped loopback connection:
 *
 * <ul>
 *   <li>{@code shaped.*}: each connection capped (200 Mbit/s each way in the full run) with a
 *       delay added each way (10 ms); 1 connection × 8 streams against 3 connections × 8
 *       streams, streams placed by {@code least_loaded}; each stream a {@code /perf/1.0.0} upload
 *       of the same share of the same total;
 *   <li>{@code stall.*}: links with a delay each way, one of 3 connections stalled (5 s in the full
 *       run); the latency of small request/response streams started during the stall, open loop
 *       at a fixed rate, with {@code connection.hedgeDelay} and without.
 * </ul>
 *
 * <p>Both swarms share one Vert.x; the proxy runs on its own. The dialer has identify off, so it
 * knows only the proxy's address and every connection goes through it.
 */
public final class ShapedScenario {
  private static final long WAIT_S = 60;
  /** The request and the answer of each stall-scenario stream. */
  static final int SMALL_BYTES = 64;
  /** Largest write of an upload. */

  private ShapedScenario() {}

  // ---- shaped ----------------------------------------------------------------------------------

  /**
   * 1 × {@code streams} then 3 × {@code streams} through links of {@code shape}: {@code
   * totalBytes} uploaded per layout, in equal shares per stream, all streams at once.
   */
  public static List<Metric> shaped(long totalBytes, int streams, ShapingProxy.Shape shape)
      throws Exception {
    List<Metric> out = new ArrayList<>();
    double[] rate = new double[2];
    int i = 0;
    for (int conns : new int[] {1, 3}) {
      SwarmPair p = new SwarmPair(conns, null, LoadBalancingStrategy.LEAST_LOADED,
          new HealthOptions());
      Vertx proxyVertx = Vertx.vertx();
      try (ShapingProxy proxy = Await.get(ShapingProxy.start(proxyVertx, "127.0.0.1",
          p.b.listenAddrs().get(0).port().getAsInt(), shape), WAIT_S)) {
        p.dialVia(proxy, conns);
        int n = conns * streams;
        long perStream = Math.max(1, totalBytes / n);
        long warmPerStream = Math.max(1, Math.min(perStream, (16L << 20) / n));
        double warm = Scenarios.warmUntilJitQuiet(() -> upload(open(p, n), warmPerStream));
        // opened one after another, each a round trip through its link: not part of the timing
        // (24 of them took 500 ms of a 4 s transfer, 8 only 170 ms of 11 s)
        List<P2pStream> opened = open(p, n);
        Await.get(proxy.resetStats(), WAIT_S);
        long cpu0 = Scenarios.cpuNanos();
        long start = System.nanoTime();
        Map<String, Integer> placed = upload(opened, perStream);
        long nanos = System.nanoTime() - start;
        long cpu = Scenarios.cpuNanos() - cpu0;
        long moved = perStream * n;
        rate[i] = moved * 8e3 / nanos; // Mbit/s
        String name = "shaped." + conns + "x" + streams;
        out.add(new Metric(name, rate[i], "Mbit/s", String.format(Locale.ROOT,
            "%d conn%s x %d streams (least_loaded; streams per connection %s), %s uploaded"
                + " in all, each link %s; queue at most %d KiB of its %d KiB bound; after %.0f s"
                + " of warm-up", conns, conns == 1 ? "" : "s", streams, placed.values(),
            Scenarios.mib(moved), shape, proxy.maxQueued() >> 10, proxy.queueBound() >> 10,
            warm)));
        // how much of the machine it kept busy: a layout short of its cap with the cores full
        // is held back by CPU (both swarms and the proxy are in this JVM), not by the links
        out.add(Scenarios.coresBusy(name + ".cores", cpu, nanos));
        out.add(links(name + ".links", Await.get(proxy.stats(), WAIT_S), start));
      } finally {
        p.close();
        Await.get(proxyVertx.close(), WAIT_S);
      }
      i++;
    }
    out.add(new Metric("shaped.ratio", rate[1] / rate[0], "x",
        "3 x " + streams + " over 1 x " + streams + ", measured back to back"));
    return out;
  }

  /**
   * The upload direction of every link: the slowest link's rate over its own span, and in the
   * description each link's rate, when it finished, and where its time went (see {@link
   * ShapingProxy.LinkStats}).
   */
  static Metric links(String name, List<ShapingProxy.LinkStats> stats, long start) {
    List<ShapingProxy.LinkStats> up = stats.stream()
        .filter(l -> l.toTarget() && l.bytes() > 0)
        .sorted(java.util.Comparator.comparingLong(ShapingProxy.LinkStats::lastNanos))
        .toList();
    if (up.isEmpty()) {
      return new Metric(name, Double.NaN, "Mbit/s", "no link forwarded anything");
    }
    StringBuilder d = new StringBuilder("upload direction of each link, by finish: ");
    double slowest = Double.MAX_VALUE;
    for (ShapingProxy.LinkStats l : up) {
      slowest = Math.min(slowest, l.mbits());
      d.append(String.format(Locale.ROOT, "[%.1f Mbit/s, %s, first byte +%.0f ms, last +%.0f"
          + " ms; nothing queued %.1f %%, only bytes still in the delay %.1f %%, receiver full"
          + " %.1f %%, timers late %.0f ms in all, %.1f ms at most] ", l.mbits(),
          Scenarios.mib(l.bytes()),
          (l.firstNanos() - start) / 1e6, (l.lastNanos() - start) / 1e6,
          l.emptyShare() * 100, l.delayWaitShare() * 100, l.sinkFullShare() * 100,
          l.lateNanos() / 1e6, l.maxLateNanos() / 1e6));
    }
    d.append("(the rest of each span: sending, or waiting on its cap)");
    return new Metric(name, slowest, "Mbit/s", d.toString().trim());
  }

  /**
   * Opens {@code n} perf streams from A to B one after another, so that {@code least_loaded} sees
   * each one before placing the next.
   */
  private static List<P2pStream> open(SwarmPair p, int n) {
    List<P2pStream> opened = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      opened.add(Await.get(p.a.newStream(p.b.peerId(), Perf.PROTOCOL), WAIT_S));
    }
    return opened;
  }

  /**
   * Uploads {@code bytes} on each of the {@code opened} streams, all at once; returns how many
   * streams each connection got.
   */
  private static Map<String, Integer> upload(List<P2pStream> opened, long bytes) {
    Map<String, Integer> placed = new TreeMap<>();
    for (P2pStream s : opened) {
      placed.merge(s.connection().id(), 1, Integer::sum);
    }
    List<Future<Void>> runs = new ArrayList<>();
    for (P2pStream s : opened) {
      runs.add(uploadOn(s, bytes));
    }
    Await.get(Future.all(runs), Scenarios.SCENARIO_TIMEOUT_S);
    return placed;
  }

  /**
   * A perf client that only uploads: asks for 0 bytes back, writes {@code bytes} with
   * back-pressure and closes; completes at the server's close, which follows its reading all.
   */
  private static Future<Void> uploadOn(P2pStream stream, long bytes) {
    Promise<Void> done = Promise.promise();
    stream.exceptionHandler(done::tryFail);
    stream.handler(b -> done.tryFail(new IllegalStateException("perf server sent bytes")));
    stream.endHandler(v -> done.tryComplete());
    stream.write(Buffer.buffer(8).appendLong(0));
    Promise<Void> sent = Promise.promise();
    sent.future().onSuccess(x -> stream.end());
    dev.vertxp2p.protocols.Perf.send(stream, bytes, sent);
    return done.future();
  }

  // ---- stall -----------------------------------------------------------------------------------

  /**
   * Small request/response streams ({@value #SMALL_BYTES} bytes echoed) started at {@code
   * callsPerSecond} while one of 3 connections is stalled for {@code stall}, links delayed by
   * {@code delay} each way: without hedging, then with {@code hedgeDelay}. Health checks are off,
   * so the stalled connection stays in the pick (as in {@code hedge.*}); the strategy is the
   * default, round robin, so one call in three is placed on it.
   */
  public static List<Metric> stall(double callsPerSecond, Duration stall, Duration hedgeDelay,
      Duration delay) throws Exception {
    List<Metric> out = new ArrayList<>();
    out.addAll(stallCase("stall.off", null, callsPerSecond, stall, delay));
    out.addAll(stallCase("stall.on", hedgeDelay, callsPerSecond, stall, delay));
    return out;
  }

  private static List<Metric> stallCase(String name, Duration hedgeDelay, double callsPerSecond,
      Duration stall, Duration delay) throws Exception {
    SwarmPair p = new SwarmPair(3, hedgeDelay, LoadBalancingStrategy.ROUND_ROBIN,
        new HealthOptions().setEnabled(false));
    Vertx proxyVertx = Vertx.vertx();
    try (ShapingProxy proxy = Await.get(ShapingProxy.start(proxyVertx, "127.0.0.1",
        p.b.listenAddrs().get(0).port().getAsInt(), new ShapingProxy.Shape(0, delay)), WAIT_S)) {
      List<Connection> conns = p.dialVia(proxy, 3);
      Scenarios.warmUntilJitQuiet(() -> openLoop(p, callsPerSecond, Duration.ofSeconds(1)));
      double[] rtt = new double[5];
      for (int k = 0; k < rtt.length; k++) {
        rtt[k] = Await.get(p.a.ping(p.b.peerId()), WAIT_S);
      }
      double rttMs = Rounds.median(rtt);
      // the same calls for as long with no stall: the tail the links and this machine give
      // anyway, which a hedged call pays on top of the hedge delay
      Calls base = openLoop(p, callsPerSecond, stall);
      long[] baseSorted = base.nanos.stream().mapToLong(Long::longValue).sorted().toArray();
      Await.get(proxy.stall(conns.get(1).localAddr().port().getAsInt(), stall), WAIT_S);
      Calls calls = openLoop(p, callsPerSecond, stall);
      long[] sorted = calls.nanos.stream().mapToLong(Long::longValue).sorted().toArray();
      String detail = String.format(Locale.ROOT,
          "%d calls (open + %d B echo + close) started during the stall, %.0f/s; 1 of 3"
              + " connections stalled %.1f s; links +%d ms each way (ping %.1f ms);"
              + " hedgeDelay %s; round robin, health checks off%s", sorted.length, SMALL_BYTES,
          callsPerSecond, stall.toMillis() / 1e3, delay.toMillis(), rttMs,
          hedgeDelay == null ? "off" : hedgeDelay.toMillis() + " ms",
          calls.failed.get() == 0 ? "" : ", " + calls.failed.get() + " failed");
      List<Metric> m = new ArrayList<>();
      m.add(new Metric(name + ".p50", percentile(sorted, 0.50) / 1e6, "ms", detail));
      m.add(new Metric(name + ".p99", percentile(sorted, 0.99) / 1e6, "ms", detail));
      m.add(new Metric(name + ".max", sorted.length == 0 ? Double.NaN
          : sorted[sorted.length - 1] / 1e6, "ms", detail));
      m.add(new Metric(name + ".failed", calls.failed.get(), "", detail));
      String baseDetail = String.format(Locale.ROOT, "the same %d calls over the same links"
          + " just before the stall, none stalled%s", baseSorted.length,
          base.failed.get() == 0 ? "" : ", " + base.failed.get() + " failed");
      m.add(new Metric(name + ".base.p50", percentile(baseSorted, 0.50) / 1e6, "ms",
          baseDetail));
      m.add(new Metric(name + ".base.p99", percentile(baseSorted, 0.99) / 1e6, "ms",
          baseDetail));
      if (hedgeDelay != null) {
        m.add(new Metric(name + ".bound", hedgeDelay.toNanos() / 1e6 + 3 * rttMs, "ms",
            "the target for " + name + ".p99: hedgeDelay + 3 x the round trip measured by"
                + " ping through the proxy"));
      }
      return m;
    } finally {
      p.close();
      Await.get(proxyVertx.close(), WAIT_S);
    }
  }

  /**
   * js-libp2p under the same stall, with its one connection: js peer {@code a} dials js peer
   * {@code b} (which must serve {@code /echo/1.0.0}) through the proxy, then runs the same open
   * loop of echo calls with its {@code echoRate} command: without a stall first ({@code .base.*}),
   * then with its connection stalled for {@code stall}.
   */
  public static List<Metric> stallJs(JsPeer a, JsPeer b, double callsPerSecond, Duration stall,
      Duration delay) throws Exception {
    Multiaddr bAddr = Multiaddr.parse(b.addr());
    Vertx proxyVertx = Vertx.vertx();
    try (ShapingProxy proxy = Await.get(ShapingProxy.start(proxyVertx, "127.0.0.1",
        bAddr.port().getAsInt(), new ShapingProxy.Shape(0, delay)), WAIT_S)) {
      String via = "/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + bAddr.peerId().orElseThrow();
      a.callOk(JsPeer.cmd("dial", "addr", via));
      if (proxy.linkPorts().size() != 1) {
        throw new IllegalStateException("expected 1 link through the proxy, got "
            + proxy.linkPorts());
      }
      jsOpenLoop(a, via, callsPerSecond, Duration.ofSeconds(1)); // warm-up
      JsonObject base = jsOpenLoop(a, via, callsPerSecond, stall);
      Await.get(proxy.stall(proxy.linkPorts().get(0), stall), WAIT_S);
      JsonObject during = jsOpenLoop(a, via, callsPerSecond, stall);
      long[] sorted = jsSorted(during);
      long[] baseSorted = jsSorted(base);
      String detail = String.format(Locale.ROOT,
          "js-libp2p to js-libp2p, 1 connection, stalled %.1f s; %d calls (open + %d B echo +"
              + " close) started during the stall, %.0f/s; links +%d ms each way; no hedging%s",
          stall.toMillis() / 1e3, sorted.length, SMALL_BYTES, callsPerSecond, delay.toMillis(),
          during.getInteger("failed") == 0 ? "" : ", " + during.getInteger("failed")
              + " failed, the first with " + during.getString("firstError"));
      return List.of(
          new Metric("stall.js-js.p50", percentile(sorted, 0.50) / 1e6, "ms", detail),
          new Metric("stall.js-js.p99", percentile(sorted, 0.99) / 1e6, "ms", detail),
          new Metric("stall.js-js.failed", during.getInteger("failed"), "", detail),
          new Metric("stall.js-js.base.p50", percentile(baseSorted, 0.50) / 1e6, "ms",
              "the same js calls just before the stall"),
          new Metric("stall.js-js.base.p99", percentile(baseSorted, 0.99) / 1e6, "ms",
              "the same js calls just before the stall"));
    } finally {
      Await.get(proxyVertx.close(), WAIT_S);
    }
  }

  private static JsonObject jsOpenLoop(JsPeer a, String via, double callsPerSecond,
      Duration duration) {
    long timeoutMs = duration.toMillis() + 60_000;
    JsonObject r = a.call(JsPeer.cmd("echoRate", "addr", via, "size", SMALL_BYTES,
        "rate", callsPerSecond, "durationMs", duration.toMillis(), "timeoutMs", timeoutMs),
        Duration.ofMillis(timeoutMs + 10_000));
    if (!r.getBoolean("ok", false)) {
      throw new IllegalStateException("js peer failed: " + r.encode());
    }
    return r;
  }

  private static long[] jsSorted(JsonObject r) {
    JsonArray ms = r.getJsonArray("latenciesMs");
    long[] out = new long[ms.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (long) (ms.getDouble(i) * 1e6);
    }
    Arrays.sort(out);
    return out;
  }

  /** The latencies of an open loop's calls, failed ones included (up to their failure). */
  private record Calls(ConcurrentLinkedQueue<Long> nanos, AtomicInteger failed) {}

  /**
   * Starts one echo call every {@code 1 / callsPerSecond} for {@code duration}, whatever became
   * of the earlier ones (an open loop: a stuck call does not hold back the next); waits for all.
   */
  private static Calls openLoop(SwarmPair p, double callsPerSecond, Duration duration) {
    Calls calls = new Calls(new ConcurrentLinkedQueue<>(), new AtomicInteger());
    Buffer payload = Buffer.buffer(new byte[SMALL_BYTES]);
    long period = Math.max(1, Math.round(1000 / callsPerSecond));
    long total = Math.max(1, duration.toMillis() / period);
    AtomicInteger started = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Promise<Void> all = Promise.promise();
    p.vertx.setPeriodic(1, period, id -> {
      if (started.get() >= total) {
        p.vertx.cancelTimer(id);
        return;
      }
      started.incrementAndGet();
      long t0 = System.nanoTime();
      p.a.newStream(p.b.peerId(), Echo.PROTOCOL)
          .compose(s -> StreamRateScenario.echo(s, payload))
          .onComplete(ar -> {
            calls.nanos.add(System.nanoTime() - t0);
            if (ar.failed()) {
              calls.failed.incrementAndGet();
            }
            if (finished.incrementAndGet() == total) {
              all.tryComplete();
            }
          });
    });
    Await.get(all.future(), duration.toSeconds()
        + TransportOptions.DEFAULT_STREAM_NEGOTIATION_TIMEOUT.toSeconds() + WAIT_S);
    return calls;
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  // ---- shared ----------------------------------------------------------------------------------

  /** A dials B: both on one Vert.x, B serving perf and echo. */
  private static final class SwarmPair {
    final Vertx vertx = Vertx.vertx();
    final Swarm a;
    final Swarm b;

    SwarmPair(int conns, Duration hedgeDelay, LoadBalancingStrategy strategy,
        HealthOptions health) {
      b = Swarm.create(vertx, options(3, null, strategy, health));
      a = Swarm.create(vertx, options(conns, hedgeDelay, strategy, health));
      try {
        Await.get(Future.all(a.start(), b.start()), WAIT_S);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    private static SwarmOptions options(int conns, Duration hedgeDelay,
        LoadBalancingStrategy strategy, HealthOptions health) {
      SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
          .setHealth(new HealthOptions(health))
          .setTransport(new TransportOptions().setShutdownGracePeriod(Duration.ZERO));
      o.getServices().setIdentify(false).setEcho(true).setPerf(true);
      o.getConnection().setMaxConnectionsPerPeer(conns).setLoadBalancingStrategy(strategy)
          .setHedgeDelay(hedgeDelay);
      return o;
    }

    /** {@code n} connections from A to B through {@code proxy}. */
    List<Connection> dialVia(ShapingProxy proxy, int n) {
      Multiaddr via = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/"
          + b.peerId());
      List<Connection> conns = Await.get(a.dial(via, new DialOptions().setConnections(n)),
          WAIT_S);
      if (conns.size() != n) {
        throw new IllegalStateException("expected " + n + " connections, got " + conns.size());
      }
      return conns;
    }

    void close() {
      Await.get(Future.join(a.close(), b.close()).otherwiseEmpty()
          .compose(v -> vertx.close()), WAIT_S);
    }
  }
}
