package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code hedge.*}: the latency of {@code newStream} to a peer with three connections, one of them
 * silently stalled (a user-space proxy holds its bytes both ways, sockets open), with and without
 * {@code connection.hedgeDelay}. Health checks are off, so the stalled connection keeps taking
 * one stream in three under round robin: without hedging each of those waits for the stream
 * negotiation timeout and then fails over; with hedging it is won by its hedge after the delay.
 */
public final class HedgeScenario {
  private static final long DIAL_TIMEOUT_S = 30;

  private HedgeScenario() {}

  /**
   * @param calls newStream calls per case (200 in the full run)
   * @param concurrency calls in flight at once: sequential calls would take a third of {@code
   *     calls} negotiation timeouts without hedging
   * @param hedgeDelay the hedge delay of the hedged case
   * @param negotiationTimeout the stream negotiation timeout of both cases (10 s by default)
   */
  public static List<Metric> run(int calls, int concurrency, Duration hedgeDelay,
      Duration negotiationTimeout) throws Exception {
    if (calls < 1 || concurrency < 1) {
      throw new IllegalArgumentException("calls and concurrency must be >= 1, got " + calls
          + " and " + concurrency);
    }
    List<Metric> out = new ArrayList<>();
    out.addAll(oneCase("hedge.off", null, calls, concurrency, negotiationTimeout));
    out.addAll(oneCase("hedge.on", hedgeDelay, calls, concurrency, negotiationTimeout));
    return out;
  }

  private static SwarmOptions options(Duration hedgeDelay, Duration negotiationTimeout) {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setHealth(new HealthOptions().setEnabled(false))
        .setTransport(new TransportOptions().setStreamNegotiationTimeout(negotiationTimeout)
            .setKeepAliveInterval(Duration.ofSeconds(600))
            .setKeepAliveTimeout(Duration.ofSeconds(600))
            .setShutdownGracePeriod(Duration.ZERO));
    o.getServices().setIdentify(false); // the dialer knows only the proxy's address
    o.getConnection().setMaxConnectionsPerPeer(3).setHedgeDelay(hedgeDelay);
    return o;
  }

  private static List<Metric> oneCase(String name, Duration hedgeDelay, int calls,
      int concurrency, Duration negotiationTimeout) throws Exception {
    Vertx vertx = Vertx.vertx();
    StallingProxy proxy = null;
    try {
      Swarm b = Swarm.create(vertx, options(null, negotiationTimeout));
      Await.get(b.start(), DIAL_TIMEOUT_S);
      Swarm a = Swarm.create(vertx, options(hedgeDelay, negotiationTimeout));
      Await.get(a.start(), DIAL_TIMEOUT_S);
      proxy = new StallingProxy(b.listenAddrs().get(0).port().getAsInt());
      Multiaddr via = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
      List<Connection> conns =
          Await.get(a.dial(via, new DialOptions().setConnections(3)), DIAL_TIMEOUT_S);
      if (conns.size() != 3) {
        throw new IllegalStateException("expected 3 connections, got " + conns.size());
      }
      proxy.stall(conns.get(1).localAddr().port().getAsInt());

      long[] nanos = new long[calls];
      int failed = measure(a, b, calls, concurrency, nanos,
          negotiationTimeout.toSeconds() * (calls / concurrency + 2) + 60);
      long[] sorted = nanos.clone();
      Arrays.sort(sorted);
      String detail = String.format(Locale.ROOT,
          "%d newStream calls (%d in flight), 1 of 3 connections stalled, health checks off, "
              + "hedgeDelay %s, negotiation timeout %d ms%s", calls, concurrency,
          hedgeDelay == null ? "off" : hedgeDelay.toMillis() + " ms",
          negotiationTimeout.toMillis(), failed == 0 ? "" : ", " + failed + " failed");
      List<Metric> m = new ArrayList<>();
      m.add(new Metric(name + ".p50", percentile(sorted, 0.50) / 1e6, "ms", detail));
      m.add(new Metric(name + ".p99", percentile(sorted, 0.99) / 1e6, "ms", detail));
      m.add(new Metric(name + ".failed", failed, "", detail));
      return m;
    } finally {
      if (proxy != null) {
        proxy.close(); // first: the stalled link would hold a graceful close
      }
      Await.get(vertx.close(), 60);
    }
  }

