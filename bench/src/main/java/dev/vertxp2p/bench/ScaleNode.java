package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node under test of the {@code scale} scenario, run in a child JVM of its own so that its
 * heap, its CPU time and its file descriptors are its own: one {@link Swarm} listening on
 * loopback, configured by {@link #options(int)}, which raises only what a node holding {@code
 * conns} connections must. It answers one command per line on stdin:
 *
 * <ul>
 *   <li>{@code STAT} → {@code STAT <cpu ns> <jit ms> <connections> <open fds>}: this process's CPU
 *       time and the compilers' total time so far, no GC; the connections counted from the
 *       swarm's opened and closed events;
 *   <li>{@code HEAP} → {@code HEAP <bytes> <connections>}: heap used after GC;
 *   <li>{@code PING <s> <r>} → {@code PING <ns> ...}: {@code r} round trips of 32 bytes on one
 *       ping stream on each of {@code s} connections spread over the map, one at a time, the first
 *       of each stream left out;
 *   <li>{@code JFR <path>} starts a recording with the JDK's {@code profile} settings, {@code
 *       JFRSTOP} writes it to that path → {@code JFR <path>}.
 * </ul>
 *
 * It exits when stdin closes.
 */
public final class ScaleNode {
  private ScaleNode() {}

  /**
   * What a node holding {@code conns} connections must raise, and nothing else: {@code
   * limits.maxConnections} and the connection manager's watermarks (defaults 1024 and 160/192),
   * with a headroom of 5 % (at least 64) so that churn at the top is not refused. Health checks,
   * identify, the per-peer limit and every other limit keep their defaults.
   */
  static SwarmOptions options(int conns) {
    int max = conns + headroom(conns);
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    o.getLimits().setMaxConnections(max);
    o.getConnectionManager().setWatermarks(conns, max);
    return o;
  }

  static int headroom(int conns) {
    return Math.max(64, conns / 20);
  }

  public static void main(String[] args) throws Exception {
    int conns = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    Swarm swarm = Swarm.create(vertx, options(conns));
    // Counted from the events, so that a STAT costs the node nothing per connection (the list
    // of connections is a copy: polled every 100 ms at 19,000 it showed in the node's profile).
    AtomicInteger open = new AtomicInteger();
    swarm.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_OPENED.equals(e.type())) {
        open.incrementAndGet();
      } else if (SwarmEvent.CONNECTION_CLOSED.equals(e.type())) {
        open.decrementAndGet();
      }
    });
    Await.get(swarm.start(), 30);
    System.out.println("LISTEN " + swarm.listenAddrs().get(0));
    System.out.flush();
    jdk.jfr.Recording recording = null;
    Path recordingPath = null;
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      switch (w[0]) {
        case "STAT" -> answer("STAT " + Scenarios.cpuNanos() + " "
            + ManagementFactory.getCompilationMXBean().getTotalCompilationTime() + " "
            + open.get() + " " + openFds());
        case "HEAP" -> answer("HEAP " + Scenarios.heapAfterGc() + " "
            + swarm.getConnections().size());
        case "PING" -> answer("PING " + join(ping(swarm, Integer.parseInt(w[1]),
            Integer.parseInt(w[2]))));
        case "JFR" -> {
          recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"));
          recordingPath = Path.of(w[1]);
          recording.start();
          answer("JFRON");
        }
        case "JFRSTOP" -> {
          if (recording != null) {
            recording.stop();
            recording.dump(recordingPath);
            recording.close();
          }
          answer("JFR " + recordingPath);
        }
        default -> answer("ERROR unknown command " + line);
      }
    }
    // Closing 19,000 connections gracefully is not measured: the dialers' ends go with them.
    System.exit(0);
  }

  private static void answer(String line) {
    System.out.println(line);
    System.out.flush();
  }

  /** This process's open file descriptors, or -1 where the platform does not say. */
  static long openFds() {
    return ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean u
        ? u.getOpenFileDescriptorCount() : -1;
  }

  private static String join(long[] v) {
    StringBuilder sb = new StringBuilder();
    for (long x : v) {
      sb.append(sb.length() == 0 ? "" : " ").append(x);
    }
    return sb.toString();
  }

  /** Round trips on {@code sample} connections spread evenly over the map, one at a time. */
  private static long[] ping(Swarm swarm, int sample, int rounds) {
    List<Connection> all = swarm.getConnections();
    int s = Math.min(sample, all.size());
    List<Long> rtts = new ArrayList<>();
    for (int i = 0; i < s; i++) {
      Connection c = all.get((int) ((long) i * all.size() / s));
      P2pStream stream = Await.get(c.newStream(Ping.PROTOCOL), 30);
      // the stream is reset once the last round trip is back
      long[] r = Await.get(Scenarios.pingLoop(stream, rounds + 1), 30);
      for (int k = 1; k < r.length; k++) {
        rtts.add(r[k]);
      }
    }
    return rtts.stream().mapToLong(Long::longValue).toArray();
  }
}
