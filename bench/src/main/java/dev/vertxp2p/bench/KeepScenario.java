package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Registration;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Kept peers under faults, timed on two swarms in one JVM over loopback: how long a node takes to
 * put a kept peer back at its target after the remote hung up one of its connections ({@code
 * keep.restore.*}), and how long it takes to detect and replace a stalled connection ({@code
 * keep.replace-stalled.*}). Each is a function from a repetition count to figures, so that
 * another fault can be timed beside them the same way: {@link Pair} starts the two nodes with the
 * options a user would set, {@link #when} waits on a node's events, {@link #summary} folds the
 * repetitions.
 *
 * <p>Every measured wait ends on an event of the node that restores (a condition on its
 * connection map tested on each of its events, on its owner), not on a polling timer.
 */
public final class KeepScenario {
  /** The kept peer's target, and the per-peer limit (the default). */
  static final int TARGET = 3;
  /**
   * The retry section as a user would leave it: its defaults, named here so the report can say
   * them. A kept peer's first re-dial after a loss waits {@code initialDelay} (± jitter).
   */
  static final double RETRY_INITIAL_DELAY = 0.1;
  static final double RETRY_MAX_DELAY = 30.0;
  /** Health checks for the stalled-connection scenario: the bound is {@code 2 × 0.5 + 0.5} s. */
  static final double CHECK_INTERVAL = 0.5;
  static final double PING_TIMEOUT = 0.5;
  static final int UNHEALTHY_AFTER = 2;
  /** How long a repetition waits for its figure before calling it lost. */
  static final long WAIT_SECONDS = 30;

  private KeepScenario() {}

  /**
   * A keeps B at {@link #TARGET}; B closes one of those connections ({@code closeConnection} on
   * its end, a graceful hang-up of that one connection); timed from that call until A again has
   * {@link #TARGET} usable connections to B, none of them the closed one. Before each repetition
   * both ends list {@link #TARGET} connections.
   */
  public static List<Metric> restoreAfterHangUp(int repetitions) throws Exception {
    double[] ms = new double[repetitions];
    try (Pair p = new Pair(new HealthOptions(), true)) {
      Await.get(p.a.keep(p.b.peerId(), TARGET), WAIT_SECONDS);
      for (int i = 0; i < repetitions; i++) {
        p.steady();
        Connection victimOnB = p.b.getConnections(p.a.peerId()).get(i % TARGET);
        int aPort = victimOnB.remoteAddr().port().getAsInt();
        Connection victimOnA = p.a.getConnections(p.b.peerId()).stream()
            .filter(c -> c.localAddr().port().getAsInt() == aPort).findFirst()
            .orElseThrow(() -> new IllegalStateException("A has no end of " + victimOnB));
        Future<Long> restored = when(p.a, () -> {
          List<Connection> open = p.a.getConnections(p.b.peerId()).stream()
              .filter(Connection::isOpen).toList();
          return open.size() >= TARGET && open.stream()
              .noneMatch(c -> c.id().equals(victimOnA.id()));
        });
        long t0 = System.nanoTime();
        Await.get(p.b.closeConnection(victimOnB.id()), WAIT_SECONDS);
        ms[i] = (Await.get(restored, WAIT_SECONDS) - t0) / 1e6;
      }
    }
    String how = String.format(Locale.ROOT, "A keeps B at %d, B closes one of them, until A has"
        + " %d usable again; retry initialDelay %.1f s, maxDelay %.0f s (the defaults); %s",
        TARGET, TARGET, RETRY_INITIAL_DELAY, RETRY_MAX_DELAY, values(ms));
    return summary("keep.restore", ms, how);
  }

  /**
   * A keeps B at {@link #TARGET}, dialing through a {@link StallProxy}; one connection's bytes are
   * then held both ways, sockets open. Timed from the stall to A's {@code connection.replaced}
   * naming it as {@code old}. A repetition that sees none within {@code waitSeconds} ends the
   * scenario with figures of NaN and the reason in their description (replacement of unhealthy
   * connections may be missing from the build measured).
   */
  public static List<Metric> replaceStalled(int repetitions, long waitSeconds) throws Exception {
    HealthOptions health = new HealthOptions().setCheckInterval(CHECK_INTERVAL)
        .setPingTimeout(PING_TIMEOUT).setUnhealthyAfter(UNHEALTHY_AFTER)
        .setReplaceUnhealthy(true);
    double[] ms = new double[repetitions];
    try (Pair p = new Pair(health, false); StallProxy proxy = new StallProxy(p.vertx,
        p.b.listenAddrs().get(0).port().getAsInt())) {
      Multiaddr via = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/"
          + p.b.peerId());
      p.a.addAddresses(p.b.peerId(), List.of(via));
      Await.get(p.a.keep(p.b.peerId(), TARGET), WAIT_SECONDS);
      for (int i = 0; i < repetitions; i++) {
        p.steady();
        Connection victim = p.a.getConnections(p.b.peerId()).get(i % TARGET);
        Promise<Long> replaced = Promise.promise();
        // when the stall was detected, to say so even where nothing replaces the connection
        Promise<Long> unhealthy = Promise.promise();
        Registration r = p.a.eventHandler(e -> {
          // the literal: SwarmEvent names no constant for it before replacement lands
          if ("connection.replaced".equals(e.type())
              && victim.id().equals(e.fields().getString("old"))) {
            replaced.tryComplete(System.nanoTime());
          } else if (SwarmEvent.CONNECTION_HEALTH.equals(e.type())
              && "unhealthy".equals(e.fields().getString("to"))
              && victim.id().equals(e.fields().getJsonObject("connection").getString("id"))) {
            unhealthy.tryComplete(System.nanoTime());
          }
        });
        long t0 = System.nanoTime();
        proxy.stall(victim.localAddr().port().getAsInt());
        try {
          ms[i] = (Await.get(replaced.future(), waitSeconds) - t0) / 1e6;
        } catch (IllegalStateException e) {
          if (!(e.getCause() instanceof java.util.concurrent.TimeoutException)) {
            throw e;
          }
          String why = "n/a (no connection.replaced event within " + waitSeconds + " s)"
              + (unhealthy.future().succeeded() ? String.format(Locale.ROOT, "; the stalled"
                  + " connection turned unhealthy after %.0f ms",
                  (unhealthy.future().result() - t0) / 1e6) : "; it never turned unhealthy");
          return List.of(new Metric("keep.replace-stalled.median", Double.NaN, "ms", why),
              new Metric("keep.replace-stalled.max", Double.NaN, "ms", why));
        } finally {
          r.unregister();
        }
        proxy.release(victim.localAddr().port().getAsInt()); // the old one may close now
      }
    }
    String how = String.format(Locale.ROOT, "A keeps B at %d through a stalling proxy; one"
        + " connection stalled, until connection.replaced; health checkInterval %.1f s,"
        + " pingTimeout %.1f s, unhealthyAfter %d; %s", TARGET, CHECK_INTERVAL, PING_TIMEOUT,
        UNHEALTHY_AFTER, values(ms));
    return summary("keep.replace-stalled", ms, how);
  }

  // ---- shared by the scenarios -----------------------------------------------------------------

  /** Two started swarms on one Vert.x (its default event loops). */
  static final class Pair implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final Swarm a;
    final Swarm b;

    /** With {@code direct}, A knows B's listen address; without, the scenario gives it one. */
    Pair(HealthOptions health, boolean direct) {
      a = Swarm.create(vertx, options(health));
      b = Swarm.create(vertx, options(health));
      Await.get(Future.all(a.start(), b.start()), WAIT_SECONDS);
      if (direct) {
        a.addAddresses(b.peerId(), b.listenAddrs());
      }
    }

    private static SwarmOptions options(HealthOptions health) {
      SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
          .setHealth(new HealthOptions(health));
      o.getRetry().setDelays(RETRY_INITIAL_DELAY, RETRY_MAX_DELAY);
      o.getConnection().setMaxConnectionsPerPeer(TARGET);
      // Without identify A knows only the address it was given (the proxy's, when there is one).
      o.getServices().setIdentify(false);
      return o;
    }

    /** Waits (not timed) until both ends list {@link #TARGET} usable connections. */
    void steady() {
      PeerId pa = a.peerId();
      PeerId pb = b.peerId();
      Await.get(Future.all(
          when(a, () -> usable(a, pb) == TARGET && a.getConnections(pb).size() == TARGET),
          when(b, () -> usable(b, pa) == TARGET && b.getConnections(pa).size() == TARGET)),
          WAIT_SECONDS);
    }

    private static long usable(Swarm s, PeerId peer) {
      return s.getConnections(peer).stream().filter(Connection::isOpen).count();
    }

    @Override
    public void close() {
      Await.get(Future.join(a.close(), b.close()).otherwiseEmpty()
          .compose(v -> vertx.close()), WAIT_SECONDS);
    }
  }

  /**
   * Completes with {@link System#nanoTime()} at the first of {@code swarm}'s events after which
   * {@code condition} holds, or at once when it holds already.
   */
  static Future<Long> when(Swarm swarm, BooleanSupplier condition) {
    Promise<Long> p = Promise.promise();
    Registration r = swarm.eventHandler(e -> {
      if (!p.future().isComplete() && condition.getAsBoolean()) {
        p.tryComplete(System.nanoTime());
      }
    });
    if (condition.getAsBoolean()) {
      p.tryComplete(System.nanoTime());
    }
    return p.future().onComplete(ar -> r.unregister());
  }

  /** {@code <prefix>.median} and {@code <prefix>.max} in ms. */
  static List<Metric> summary(String prefix, double[] ms, String how) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return List.of(new Metric(prefix + ".median", median, "ms", "median of " + n + ": " + how),
        new Metric(prefix + ".max", sorted[n - 1], "ms", "worst of " + n));
  }

  private static String values(double[] ms) {
    StringBuilder sb = new StringBuilder("each (ms):");
    for (double v : ms) {
      sb.append(String.format(Locale.ROOT, " %.0f", v));
    }
    return sb.toString();
  }

  /**
   * A loopback TCP proxy on Vert.x (there is no netem here): each accepted socket is piped to the
   * target, and {@link #stall} holds one link's bytes both ways by pausing both its sockets, which
   * stay open. Links are named by the dialer's local port.
   */
  static final class StallProxy implements AutoCloseable {
    private final NetServer server;
    private final NetClient client;
    private final Map<Integer, NetSocket[]> links = new ConcurrentHashMap<>();

    StallProxy(Vertx vertx, int targetPort) {
      client = vertx.createNetClient();
      server = vertx.createNetServer().connectHandler(down -> {
        down.pause();
        client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
          if (ar.failed()) {
            down.close();
            return;
          }
          NetSocket up = ar.result();
          links.put(down.remoteAddress().port(), new NetSocket[] {down, up});
          pipe(down, up);
          pipe(up, down);
          down.resume();
        });
      });
      Await.get(server.listen(0, "127.0.0.1"), WAIT_SECONDS);
    }

    private static void pipe(NetSocket from, NetSocket to) {
      from.handler(to::write);
      from.endHandler(v -> to.close());
      from.exceptionHandler(e -> to.close());
      from.closeHandler(v -> to.close());
    }

    int port() {
      return server.actualPort();
    }

    /** Holds the bytes of the link whose dialer has local port {@code port}, both ways. */
    void stall(int port) {
      each(port, NetSocket::pause);
    }

    /** Lets a stalled link's bytes flow again. */
    void release(int port) {
      each(port, NetSocket::resume);
    }

    private void each(int port, Consumer<NetSocket> action) {
      NetSocket[] pair = links.get(port);
      if (pair == null) {
        throw new IllegalStateException("no link from port " + port + " in " + links.keySet());
      }
      for (NetSocket s : pair) {
        action.accept(s);
      }
    }

    @Override
    public void close() {
      List<Future<Void>> all = new ArrayList<>();
      for (NetSocket[] pair : links.values()) {
        for (NetSocket s : pair) {
          all.add(s.close());
        }
      }
      Await.get(Future.join(all).otherwiseEmpty()
          .compose(v -> server.close()).compose(v -> client.close()), WAIT_SECONDS);
    }
  }
}