  /**
   * Runs {@code calls} newStream calls, {@code concurrency} at a time, each stream reset once
   * open; fills each call's latency in {@code nanos}; returns how many failed.
   */
  private static int measure(Swarm a, Swarm b, int calls, int concurrency, long[] nanos,
      long timeoutSeconds) {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicLongArray took = new AtomicLongArray(calls);
    Promise<Void> all = Promise.promise();
    Runnable[] lane = new Runnable[1];
    lane[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= calls) {
        return;
      }
      long start = System.nanoTime();
      a.newStream(b.peerId(), Ping.PROTOCOL).onComplete(ar -> {
        took.set(i, System.nanoTime() - start);
        if (ar.succeeded()) {
          ar.result().reset();
        } else {
          failed.incrementAndGet();
        }
        if (done.incrementAndGet() == calls) {
          all.tryComplete();
        } else {
          lane[0].run();
        }
      });
    };
    for (int k = 0; k < Math.min(concurrency, calls); k++) {
      lane[0].run();
    }
    Await.get(all.future(), timeoutSeconds);
    for (int i = 0; i < calls; i++) {
      nanos[i] = took.get(i);
    }
    return failed.get();
  }

  private static double percentile(long[] sorted, double p) {
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  /**
   * A loopback TCP proxy whose links can be stalled: a stalled link's pumps stop reading, so its
   * bytes wait in the kernel's buffers both ways and nothing tells either end. Blocking sockets,
   * two daemon threads per link, none on an event loop.
   */
  static final class StallingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    /** Links by the dialer's local port, which its connection reports as localAddr. */
    private final Map<Integer, Link> links = new ConcurrentHashMap<>();
    private volatile boolean closed;

    StallingProxy(int targetPort) throws IOException {
      InetAddress loopback = InetAddress.getLoopbackAddress();
      target = new InetSocketAddress(loopback, targetPort);
      server = new ServerSocket(0, 50, loopback);
      Thread t = new Thread(this::accept, "stalling-proxy-accept");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    /** Stalls the link whose dialer side has local port {@code clientPort}. */
    void stall(int clientPort) {
      Link l = links.get(clientPort);
      if (l == null) {
        throw new IllegalStateException("no link from port " + clientPort + ": " + links.keySet());
      }
      l.stalled = true;
    }

    private void accept() {
      while (!closed) {
        try {
          Socket down = server.accept();
          Socket up = new Socket();
          up.connect(target, 5_000);
          down.setTcpNoDelay(true);
          up.setTcpNoDelay(true);
          Link l = new Link(down, up);
          links.put(down.getPort(), l);
          l.pump(down, up);
          l.pump(up, down);
        } catch (IOException e) {
          if (!closed) {
            System.err.println("bench: stalling proxy: " + e);
          }
          if (server.isClosed()) {
            return;
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      closed = true;
      server.close();
      for (Link l : links.values()) {
        l.close();
      }
    }

    private static final class Link {
      final Socket down;
      final Socket up;
      final CountDownLatch released = new CountDownLatch(1);
      volatile boolean stalled;

      Link(Socket down, Socket up) {
        this.down = down;
        this.up = up;
      }

      void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
          byte[] buf = new byte[16 * 1024];
          try {
            InputStream in = from.getInputStream();
            OutputStream o = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
              if (stalled) {
                released.await(); // held until the proxy closes, then dropped with the link
                return;
              }
              o.write(buf, 0, n);
            }
          } catch (IOException | InterruptedException e) {
            // the link is going away
          }
          close();
        }, "stalling-proxy-pump-" + from.getPort());
        t.setDaemon(true);
        t.start();
      }

      void close() {
        released.countDown();
        try {
          down.close();
        } catch (IOException ignored) {
          // already closed
        }
        try {
          up.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }
  }
}
