package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.KeepAliveTimeoutException;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.NoConnectionException;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.faults.FaultProxy.Fault;
import dev.vertxp2p.faults.FaultProxy.Link;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many small echo streams spread over three connections to one peer, while a proxy between the
 * two nodes resets, cuts and stalls connections. The faults are injected by stream count, not by
 * time: every {@code STREAMS / (FAULTS + 1)}-th stream has the link it was given faulted just
 * before it writes, the kinds in turn (reset, cut, stall), so every kind fires a known number of
 * times however fast the machine is.
 *
 * <p>What must hold:
 * <ul>
 *   <li>every stream ends within a bound, byte-identical or failed with one of our typed errors;
 *   <li>a stream fails only on a link the proxy faulted (or, before it had a connection, only
 *       while a faulted connection was going away); every stream on an unfaulted link completes
 *       with all its bytes;
 *   <li>neither node closes a connection whose link was not faulted;
 *   <li>every fault kind fired and failed streams; every stalled link (the proxy holds its bytes,
 *       the sockets stay open) was closed by the dialer's keep-alive, and its streams failed with
 *       {@link KeepAliveTimeoutException} as the cause;
 *   <li>once the faults stop both swarms list the same live connections, and each works.
 * </ul>
 *
 * <p>{@code -Dfaults.streams=N} (default 10,000) scales the run; the payloads come from
 * {@code -Dfaults.seed=S}. The figures are printed at the end.
 */
class ConnectionFaultsTest {
  static final int STREAMS = Integer.getInteger("faults.streams", 10_000);
  static final long SEED = Long.getLong("faults.seed", System.nanoTime());
  /** Faults injected in a run: four of each kind. */
  static final int FAULTS = 12;
  static final Fault[] KINDS = {Fault.RESET, Fault.CUT, Fault.STALL};
  /** A fault on the link of every this-many-th stream. */
  static final int FAULT_EVERY = Math.max(1, STREAMS / (FAULTS + 1));
  /** Streams in flight at once. */
  static final int IN_FLIGHT = 256;
  /** No stream may take longer than this, whatever happens to its connection. */
  static final Duration STREAM_BOUND = Duration.ofSeconds(20);

  /**
   * Short keep-alive bounds, so a stalled connection is found within the run. A stalled link
   * passes nothing, not even the other side's FIN, so each side's own keep-alive must end it.
   */
  static final Duration KEEP_ALIVE_INTERVAL = Duration.ofMillis(200);
  static final Duration KEEP_ALIVE_TIMEOUT = Duration.ofMillis(2000);

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

  private Swarm node() {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions()
            .setKeepAliveInterval(KEEP_ALIVE_INTERVAL)
            .setKeepAliveTimeout(KEEP_ALIVE_TIMEOUT));
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

  /** The figures of a run, and everything that must not have happened. */
  static final class Tally {
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger corrupted = new AtomicInteger();
    final AtomicInteger hung = new AtomicInteger();
    final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    /** Failed streams by what cut their link: a fault's name, or REFUSED. */
    final Map<String, AtomicInteger> failedBy = new ConcurrentHashMap<>();
    /** Links whose streams failed because the dialer's keep-alive closed the connection. */
    final Set<Link> keepAliveClosed = ConcurrentHashMap.newKeySet();
    /** Everything that breaks the test's claims, one line each. */
    final Queue<String> problems = new ConcurrentLinkedQueue<>();
    /** Connection id of every stream that got one. */
    final Set<String> usedConnections = ConcurrentHashMap.newKeySet();

    int done() {
      return completed.get() + failed.get() + corrupted.get() + hung.get();
    }

    @Override
    public String toString() {
      return "completed " + completed + ", failed cleanly " + failed + ", corrupted " + corrupted
          + ", hung " + hung + "; errors " + new TreeMap<>(errors) + "; failed by cut "
          + new TreeMap<>(failedBy);
    }
  }

