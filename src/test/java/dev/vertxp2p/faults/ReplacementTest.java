package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionReplacedException;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.faults.FaultProxy.Fault;
import dev.vertxp2p.faults.FaultProxy.Link;
import dev.vertxp2p.metrics.MetricNames;
import dev.vertxp2p.metrics.SwarmMetrics;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.testing.SwarmFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replacement of an unhealthy connection over loopback: a kept peer's connection stalls (the fault
 * proxy holds its bytes both ways, sockets open), health checks find it unhealthy, and it is
 * replaced, make-before-break below the per-peer limit and break-before-make at it. Echo streams on
 * the other connections lose no byte, no new stream lands on the stalled one, and the per-peer
 * limit holds at every event on both sides.
 */
class ReplacementTest extends SwarmFixture {
  private static final HealthOptions HEALTH = new HealthOptions().setCheckInterval(0.1)
      .setPingTimeout(0.1).setUnhealthyAfter(3).setDrainTimeout(0.5);
  private FaultProxy proxy;

  @AfterEach
  void closeProxy() throws Exception {
    if (proxy != null) {
      proxy.close(); // before the swarms close: a stalled link would hold their graceful close
    }
  }

  private static SwarmOptions options(int maxPerPeer) {
    SwarmOptions o = loopbackOptions().setHealth(new HealthOptions(HEALTH))
        // Keep-alive far beyond the health bound: health checks find the stall here.
        .setTransport(new TransportOptions().setKeepAliveInterval(Duration.ofSeconds(30))
            .setKeepAliveTimeout(Duration.ofSeconds(30))
            .setShutdownGracePeriod(Duration.ofMillis(200)));
    // Without identify the dialer knows only the proxy's address, so every dial goes through it.
    o.getServices().setEcho(true).setIdentify(false);
    o.getConnection().setMaxConnectionsPerPeer(maxPerPeer);
    return o;
  }

  /** What happened on one side, in order, and whether the per-peer limit ever broke. */
  private static final class Journal {
    final List<SwarmEvent> events = new CopyOnWriteArrayList<>();
    final List<String> breaches = new CopyOnWriteArrayList<>();

    Journal(Swarm swarm, PeerId remote, int limit) {
      swarm.eventHandler(e -> {
        events.add(e);
        int n = swarm.getConnections(remote).size();
        if (n > limit) {
          breaches.add(e.type() + ": " + n + " connections to " + remote + " over " + limit);
        }
      });
    }

    /** Index of the first event of {@code type} about {@code connId} (as connection or old). */
    int indexOf(String type, String connId) {
      for (int i = 0; i < events.size(); i++) {
        SwarmEvent e = events.get(i);
        if (e.type().equals(type) && connId.equals(connIdOf(e))) {
          return i;
        }
      }
      return -1;
    }

    String trace() {
      StringBuilder b = new StringBuilder();
      for (SwarmEvent e : events) {
        b.append("\n  ").append(e.type()).append(' ').append(connIdOf(e));
      }
      return b.toString();
    }
  }

  private static String connIdOf(SwarmEvent e) {
    if (SwarmEvent.CONNECTION_REPLACED.equals(e.type())) {
      return e.fields().getString("old");
    }
    var c = e.fields().getJsonObject("connection");
    return c == null ? null : c.getString("id");
  }

  private record Setup(Swarm a, Swarm b, Journal atA, Journal atB, List<Connection> conns) {}

  private Setup keptThroughProxy(int maxPerPeer, int target) {
    Swarm b = started(options(maxPerPeer));
    Swarm a = started(options(maxPerPeer));
    proxy = FaultProxy.to(b.listenAddrs().get(0).port().getAsInt());
    Multiaddr viaProxy =
        Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
    Journal atA = new Journal(a, b.peerId(), maxPerPeer);
    a.addAddresses(b.peerId(), List.of(viaProxy));
    List<Connection> conns = await(a.keep(b.peerId(), target));
    assertEquals(target, conns.size());
    await(connectionsReach(b, a.peerId(), target));
    Journal atB = new Journal(b, a.peerId(), maxPerPeer);
    return new Setup(a, b, atA, atB, conns);
  }

