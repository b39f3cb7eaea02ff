package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.MuxedConnection;
import dev.vertxp2p.transport.Upgrader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.SocketAddress;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * One dialing process of the {@code scale} scenario, run in a child JVM so that its descriptors
 * do not count against the node under test's. It dials the node as many peers, each an identity
 * of its own with at most {@code perPeer} connections (the node's per-peer limit), the way many
 * remote peers reach a public node. Each peer serves ping and identify, so the node identifies
 * every connection as it would on the internet. One command per line on stdin:
 *
 * <ul>
 *   <li>{@code DIAL <n> <inflight>} → {@code DIALED <ok> <failed> <ns> <cpu ns> <jit ms>}: opens
 *       {@code n} more connections and keeps them; then this process's CPU time over the dials
 *       (every thread, GC and JIT included) and its compilers' total time so far;
 *   <li>{@code WARM <n> <inflight>} → {@code WARMED} with the same figures: {@code n}
 *       establishments each closed once up, on {@code inflight} warm-up identities of its own,
 *       each one dial at a time (the node's map and per-peer limits see them come and go).
 * </ul>
 *
 * It exits when stdin closes.
 */
public final class ScaleDialer {
  private static final long TIMEOUT_MS = 30_000;

  private final Vertx vertx = Vertx.vertx();
  /**
   * Kept connections per source address. A socket bound to an address with port 0 gets its port
   * from the kernel's search of the range, from a random offset, for one this address does not
   * use yet: with all 19,000 from one address (to the node's one address) a connect cost a dialer
   * up to 7 ms of kernel time past 14,000, and 2 ms past 7,000 on an address of its own. At 1,000
   * an address, few ports of the range are taken and the search ends at once.
   */
  static final int PER_SOURCE = 1000;
  /** Source addresses the warm-up's identities take in turn (its closed ports sit in TIME_WAIT). */
  static final int WARM_SOURCES = 16;

  /** This dialer's index: its source addresses are 127.1.index.k (kept) and 127.2.index.k. */
  private final int index;
  /** A client per source address, by address, made on first use. */
  private final Map<String, NetClient> clients = new HashMap<>();
  private final List<ContextInternal> loops = new ArrayList<>();
  private final AtomicInteger nextLoop = new AtomicInteger();
  private final SecureRandom random = new SecureRandom();
  /**
   * Noise only: each remote identity below has an upgrader of its own, and one that offers TLS
   * makes its certificate (a P-256 key, signed and checked) when it is built, which the node,
   * preferring Noise, would never see. Measured, that was 60 % of a dialer's CPU.
   */
  private final TransportOptions options = new TransportOptions()
      .setSecurity(List.of(dev.vertxp2p.proto.noise.NoiseHandshake.PROTOCOL_ID));
  private final Multiaddr target;
  private final PeerId targetPeer;
  private final int perPeer;
  private final List<Peer> peers = new ArrayList<>();
  private final List<Peer> warmPeers = new ArrayList<>();
  private int dialed;

  private ScaleDialer(Multiaddr target, int perPeer, int index) {
    if (index < 0 || index > 255) {
      throw new IllegalArgumentException("dialer index must be 0..255, got " + index);
    }
    this.index = index;
    VertxInternal internal = (VertxInternal) vertx;
    for (EventExecutor e : internal.eventLoopGroup()) {
      loops.add(internal.contextBuilder().withEventLoop((EventLoop) e).build());
    }
    this.target = target;
    this.targetPeer = target.peerId().orElseThrow();
    this.perPeer = perPeer;
  }

  public static void main(String[] args) throws Exception {
    ScaleDialer d = new ScaleDialer(Multiaddr.parse(args[0]), Integer.parseInt(args[1]),
        Integer.parseInt(args[2]));
    System.out.println("READY");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split(" ");
      switch (w[0]) {
        case "DIAL" -> d.answer("DIALED", Scenarios.cpuNanos(),
            d.dial(Integer.parseInt(w[1]), Integer.parseInt(w[2])));
        case "WARM" -> d.answer("WARMED", Scenarios.cpuNanos(),
            d.warm(Integer.parseInt(w[1]), Integer.parseInt(w[2])));
        default -> {
          System.out.println("ERROR unknown command " + line);
          System.out.flush();
        }
      }
    }
    System.exit(0);
  }

  private void answer(String what, long cpu0, long[] r) {
    System.out.println(what + " " + r[0] + " " + r[1] + " " + r[2] + " "
        + (Scenarios.cpuNanos() - cpu0) + " "
        + ManagementFactory.getCompilationMXBean().getTotalCompilationTime());
    System.out.flush();
  }

  /**
   * The client bound to 127.{@code net}.index.({@code k} + 1) (Linux routes all of 127/8 to the
   * loopback), with SO_REUSEADDR as the product's TcpTransport.
   */
  private NetClient client(int net, int k) {
    if (k > 254) {
      throw new IllegalArgumentException("more than 255 source addresses: " + (k + 1));
    }
    return clients.computeIfAbsent("127." + net + "." + index + "." + (k + 1),
        a -> vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)
            .setReuseAddress(true).setLocalAddress(a)));
  }

  /** Opens {@code n} connections that stay open; the i-th of this process goes to peer i / perPeer. */
  private long[] dial(int n, int inflight) {
    int first = dialed;
    dialed += n;
    while (peers.size() * perPeer < dialed) {
      peers.add(new Peer(client(1, peers.size() * perPeer / PER_SOURCE)));
    }
    return loop(n, inflight, i -> peers.get((first + i) / perPeer).dial().mapEmpty());
  }

  /** {@code n} establishments, each closed once up, each warm-up identity one at a time. */
  private long[] warm(int n, int inflight) {
    while (warmPeers.size() < inflight) {
      warmPeers.add(new Peer(client(2, warmPeers.size() % WARM_SOURCES)));
    }
    // slot k runs the dials k, k + inflight, ... in turn, so each identity has one at a time
    Promise<Void> all = Promise.promise();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger slotsLeft = new AtomicInteger(Math.min(inflight, n));
    long t0 = System.nanoTime();
    for (int k = 0; k < Math.min(inflight, n); k++) {
      Peer p = warmPeers.get(k);
      int count = n / inflight + (k < n % inflight ? 1 : 0);
      chain(p, 0, count, ok, failed).onComplete(v -> {
        if (slotsLeft.decrementAndGet() == 0) {
          all.complete();
        }
      });
    }
    Await.get(all.future(), 600);
    return new long[] {ok.get(), failed.get(), System.nanoTime() - t0};
  }

  /**
   * {@code left} dials in turn, each closed once up; a fresh identity after every {@code perPeer}
   * of them, as the kept connections have, so that the node's first check of an identity's proof
   * (and this side's making of one) is warm too, not only the remembered proof.
   */
  private Future<Void> chain(Peer p, int done, int left, AtomicInteger ok, AtomicInteger failed) {
    if (left == 0) {
      return Future.succeededFuture();
    }
    Peer next = done > 0 && done % perPeer == 0 ? new Peer(p.from) : p;
    return next.dialIdentified().compose(c -> {
      ok.incrementAndGet();
      return c.close();
    }, err -> {
      failed.incrementAndGet();
      return Future.succeededFuture();
    }).transform(ar -> chain(next, done + 1, left - 1, ok, failed));
  }

  /** Runs {@code n} tasks, {@code inflight} at a time: {@code {ok, failed, nanos}}. */
  private static long[] loop(int n, int inflight, IntFunction<Future<Void>> task) {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger running = new AtomicInteger();
    Promise<Void> done = Promise.promise();
    Runnable[] start = new Runnable[1];
    start[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= n) {
        if (running.get() == 0) {
          done.tryComplete();
        }
        return;
      }
      running.incrementAndGet();
      task.apply(i).onComplete(ar -> {
        if (ar.succeeded()) {
          ok.incrementAndGet();
        } else if (failed.incrementAndGet() <= 3) {
          System.err.println("scale dialer: a dial failed: " + ar.cause());
        }
        running.decrementAndGet();
        start[0].run();
      });
    };
    long t0 = System.nanoTime();
    if (n == 0) {
      done.complete();
    }
    for (int k = 0; k < Math.min(inflight, n); k++) {
      start[0].run();
    }
    Await.get(done.future(), 600);
    return new long[] {ok.get(), failed.get(), System.nanoTime() - t0};
  }

  /** One remote identity: its upgrader, and the ping and identify it serves. */
  private final class Peer implements ConnectionHost {
    private final Ed25519PrivateKey key = Ed25519PrivateKey.generate(random);
    private final Upgrader upgrader = new Upgrader(key, options, random);
    private final List<String> protocols = List.of(Ping.PROTOCOL, Identify.PROTOCOL);
    /** Warm-up connections waiting for the node's identify request, by connection id. */
    private final Map<String, Promise<Void>> awaitingIdentify =
        new java.util.concurrent.ConcurrentHashMap<>();
    /** The client it dials with: kept connections' or the warm-up's source address. */
    private final NetClient from;

    Peer(NetClient from) {
      this.from = from;
    }

    /** A TCP connection from its client's source address, on the next event loop in turn. */
    Future<MuxedConnection> dial() {
      return upgraded((loop, c) -> {
        c.activate();
        return Future.succeededFuture(c);
      });
    }

    /**
     * A warm-up dial: up once the node has identified it too (its identify request served here),
     * so that the node's whole path for a new connection is warm, not only the handshake; after 2
     * s without one it counts as up anyway. The promise is registered before the connection is
     * activated, so no request can come before it.
     */
    Future<MuxedConnection> dialIdentified() {
      return upgraded((loop, c) -> {
        Promise<Void> identified = loop.promise();
        awaitingIdentify.put(c.id(), identified);
        long timer = vertx.setTimer(2000, t -> identified.tryComplete());
        c.activate();
        return identified.future().map(x -> {
          vertx.cancelTimer(timer);
          awaitingIdentify.remove(c.id());
          return c;
        });
      });
    }

    /**
     * Connects and upgrades on the next event loop in turn, then hands the connection, not yet
     * activated, to {@code then} on that loop.
     */
    private Future<MuxedConnection> upgraded(
        java.util.function.BiFunction<ContextInternal, MuxedConnection, Future<MuxedConnection>>
            then) {
      ContextInternal loop = loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
      Promise<MuxedConnection> done = loop.promise();
      loop.runOnContext(v -> from.connect(new ConnectOptions()
              .setRemoteAddress(SocketAddress.inetSocketAddress(target.port().getAsInt(),
                  target.host().orElseThrow()))
              .setTimeout((int) TIMEOUT_MS))
          .compose(socket -> {
            socket.pause(); // until the upgrader's handler is set and it resumes
            return upgrader.upgrade(loop, socket, Connection.Direction.OUTBOUND, targetPeer,
                toMultiaddr(socket.localAddress()), target.withoutPeerId(), this, TIMEOUT_MS);
          })
          .compose(c -> then.apply(loop, c))
          .onComplete(done));
      return done.future();
    }

    @Override
    public Predicate<String> supportedProtocols() {
      return protocols::contains;
    }

    @Override
    public List<String> protocolList() {
      return protocols;
    }

    @Override
    public void onInboundStream(P2pStream stream) {
      if (Ping.PROTOCOL.equals(stream.protocol())) {
        Ping.serve(stream);
      } else if (Identify.PROTOCOL.equals(stream.protocol())) {
        // a client's identify: no listen addresses, as a peer behind NAT says
        Identify.serve(stream, c -> new IdentifyMessage(Identify.PROTOCOL_VERSION,
            "vertx-libp2p-bench/scale-dialer", key.publicKey().marshal(), List.of(),
            c.remoteAddr().bytes(), protocols, null));
        Promise<Void> waiting = awaitingIdentify.get(stream.connection().id());
        if (waiting != null) {
          waiting.tryComplete();
        }
      } else {
        stream.reset();
      }
    }

    @Override
    public Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
      return Future.succeededFuture();
    }
  }

  private static Multiaddr toMultiaddr(SocketAddress a) {
    return Multiaddr.parse("/ip4/" + a.hostAddress() + "/tcp/" + a.port());
  }
}
