package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many small echo streams spread over three connections to one peer, while a proxy between the
 * two nodes kills connections at random. Every stream must end byte-identical or with a clear
 * error, within a bound; streams on connections that were never killed must all succeed; and once
 * the faults stop both swarms list the same live connections. A stalled connection (the proxy
 * holds its bytes, the sockets stay open) must be found by the keep-alive and closed on both
 * sides, failing its streams rather than leaving them hung.
 *
 * <p>{@code -Dfaults.streams=N} (default 10,000) and {@code -Dfaults.seed=S} scale or replay the
 * run; the figures are printed at the end.
 */
class ConnectionFaultsTest {
  static final int STREAMS = Integer.getInteger("faults.streams", 10_000);
  static final long SEED = Long.getLong("faults.seed", System.nanoTime());
  /** Streams in flight at once. */
  static final int IN_FLIGHT = 256;
  /** No stream may take longer than this, whatever happens to its connection. */
  static final Duration STREAM_BOUND = Duration.ofSeconds(20);
  /** One fault every this many ms while the streams run. */
  static final long FAULT_EVERY_MS = 400;

  private Vertx vertx;
  private Swarm a;
  private Swarm b;
  private FaultProxy proxy;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    for (Swarm s : new Swarm[] {a, b}) {
      if (s != null) {
        await(s.close());
      }
    }
    await(vertx.close());
  }

  private Swarm node(TransportOptions transport) {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(transport);
    // Without identify, the dialer knows only the proxy's address, so every dial goes through it.
    o.getServices().setEcho(true).setIdentify(false);
    o.getRetry().setMaxRetries(3).setDelays(0.01, 0.1);
    o.getConnection().setMaxConnectionsPerPeer(3).setConnectionTimeout(5.0);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  /** What happened to one stream. */
  enum Outcome { COMPLETED, FAILED, CORRUPTED, HUNG }

  /** The figures of a run. */
  static final class Tally {
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger corrupted = new AtomicInteger();
    final AtomicInteger hung = new AtomicInteger();
    final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    final Set<String> unclear = ConcurrentHashMap.newKeySet();
    /** Connection id of every stream that failed after it had a connection. */
    final Set<String> failedOn = ConcurrentHashMap.newKeySet();
    /** Connection id of every stream that got one. */
    final Set<String> usedConnections = ConcurrentHashMap.newKeySet();

    int done() {
      return completed.get() + failed.get() + corrupted.get() + hung.get();
    }

    @Override
    public String toString() {
      return "completed " + completed + ", failed cleanly " + failed + ", corrupted " + corrupted
          + ", hung " + hung + "; errors " + new TreeMap<>(errors);
    }
  }

  static Future<byte[]> echo(P2pStream stream, byte[] payload) {
    Promise<byte[]> done = Promise.promise();
    Buffer got = Buffer.buffer();
    stream.handler(got::appendBuffer);
    stream.exceptionHandler(done::tryFail);
    stream.endHandler(v -> done.tryComplete(got.getBytes()));
    int half = payload.length / 2;
    stream.write(Buffer.buffer(Arrays.copyOfRange(payload, 0, half)));
    stream.write(Buffer.buffer(Arrays.copyOfRange(payload, half, payload.length)));
    stream.end();
    return done.future();
  }

  /** Runs one stream under the bound and files its outcome. */
  private Future<Outcome> oneStream(int i, Tally tally) {
    SplittableRandom r = new SplittableRandom(SEED * 31 + i);
    byte[] payload = new byte[1 + r.nextInt(1024)];
    for (int k = 0; k < payload.length; k++) {
      payload[k] = (byte) r.nextInt(256);
    }
    Promise<Outcome> outcome = Promise.promise();
    // Count first, complete after: completing runs the caller's listeners at once, and the last
    // one releases the test thread, which must then find every stream counted.
    java.util.concurrent.atomic.AtomicBoolean decided = new java.util.concurrent.atomic.AtomicBoolean();
    long watchdog = vertx.setTimer(STREAM_BOUND.toMillis(), t -> {
      if (decided.compareAndSet(false, true)) {
        tally.hung.incrementAndGet();
        outcome.complete(Outcome.HUNG);
      }
    });
    String[] conn = new String[1];
    a.newStream(b.peerId(), Echo.PROTOCOL)
        .compose(s -> {
          conn[0] = s.connection().id();
          tally.usedConnections.add(conn[0]);
          return echo(s, payload);
        })
        .onComplete(ar -> {
          vertx.cancelTimer(watchdog);
          Outcome o;
          if (ar.succeeded()) {
            o = Arrays.equals(payload, ar.result()) ? Outcome.COMPLETED : Outcome.CORRUPTED;
          } else {
            o = Outcome.FAILED;
            Throwable e = ar.cause();
            tally.errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger())
                .incrementAndGet();
            if (e.getMessage() == null || e.getMessage().isBlank()) {
              tally.unclear.add(e.toString());
            }
            if (conn[0] != null) {
              tally.failedOn.add(conn[0]);
            }
          }
          if (decided.compareAndSet(false, true)) {
            switch (o) {
              case COMPLETED -> tally.completed.incrementAndGet();
              case CORRUPTED -> tally.corrupted.incrementAndGet();
              default -> tally.failed.incrementAndGet();
            }
            outcome.complete(o);
          }
        });
    return outcome.future();
  }

  /** Keeps {@link #IN_FLIGHT} streams running until {@code total} have an outcome. */
  private Future<Void> runStreams(int total, Tally tally) {
    Promise<Void> all = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= total) {
        return;
      }
      oneStream(i, tally).onComplete(ar -> {
        if (finished.incrementAndGet() == total) {
          all.complete();
        }
        // Launch the next one as a new task: a stream can fail at once (no connection left), and
        // launching inline would then recurse once per stream until the stack overflows.
        vertx.runOnContext(v -> launch[0].run());
      });
    };
    for (int k = 0; k < Math.min(IN_FLIGHT, total); k++) {
      launch[0].run();
    }
    return all.future();
  }

  /** Completes once {@code condition} holds, checked now and after every event of a or b. */
  private static Future<Void> when(Swarm a, Swarm b, BooleanSupplier condition) {
    Promise<Void> p = Promise.promise();
    a.eventHandler(e -> {
      if (!p.future().isComplete() && condition.getAsBoolean()) {
        p.tryComplete();
      }
    });
    b.eventHandler(e -> {
      if (!p.future().isComplete() && condition.getAsBoolean()) {
        p.tryComplete();
      }
    });
    if (condition.getAsBoolean()) {
      p.tryComplete();
    }
    return p.future();
  }

  /**
   * Both sides list exactly the connections whose proxy link is alive and flowing, and each of
   * a's pairs with one of b's through that link. A connection over a stalled link still counts
   * against agreement: it is about to be closed by the keep-alive.
   */
  private boolean consistent(StringBuilder why) {
    why.setLength(0);
    List<Connection> mine = a.getConnections(b.peerId());
    List<Connection> theirs = b.getConnections(a.peerId());
    Set<Integer> expectedRemotePorts = new HashSet<>();
    for (Connection c : mine) {
      FaultProxy.Link link = proxy.byClientPort(c.localAddr().port().getAsInt());
      if (link == null || link.dead.get() || !c.isOpen()) {
        why.append("a lists dead ").append(c).append(" link ").append(link);
        return false;
      }
      if (link.isStalled()) {
        // Not settled yet: the keep-alive is about to end it on both sides.
        why.append("a lists ").append(c).append(" over stalled ").append(link);
        return false;
      }
      expectedRemotePorts.add(link.upstreamPort());
    }
    Set<Integer> seen = new HashSet<>();
    for (Connection c : theirs) {
      if (!c.isOpen()) {
        why.append("b lists closed ").append(c);
        return false;
      }
      seen.add(c.remoteAddr().port().getAsInt());
    }
    if (!seen.equals(expectedRemotePorts)) {
      why.append("a's connections arrive at b on ports ").append(expectedRemotePorts)
          .append(" but b lists ").append(seen);
      return false;
    }
    return true;
  }

  private void assertConsistentSoon() {
    StringBuilder why = new StringBuilder();
    try {
      await(when(a, b, () -> consistent(new StringBuilder())), Duration.ofSeconds(15));
    } catch (AssertionError e) {
      consistent(why);
      throw new AssertionError("the swarms never agreed: " + why, e);
    }
  }

  /** Short keep-alive bounds, so a stalled connection is found within the run. */
  static final Duration KEEP_ALIVE_INTERVAL = Duration.ofMillis(200);
  static final Duration KEEP_ALIVE_TIMEOUT = Duration.ofMillis(2000);

  @Test
  void echoStreamsSurviveConnectionsCutResetAndStalled() throws Exception {
    runUnderFaults(new TransportOptions()
        .setKeepAliveInterval(KEEP_ALIVE_INTERVAL)
        .setKeepAliveTimeout(KEEP_ALIVE_TIMEOUT), true);
  }

  private void runUnderFaults(TransportOptions transport, boolean stalls) throws Exception {
    a = node(transport);
    b = node(transport);
    proxy = new FaultProxy(b.listenAddrs().get(0).port().getAsInt());
    Multiaddr viaProxy = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
    PeerId bId = b.peerId();
    assertEquals(3, await(a.dial(viaProxy, new DialOptions().setConnections(3))).size());
    assertConsistentSoon();

    Tally tally = new Tally();
    Random chaos = new Random(SEED);
    Map<String, AtomicInteger> faults = new TreeMap<>();
    long start = System.nanoTime();
    long timer = vertx.setPeriodic(FAULT_EVERY_MS, t -> {
      // A stalled link is left alone: only the swarms' own keep-alive may end it.
      List<FaultProxy.Link> live = proxy.flowing();
      if (!live.isEmpty()) {
        FaultProxy.Link victim = live.get(chaos.nextInt(live.size()));
        // Stalls are rarer: each one holds its streams until the keep-alive gives up.
        int roll = chaos.nextInt(stalls ? 5 : 4);
        int kind = roll < 2 ? 0 : roll < 4 ? 1 : 2;
        String name = kind == 0 ? "reset" : kind == 1 ? "cut" : "stall";
        count(faults, name);
        switch (kind) {
          case 0 -> victim.reset();
          case 1 -> victim.cut();
          default -> victim.stall();
        }
      }
      // Top the peer back up to three; a dial racing a fault may fail, the next tick retries.
      a.dialPeer(bId, new DialOptions().setConnections(3));
    });
    try {
      await(runStreams(STREAMS, tally), Duration.ofSeconds(30 + STREAMS / 100));
    } finally {
      vertx.cancelTimer(timer);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf("faults (seed %d): %d streams in %.1f s over %d connections; faults %s; %s%n",
        SEED, STREAMS, secs, tally.usedConnections.size(), faults, tally);

    assertEquals(STREAMS, tally.done(), tally.toString());
    assertEquals(0, tally.corrupted.get(), "corrupted streams: " + tally);
    assertEquals(0, tally.hung.get(), "streams past the bound: " + tally);
    assertTrue(tally.unclear.isEmpty(), "errors without a message: " + tally.unclear);
    assertTrue(tally.completed.get() > STREAMS / 2, tally.toString());
    // Survivors are unaffected: a stream failed only on a connection that is gone by now.
    Set<String> aliveIds = new HashSet<>();
    for (Connection c : a.getConnections(bId)) {
      aliveIds.add(c.id());
    }
    for (String id : tally.failedOn) {
      assertTrue(!aliveIds.contains(id),
          "a stream failed on connection " + id + ", which is still open: " + tally);
    }

    // Faults over: both sides agree on the live connections, top up to three, and each works.
    assertConsistentSoon();
    await(a.dialPeer(bId, new DialOptions().setConnections(3)));
    await(when(a, b, () -> a.getConnections(bId).size() == 3
        && b.getConnections(a.peerId()).size() == 3 && consistent(new StringBuilder())),
        Duration.ofSeconds(15));
    for (Connection c : a.getConnections(bId)) {
      assertNotNull(await(Ping.ping(c), Duration.ofSeconds(10)));
      byte[] check = ("still alive on " + c.id()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      P2pStream s = await(c.newStream(Echo.PROTOCOL));
      assertTrue(Arrays.equals(check, await(echo(s, check))));
    }
  }

  /** Fault counts are only touched from one periodic timer; the map is read after it stops. */
  private static void count(Map<String, AtomicInteger> counts, String key) {
    counts.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }
}
