package dev.vertxp2p.bench;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.interop.JsPeer;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.transport.MuxedConnection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code streams.*}: streams per second as libp2p request/response protocols use them, a stream
 * per request: open (Yamux SYN and the multistream negotiation of {@code /echo/1.0.0}), 1 KiB
 * written and closed, the 1 KiB echoed back until the remote's close. Java to Java over 1
 * connection and over 3 (streams spread over them in turn), each end its own Vert.x; and js to js
 * over one connection through the js peer's {@code echo} command.
 */
public final class StreamRateScenario {
  /** The request and the answer of each stream. */
  static final int PAYLOAD_BYTES = 1024;

  private StreamRateScenario() {}

  /**
   * Java to Java: the same two nodes with 3 connections between them; first the rate on one of
   * them, then on all three, back to back.
   *
   * @param count streams per layout at most
   * @param concurrency streams in flight at once, over all the layout's connections
   * @param seconds time per layout at most
   */
  public static List<Metric> javaJava(int count, int concurrency, double seconds,
      TransportOptions options) {
    List<Metric> out = new ArrayList<>();
    try (BenchNode server = new BenchNode(options); BenchNode client = new BenchNode(options)) {
      Multiaddr addr = Await.get(server.listen(), 30);
      List<MuxedConnection> conns = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        conns.add(Await.get(client.dial(addr), 30));
      }
      Buffer payload = Buffer.buffer(new byte[PAYLOAD_BYTES]);
      java.lang.management.CompilationMXBean jit =
          java.lang.management.ManagementFactory.getCompilationMXBean();
      for (int n : new int[] {1, 3}) {
        List<MuxedConnection> use = conns.subList(0, n);
        double warm = Scenarios.warmUntilJitQuiet(
            () -> loop(use, payload, count, concurrency, 1, new AtomicLong()));
        AtomicLong done = new AtomicLong();
        long cpu0 = Scenarios.cpuNanos();
        long jit0 = jit.getTotalCompilationTime();
        long t0 = System.nanoTime();
        double rate = loop(use, payload, count, concurrency, seconds, done);
        long jitMillis = jit.getTotalCompilationTime() - jit0;
        long wallMillis = (System.nanoTime() - t0) / 1_000_000;
        long cpu = Scenarios.cpuNanos() - cpu0;
        String again = "";
        if (jitMillis * 20 > wallMillis) {
          // The JIT was busy in the timed run: the warm-up probably ended while a long
          // compilation was still running (HotSpot adds a task's time when it ends). Seen on
          // JDK 25 under load: 4,000 streams/s at 150 us of CPU each, against 25,000 at 37 in
          // another run. Measure once more, the compilation now done.
          again = String.format(Locale.ROOT, "; re-measured, the JIT having compiled for %d ms"
              + " of the first %d ms", jitMillis, wallMillis);
          done.set(0);
          cpu0 = Scenarios.cpuNanos();
          rate = loop(use, payload, count, concurrency, seconds, done);
          cpu = Scenarios.cpuNanos() - cpu0;
        }
        String name = "streams.java-java." + n + "conn";
        out.add(new Metric(name, rate, "streams/s", String.format(Locale.ROOT,
            "%d conn%s, %d streams in flight, each open + 1 KiB echo + close, up to %d streams"
                + " or %.0f s, after %.0f s of warm-up%s", n, n == 1 ? "" : "s", concurrency,
            count, seconds, warm, again)));
        out.add(new Metric(name + ".cpu", cpu / 1e3 / Math.max(1, done.get()), "us/stream",
            "CPU time of this JVM (both ends) per stream: independent of other load"));
      }
    }
    return out;
  }

  /** Streams in turn over {@code conns}; the rate of those done. */
  private static double loop(List<MuxedConnection> conns, Buffer payload, int count,
      int concurrency, double seconds, AtomicLong done) {
    AtomicInteger next = new AtomicInteger();
    return Scenarios.dialLoop(() -> oneStream(conns.get(next.getAndIncrement() % conns.size()),
        payload).onSuccess(v -> done.incrementAndGet()), count, concurrency, seconds);
  }

  /** Opens an echo stream, writes {@code payload} and closes; completes once all came back. */
  static Future<Void> oneStream(MuxedConnection conn, Buffer payload) {
    return conn.newStream(Echo.PROTOCOL).compose(stream -> echo(stream, payload));
  }

  /** Writes {@code payload} on an open echo stream and closes it; completes once all came back. */
  static Future<Void> echo(P2pStream stream, Buffer payload) {
    Promise<Void> p = Promise.promise();
    int[] got = {0};
    stream.exceptionHandler(p::tryFail);
    stream.handler(b -> got[0] += b.length());
    stream.endHandler(v -> {
      if (got[0] == payload.length()) {
        p.tryComplete();
      } else {
        p.tryFail(new IllegalStateException("echoed " + got[0] + " of " + payload.length()
            + " bytes"));
      }
    });
    stream.write(payload);
    stream.end();
    return p.future();
  }

  /**
   * js to js over one connection: the js peer {@code a} runs its {@code echo} command against
   * {@code b} (which must serve {@code /echo/1.0.0}), {@code batch} streams at once per command,
   * commands back to back until {@code count} streams or {@code seconds}. Each batch waits for its
   * slowest stream, and each command is a round trip to the peer's process, so the js figure is,
   * if anything, below what js could do with {@code batch} streams always in flight.
   */
  public static List<Metric> jsJs(JsPeer a, JsPeer b, int count, int batch, double seconds) {
    // warm-up: V8's JIT, and the connection opened by the first command
    long warmUntil = System.nanoTime() + (long) (Math.min(seconds, 2) * 1e9);
    do {
      echoBatch(a, b, batch);
    } while (System.nanoTime() < warmUntil);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    int done = 0;
    while (done < count && System.nanoTime() < deadline) {
      done += echoBatch(a, b, Math.min(batch, count - done));
    }
    double rate = done * 1e9 / (System.nanoTime() - start);
    return List.of(new Metric("streams.js-js.1conn", rate, "streams/s", String.format(Locale.ROOT,
        "1 conn, batches of %d streams at once (one echo command each), each open + 1 KiB echo"
            + " + close, %d streams", batch, done)));
  }

  private static int echoBatch(JsPeer a, JsPeer b, int streams) {
    JsonObject r = a.call(JsPeer.cmd("echo", "addr", b.addr(), "size", PAYLOAD_BYTES,
        "streams", streams, "timeoutMs", 60_000), Duration.ofSeconds(70));
    if (!r.getBoolean("ok", false)) {
      throw new IllegalStateException("js peer failed: " + r.encode());
    }
    int n = r.getJsonArray("streams").size();
    for (int i = 0; i < n; i++) {
      JsonObject s = r.getJsonArray("streams").getJsonObject(i);
      if (s.getLong("receivedBytes") != PAYLOAD_BYTES) {
        throw new IllegalStateException("js echo came back short: " + s.encode());
      }
    }
    return n;
  }
}