  /** Echoes {@code size} random bytes on a stream of {@code on}; completes with what came back. */
  private static Future<byte[]> echo(Connection on, byte[] data) {
    return on.newStream(Echo.PROTOCOL).compose(s -> {
      Promise<byte[]> back = Promise.promise();
      Buffer got = Buffer.buffer();
      s.handler(got::appendBuffer);
      s.exceptionHandler(back::tryFail);
      s.endHandler(v -> back.tryComplete(got.getBytes()));
      // in slices, so the echo flows while the stall and the replacement happen
      int slice = 64 * 1024;
      for (int off = 0; off < data.length; off += slice) {
        s.write(Buffer.buffer(java.util.Arrays.copyOfRange(data, off,
            Math.min(data.length, off + slice))));
      }
      s.end();
      return back.future();
    });
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static Future<SwarmEvent> unhealthy(Swarm a, Connection victim) {
    return nextEvent(a, e -> SwarmEvent.CONNECTION_HEALTH.equals(e.type())
        && victim.id().equals(connIdOf(e)) && "unhealthy".equals(e.fields().getString("to")));
  }

  /** Generous functional deadline: 10 × the detection bound, plus a dial. */
  private static Duration deadline() {
    double bound = HEALTH.getCheckInterval() * HEALTH.getUnhealthyAfter() + HEALTH.getPingTimeout();
    return Duration.ofMillis((long) (bound * 10_000) + 5_000);
  }

  @Test
  void belowTheLimitTheReplacementOpensBeforeTheOldConnectionDrains() {
    Setup s = keptThroughProxy(4, 3);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SwarmMetrics metrics = SwarmMetrics.bind(registry, s.a(), "a");
    Connection victim = s.conns().get(1);
    Connection other = s.conns().get(0);
    byte[] data = random(4 << 20, 1);
    Future<byte[]> echoed = echo(other, data);
    Future<SwarmEvent> bad = unhealthy(s.a(), victim);
    Future<SwarmEvent> replaced = nextEvent(s.a(),
        e -> SwarmEvent.CONNECTION_REPLACED.equals(e.type()));
    Future<SwarmEvent> victimClosed = nextEvent(s.a(),
        e -> SwarmEvent.CONNECTION_CLOSED.equals(e.type()) && victim.id().equals(connIdOf(e)));
    Link link = proxy.byClientPort(victim.localAddr().port().getAsInt());
    long stalledAt = System.nanoTime();
    assertTrue(link.inject(Fault.STALL), "link of " + victim + " was flowing");

    await(bad, deadline());
    // From the moment it is unhealthy, no new stream goes to it.
    List<String> placed = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      P2pStream st = await(s.a().newStream(s.b().peerId(), Echo.PROTOCOL));
      placed.add(st.connection().id());
      st.reset();
    }
    assertTrue(!placed.contains(victim.id()), "streams placed on the unhealthy one: " + placed);

    SwarmEvent r = await(replaced, deadline());
    System.out.printf("stalled connection replaced %.0f ms after the stall%n",
        (System.nanoTime() - stalledAt) / 1e6);
    assertEquals(victim.id(), r.fields().getString("old"));
    assertEquals("make-before-break", r.fields().getString("order"));
    String fresh = r.fields().getString("new");
    await(victimClosed, deadline());

    Journal j = s.atA();
    int opened = j.indexOf(SwarmEvent.CONNECTION_OPENED, fresh);
    int draining = j.indexOf(SwarmEvent.CONNECTION_DRAINING, victim.id());
    int closed = j.indexOf(SwarmEvent.CONNECTION_CLOSED, victim.id());
    assertTrue(opened >= 0 && draining > opened && closed > draining,
        "expected opened(new) < draining(old) < closed(old):" + j.trace());
    assertEquals("replaced", j.events.get(draining).fields().getString("reason"));
    assertArrayEquals(data, await(echoed, Duration.ofSeconds(60)),
        "the echo on a healthy connection lost or changed bytes");
    await(connectionsReach(s.a(), s.b().peerId(), 3));
    assertTrue(s.a().getConnections(s.b().peerId()).stream()
        .noneMatch(c -> c.id().equals(victim.id())));
    assertEquals(1.0, registry.get(MetricNames.CONNECTIONS_REPLACED).counter().count());
    metrics.close();
    assertEquals(List.of(), j.breaches, j.trace());
    assertEquals(List.of(), s.atB().breaches, s.atB().trace());
  }

