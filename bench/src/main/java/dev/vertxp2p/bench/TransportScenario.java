package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.interop.JsPeer;
import dev.vertxp2p.protocols.Perf;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code transport.<kind>.*}: the same two swarms' perf and establishment rate over each
 * transport and security protocol, so the cost of each is read beside TCP + Noise in one run. Each
 * kind is two {@link Swarm}s in one Vert.x (both ends in this JVM, as the other Java↔Java rows):
 * the listener on the kind's address, the dialer with the kind's options.
 *
 * <ul>
 *   <li>{@code .perf.*}: one {@code /perf/1.0.0} stream, {@code bytes} up then down, after an
 *       untimed warm-up until the JIT is quiet.
 *   <li>{@code .java-js.perf.*}, {@code .js-java.perf.total} ({@link #runJs}): the same perf
 *       transfer between a Java swarm and a js-libp2p peer over the kind, each side the client in
 *       turn (a js client's figure is only the total, as for the other js rows).
 *   <li>{@code .conn}: connections established per second: top-ups to {@code inFlight}
 *       connections (the swarm's dials run together), each followed by closing them all, back to
 *       back; {@code .conn.cpu} the JVM's CPU time per connection (both ends).
 * </ul>
 */
public final class TransportScenario {

  /** A transport (and security protocol) measured: its listen address and the dialer's options. */
  record Kind(String name, String listen, String detail, Consumer<SwarmOptions> options,
      String jsSecurity) {}

  /** Every kind, in report order; {@code BENCH_TRANSPORTS} picks some by name. */
  static final Map<String, Kind> KINDS = kinds();

  private static Map<String, Kind> kinds() {
    Map<String, Kind> m = new LinkedHashMap<>();
    m.put("tcp-noise", new Kind("tcp-noise", "/ip4/127.0.0.1/tcp/0", "TCP + Noise + Yamux",
        o -> { }, "noise"));
    m.put("tcp-tls", new Kind("tcp-tls", "/ip4/127.0.0.1/tcp/0", "TCP + TLS 1.3 + Yamux",
        o -> o.getTransport().setSecurity(List.of(TransportOptions.TLS_PROTOCOL)), "tls"));
    m.put("ws-noise", new Kind("ws-noise", "/ip4/127.0.0.1/tcp/0/ws",
        "WebSocket + Noise + Yamux", o -> { }, "noise"));
    m.put("quic", new Kind("quic", "/ip4/127.0.0.1/udp/0/quic-v1",
        "QUIC v1 (TLS 1.3, QUIC streams)", o -> { }, "noise"));
    return m;
  }

  private TransportScenario() {}

  /** The kinds named in {@code csv} (all when blank), refusing an unknown name. */
  static List<Kind> select(String csv) {
    if (csv == null || csv.isBlank()) {
      return List.copyOf(KINDS.values());
    }
    List<Kind> out = new ArrayList<>();
    for (String name : csv.split(",")) {
      Kind k = KINDS.get(name.trim());
      if (k == null) {
        throw new IllegalArgumentException("BENCH_TRANSPORTS: unknown transport '" + name.trim()
            + "', expected some of " + KINDS.keySet());
      }
      out.add(k);
    }
    return out;
  }

  /**
   * Runs every kind in turn.
   *
   * @param bytes perf bytes each way
   * @param inFlight connections per top-up in the establishment loop
   * @param seconds how long the establishment loop runs (after its warm-up)
   */
  public static List<Metric> run(List<Kind> kinds, long bytes, int inFlight, double seconds) {
    if (inFlight < 1) {
      throw new IllegalArgumentException("connections in flight must be >= 1, got " + inFlight);
    }
    List<Metric> out = new ArrayList<>();
    for (Kind k : kinds) {
      out.addAll(one(k, bytes, inFlight, seconds));
    }
    return out;
  }

  /**
   * Java↔js perf over each kind: the js peer (Yamux, the kind's encrypter; QUIC needs none)
   * serves perf on the kind's address and a Java swarm runs a perf client against it, then the js
   * peer runs one against the Java swarm.
   */
  public static List<Metric> runJs(List<Kind> kinds, long bytes) throws Exception {
    List<Metric> out = new ArrayList<>();
    for (Kind k : kinds) {
      JsPeer.Options js = JsPeer.Options.defaults().withMuxers("yamux").withListen(k.listen())
          .withSecurity(k.jsSecurity());
      try (JsPeer peer = JsPeer.start(js)) {
        peer.callOk(JsPeer.cmd("servePerf"));
        Vertx vertx = Vertx.vertx();
        try {
          Swarm node = Swarm.create(vertx, options(k, k.listen(), 3));
          Await.get(node.start(), 30);
          String prefix = "transport." + k.name();
          String detail = k.detail() + ", " + Scenarios.mib(bytes) + " up + "
              + Scenarios.mib(bytes) + " down, 1 stream";
          Connection conn = Await.get(node.dial(Multiaddr.parse(peer.addr()),
              new DialOptions()), 30).get(0);
          Scenarios.warmUntilJitQuiet(() -> Await.get(Perf.run(conn,
              Math.min(bytes, Scenarios.PERF_WARMUP_BYTES),
              Math.min(bytes, Scenarios.PERF_WARMUP_BYTES)), Scenarios.SCENARIO_TIMEOUT_S));
          Perf.Result r = Await.get(Perf.run(conn, bytes, bytes), Scenarios.SCENARIO_TIMEOUT_S);
          out.addAll(Scenarios.perfMetrics(prefix + ".java-js.perf", bytes, bytes,
              r.uploadNanos(), r.totalNanos(), detail + ", Java client"));
          io.vertx.core.json.JsonObject a = peer.call(JsPeer.cmd("perf", "addr",
              node.listenAddrs().get(0).toString(), "upload", bytes, "download", bytes,
              "timeoutMs", Scenarios.SCENARIO_TIMEOUT_S * 1000),
              java.time.Duration.ofSeconds(Scenarios.SCENARIO_TIMEOUT_S + 10));
          Scenarios.requireOk(a);
          out.add(Scenarios.jsPerfMetric(prefix + ".js-java.perf", bytes, bytes, a,
              detail + ", js client"));
        } finally {
          Await.get(vertx.close(), 60);
        }
      }
    }
    return out;
  }

  private static SwarmOptions options(Kind k, String listen, int perPeer) {
    SwarmOptions o = new SwarmOptions().setListen(listen == null ? List.of() : List.of(listen));
    o.getConnection().setMaxConnectionsPerPeer(perPeer);
    o.getServices().setPerf(true).setIdentify(false);
    k.options().accept(o);
    return o;
  }

  private static List<Metric> one(Kind k, long bytes, int inFlight, double seconds) {
    Vertx vertx = Vertx.vertx();
    try {
      // Room for a whole top-up beside one still closing, on both ends.
      int perPeer = 2 * inFlight + 1;
      Swarm server = Swarm.create(vertx, options(k, k.listen(), perPeer));
      Swarm client = Swarm.create(vertx, options(k, null, perPeer));
      Await.get(server.start(), 30);
      Await.get(client.start(), 30);
      Multiaddr addr = server.listenAddrs().get(0);
      List<Metric> out = new ArrayList<>();
      String prefix = "transport." + k.name();

      Connection conn = Await.get(client.dial(addr, new DialOptions()), 30).get(0);
      Scenarios.warmUntilJitQuiet(() -> Await.get(Perf.run(conn,
          Math.min(bytes, Scenarios.PERF_WARMUP_BYTES),
          Math.min(bytes, Scenarios.PERF_WARMUP_BYTES)), Scenarios.SCENARIO_TIMEOUT_S));
      long cpu0 = Scenarios.cpuNanos();
      Perf.Result r = Await.get(Perf.run(conn, bytes, bytes), Scenarios.SCENARIO_TIMEOUT_S);
      long cpu = Scenarios.cpuNanos() - cpu0;
      out.addAll(Scenarios.perfMetrics(prefix + ".perf", bytes, bytes, r.uploadNanos(),
          r.totalNanos(), k.detail() + ", " + Scenarios.mib(bytes) + " up + "
              + Scenarios.mib(bytes) + " down, 1 stream"));
      out.add(new Metric(prefix + ".perf.cpu", (double) cpu / (2 * bytes), "ns/B",
          "CPU time of this JVM (both ends) per byte moved"));
      Await.get(conn.close(), 30);

      Scenarios.warmUntilJitQuiet(() -> establish(client, server, addr, inFlight, 1,
          new AtomicLong()));
      AtomicLong opened = new AtomicLong();
      cpu0 = Scenarios.cpuNanos();
      double rate = establish(client, server, addr, inFlight, seconds, opened);
      cpu = Scenarios.cpuNanos() - cpu0;
      out.add(new Metric(prefix + ".conn", rate, "conn/s", String.format(Locale.ROOT,
          "%s, top-ups to %d connections then closing them, for %.1f s", k.detail(), inFlight,
          seconds)));
      out.add(new Metric(prefix + ".conn.cpu", cpu / 1e6 / Math.max(1, opened.get()), "ms/conn",
          "CPU time of this JVM (both ends) per establishment"));
      return out;
    } finally {
      Await.get(vertx.close(), 60);
    }
  }

  /**
   * Top-ups to {@code inFlight} connections, each followed by closing them all, for {@code
   * seconds}; connections opened per second of the loop.
   */
  private static double establish(Swarm client, Swarm server, Multiaddr addr, int inFlight,
      double seconds, AtomicLong opened) {
    long t0 = System.nanoTime();
    long deadline = t0 + (long) (seconds * 1e9);
    long n = 0;
    while (System.nanoTime() < deadline) {
      List<Connection> conns = Await.get(client.dial(addr,
          new DialOptions().setConnections(inFlight)), 60);
      if (conns.size() != inFlight) {
        throw new IllegalStateException("a top-up to " + inFlight + " gave " + conns.size()
            + " connections");
      }
      n += conns.size();
      List<Future<Void>> closing = new ArrayList<>();
      for (Connection c : conns) {
        closing.add(c.close());
      }
      Await.get(Future.join(closing), 60);
      // the listener lists a connection until it has seen the close; wait for it to let go
      Await.get(server.getConnections(client.peerId()).isEmpty() ? Future.succeededFuture()
          : awaitNone(server, client), 60);
    }
    opened.addAndGet(n);
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  private static Future<Void> awaitNone(Swarm server, Swarm client) {
    io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
    dev.vertxp2p.Registration[] reg = new dev.vertxp2p.Registration[1];
    reg[0] = server.eventHandler(e -> {
      if (server.getConnections(client.peerId()).isEmpty()) {
        p.tryComplete();
      }
    });
    if (server.getConnections(client.peerId()).isEmpty()) {
      p.tryComplete();
    }
    return p.future().onComplete(ar -> reg[0].unregister());
  }
}