  /** The faults of a run and what the two swarms did about them. */
  final class Faults {
    /** a's connection id to the proxy link under it, from a's connection.opened events. */
    final Map<String, Link> linkOfA = new ConcurrentHashMap<>();
    /** b's connection id to the proxy link under it, from b's connection.opened events. */
    final Map<String, Link> linkOfB = new ConcurrentHashMap<>();
    /** The links faulted, in order. */
    final Queue<Link> faulted = new ConcurrentLinkedQueue<>();
    /**
     * Links b refused, over its per-peer limit: b still held a connection that a had already seen
     * close, so a top-up dial found b full. b names each one in a connection.rejected event.
     */
    final Set<Link> refused = ConcurrentHashMap.newKeySet();
    final Map<Fault, AtomicInteger> injected = new EnumMap<>(Fault.class);
    /** Faults due (their stream's turn came) but not yet injected: that link was not flowing. */
    final AtomicInteger due = new AtomicInteger();
    final AtomicInteger planned = new AtomicInteger();
    /** a's connections over faulted or refused links that have closed. */
    final AtomicInteger cutClosed = new AtomicInteger();
    /** A completed promise per faulted link once a's connection over it has closed. */
    final Map<Link, Promise<Void>> closedOnA = new ConcurrentHashMap<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicInteger topUpFailures = new AtomicInteger();

    Faults() {
      for (Fault f : Fault.values()) {
        injected.put(f, new AtomicInteger());
      }
    }

    int injectedTotal() {
      return faulted.size();
    }

    /** Links faulted or refused so far. */
    int cuts() {
      return injectedTotal() + refused.size();
    }

    /** Faulted or refused links whose connection on a has not closed yet. */
    int unsettled() {
      return injectedTotal() + refused.size() - cutClosed.get();
    }

    /** Why {@code link} was cut: its fault, "REFUSED", or null when nothing cut it. */
    String cutBy(Link link) {
      Fault f = link.injected();
      return f != null ? f.toString() : refused.contains(link) ? "REFUSED" : null;
    }

    /** The link under a connection of a's, or null if it was never seen opening. */
    Link linkOf(Connection c) {
      return linkOfA.get(c.id());
    }

