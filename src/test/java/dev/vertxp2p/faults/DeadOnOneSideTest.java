package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.faults.FaultProxy.Fault;
import dev.vertxp2p.faults.FaultProxy.Link;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A connection that died on one side only (issue 18, point 7): the proxy resets the dialer's
 * socket of one of three connections and leaves the listener's open and silent, as a dead NAT
 * entry does. The dialer re-dials at once; the listener, at its per-peer limit, must find the dead
 * connection by probing rather than refuse every re-dial until its keep-alive fires.
 */
class DeadOnOneSideTest extends SwarmFixture {
  /** The keep-alive the listener would otherwise wait for. */
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(30);
  private FaultProxy proxy;

  @AfterEach
  void closeProxy() throws Exception {
    if (proxy != null) {
      proxy.close(); // before the swarms: a half-dead link would hold a graceful close
    }
  }

  private static SwarmOptions options(int maxPerPeer) {
    SwarmOptions o = loopbackOptions()
        .setTransport(new TransportOptions().setKeepAliveInterval(KEEP_ALIVE)
            .setKeepAliveTimeout(KEEP_ALIVE).setShutdownGracePeriod(Duration.ZERO));
    // Without identify the dialer knows only the proxy's address, so every dial goes through it.
    o.getServices().setIdentify(false);
    o.getRetry().setDelays(0.05, 0.2);
    o.getConnection().setMaxConnectionsPerPeer(maxPerPeer);
    return o;
  }

  private Multiaddr viaProxy(Swarm listener) {
    try {
      proxy = new FaultProxy(listener.listenAddrs().get(0).port().getAsInt());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + listener.peerId());
  }

  private static List<SwarmEvent> recorded(Swarm swarm, String type) {
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    swarm.eventHandler(e -> {
      if (type.equals(e.type())) {
        seen.add(e);
      }
    });
    return seen;
  }

  /** The proxy links the dialer's connections run over, named by the node side's port. */
  private Set<Integer> dialerLinks(Swarm dialer, Swarm listener) {
    Set<Integer> ports = new TreeSet<>();
    for (Connection c : dialer.getConnections(listener.peerId())) {
      Link l = proxy.byClientPort(c.localAddr().port().getAsInt());
      ports.add(l == null ? -1 : l.upstreamPort());
    }
    return ports;
  }

  private static Set<Integer> listenerPorts(Swarm listener, Swarm dialer) {
    return listener.getConnections(dialer.peerId()).stream()
        .map(c -> c.remoteAddr().port().getAsInt()).collect(Collectors.toCollection(TreeSet::new));
  }

  /** Completes once {@code condition} holds, tested after every event either swarm reports. */
  private static Future<Void> when(Swarm a, Swarm b, Predicate<Void> condition) {
    Promise<Void> p = Promise.promise();
    a.eventHandler(e -> {
      if (condition.test(null)) {
        p.tryComplete();
      }
    });
    b.eventHandler(e -> {
      if (condition.test(null)) {
        p.tryComplete();
      }
    });
    if (condition.test(null)) {
      p.tryComplete();
    }
    return p.future();
  }

  @Test
  void aConnectionDeadOnTheDialersSideOnlyIsReplacedLongBeforeTheKeepAlive() {
    Swarm b = started(options(3));
    Swarm a = started(options(3));
    Multiaddr addr = viaProxy(b);
    a.addAddresses(b.peerId(), List.of(addr));
    Future<Void> bSees3 = connectionsReach(b, a.peerId(), 3);
    assertEquals(3, await(a.keep(b.peerId(), 3)).size());
    await(bSees3);
    List<SwarmEvent> dead = recorded(b, SwarmEvent.CONNECTION_DEAD);
    List<SwarmEvent> rejected = recorded(b, SwarmEvent.CONNECTION_REJECTED);

    Connection victim = a.getConnections(b.peerId()).get(1);
    Link link = proxy.byClientPort(victim.localAddr().port().getAsInt());
    int deadPort = link.upstreamPort();
    Future<SwarmEvent> dialerNoticed = nextEvent(a, e -> SwarmEvent.CONNECTION_CLOSED.equals(e.type())
        && victim.id().equals(e.fields().getJsonObject("connection").getString("id")));
    // Both sides agree again: three connections each, over the same three live links.
    Future<Void> restored = when(a, b, v -> {
      Set<Integer> mine = dialerLinks(a, b);
      return mine.size() == 3 && !mine.contains(deadPort) && mine.equals(listenerPorts(b, a));
    });
    assertTrue(link.inject(Fault.RESET_DIALER_SIDE), "link of " + victim + " was flowing");
    long faultAt = System.nanoTime();

    await(dialerNoticed);
    assertTrue(listenerPorts(b, a).contains(deadPort), "the listener was never told");
    // Generous functional deadline, still half the keep-alive: the keep-alive must not be
    // what restores it.
    await(restored, KEEP_ALIVE.dividedBy(2));
    double tookMs = (System.nanoTime() - faultAt) / 1e6;
    System.out.printf("dead-on-one-side connection replaced after %.0f ms (%d refusals)%n",
        tookMs, rejected.size());
    assertTrue(tookMs < 5_000, "restoring took " + tookMs + " ms");

    assertEquals(1, dead.size(), "connection.dead: " + dead);
    SwarmEvent event = dead.get(0);
    assertEquals(a.peerId(), event.peer());
    assertTrue(event.fields().getString("reason").contains("no answer to a probe"),
        event.fields().encode());
    assertTrue(event.fields().getJsonObject("connection").getString("remoteAddr")
        .endsWith("/tcp/" + deadPort), event.fields().encode());
    for (Connection c : b.getConnections(a.peerId())) {
      assertTrue(c.isOpen(), c + " is open");
    }
  }

  @Test
  void aLiveConnectionIsNeverClosedToMakeRoom() {
    Swarm b = started(options(3));
    Swarm a = started(options(4)); // the dialer would take a fourth; the listener will not
    Multiaddr addr = viaProxy(b);
    Future<Void> bSees3 = connectionsReach(b, a.peerId(), 3);
    assertEquals(3, await(a.dial(addr, new DialOptions().setConnections(3))).size());
    await(bSees3);
    Set<String> before = b.getConnections(a.peerId()).stream().map(Connection::id)
        .collect(Collectors.toSet());
    List<SwarmEvent> dead = recorded(b, SwarmEvent.CONNECTION_DEAD);
    List<SwarmEvent> closed = recorded(b, SwarmEvent.CONNECTION_CLOSED);
    Future<SwarmEvent> refused = nextEvent(b, e -> SwarmEvent.CONNECTION_REJECTED.equals(e.type()));

    a.dial(addr, new DialOptions().setConnections(4)); // its outcome is the listener's to decide
    SwarmEvent refusal = await(refused);
    assertTrue(refusal.fields().getString("reason").startsWith("maxConnectionsPerPeer (3) reached"),
        refusal.fields().encode());
    assertEquals(new JsonObject().put("scope", "peer").put("limit", 3).put("current", 3),
        refusal.fields().getJsonObject("refusal"));
    assertEquals(3, refusal.fields().getInteger("connectionsToPeer"));

    assertEquals(List.of(), dead);
    assertEquals(List.of(), closed);
    assertEquals(before, b.getConnections(a.peerId()).stream().map(Connection::id)
        .collect(Collectors.toSet()));
    for (Connection c : b.getConnections(a.peerId())) {
      assertTrue(c.isOpen(), c + " is open");
    }
  }
}