  @Test
  void atTheLimitTheOldConnectionClosesFirstAndItsStreamsSayWhy() {
    Setup s = keptThroughProxy(3, 3);
    Connection victim = s.conns().get(2);
    Connection other = s.conns().get(0);
    // A stream left open on the victim: it fails with the reason once the victim is closed.
    P2pStream stuck = await(victim.newStream(Echo.PROTOCOL));
    Promise<Throwable> stuckFailed = Promise.promise();
    stuck.exceptionHandler(stuckFailed::tryComplete);
    byte[] data = random(4 << 20, 2);
    Future<byte[]> echoed = echo(other, data);
    Future<SwarmEvent> replaced = nextEvent(s.a(),
        e -> SwarmEvent.CONNECTION_REPLACED.equals(e.type()));
    Link link = proxy.byClientPort(victim.localAddr().port().getAsInt());
    assertTrue(link.inject(Fault.STALL), "link of " + victim + " was flowing");

    SwarmEvent r = await(replaced, deadline());
    assertEquals(victim.id(), r.fields().getString("old"));
    assertEquals("break-before-make", r.fields().getString("order"));
    String fresh = r.fields().getString("new");
    Journal j = s.atA();
    int bad = j.indexOf(SwarmEvent.CONNECTION_HEALTH, victim.id());
    int closed = j.indexOf(SwarmEvent.CONNECTION_CLOSED, victim.id());
    int opened = j.indexOf(SwarmEvent.CONNECTION_OPENED, fresh);
    assertTrue(bad >= 0 && closed > bad && opened > closed,
        "expected unhealthy(old) < closed(old) < opened(new):" + j.trace());
    assertEquals(-1, j.indexOf(SwarmEvent.CONNECTION_DRAINING, victim.id()),
        "at the limit the old connection closes at once, it does not drain:" + j.trace());

    Throwable why = await(stuckFailed.future(), deadline());
    ConnectionReplacedException cause =
        assertInstanceOf(ConnectionReplacedException.class, why.getCause(), String.valueOf(why));
    assertTrue(cause.getMessage().contains("unhealthy")
        && cause.getMessage().contains("maxConnectionsPerPeer (3)"), cause.getMessage());

    assertArrayEquals(data, await(echoed, Duration.ofSeconds(60)),
        "the echo on a healthy connection lost or changed bytes");
    await(connectionsReach(s.a(), s.b().peerId(), 3));
    for (int i = 0; i < 6; i++) {
      P2pStream st = await(s.a().newStream(s.b().peerId(), Echo.PROTOCOL));
      assertNotEquals(victim.id(), st.connection().id());
      st.reset();
    }
    assertEquals(List.of(), j.breaches, j.trace());
    assertEquals(List.of(), s.atB().breaches, s.atB().trace());
  }

  @Test
  void withReplacementOffAnUnhealthyConnectionStaysAndIsOnlyAvoided() {
    SwarmOptions bo = options(4);
    Swarm b = started(bo);
    SwarmOptions ao = options(4);
    ao.getHealth().setReplaceUnhealthy(false);
    Swarm a = started(ao);
    proxy = FaultProxy.to(b.listenAddrs().get(0).port().getAsInt());
    Multiaddr viaProxy =
        Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
    List<Connection> conns = await(a.dial(viaProxy,
        new dev.vertxp2p.DialOptions().setConnections(2)));
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    a.eventHandler(seen::add);
    Connection victim = conns.get(0);
    Future<SwarmEvent> bad = unhealthy(a, victim);
    assertTrue(proxy.byClientPort(victim.localAddr().port().getAsInt()).inject(Fault.STALL));
    await(bad, deadline());
    // a few more checks' worth of time, measured by the other connection's answered checks
    long before = ((dev.vertxp2p.transport.MuxedConnection) conns.get(1)).healthSamples();
    await(vertxTimerUntil(() ->
        ((dev.vertxp2p.transport.MuxedConnection) conns.get(1)).healthSamples() >= before + 5));
    assertTrue(seen.stream().noneMatch(e -> SwarmEvent.CONNECTION_REPLACED.equals(e.type())
        || SwarmEvent.CONNECTION_OPENED.equals(e.type())), seen.toString());
    assertTrue(victim.isOpen());
    assertEquals(2, a.getConnections(b.peerId()).size());
  }


}