    /**
     * Called as stream {@code i} got a connection over {@code link}, before it writes: when its
     * turn has come (or an earlier turn found its link already faulted) the link gets the next
     * kind of fault.
     */
    void onStreamOpened(int i, Link link) {
      if (i > 0 && i % FAULT_EVERY == 0 && planned.get() < FAULTS) {
        planned.incrementAndGet();
        due.incrementAndGet();
      }
      if (due.get() > 0 && link != null) {
        Fault kind = KINDS[injectedTotal() % KINDS.length];
        closedOnA.put(link, Promise.promise());
        if (link.inject(kind)) {
          due.decrementAndGet();
          injected.get(kind).incrementAndGet();
          faulted.add(link);
        } else {
          closedOnA.remove(link);
        }
      }
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

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The errors a stream may fail with when its connection goes: our typed stream error (the
   * connection closed under it, whatever the cause), or, when no connection could open it,
   * {@link NoConnectionException} with such a cause. Anything else (an NPE, a bare
   * VertxException) is a bug.
   */
  private static boolean allowed(Throwable e) {
    if (e instanceof StreamClosedException) {
      return true;
    }
    return e instanceof NoConnectionException
        && (e.getCause() == null || e.getCause() instanceof StreamClosedException);
  }

  /** Runs one stream under the bound and files its outcome. */
  private Future<Outcome> oneStream(int i, Tally tally, Faults faults) {
    SplittableRandom r = new SplittableRandom(SEED * 31 + i);
    byte[] payload = new byte[1 + r.nextInt(1024)];
    for (int k = 0; k < payload.length; k++) {
      payload[k] = (byte) r.nextInt(256);
    }
    Promise<Outcome> outcome = Promise.promise();
    // Count first, complete after: completing runs the caller's listeners at once, and the last
    // one releases the test thread, which must then find every stream counted.
    AtomicBoolean decided = new AtomicBoolean();
    long watchdog = vertx.setTimer(STREAM_BOUND.toMillis(), t -> {
      if (decided.compareAndSet(false, true)) {
        tally.hung.incrementAndGet();
        outcome.complete(Outcome.HUNG);
      }
    });
    int cutsAtLaunch = faults.cuts();
    int unsettledAtLaunch = faults.unsettled();
    Link[] link = new Link[1];
    String[] conn = new String[1];
    a.newStream(b.peerId(), Echo.PROTOCOL)
        .compose(s -> {
          conn[0] = s.connection().id();
          tally.usedConnections.add(conn[0]);
          link[0] = faults.linkOf(s.connection());
          if (link[0] == null) {
            tally.problems.add("stream " + i + " got " + conn[0] + ", never seen opening");
          }
          faults.onStreamOpened(i, link[0]);
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
            String where = "stream " + i + (conn[0] == null ? "" : " on " + conn[0] + " " + link[0])
                + " failed with " + e;
            if (!allowed(e)) {
              tally.problems.add(where + ": not one of our typed errors");
            }
            if (link[0] != null) {
              String cut = faults.cutBy(link[0]);
              if (cut == null) {
                tally.problems.add(where + ", but its link was never faulted");
              } else {
                tally.failedBy.computeIfAbsent(cut, k -> new AtomicInteger()).incrementAndGet();
                if (causedBy(e, KeepAliveTimeoutException.class)) {
                  tally.keepAliveClosed.add(link[0]);
                }
              }
            } else if (conn[0] != null) {
              tally.problems.add(where + ", on a connection of unknown link");
            } else if (!(e instanceof NoConnectionException)
                || (faults.cuts() == cutsAtLaunch && unsettledAtLaunch == 0)) {
              // Before it had a connection, a stream may fail only because every connection it
              // tried was going away, and only a cut makes one go: one was cut during its life,
              // or one cut earlier was still going away as it started.
              tally.problems.add(where + " before it had a connection, and no connection was"
                  + " cut during its life or going away as it started");
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
  private Future<Void> runStreams(int total, Tally tally, Faults faults) {
    Promise<Void> all = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Runnable[] launch = new Runnable[1];
    launch[0] = () -> {
      int i = next.getAndIncrement();
      if (i >= total) {
        return;
      }
      oneStream(i, tally, faults).onComplete(ar -> {
        if (finished.incrementAndGet() == total) {
          all.complete();
        }
        // Launch the next one as a new task: a stream can fail at once (no connection left), and
        // launching inline would then recurse once per stream until the stack overflows.
        vertx.runOnContext(v -> launch[0].run());
      });
    };
    // All launches on one context, so the streams' callbacks and the fault plan share a thread.
    vertx.runOnContext(v -> {
      for (int k = 0; k < Math.min(IN_FLIGHT, total); k++) {
        launch[0].run();
      }
    });
    return all.future();
  }

  /** The link whose proxy side has {@code port} towards b: b's view of a link. */
  private Link linkByUpstreamPort(int port) {
    for (Link l : proxy.links()) {
      if (l.upstreamPort() == port && !l.dead.get()) {
        return l;
      }
    }
    return null;
  }

  /**
   * Follows both swarms' connection events: maps each connection to its proxy link as it opens,
   * and on each close checks that its link was faulted (or refused by b). While the faults run,
   * each close also tops the peer up towards three connections, as many as both sides have room
   * for.
   */
  private void watch(Faults faults, Tally tally) {
    PeerId aId = a.peerId();
    PeerId bId = b.peerId();
    Runnable topUp = () -> {
      int room = 3 - Math.max(a.getConnections(bId).size(), b.getConnections(aId).size());
      if (faults.running.get() && room > 0) {
        a.dialPeer(bId, new DialOptions().setConnections(a.getConnections(bId).size() + room))
            .onFailure(x -> faults.topUpFailures.incrementAndGet());
      }
    };
    a.eventHandler(e -> {
      JsonObject c = e.fields().getJsonObject("connection");
      if (c == null || !bId.equals(e.peer())) {
        return;
      }
      String id = c.getString("id");
      if (SwarmEvent.CONNECTION_OPENED.equals(e.type())) {
        int port = Multiaddr.parse(c.getString("localAddr")).port().getAsInt();
        Link link = proxy.byClientPort(port);
        if (link == null) {
          tally.problems.add("a opened " + id + " from port " + port + ", not through the proxy");
        } else {
          faults.linkOfA.put(id, link);
        }
      } else if (SwarmEvent.CONNECTION_CLOSED.equals(e.type())) {
        Link link = faults.linkOfA.get(id);
        if (link == null || faults.cutBy(link) == null) {
          if (faults.running.get()) {
            tally.problems.add("a closed " + id + " over " + link + ", which was never faulted");
          }
        } else {
          faults.cutClosed.incrementAndGet();
          Promise<Void> p = faults.closedOnA.get(link);
          if (p != null) {
            p.tryComplete();
          }
        }
        topUp.run();
      }
    });
    b.eventHandler(e -> {
      JsonObject c = e.fields().getJsonObject("connection");
      if (c == null || !aId.equals(e.peer())) {
        return;
      }
      String id = c.getString("id");
      int port = Multiaddr.parse(c.getString("remoteAddr")).port().getAsInt();
      if (SwarmEvent.CONNECTION_OPENED.equals(e.type())) {
        Link link = linkByUpstreamPort(port);
        if (link == null) {
          tally.problems.add("b accepted " + id + " from port " + port + ", no proxy link's");
        } else {
          faults.linkOfB.put(id, link);
        }
      } else if (SwarmEvent.CONNECTION_REJECTED.equals(e.type())) {
        Link link = linkByUpstreamPort(port);
        if (link == null) {
          tally.problems.add("b refused " + id + " from port " + port + ", no proxy link's");
        } else {
          faults.refused.add(link);
        }
      } else if (SwarmEvent.CONNECTION_CLOSED.equals(e.type())) {
        Link link = faults.linkOfB.get(id);
        if (faults.running.get() && (link == null || faults.cutBy(link) == null)) {
          tally.problems.add("b closed " + id + " over " + link + ", which was never faulted");
        }
        topUp.run();
      }
    });
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
      Link link = proxy.byClientPort(c.localAddr().port().getAsInt());
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

  @Test
  void echoStreamsSurviveConnectionsCutResetAndStalled() throws Exception {
    a = node();
    b = node();
    proxy = new FaultProxy(b.listenAddrs().get(0).port().getAsInt());
    Multiaddr viaProxy = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
    PeerId bId = b.peerId();
    Tally tally = new Tally();
    Faults faults = new Faults();
    watch(faults, tally);
    assertEquals(3, await(a.dial(viaProxy, new DialOptions().setConnections(3))).size());
    assertConsistentSoon();

    long start = System.nanoTime();
    try {
      await(runStreams(STREAMS, tally, faults), Duration.ofSeconds(30 + STREAMS / 100));
    } finally {
      faults.running.set(false);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf("faults (seed %d): %d streams in %.1f s over %d connections; faults %s "
            + "(every %d streams); refused by b's per-peer limit %d; top-up dials failed %d; %s%n",
        SEED, STREAMS, secs, tally.usedConnections.size(), faults.injected, FAULT_EVERY,
        faults.refused.size(), faults.topUpFailures.get(), tally);

    assertEquals(STREAMS, tally.done(), tally.toString());
    assertEquals(0, tally.corrupted.get(), "corrupted streams: " + tally);
    assertEquals(0, tally.hung.get(), "streams past the bound: " + tally);
    assertTrue(tally.problems.isEmpty(), tally.problems.size() + " problems, the first: "
        + new ArrayList<>(tally.problems).subList(0, Math.min(10, tally.problems.size())));
    assertTrue(tally.completed.get() > STREAMS / 2, tally.toString());

    // Every fault fired, each kind as often as planned, and each failed streams.
    assertEquals(FAULTS, faults.injectedTotal(), "faults injected " + faults.injected);
    for (Fault kind : KINDS) {
      assertEquals(FAULTS / KINDS.length, faults.injected.get(kind).get(), kind.toString());
      AtomicInteger failed = tally.failedBy.get(kind.toString());
      assertTrue(failed != null && failed.get() > 0, "no stream failed on a " + kind + " link: "
          + tally);
    }
    // Every faulted link's connection closed on a; every stalled one by a's keep-alive.
    for (Link link : faults.faulted) {
      await(faults.closedOnA.get(link).future(), Duration.ofSeconds(15));
      if (link.injected() == Fault.STALL) {
        assertTrue(tally.keepAliveClosed.contains(link),
            "stalled " + link + " was not closed by the keep-alive: " + tally);
      }
    }

    // Faults over: both sides agree on the live connections, top up to three, and each works.
    assertConsistentSoon();
    await(a.dialPeer(bId, new DialOptions().setConnections(3)));
    await(when(a, b, () -> a.getConnections(bId).size() == 3
        && b.getConnections(a.peerId()).size() == 3 && consistent(new StringBuilder())),
        Duration.ofSeconds(15));
    for (Connection c : a.getConnections(bId)) {
      assertNotNull(await(Ping.ping(c), Duration.ofSeconds(10)));
      byte[] check = ("still alive on " + c.id()).getBytes(StandardCharsets.UTF_8);
      P2pStream s = await(c.newStream(Echo.PROTOCOL));
      assertTrue(Arrays.equals(check, await(echo(s, check))));
    }
  }
}
