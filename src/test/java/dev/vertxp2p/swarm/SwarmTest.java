package dev.vertxp2p.swarm;

import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.NoAddressException;
import dev.vertxp2p.SelectableConnection;
import dev.vertxp2p.testing.SwarmFixture;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Two Java swarms over loopback: several connections per peer, limits, strategies, events. */
class SwarmTest extends SwarmFixture {

  private Swarm node(int maxPerPeer, LoadBalancingStrategy strategy) {
    SwarmOptions o = loopbackOptions();
    o.getConnection().setMaxConnectionsPerPeer(maxPerPeer).setLoadBalancingStrategy(strategy);
    // No identify: its short-lived streams would blur the per-connection stream counts that the
    // strategy tests assert on.
    o.getServices().setEcho(true).setIdentify(false);
    // Tests leave held streams open: do not wait the default grace period for them on close.
    o.getTransport().setShutdownGracePeriod(java.time.Duration.ofMillis(100));
    Swarm s = started(o);
    // A protocol whose streams stay open until the test ends them, to load connections.
    s.handle("/hold/1.0.0", st -> st.handler(b -> { }));
    return s;
  }

  @Test
  void threeConnectionsOnBothSidesAndTheAccessors() {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Future<Void> bSees3 = connectionsReach(b, a.peerId(), 3);
    List<Connection> conns =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    assertEquals(3, conns.size());
    await(bSees3);
    assertEquals(3, b.getConnections(a.peerId()).size());
    assertEquals(3, a.getConnections().size());
    Map<PeerId, List<Connection>> map = a.getConnectionsMap();
    assertEquals(Set.of(b.peerId()), map.keySet());
    assertEquals(3, map.get(b.peerId()).size());
    Connection legacy = a.getConnection(b.peerId());
    assertSame(a.getConnections(b.peerId()).get(0), legacy);
    assertSame(legacy, a.connectionsLegacy().get(b.peerId()));
    assertThrows(UnsupportedOperationException.class,
        () -> a.getConnections(b.peerId()).clear(), "snapshots are immutable");
    assertThrows(UnsupportedOperationException.class, () -> a.getConnectionsMap().clear());

    // dialPeer reuses what is open
    List<Connection> again = await(a.dialPeer(b.peerId()));
    assertEquals(3, again.size());
    // asking for more than the limit stops at the limit
    assertEquals(3, await(a.dialPeer(b.peerId(), new DialOptions().setConnections(5))).size());
  }

  @Test
  void roundRobinSpreadsNineStreamsThreeByThree() {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    Map<String, Integer> per = new HashMap<>();
    for (int i = 0; i < 9; i++) {
      P2pStream s = await(a.newStream(b.peerId(), "/hold/1.0.0"));
      per.merge(s.connection().id(), 1, Integer::sum);
    }
    assertEquals(3, per.size(), per.toString());
    for (int n : per.values()) {
      assertEquals(3, n, per.toString());
    }
  }

  @Test
  void leastLoadedPicksTheConnectionWithFewestOpenStreams() {
    Swarm a = node(3, LoadBalancingStrategy.LEAST_LOADED);
    Swarm b = node(3, LoadBalancingStrategy.LEAST_LOADED);
    List<Connection> conns =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    // Load two connections directly: 3 held streams on the first, 2 on the second.
    Connection c0 = conns.get(0);
    Connection c1 = conns.get(1);
    Connection c2 = conns.get(2);
    for (int i = 0; i < 3; i++) {
      await(c0.newStream("/hold/1.0.0"));
    }
    for (int i = 0; i < 2; i++) {
      await(c1.newStream("/hold/1.0.0"));
    }
    int base0 = c0.openStreams();
    int base1 = c1.openStreams();
    int base2 = c2.openStreams();
    assertTrue(base2 < base1 && base1 < base0, base0 + "/" + base1 + "/" + base2);
    P2pStream s = await(a.newStream(b.peerId(), "/hold/1.0.0"));
    assertEquals(c2.id(), s.connection().id());
    // After enough picks the loads even out: never more than one apart.
    for (int i = 0; i < 6; i++) {
      await(a.newStream(b.peerId(), "/hold/1.0.0"));
    }
    int max = Math.max(c0.openStreams(), Math.max(c1.openStreams(), c2.openStreams()));
    int min = Math.min(c0.openStreams(), Math.min(c1.openStreams(), c2.openStreams()));
    assertTrue(max - min <= 1, c0.openStreams() + "/" + c1.openStreams() + "/" + c2.openStreams());
  }

