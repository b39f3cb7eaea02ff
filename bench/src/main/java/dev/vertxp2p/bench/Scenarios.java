package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.interop.GoPeer;
import dev.vertxp2p.interop.JsPeer;
import dev.vertxp2p.proto.noise.NoiseAead;
import dev.vertxp2p.proto.noise.NoiseAeads;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.MuxedConnection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The benchmark bodies. Each takes its sizes as arguments, bounds every loop in count and time,
 * talks to 127.0.0.1 only, and returns its figures; {@link BenchMain} picks the sizes and {@code
 * BenchSmokeTest} runs each once at tiny sizes.
 */
public final class Scenarios {
  /** Upper bound on any single scenario; a run over it fails instead of hanging. */
  static final long SCENARIO_TIMEOUT_S = 300;

  private Scenarios() {}

  // ---- baselines ---------------------------------------------------------------------------

  /**
   * Raw TCP over loopback: one plain Java socket writes {@code bytes} in 256 KiB writes, another
   * reads and discards them; timed until the reader has all.
   */
  public static List<Metric> rawTcp(long bytes) throws Exception {
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      AtomicLong readerNanos = new AtomicLong();
      Thread reader = new Thread(() -> {
        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
          byte[] buf = new byte[256 * 1024];
          long got = 0;
          int n;
          while (got < bytes && (n = in.read(buf)) > 0) {
            got += n;
          }
          readerNanos.set(System.nanoTime());
        } catch (IOException e) {
          readerNanos.set(-1);
        }
      }, "raw-tcp-reader");
      reader.start();
      long start;
      long cpu0;
      try (Socket c = new Socket()) {
        c.setTcpNoDelay(true);
        c.connect(server.getLocalSocketAddress());
        OutputStream out = c.getOutputStream();
        byte[] buf = new byte[256 * 1024];
        cpu0 = cpuNanos();
        start = System.nanoTime();
        for (long left = bytes; left > 0; ) {
          int n = (int) Math.min(buf.length, left);
          out.write(buf, 0, n);
          left -= n;
        }
        reader.join(TimeUnit.SECONDS.toMillis(SCENARIO_TIMEOUT_S));
      }
      long cpu = cpuNanos() - cpu0;
      long end = readerNanos.get();
      if (end <= 0) {
        throw new IllegalStateException("raw TCP reader failed or timed out");
      }
      return List.of(new Metric("tcp.raw", Metric.gbits(bytes, end - start), "Gbit/s",
              mib(bytes) + " one socket, 256 KiB writes"),
          new Metric("tcp.raw.cpu", (double) cpu / bytes, "ns/B",
              "CPU time of this JVM (writer and reader, the kernel's TCP work in their system"
                  + " calls) per byte: what moving a byte through a Java socket costs"),
          coresBusy("tcp.raw.cores", cpu, end - start));
    }
  }

  /**
   * ChaCha20-Poly1305 on one core, JDK and BouncyCastle: encrypt then decrypt {@code bytes} in
   * Noise-sized messages (65519 bytes of plaintext).
   */
  public static List<Metric> aead(long bytes) {
    List<Metric> out = new ArrayList<>();
    int len = NoiseSession.MAX_PLAINTEXT_LENGTH;
    byte[] plain = new byte[len];
    byte[] cipher = new byte[len + NoiseAead.TAG_LENGTH];
    byte[] back = new byte[len];
    byte[] key = new byte[NoiseAead.KEY_LENGTH];
    long messages = Math.max(1, bytes / len);
    for (NoiseAeads.Kind kind : NoiseAeads.Kind.values()) {
      NoiseAead enc = NoiseAeads.create(kind);
      NoiseAead dec = NoiseAeads.create(kind);
      enc.setKey(key);
      dec.setKey(key);
      // warm-up until the JIT is quiet, so the loop is compiled and the JDK's ChaCha20 and
      // Poly1305 intrinsics are in use before it is timed (after 200 messages, JDK 25's AEAD
      // still ran at half its warm speed)
      long[] nonce = {0};
      warmUntilJitQuiet(() -> {
        long until = System.nanoTime() + 500_000_000L;
        do {
          enc.encrypt(nonce[0], null, plain, 0, len, cipher, 0);
          dec.decrypt(nonce[0], null, cipher, 0, cipher.length, back, 0);
          nonce[0]++;
        } while (System.nanoTime() < until);
      });
      long encNanos = 0;
      long decNanos = 0;
      for (long i = 0; i < messages; i++) {
        long t0 = System.nanoTime();
        enc.encrypt(nonce[0] + i, null, plain, 0, len, cipher, 0);
        long t1 = System.nanoTime();
        dec.decrypt(nonce[0] + i, null, cipher, 0, cipher.length, back, 0);
        encNanos += t1 - t0;
        decNanos += System.nanoTime() - t1;
      }
      long total = messages * len;
      String name = kind.name().toLowerCase(Locale.ROOT);
      out.add(new Metric("aead." + name + ".encrypt", Metric.gbits(total, encNanos), "Gbit/s",
          mib(total) + " in 65519-byte messages, one core"));
      out.add(new Metric("aead." + name + ".decrypt", Metric.gbits(total, decNanos), "Gbit/s",
          mib(total) + " in 65519-byte messages, one core"));
    }
    out.add(new Metric("aead.default", NoiseAeads.configuredKind().ordinal(),
        Arrays.stream(NoiseAeads.Kind.values())
            .map(k -> k.ordinal() + "=" + k.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(" ")),
        "the implementation Noise picks on this JDK"));
    return out;
  }

  /**
   * The machine's two cores side by side: the AEAD Noise uses on this JDK, one thread per core,
   * both at once, its speed taken per {@code sliceSeconds} slice. Perf keeps both cores busy and
   * moves at the pace of the slower one, while {@link #aead} times one core alone; on this
   * virtual machine either core can lose a third of its speed for seconds at a time, which these
   * figures show beside the perf figure of the same round.
   */
  public static List<Metric> cores(double seconds, double sliceSeconds) {
    int threads = 2;
    int slices = Math.max(1, (int) Math.round(seconds / sliceSeconds));
    long sliceNanos = (long) (sliceSeconds * 1e9);
    int len = NoiseSession.MAX_PLAINTEXT_LENGTH;
    double[][] rates = new double[threads][slices];
    CyclicBarrier start = new CyclicBarrier(threads);
    List<Thread> running = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    for (int t = 0; t < threads; t++) {
      double[] mine = rates[t];
      Thread th = new Thread(() -> {
        try {
          NoiseAead enc = NoiseAeads.create(NoiseAeads.configuredKind());
          enc.setKey(new byte[NoiseAead.KEY_LENGTH]);
          byte[] plain = new byte[len];
          byte[] cipher = new byte[len + NoiseAead.TAG_LENGTH];
          long n = 0;
          // a short run of the same loop first (the aead scenario has already warmed the JIT)
          long until = System.nanoTime() + sliceNanos;
          while (System.nanoTime() < until) {
            enc.encrypt(n++, null, plain, 0, len, cipher, 0);
          }
          start.await(30, TimeUnit.SECONDS);
          long t0 = System.nanoTime();
          for (int i = 0; i < slices; i++) {
            long end = t0 + (i + 1) * sliceNanos;
            long bytes = 0;
            long from = System.nanoTime();
            long now;
            do {
              enc.encrypt(n++, null, plain, 0, len, cipher, 0);
              bytes += len;
              now = System.nanoTime();
            } while (now < end);
            mine[i] = Metric.gbits(bytes, now - from);
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }, "bench-core-" + t);
      th.start();
      running.add(th);
    }
    for (Thread th : running) {
      try {
        th.join(TimeUnit.SECONDS.toMillis(SCENARIO_TIMEOUT_S));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for the core threads", e);
      }
      if (th.isAlive()) {
        throw new IllegalStateException(th.getName() + " still running after "
            + SCENARIO_TIMEOUT_S + " s");
      }
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a core thread failed", failures.get(0));
    }
    return coreMetrics(rates, sliceSeconds);
  }

  /** Median, slowest slice and share of slow slices of per-thread, per-slice rates. */
  static List<Metric> coreMetrics(double[][] rates, double sliceSeconds) {
    double[] all = Arrays.stream(rates).flatMapToDouble(Arrays::stream).sorted().toArray();
    double median = Rounds.median(all);
    long slow = Arrays.stream(all).filter(v -> v < 0.85 * median).count();
    StringBuilder perThread = new StringBuilder();
    for (double[] r : rates) {
      perThread.append(perThread.length() == 0 ? "" : " | ");
      perThread.append(Arrays.stream(r).mapToObj(v -> String.format(Locale.ROOT, "%.1f", v))
          .collect(Collectors.joining(" ")));
    }
    String what = rates.length + " threads at once, " + rates[0].length + " slices of "
        + sliceSeconds + " s each, " + NoiseAeads.configuredKind().name().toLowerCase(
            Locale.ROOT) + " AEAD";
    List<Metric> out = new ArrayList<>();
    out.add(new Metric("cores.aead.median", median, "Gbit/s",
        "per core, " + what + ": " + perThread));
    out.add(new Metric("cores.aead.min", all[0], "Gbit/s", "slowest slice of either core, " + what));
    out.add(new Metric("cores.aead.slow", 100.0 * slow / all.length, "%",
        "slices more than 15 % below the median, " + what));
    return out;
  }

  // ---- perf ----------------------------------------------------------------------------------

  static List<Metric> perfMetrics(String name, long up, long down, long upNanos,
      long totalNanos, String detail) {
    List<Metric> out = new ArrayList<>();
    if (up > 0) {
      out.add(new Metric(name + ".up", Metric.gbits(up, upNanos), "Gbit/s", detail));
    }
    if (down > 0) {
      out.add(new Metric(name + ".down", Metric.gbits(down, totalNanos - upNanos), "Gbit/s",
          detail));
    }
    out.add(new Metric(name + ".total", Metric.gbits(up + down, totalNanos), "Gbit/s", detail));
    return out;
  }

  /**
   * Bytes each way of the unmeasured perf rounds before a measured one: the first gigabyte
   * through a cold JVM runs at a fraction of the warm speed (measured on JDK 25: 0.5 Gbit/s up
   * cold, 2.6 warm), and a benchmark of steady-state throughput must not time the JIT.
   */
  static final long PERF_WARMUP_BYTES =
      Long.getLong("bench.perfWarmupBytes", 256L * 1024 * 1024);

  /** Unmeasured perf rounds on {@code conn} until the JIT is quiet (see warmUntilJitQuiet). */
  private static void warmUp(MuxedConnection conn, long up, long down) {
    warmUntilJitQuiet(() -> Await.get(Perf.run(conn, Math.min(up, PERF_WARMUP_BYTES),
        Math.min(down, PERF_WARMUP_BYTES)), SCENARIO_TIMEOUT_S));
  }

  /** Java to Java over one connection, one /perf/1.0.0 stream; each end its own Vert.x. */
  public static List<Metric> perfJava(long up, long down, TransportOptions options) {
    try (BenchNode server = new BenchNode(options); BenchNode client = new BenchNode(options)) {
      Multiaddr addr = Await.get(server.listen(), 30);
      MuxedConnection conn = Await.get(client.dial(addr), 30);
      warmUp(conn, up, down);
      long cpu0 = cpuNanos();
      Perf.Result r = Await.get(Perf.run(conn, up, down), SCENARIO_TIMEOUT_S);
      long cpu = cpuNanos() - cpu0;
      List<Metric> out = new ArrayList<>(perfMetrics("perf.java-java", up, down, r.uploadNanos(),
          r.totalNanos(), mib(up) + " up + " + mib(down) + " down, 1 stream"));
      out.add(new Metric("perf.java-java.cpu", (double) cpu / (up + down), "ns/B",
          "CPU time of this JVM (both ends) per byte moved: independent of other load"));
      out.add(coresBusy("perf.java-java.cores", cpu, r.totalNanos()));
      return out;
    }
  }

  /** Java client against the js server, then js client against the Java server. */
  public static List<Metric> perfJavaJs(JsPeer js, long up, long down, TransportOptions options) {
    js.callOk(JsPeer.cmd("servePerf"));
    List<Metric> out = new ArrayList<>();
    try (BenchNode node = new BenchNode(options)) {
      MuxedConnection conn = Await.get(node.dial(Multiaddr.parse(js.addr())), 30);
      warmUp(conn, up, down);
      Perf.Result r = Await.get(Perf.run(conn, up, down), SCENARIO_TIMEOUT_S);
      String detail = mib(up) + " up + " + mib(down) + " down, 1 stream";
      out.addAll(perfMetrics("perf.java-js", up, down, r.uploadNanos(), r.totalNanos(), detail));
      Multiaddr listen = Await.get(node.listen(), 30);
      JsonObject a = js.call(JsPeer.cmd("perf", "addr", listen.toString(), "upload", up,
          "download", down, "timeoutMs", SCENARIO_TIMEOUT_S * 1000),
          Duration.ofSeconds(SCENARIO_TIMEOUT_S + 10));
      requireOk(a);
      out.add(jsPerfMetric("perf.js-java", up, down, a, detail));
    }
    return out;
  }

  /** The Go peer's stream window: hashicorp/yamux's default of 256 KiB is slower here. */
  static final String GO_WINDOW = Integer.toString(16 << 20);

  /**
   * The Go peer (hashicorp/yamux and flynn/noise, the libraries go-libp2p builds on): a Java perf
   * client against its perf server, and Go against Go. This Yamux cannot read a stream after
   * closing its own side, which a perf client needs, so Go to Go moves the same bytes as sized
   * transfers on one stream instead (upload, a one-byte answer, download).
   */
  public static List<Metric> perfGo(long up, long down, TransportOptions options)
      throws Exception {
    List<Metric> out = new ArrayList<>();
    String detail = mib(up) + " up + " + mib(down) + " down, 1 stream";
    try (GoPeer server = GoPeer.serve("-window", GO_WINDOW)) {
      String addr = server.event("listening", Duration.ofSeconds(30)).getString("addr");
      try (BenchNode node = new BenchNode(options)) {
        MuxedConnection conn = Await.get(node.dial(Multiaddr.parse(addr)), 30);
        warmUp(conn, up, down);
        Perf.Result r = Await.get(Perf.run(conn, up, down), SCENARIO_TIMEOUT_S);
        out.addAll(perfMetrics("perf.java-go", up, down, r.uploadNanos(), r.totalNanos(),
            detail + ", Go serves /perf/1.0.0"));
      }
      try (GoPeer client = GoPeer.dial(addr, "-window", GO_WINDOW, "-bulk-up", Long.toString(up),
          "-bulk-down", Long.toString(down), "-bulk-warmup",
          Long.toString(Math.min(PERF_WARMUP_BYTES, Math.max(up, down))))) {
        JsonObject r = client.result(Duration.ofSeconds(SCENARIO_TIMEOUT_S));
        if (!r.getBoolean("ok", false)) {
          throw new IllegalStateException("Go peer failed: " + r.encode());
        }
        out.addAll(perfMetrics("perf.go-go", up, down, r.getLong("bulkUploadNs"),
            r.getLong("bulkTotalNs"), detail + ", sized transfers (no half-close), 16 MiB window"));
        client.finish(Duration.ofSeconds(30));
      }
    }
    return out;
  }

  /** js to js: the js client of one peer against the js server of another. */
  public static List<Metric> perfJsJs(JsPeer a, JsPeer b, long up, long down) {
    b.callOk(JsPeer.cmd("servePerf"));
    JsonObject r = a.call(JsPeer.cmd("perf", "addr", b.addr(), "upload", up, "download", down,
        "timeoutMs", SCENARIO_TIMEOUT_S * 1000), Duration.ofSeconds(SCENARIO_TIMEOUT_S + 10));
    requireOk(r);
    return List.of(jsPerfMetric("perf.js-js", up, down, r,
        mib(up) + " up + " + mib(down) + " down, 1 stream"));
  }

  /**
   * A js client's figure: only the total, as js's send() buffers without bound and so says
   * nothing about when the upload reached the server.
   */
  static Metric jsPerfMetric(String name, long up, long down, JsonObject answer,
      String detail) {
    return new Metric(name + ".total", Metric.gbits(up + down, msToNanos(answer.getDouble(
        "totalMs"))), "Gbit/s", detail);
  }

  /**
   * Aggregate throughput Java to Java: {@code conns} connections with {@code streams} concurrent
   * perf streams each, every stream moving {@code perStream} bytes up and the same down; the
   * figure is all bytes over the wall time of the slowest stream.
   */
  public static List<Metric> aggregate(int conns, int streams, long totalBytes,
      TransportOptions options) {
    long perStream = Math.max(1, totalBytes / (2L * conns * streams));
    try (BenchNode server = new BenchNode(options); BenchNode client = new BenchNode(options)) {
      Multiaddr addr = Await.get(server.listen(), 30);
      List<MuxedConnection> cs = new ArrayList<>();
      for (int i = 0; i < conns; i++) {
        cs.add(Await.get(client.dial(addr), 30));
      }
      // warm-up on the same connections: the JIT, and every stream's Yamux window grown
      long warmPerStream = Math.max(1, Math.min(perStream, PERF_WARMUP_BYTES / (conns * streams)));
      warmUntilJitQuiet(() -> runAll(cs, streams, warmPerStream));
      long cpu0 = cpuNanos();
      long start = System.nanoTime();
      runAll(cs, streams, perStream);
      long nanos = System.nanoTime() - start;
      long cpu = cpuNanos() - cpu0;
      long moved = 2L * perStream * conns * streams;
      String name = "agg." + conns + "x" + streams;
      return List.of(new Metric(name, Metric.gbits(moved, nanos),
          "Gbit/s", conns + " conns x " + streams + " streams, " + mib(moved) + " in all"),
          coresBusy(name + ".cores", cpu, nanos));
    }
  }

  /** {@code streams} perf streams on each connection at once, each moving {@code bytes} each way. */
  private static void runAll(List<MuxedConnection> conns, int streams, long bytes) {
    List<Future<Perf.Result>> runs = new ArrayList<>();
    for (MuxedConnection c : conns) {
      for (int s = 0; s < streams; s++) {
        runs.add(Perf.run(c, bytes, bytes));
      }
    }
    Await.get(Future.all(runs), SCENARIO_TIMEOUT_S);
  }

  // ---- connection establishment ---------------------------------------------------------------

  /**
   * {@code options} offering only {@code security} ({@code "noise"} or {@code "tls"}, or the
   * protocol id), for the establishment scenario's security switch.
   */
  public static TransportOptions withSecurity(TransportOptions options, String security) {
    String id = switch (security.trim()) {
      case "noise", TransportOptions.NOISE_PROTOCOL -> TransportOptions.NOISE_PROTOCOL;
      case "tls", TransportOptions.TLS_PROTOCOL -> TransportOptions.TLS_PROTOCOL;
      default -> throw new IllegalArgumentException("unknown security '" + security
          + "', expected noise or tls");
    };
    return new TransportOptions(options).setSecurity(List.of(id));
  }

  /**
   * Full connection establishments (TCP, multistream, the first security protocol of {@code
   * options} — Noise XX or TLS 1.3 —, Yamux) per second with both ends in this JVM on one
   * Vert.x: {@code concurrency} dials in flight, each connection closed as soon as it is up;
   * stops after {@code count} connections or {@code seconds}, whichever is first. Named {@code
   * conn.java-java} over Noise, {@code conn.java-java.tls} over TLS.
   */
  public static List<Metric> establish(int count, int concurrency, double seconds,
      TransportOptions options) {
    boolean tls = TransportOptions.TLS_PROTOCOL.equals(options.getSecurity().get(0));
    String name = tls ? "conn.java-java.tls" : "conn.java-java";
    Vertx vertx = Vertx.vertx();
    try (BenchNode server = new BenchNode(vertx, options);
        BenchNode client = new BenchNode(vertx, options)) {
      Multiaddr addr = Await.get(server.listen(), 30);
      // warm-up, the same loop untimed, until the JIT is done with the handshake path
      double warm = warmUntilJitQuiet(() -> dialLoop(
          () -> client.dial(addr).compose(Connection::close), count, concurrency, 1));
      long cpu0 = cpuNanos();
      AtomicInteger n = new AtomicInteger();
      double rate = dialLoop(() -> client.dial(addr).compose(Connection::close)
          .onSuccess(v -> n.incrementAndGet()), count, concurrency, seconds);
      long cpu = cpuNanos() - cpu0;
      return List.of(new Metric(name, rate, "conn/s",
          (tls ? "TLS 1.3, " : "Noise XX, ") + "both ends in one JVM, " + concurrency
              + " dials in flight, up to " + count + " conns or " + seconds + " s, after "
              + Math.round(warm) + " s of warm-up"),
          new Metric(name + ".cpu", cpu / 1e6 / Math.max(1, n.get()), "ms/conn",
              "CPU time of this JVM (both ends) per establishment: independent of other load"));
    } finally {
      Await.get(vertx.close(), 30);
    }
  }

  /** Java dialing the js peer, and the js peer dialing Java (js drives its own loop). */
  public static List<Metric> establishJs(JsPeer js, int count, int concurrency, double seconds,
      TransportOptions options) {
    List<Metric> out = new ArrayList<>();
    try (BenchNode node = new BenchNode(options)) {
      Multiaddr addr = Multiaddr.parse(js.addr());
      warmUntilJitQuiet(() -> dialLoop(() -> node.dial(addr).compose(Connection::close), count,
          concurrency, 1));
      double rate = dialLoop(() -> node.dial(addr).compose(Connection::close), count,
          concurrency, seconds);
      out.add(new Metric("conn.java-js", rate, "conn/s",
          "Java dials js, " + concurrency + " in flight, up to " + count + " conns or "
              + seconds + " s"));
      Multiaddr listen = Await.get(node.listen(), 30);
      JsonObject r = js.call(JsPeer.cmd("dialMany", "addr", listen.toString(), "count", count,
          "concurrency", concurrency, "seconds", seconds,
          "timeoutMs", (long) (seconds * 1000) + 60_000),
          Duration.ofSeconds((long) seconds + 90));
      requireOk(r);
      out.add(jsDialMetric("conn.js-java", "js dials Java", concurrency, r));
    }
    return out;
  }

  /**
   * A js dialer's establishments per second. The js peer runs one dialer node per dial in flight
   * (a js-libp2p node joins overlapping dials to one peer into one), and the rate counts distinct
   * connections only, so a joined dial could never be counted twice.
   */
  private static Metric jsDialMetric(String name, String who, int concurrency, JsonObject r) {
    int distinct = r.getInteger("distinct");
    return new Metric(name, distinct * 1000.0 / r.getDouble("elapsedMs"), "conn/s",
        who + ", " + concurrency + " dials in flight (one js node each), " + distinct
            + " distinct connections of " + r.getInteger("connections") + " dials");
  }

  /** js dialing js, for the same table. */
  public static List<Metric> establishJsJs(JsPeer a, JsPeer b, int count, int concurrency,
      double seconds) {
    JsonObject r = a.call(JsPeer.cmd("dialMany", "addr", b.addr(), "count", count,
        "concurrency", concurrency, "seconds", seconds,
        "timeoutMs", (long) (seconds * 1000) + 60_000),
        Duration.ofSeconds((long) seconds + 90));
    requireOk(r);
    return List.of(jsDialMetric("conn.js-js", "js dials js", concurrency, r));
  }

  /**
   * The longest {@link #warmUntilJitQuiet} warms up, in seconds: system property {@code
   * bench.warmUpMaxSeconds}, 40 by default (the smoke test sets it low: it checks that the
   * scenarios run, not how fast).
   */
  static double warmUpMaxSeconds() {
    return Double.parseDouble(System.getProperty("bench.warmUpMaxSeconds", "40"));
  }

  /**
   * Runs {@code slice} (about a second of a scenario's own loop, untimed) until the JIT is done:
   * until two slices in a row each cost the compilers less than 5 % of their length, or {@link
   * #warmUpMaxSeconds()} have gone by. On two cores saturated by the loop, C2 gets only a share
   * of one and took over 20 s to compile the handshake path; a run timed before that measured
   * partly profiled, unoptimised code and the compilers' own CPU (1,110 establishments per second
   * with a 5 s warm-up, 1,900 over a run of 40 s that included its own first 20 s).
   *
   * @return the seconds spent warming up
   */
  static double warmUntilJitQuiet(Runnable slice) {
    java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    long start = System.nanoTime();
    double max = warmUpMaxSeconds();
    int quiet = 0;
    while (quiet < 2 && System.nanoTime() - start < max * 1e9) {
      long jit0 = jit.getTotalCompilationTime();
      long t0 = System.nanoTime();
      slice.run();
      long sliceMillis = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
      quiet = (jit.getTotalCompilationTime() - jit0) * 20 < sliceMillis ? quiet + 1 : 0;
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /**
   * Runs {@code one} up to {@code count} times or for {@code seconds}, {@code concurrency} at a
   * time; the rate of successes per second (also the stream-rate loop's).
   */
  static double dialLoop(java.util.function.Supplier<Future<Void>> one, int count,
      int concurrency, double seconds) {
    AtomicInteger started = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    Promise<Void> finished = Promise.promise();
    AtomicLong endNanos = new AtomicLong();
    AtomicInteger inFlight = new AtomicInteger();
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      if (started.get() >= count || System.nanoTime() >= deadline) {
        if (inFlight.get() == 0) {
          endNanos.compareAndSet(0, System.nanoTime());
          finished.tryComplete();
        }
        return;
      }
      started.incrementAndGet();
      inFlight.incrementAndGet();
      one.get().onComplete(ar -> {
        if (ar.succeeded()) {
          done.incrementAndGet();
        } else if (failed.incrementAndGet() > Math.max(10, count / 100)) {
          finished.tryFail(ar.cause());
        }
        inFlight.decrementAndGet();
        next[0].run();
      });
    };
    long start = System.nanoTime();
    for (int i = 0; i < concurrency; i++) {
      next[0].run();
    }
    Await.get(finished.future(), (long) seconds + 60);
    return done.get() * 1e9 / (endNanos.get() - start);
  }

  // ---- ping ----------------------------------------------------------------------------------

  /** Round trips of 32 bytes on one ping stream of an open connection, Java to Java. */
  public static List<Metric> pingJava(int count, TransportOptions options) {
    int measured = count;
    count += warmUp(count);
    try (BenchNode server = new BenchNode(options); BenchNode client = new BenchNode(options)) {
      Multiaddr addr = Await.get(server.listen(), 30);
      MuxedConnection conn = Await.get(client.dial(addr), 30);
      P2pStream stream = Await.get(conn.newStream(Ping.PROTOCOL), 30);
      long[] rtts = Await.get(pingLoop(stream, count), SCENARIO_TIMEOUT_S);
      return rttMetrics("ping.java-java", rtts, measured);
    }
  }

  /** Java pinging the js peer on one stream. */
  public static List<Metric> pingJavaJs(JsPeer js, int count, TransportOptions options) {
    int measured = count;
    count += warmUp(count);
    try (BenchNode node = new BenchNode(options)) {
      MuxedConnection conn = Await.get(node.dial(Multiaddr.parse(js.addr())), 30);
      P2pStream stream = Await.get(conn.newStream(Ping.PROTOCOL), 30);
      long[] rtts = Await.get(pingLoop(stream, count), SCENARIO_TIMEOUT_S);
      return rttMetrics("ping.java-js", rtts, measured);
    }
  }

  /** js pinging js on one stream. */
  public static List<Metric> pingJsJs(JsPeer a, JsPeer b, int count) {
    int measured = count;
    count += warmUp(count);
    JsonObject r = a.call(JsPeer.cmd("pingRtts", "addr", b.addr(), "count", count,
        "timeoutMs", SCENARIO_TIMEOUT_S * 1000), Duration.ofSeconds(SCENARIO_TIMEOUT_S + 10));
    requireOk(r);
    JsonArray arr = r.getJsonArray("rttsMs");
    long[] rtts = new long[arr.size()];
    for (int i = 0; i < rtts.length; i++) {
      rtts[i] = msToNanos(arr.getDouble(i));
    }
    return rttMetrics("ping.js-js", rtts, measured);
  }

  /**
   * {@code count} round trips of 32 bytes on a ping stream, each sent once the previous one came
   * back; the stream is reset after the last.
   */
  static Future<long[]> pingLoop(P2pStream stream, int count) {
    Promise<long[]> done = Promise.promise();
    long[] rtts = new long[count];
    int[] i = {0};
    int[] got = {0};
    long[] start = {0};
    Buffer payload = Buffer.buffer(new byte[Ping.PAYLOAD_SIZE]);
    stream.exceptionHandler(done::tryFail);
    stream.endHandler(v -> done.tryFail(new IllegalStateException("ping stream ended")));
    stream.handler(buf -> {
      got[0] += buf.length();
      if (got[0] < Ping.PAYLOAD_SIZE) {
        return;
      }
      rtts[i[0]++] = System.nanoTime() - start[0];
      got[0] -= Ping.PAYLOAD_SIZE;
      if (i[0] == count) {
        done.tryComplete(rtts);
        stream.reset();
        return;
      }
      start[0] = System.nanoTime();
      stream.write(payload);
    });
    // handler() and write() hop to the stream's event loop in call order
    start[0] = System.nanoTime();
    stream.write(payload);
    return done.future();
  }

  /** Round trips run first and left out of the figures (JIT, first-use allocations). */
  private static int warmUp(int count) {
    return Math.min(200, count / 5);
  }

  private static List<Metric> rttMetrics(String name, long[] all, int measured) {
    long[] rtts = Arrays.copyOfRange(all, all.length - measured, all.length);
    long[] sorted = rtts.clone();
    Arrays.sort(sorted);
    String detail = sorted.length + " round trips of 32 bytes on one stream";
    return List.of(
        new Metric(name + ".p50", percentile(sorted, 0.50) / 1e3, "us", detail),
        new Metric(name + ".p99", percentile(sorted, 0.99) / 1e3, "us", detail));
  }

  private static double percentile(long[] sorted, double p) {
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  // ---- heap per idle connection ---------------------------------------------------------------

  /**
   * Heap per idle connection: a child JVM listens; this JVM opens {@code n} connections to it
   * ({@code concurrency} dials in flight); both measure their heap after GC before and after. The
   * two ends are in different JVMs so that each stays within one process's file-descriptor limit.
   * Then every connection runs one perf exchange and goes idle again, and both measure once more
   * ({@code heap.used.*}): buffers a connection keeps after use count there.
   */
  /** Each way, per connection, in the "used" half of the heap figure: over two Noise messages. */
  static final long USED_TRAFFIC_BYTES = 160 * 1024;

  public static List<Metric> idleHeap(int n, int concurrency, TransportOptions options)
      throws Exception {
    Process child = new ProcessBuilder(javaCommand(IdleServer.class.getName()))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try (BufferedReader in = new BufferedReader(
            new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        OutputStream toChild = child.getOutputStream()) {
      String listenLine = readLine(in, "LISTEN ");
      Multiaddr addr = Multiaddr.parse(listenLine.substring("LISTEN ".length()).trim());
      try (BenchNode client = new BenchNode(options)) {
        // one connection first, so classes and pools exist before the baseline
        Await.get(client.dial(addr), 30).close();
        long before = heapAfterGc();
        ConcurrentLinkedQueue<MuxedConnection> conns = new ConcurrentLinkedQueue<>();
        dialLoop(() -> client.dial(addr).map(c -> {
          conns.add(c);
          return (Void) null;
        }), n, concurrency, SCENARIO_TIMEOUT_S);
        // A few dials may fail when the listener's accept queue overflows; the figure is per
        // connection actually open, and a run with over 1 % missing is no measurement.
        int opened = conns.size();
        if (opened < n - n / 100) {
          throw new IllegalStateException("opened " + opened + " of " + n + " connections");
        }
        long after = heapAfterGc();
        toChild.write("HEAP\n".getBytes(StandardCharsets.UTF_8));
        toChild.flush();
        String heapLine = readLine(in, "HEAP ");
        String[] parts = heapLine.split(" ");
        long childBefore = Long.parseLong(parts[1]);
        long childAfter = Long.parseLong(parts[2]);
        long childConns = Long.parseLong(parts[3]);
        // Then each connection carries a perf exchange large enough for Noise messages to
        // straddle socket reads, and goes idle again: what a used connection keeps.
        java.util.Iterator<MuxedConnection> toUse = new ArrayList<>(conns).iterator();
        dialLoop(() -> {
          MuxedConnection c;
          synchronized (toUse) {
            c = toUse.next();
          }
          return Perf.run(c, USED_TRAFFIC_BYTES, USED_TRAFFIC_BYTES).mapEmpty();
        }, opened, concurrency, SCENARIO_TIMEOUT_S);
        long afterUse = heapAfterGc();
        toChild.write("HEAP\n".getBytes(StandardCharsets.UTF_8));
        toChild.flush();
        long childAfterUse = Long.parseLong(readLine(in, "HEAP ").split(" ")[2]);
        long aliveCount = conns.stream().filter(c -> !c.isClosed()).count();
        String detail = opened + " idle connections, heap used after GC";
        String usedDetail = opened + " connections idle again after " + mib(USED_TRAFFIC_BYTES)
            + " up and down each";
        List<Metric> out = List.of(
            new Metric("heap.outbound", (after - before) / 1024.0 / opened, "KiB/conn", detail),
            new Metric("heap.inbound", (childAfter - childBefore) / 1024.0 / childConns,
                "KiB/conn", detail + " (" + childConns + " in the listener)"),
            new Metric("heap.used.outbound", (afterUse - before) / 1024.0 / opened, "KiB/conn",
                usedDetail),
            new Metric("heap.used.inbound", (childAfterUse - childBefore) / 1024.0 / childConns,
                "KiB/conn", usedDetail + " (the listener)"));
        if (aliveCount != opened) {
          throw new IllegalStateException(aliveCount + " of " + opened + " connections alive");
        }
        return out;
      }
    } finally {
      child.destroy();
      if (!child.waitFor(10, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  private static String readLine(BufferedReader in, String prefix) throws IOException {
    for (int i = 0; i < 1000; i++) {
      String line = in.readLine();
      if (line == null) {
        throw new IllegalStateException("child exited before printing " + prefix.trim());
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new IllegalStateException("no " + prefix.trim() + " line from the child");
  }

  /**
   * How many cores' worth of CPU time this JVM spent over {@code wallNanos}: with both ends in
   * one JVM, how much of the machine a transfer kept busy.
   */
  static Metric coresBusy(String name, long cpuNanos, long wallNanos) {
    return new Metric(name, (double) cpuNanos / Math.max(1, wallNanos), "cores",
        "CPU time of this JVM (both ends, every thread) over the wall time, of "
            + Runtime.getRuntime().availableProcessors() + " cpus");
  }

  /** CPU time of this whole JVM so far (every thread, GC and JIT included). */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The command running {@code mainClass} on this JVM with this classpath. */
  static List<String> javaCommand(String mainClass) {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    for (String p : List.of(NoiseAeads.PROPERTY)) {
      String v = System.getProperty(p);
      if (v != null) {
        cmd.add("-D" + p + "=" + v);
      }
    }
    cmd.add(mainClass);
    return cmd;
  }

  // ---- helpers -------------------------------------------------------------------------------

  static void requireOk(JsonObject answer) {
    if (!answer.getBoolean("ok", false)) {
      throw new IllegalStateException("js peer failed: " + answer.encode());
    }
  }

  private static long msToNanos(double ms) {
    return (long) (ms * 1e6);
  }

  static String mib(long bytes) {
    if (bytes >= 1 << 20) {
      return (bytes >> 20) + " MiB";
    }
    return bytes + " B";
  }
}
