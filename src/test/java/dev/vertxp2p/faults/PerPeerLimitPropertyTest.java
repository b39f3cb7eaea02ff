package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.KeptPeer;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Registration;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.faults.FaultProxy.Fault;
import dev.vertxp2p.faults.FaultProxy.Link;
import dev.vertxp2p.testing.Poll;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-peer limit holds throughout (acceptance: "it holds throughout every scenario above"):
 * two nodes, each behind a {@link FaultProxy}, driven by a seeded random sequence of keeps,
 * un-keeps, top-up dials, closes, hang-ups, stalls, resets of one or both sides of a link, and
 * kills and restarts of a node (same key file, same port), sometimes two or three at once.
 *
 * <p>Checked on every event either node publishes (on its owner, right after its connection map
 * changed) and after every step: neither node ever registers more than {@code
 * maxConnectionsPerPeer} connections to a peer, draining and closing ones included. After the
 * run, once every fault is cleared and both nodes are up: both sides list the same connections
 * (matched through the proxy's links) and every kept peer is back at its target.
 *
 * <p>Health checks run at small intervals so the unhealthy paths run too. {@code
 * -DperPeerLimit.seed=N} replays a sequence, {@code -DperPeerLimit.steps=N} changes its length; a
 * failure prints the seed and every action with its outcome ({@code
 * -DperPeerLimit.printActions=true} prints them on success too).
 */
class PerPeerLimitPropertyTest {
  private static final int LIMIT = 3;
  /** The sequence checked on every build, so a regression shows up on the same steps. */
  private static final long FIXED_SEED = 0x5EEDL;
  private static final int STEPS = Integer.getInteger("perPeerLimit.steps", 150);
  /** A bound for one step's actions: a hung close or dial is a finding, not a slow step. */
  private static final Duration ACTION_BOUND = Duration.ofSeconds(30);
  /** A bound for both nodes to agree and kept peers to be topped up once the faults are gone. */
  private static final Duration SETTLE_BOUND = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private Vertx vertx;
  private final List<Node> nodes = new ArrayList<>();
  /** Every violation of the limit, from any node's event handler or the driver. */
  private final List<String> violations = new CopyOnWriteArrayList<>();
  /** What was done, with outcomes: the failure message. */
  private final List<String> log = new CopyOnWriteArrayList<>();
  /** The actions started and not yet done. */
  private final Set<String> pending = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final AtomicLong lastEventNanos = new AtomicLong(System.nanoTime());
  private volatile int step;

  /** One node: its identity and port survive kills, its swarm does not. */
  private final class Node {
    final String name;
    final String keyFile;
    PeerId id;
    int port;
    FaultProxy proxy;
    volatile Swarm swarm;
    Registration events;

    Node(String name) {
      this.name = name;
      this.keyFile = dir.resolve(name + ".key").toString();
    }

    Future<Void> start() {
      Swarm s = Swarm.create(vertx, options(this));
      swarm = s;
      return s.start().map(v -> {
        id = s.peerId();
        port = s.listenAddrs().get(0).port().getAsInt();
        events = s.eventHandler(e -> onEvent(this, s, e));
        return (Void) null;
      }).onFailure(err -> {
        // e.g. the port still held by the instance a kill is closing: down until restarted
        if (swarm == s) {
          swarm = null;
        }
      });
    }

    Multiaddr viaProxy() {
      return Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + id);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private SwarmOptions options(Node n) {
    String listen = "/ip4/127.0.0.1/tcp/" + n.port; // 0 the first time, then the same port
    SwarmOptions o = new SwarmOptions().setListen(List.of(listen)).setIdentityKeyFile(n.keyFile)
        .setHealth(new HealthOptions().setCheckInterval(0.2).setPingTimeout(0.2)
            .setUnhealthyAfter(2))
        // A link the proxy left half dead or stalled dies of keep-alive within seconds: what
        // lets both sides agree again after the run.
        .setTransport(new TransportOptions().setKeepAliveInterval(Duration.ofSeconds(1))
            .setKeepAliveTimeout(Duration.ofSeconds(2))
            .setShutdownGracePeriod(Duration.ofMillis(100))
            // a dial whose link is stalled mid-handshake gives up in seconds, not tens of them
            .setHandshakeTimeout(Duration.ofSeconds(2)));
    // Without identify each node knows only the other's proxy: every dial goes through it.
    o.getServices().setIdentify(false);
    o.getRetry().setDelays(0.05, 0.5);
    o.getConnection().setMaxConnectionsPerPeer(LIMIT)
        // An outbound upgrade is bounded by the attempt's timeout, not the handshake timeout:
        // now and then an attempt towards a node that was just killed waits it out (see the
        // slow actions the run prints), and 30 s of that would be most of a step's bound.
        .setConnectionTimeout(5);
    return o;
  }

  @BeforeEach
  void startVertx() {
    // several event loops: connections are spread over them and report to each swarm's owner
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Node n : nodes) {
      if (n.proxy != null) {
        n.proxy.close(); // before the swarms: a stalled link would hold a graceful close
      }
    }
    for (Node n : nodes) {
      if (n.swarm != null) {
        await(n.swarm.close().otherwiseEmpty());
      }
    }
    await(vertx.close());
  }

  @Test
  void theLimitHoldsUnderAFixedSequence() throws Exception {
    run(Long.getLong("perPeerLimit.seed", FIXED_SEED));
  }

  @Test
  void theLimitHoldsUnderAFreshSequence() throws Exception {
    // a new sequence on every build; its seed is in the output, and in any failure
    run(Long.getLong("perPeerLimit.seed", new SecureRandom().nextLong()));
  }

  private void run(long seed) throws Exception {
    System.out.println("PerPeerLimitPropertyTest: seed " + seed + " (-DperPeerLimit.seed="
        + seed + " replays it), " + STEPS + " steps");
    long t0 = System.nanoTime();
    try {
      Node a = new Node("a");
      Node b = new Node("b");
      nodes.add(a);
      nodes.add(b);
      for (Node n : nodes) {
        await(n.start());
        n.proxy = new FaultProxy(n.port);
      }
      a.swarm.addAddresses(b.id, List.of(b.viaProxy()));
      b.swarm.addAddresses(a.id, List.of(a.viaProxy()));

      Random random = new Random(seed);
      for (step = 1; step <= STEPS; step++) {
        int concurrent = random.nextInt(10) < 7 ? 1 : 2 + random.nextInt(2);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < concurrent; i++) {
          running.add(launch(random));
        }
        Future<?> all = Future.join(new ArrayList<>(running)).otherwiseEmpty();
        try {
          await(all, ACTION_BOUND);
        } catch (AssertionError e) {
          // how long it does take, if it ends at all, says more than that it was late
          Set<String> late = Set.copyOf(pending);
          long lateAt = System.nanoTime();
          String outcome;
          try {
            await(all, Duration.ofSeconds(90));
            outcome = String.format("done %.1f s later", (System.nanoTime() - lateAt) / 1e9);
          } catch (AssertionError e2) {
            outcome = "still not done 90 s later";
          }
          throw new AssertionError("step " + step + ": not done within " + ACTION_BOUND + " ("
              + outcome + "): " + late, e);
        }
        checkNow("after step " + step);
        assertNoViolation();
      }
      settle(random);
      assertNoViolation();
      if (Boolean.getBoolean("perPeerLimit.printActions")) {
        log.forEach(System.out::println);
      }
      System.out.printf("PerPeerLimitPropertyTest: seed %d, %d steps, %d log lines in %.1f s;"
          + " slow actions: %s%n", seed, STEPS, log.size(), (System.nanoTime() - t0) / 1e9,
          log.stream().filter(l -> l.endsWith(" s") && l.contains(" took ")).toList());
    } catch (AssertionError | RuntimeException e) {
      StringBuilder sb = new StringBuilder("seed ").append(seed)
          .append(" (-DperPeerLimit.seed=").append(seed).append("): ").append(e.getMessage())
          .append("\nviolations: ").append(violations).append("\nactions:\n");
      for (String line : log) {
        sb.append("  ").append(line).append('\n');
      }
      throw new AssertionError(sb.toString(), e);
    }
  }

  // ---- the invariant ---------------------------------------------------------------------------

  /** On the swarm's owner, after each of its events: its map has just changed, if at all. */
  private void onEvent(Node n, Swarm s, SwarmEvent e) {
    lastEventNanos.set(System.nanoTime());
    check(n, s, "on " + e.type() + " (step " + step + ")");
  }

  private void check(Node n, Swarm s, String when) {
    for (Map.Entry<PeerId, List<Connection>> en : s.getConnectionsMap().entrySet()) {
      int count = en.getValue().size();
      if (count > LIMIT) {
        violations.add(n + " holds " + count + " connections to " + en.getKey() + " " + when
            + ": " + en.getValue().stream().map(c -> c.id() + "/" + c.direction()
                + (c.isOpen() ? "" : "/closing")).toList());
      }
    }
  }

  private void checkNow(String when) {
    for (Node n : nodes) {
      Swarm s = n.swarm;
      if (s != null) {
        check(n, s, when);
      }
    }
  }

  private void assertNoViolation() {
    if (!violations.isEmpty()) {
      throw new AssertionError("the per-peer limit (" + LIMIT + ") was exceeded: "
          + violations.get(0));
    }
  }

  // ---- the actions -----------------------------------------------------------------------------

  private enum Action { KEEP, UNKEEP, DIAL, CLOSE_ONE, HANG_UP, STALL, RESET_ONE_SIDE, RESET,
      KILL, RESTART, PAUSE, QUIET }

  private static final Action[] WEIGHTED = {
      Action.KEEP, Action.KEEP, Action.KEEP, Action.UNKEEP, Action.DIAL, Action.DIAL,
      Action.DIAL, Action.CLOSE_ONE, Action.CLOSE_ONE, Action.CLOSE_ONE, Action.HANG_UP,
      Action.STALL, Action.STALL, Action.RESET_ONE_SIDE, Action.RESET_ONE_SIDE, Action.RESET,
      Action.KILL, Action.RESTART, Action.RESTART, Action.PAUSE, Action.PAUSE, Action.QUIET};

  /** Starts one random action; its future completes (either way) once it is done. */
  private Future<?> launch(Random random) {
    Action action = WEIGHTED[random.nextInt(WEIGHTED.length)];
    Node self = nodes.get(random.nextInt(nodes.size()));
    Node other = nodes.get(1 - nodes.indexOf(self));
    String what = "step " + step + ": " + action + " " + self + "->" + other;
    Swarm s = self.swarm;
    Future<?> f;
    try {
      switch (action) {
        case KEEP -> {
          int n = 1 + random.nextInt(LIMIT);
          what += " " + n;
          f = s == null ? skipped() : s.keep(other.id, n);
        }
        case UNKEEP -> f = s == null ? skipped() : s.unkeep(other.id);
        case DIAL -> {
          int n = 1 + random.nextInt(LIMIT);
          what += " " + n;
          f = s == null ? skipped()
              : s.dialPeer(other.id, new DialOptions().setConnections(n));
        }
        case CLOSE_ONE -> {
          List<Connection> list = s == null ? List.of() : s.getConnections(other.id);
          if (list.isEmpty()) {
            f = skipped();
          } else {
            Connection c = list.get(random.nextInt(list.size()));
            what += " " + c.id();
            f = s.closeConnection(c.id());
          }
        }
        case HANG_UP -> f = s == null ? skipped() : s.hangUp(other.id);
        case STALL, RESET_ONE_SIDE, RESET -> {
          Fault fault = action == Action.STALL ? Fault.STALL
              : action == Action.RESET ? Fault.RESET : Fault.RESET_DIALER_SIDE;
          // a link into self's proxy: the other node dialed it, or is the one dialing it
          List<Link> flowing = self.proxy.flowing();
          if (flowing.isEmpty()) {
            f = skipped();
          } else {
            Link link = flowing.get(random.nextInt(flowing.size()));
            what += " " + link + " of " + self + "'s proxy";
            f = Future.succeededFuture(link.inject(fault));
          }
        }
        case KILL -> {
          if (s == null) {
            f = skipped();
          } else {
            self.swarm = null;
            if (self.events != null) {
              self.events.unregister();
            }
            f = s.close();
          }
        }
        case RESTART -> {
          if (s != null) {
            f = skipped();
          } else {
            f = self.start().onSuccess(v -> {
              self.swarm.addAddresses(other.id, List.of(other.viaProxy()));
            });
          }
        }
        case PAUSE -> {
          long ms = 20 + random.nextInt(400);
          what += " " + ms + " ms";
          f = timer(ms);
        }
        case QUIET -> f = quiet(Duration.ofMillis(300), Duration.ofSeconds(3));
        default -> throw new IllegalStateException(action.toString());
      }
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    String line = what;
    log.add(line);
    pending.add(line);
    long started = System.nanoTime();
    return f.andThen(ar -> {
      pending.remove(line);
      double took = (System.nanoTime() - started) / 1e9;
      if (took > 3) {
        log.add(String.format("  %s took %.1f s", line.substring(0, line.indexOf(':')), took));
      }
      if (ar.failed()) {
        log.add("  " + line.substring(0, line.indexOf(':')) + " failed: "
            + ar.cause().getClass().getSimpleName() + ": " + ar.cause().getMessage());
      }
    });
  }

  private static Future<Object> skipped() {
    return Future.succeededFuture("skipped");
  }

  private Future<Void> timer(long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, id -> p.complete());
    return p.future();
  }

  /**
   * Completes once neither node has published an event for {@code gap}, or after {@code most}:
   * a kept peer whose node is down is re-dialled without end, so quiet may never come.
   */
  private Future<Void> quiet(Duration gap, Duration most) {
    long until = System.nanoTime() + most.toNanos();
    return Poll.until(vertx, 20, () -> {
      long now = System.nanoTime();
      return now - lastEventNanos.get() >= gap.toNanos() || now >= until;
    });
  }

  // ---- after the run ---------------------------------------------------------------------------

  /**
   * Clears every fault (stalled links reset, killed nodes restarted), makes sure a keeps b, then
   * waits for both nodes to list the same connections and every kept peer to have at least its
   * target open.
   */
  private void settle(Random random) {
    step = STEPS + 1;
    log.add("settle: reset stalled links, restart the nodes that are down");
    for (Node n : nodes) {
      for (Link l : n.proxy.links()) {
        if (l.isStalled()) {
          l.reset();
        }
      }
    }
    for (Node n : nodes) {
      if (n.swarm == null) {
        Node other = nodes.get(1 - nodes.indexOf(n));
        await(n.start());
        n.swarm.addAddresses(other.id, List.of(other.viaProxy()));
      }
    }
    // A keeps b unless it does already (b sometimes a too), so that there is a target to get
    // back to and connections to agree on whatever the sequence left.
    for (Node n : nodes) {
      Node other = nodes.get(1 - nodes.indexOf(n));
      if (await(n.swarm.kept()).isEmpty() && (n == nodes.get(0) || random.nextBoolean())) {
        int target = 1 + random.nextInt(LIMIT);
        log.add("settle: " + n + " keeps " + other + " at " + target);
        await(n.swarm.keep(other.id, target).otherwiseEmpty());
      }
    }
    AtomicReference<String> last = new AtomicReference<>("not looked at yet");
    try {
      await(pollUntil(() -> settledNow(last)), SETTLE_BOUND.plusSeconds(5));
    } catch (AssertionError e) {
      throw new AssertionError("not settled within " + SETTLE_BOUND + ": " + last.get(), e);
    }
    checkNow("settled");
    System.out.println("PerPeerLimitPropertyTest: settled, " + last.get());
  }

  /** Whether both sides agree and kept peers are at their targets; {@code why} says why not. */
  private Future<Boolean> settledNow(AtomicReference<String> why) {
    Node a = nodes.get(0);
    Node b = nodes.get(1);
    Set<String> seenByA = links(a, b);
    Set<String> seenByB = links(b, a);
    if (!seenByA.equals(seenByB)) {
      why.set("a lists " + seenByA + ", b lists " + seenByB);
      return Future.succeededFuture(false);
    }
    return Future.all(a.swarm.kept(), b.swarm.kept()).map(cf -> {
      List<KeptPeer> short0 = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        List<KeptPeer> kept = cf.resultAt(i);
        for (KeptPeer k : kept) {
          if (k.open() < k.target()) {
            short0.add(k);
          }
        }
      }
      why.set(short0.isEmpty() ? "both list " + seenByA + "; kept by a " + cf.resultAt(0)
          + ", by b " + cf.resultAt(1) : "both list " + seenByA + "; kept peers short: "
          + short0);
      return short0.isEmpty();
    });
  }

  /**
   * The open connections {@code self} holds to {@code other}, each named by its proxy link as
   * the proxy's node sees it ({@code <node>:<port of the link's socket to that node>}), so the
   * two nodes' lists can be compared.
   */
  private static Set<String> links(Node self, Node other) {
    Set<String> out = new TreeSet<>();
    for (Connection c : self.swarm.getConnections(other.id)) {
      if (c.direction() == Connection.Direction.OUTBOUND) {
        Link l = other.proxy.byClientPort(c.localAddr().port().getAsInt());
        out.add(other.name + ":" + (l == null ? "direct " + c.remoteAddr() : l.upstreamPort()));
      } else {
        out.add(self.name + ":" + c.remoteAddr().port().getAsInt());
      }
    }
    return out;
  }

  /** Completes once {@code condition} answers true; asked every 100 ms on a Vert.x timer. */
  private Future<Void> pollUntil(Supplier<Future<Boolean>> condition) {
    Promise<Void> p = Promise.promise();
    long until = System.nanoTime() + SETTLE_BOUND.toNanos();
    ask(condition, p, until);
    return p.future();
  }

  private void ask(Supplier<Future<Boolean>> condition, Promise<Void> p, long until) {
    condition.get().onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        p.tryComplete();
      } else if (System.nanoTime() >= until) {
        p.tryFail("deadline passed");
      } else {
        vertx.setTimer(100, id -> ask(condition, p, until));
      }
    });
  }
}