  @Test
  void closingOneLeavesTwoAndNewStreamsAvoidIt() {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    List<Connection> conns =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    Connection victim = conns.get(1);
    Future<SwarmEvent> closedEvent = nextEvent(a,
        e -> e.type().equals(SwarmEvent.CONNECTION_CLOSED));
    Future<Void> bSees2 = connectionsReach(b, a.peerId(), 2);
    assertEquals(1, await(a.closeConnection(victim.id())));
    SwarmEvent ev = await(closedEvent);
    assertEquals(2, ev.fields().getInteger("connectionsToPeer"));
    assertEquals(victim.id(), ev.fields().getJsonObject("connection").getString("id"));
    assertEquals(2, a.getConnections(b.peerId()).size());
    await(bSees2);
    Set<String> used = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      used.add(await(a.newStream(b.peerId(), "/hold/1.0.0")).connection().id());
    }
    assertFalse(used.contains(victim.id()));
    assertEquals(2, used.size());
  }

  @Test
  void inboundBeyondTheLimitIsRefusedWithAnEvent() {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(2, LoadBalancingStrategy.ROUND_ROBIN);
    Future<SwarmEvent> rejected = nextEvent(b,
        e -> e.type().equals(SwarmEvent.CONNECTION_REJECTED));
    Future<Void> aBackTo2 = connectionsReach(a, b.peerId(), 2);
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    SwarmEvent ev = await(rejected);
    assertEquals(a.peerId(), ev.peer());
    assertEquals(2, ev.fields().getInteger("connectionsToPeer"));
    assertTrue(ev.fields().getString("reason").contains("maxConnectionsPerPeer"));
    assertEquals("peer", ev.fields().getJsonObject("refusal").getString("scope"));
    assertEquals(2, ev.fields().getJsonObject("refusal").getInteger("limit"));
    assertEquals(2, b.getConnections(a.peerId()).size());
    await(aBackTo2);
  }

  @Test
  void hundredSimultaneousDialsMakeOneConnection() {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    a.addAddresses(b.peerId(), List.of(b.listenAddrs().get(0)));
    List<SwarmEvent> opened = new CopyOnWriteArrayList<>();
    a.eventHandler(e -> {
      if (e.type().equals(SwarmEvent.CONNECTION_OPENED)) {
        opened.add(e);
      }
    });
    List<Future<List<Connection>>> dials = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      dials.add(a.dialPeer(b.peerId()));
    }
    Set<String> ids = new HashSet<>();
    for (Future<List<Connection>> f : dials) {
      List<Connection> l = await(f);
      assertEquals(1, l.size());
      ids.add(l.get(0).id());
    }
    assertEquals(1, ids.size());
    assertEquals(1, opened.size());
  }

  @Test
  void eventsCarryTheConnectionAndTheCount() {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    List<SwarmEvent> events = new CopyOnWriteArrayList<>();
    a.eventHandler(events::add);
    Future<SwarmEvent> disconnected = nextEvent(a,
        e -> e.type().equals(SwarmEvent.PEER_DISCONNECTED));
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)));
    assertEquals(2, await(a.hangUp(b.peerId())));
    await(disconnected);
    List<String> types = events.stream().map(SwarmEvent::type).toList();
    assertEquals(1, types.stream().filter(SwarmEvent.PEER_CONNECTED::equals).count(), types.toString());
    assertEquals(2, types.stream().filter(SwarmEvent.CONNECTION_OPENED::equals).count());
    assertEquals(2, types.stream().filter(SwarmEvent.CONNECTION_CLOSED::equals).count());
    assertEquals(SwarmEvent.PEER_DISCONNECTED, types.get(types.size() - 1));
    for (SwarmEvent e : events) {
      assertEquals(b.peerId(), e.peer());
      assertTrue(e.fields().containsKey("connection"));
      assertTrue(e.fields().containsKey("connectionsToPeer"));
      assertTrue(e.toJson().containsKey("at"));
    }
    assertNull(a.getConnection(b.peerId()));
  }

  @Test
  void retriesAreCountedAndReportedThenTheDialFails() {
    SwarmOptions o = loopbackOptions();
    o.getRetry().setMaxRetries(2).setDelays(0.01, 0.05);
    Swarm a = Swarm.create(vertx, o);
    await(a.start());
    swarms.add(a);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    // A port nobody listens on: b's address with its port swapped for a closed one.
    Multiaddr dead = Multiaddr.parse("/ip4/127.0.0.1/tcp/1/p2p/" + b.peerId());
    List<SwarmEvent> retries = new CopyOnWriteArrayList<>();
    a.eventHandler(e -> {
      if (e.type().equals(SwarmEvent.DIAL_RETRY)) {
        retries.add(e);
      }
    });
    Future<SwarmEvent> failed = nextEvent(a, e -> e.type().equals(SwarmEvent.DIAL_FAILED));
    Throwable t = failure(a.dial(dead, new DialOptions()));
    DialFailedException d = assertInstanceOf(DialFailedException.class, t);
    assertEquals(3, d.failures().get(0).attempts(), "maxRetries 2 = 3 attempts");
    assertEquals(2, retries.size());
    assertEquals(1, retries.get(0).fields().getInteger("attempt"));
    assertEquals(2, retries.get(1).fields().getInteger("attempt"));
    assertTrue(await(failed).fields().getString("error").length() > 0);
  }

  @Test
  void aPeerWithNoKnownAddressIsNamed() {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Throwable t = failure(a.dialPeer(b.peerId()));
    assertInstanceOf(NoAddressException.class, t);
    assertTrue(t.getMessage().contains(b.peerId().toString()));
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "seed {0}")
  @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3})
  void theLimitHoldsUnderRandomConcurrentDialsInboundAndCloses(long seed) {
    Swarm a = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    a.addAddresses(b.peerId(), List.of(b.listenAddrs().get(0)));
    b.addAddresses(a.peerId(), List.of(a.listenAddrs().get(0)));
    // Each side's connections to the other as its events tell them (opened minus closed), and
    // the registry beside it, checked after every event on either side.
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicInteger events = new AtomicInteger();
    AtomicInteger[] byEvents = {new AtomicInteger(), new AtomicInteger()};
    Swarm[] sides = {a, b};
    for (int k = 0; k < 2; k++) {
      Swarm self = sides[k];
      PeerId other = sides[1 - k].peerId();
      AtomicInteger count = byEvents[k];
      String name = k == 0 ? "a" : "b";
      self.eventHandler(e -> {
        if (!other.equals(e.peer())) {
          return;
        }
        events.incrementAndGet();
        int n = switch (e.type()) {
          case SwarmEvent.CONNECTION_OPENED -> count.incrementAndGet();
          case SwarmEvent.CONNECTION_CLOSED -> count.decrementAndGet();
          default -> count.get();
        };
        int listed = self.getConnections(other).size();
        if (n > 3 || n < 0 || listed > 3 || listed != n) {
          violations.add(name + " after " + e.type() + ": " + n + " by events, " + listed
              + " listed");
        }
      });
    }
    java.util.Random random = new java.util.Random(seed);
    // Ten rounds of four operations each: every round starts once the last one's operations
    // have all completed, so dials, inbound connections and closes interleave with completions.
    for (int round = 0; round < 10; round++) {
      List<Future<?>> ops = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = 1 + random.nextInt(3);
        switch (random.nextInt(4)) {
          case 0 -> ops.add(a.dialPeer(b.peerId(), new DialOptions().setConnections(n)));
          case 1 -> ops.add(b.dialPeer(a.peerId(), new DialOptions().setConnections(n)));
          case 2 -> {
            List<Connection> l = a.getConnections(b.peerId());
            if (!l.isEmpty()) {
              ops.add(a.closeConnection(l.get(random.nextInt(l.size())).id()));
            }
          }
          default -> {
            List<Connection> l = b.getConnections(a.peerId());
            if (!l.isEmpty()) {
              ops.add(b.closeConnection(l.get(random.nextInt(l.size())).id()));
            }
          }
        }
      }
      for (Future<?> f : ops) {
        // a refused or raced dial may fail; the invariant is what matters
        await(f.transform(ar -> Future.succeededFuture()));
      }
      assertTrue(violations.isEmpty(), "round " + round + ": " + violations);
    }
    assertTrue(events.get() > 0, "no connection event at all");
    assertTrue(violations.isEmpty(), violations.toString());
    assertTrue(a.getConnections(b.peerId()).size() <= 3);
    assertTrue(b.getConnections(a.peerId()).size() <= 3);
  }

  @Test
  void aUsersOwnSelectorDecides() {
    // Always the newest open connection: nothing built in does exactly this.
    ConnectionSelector newest = new ConnectionSelector() {
      @Override
      public <C extends SelectableConnection> C pick(String peer, List<? extends C> candidates) {
        C best = null;
        for (C c : candidates) {
          if (c.isOpen() && (best == null || c.openedAtNanos() > best.openedAtNanos())) {
            best = c;
          }
        }
        return best;
      }
    };
    SwarmOptions o = loopbackOptions();
    Swarm a = Swarm.create(vertx, o, newest);
    await(a.start());
    swarms.add(a);
    Swarm b = node(3, LoadBalancingStrategy.ROUND_ROBIN);
    List<Connection> conns =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    Connection youngest = conns.get(0);
    for (Connection c : conns) {
      if (c.openedAtNanos() > youngest.openedAtNanos()) {
        youngest = c;
      }
    }
    for (int i = 0; i < 4; i++) {
      assertEquals(youngest.id(), await(a.newStream(b.peerId(), "/hold/1.0.0")).connection().id());
    }
  }
}
