package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.faults.FaultProxy.Fault;
import dev.vertxp2p.faults.FaultProxy.Link;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.testing.SwarmFixture;
import dev.vertxp2p.transport.MuxedConnection;
import dev.vertxp2p.metrics.MetricNames;
import dev.vertxp2p.metrics.SwarmMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health checks over loopback: a stalled connection (the fault proxy holds its bytes both ways,
 * sockets open) becomes unhealthy within {@code checkInterval × unhealthyAfter + pingTimeout} and
 * takes no new stream; a connection saturated by a perf transfer keeps answering its checks.
 */
class HealthChecksTest extends SwarmFixture {
  private static final String SINK = "/test/sink/1.0.0";
  private FaultProxy proxy;

  @AfterEach
  void closeProxy() throws Exception {
    if (proxy != null) {
      proxy.close(); // before the swarms close: a stalled link would hold their graceful close
    }
  }

  private static SwarmOptions options(HealthOptions health) {
    SwarmOptions o = loopbackOptions().setHealth(health)
        // Keep-alive far beyond the health bound: it is health checks that find the stall here.
        .setTransport(new TransportOptions().setKeepAliveInterval(Duration.ofSeconds(30))
            .setKeepAliveTimeout(Duration.ofSeconds(30))
            .setShutdownGracePeriod(Duration.ofMillis(200)));
    // Without identify the dialer knows only the proxy's address, so every dial goes through it.
    o.getServices().setEcho(true).setPerf(true).setIdentify(false);
    o.getConnection().setMaxConnectionsPerPeer(3);
    return o;
  }

  private static List<SwarmEvent> healthEvents(Swarm swarm) {
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    swarm.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_HEALTH.equals(e.type())) {
        seen.add(e);
      }
    });
    return seen;
  }

  private static String connId(SwarmEvent e) {
    return e.fields().getJsonObject("connection").getString("id");
  }

  @Test
  void aStalledConnectionTurnsUnhealthyInTimeAndTakesNoNewStream() {
    // Replacement off: this test watches the detection and the stalled connection it leaves
    // (ReplacementTest covers what replacement does next).
    HealthOptions health = new HealthOptions().setCheckInterval(0.1).setPingTimeout(0.1)
        .setUnhealthyAfter(3).setReplaceUnhealthy(false);
    Swarm b = started(options(health));
    Swarm a = started(options(health));
    List<SwarmEvent> events = healthEvents(a);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SwarmMetrics metrics = SwarmMetrics.bind(registry, a, "a");
    proxy = FaultProxy.to(b.listenAddrs().get(0).port().getAsInt());
    Multiaddr viaProxy =
        Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
    List<Connection> conns = await(a.dial(viaProxy, new DialOptions().setConnections(3)));
    assertEquals(3, conns.size());
    Connection victim = conns.get(1);
    Future<SwarmEvent> unhealthy = nextEvent(a, e -> SwarmEvent.CONNECTION_HEALTH.equals(e.type())
        && victim.id().equals(connId(e)) && "unhealthy".equals(e.fields().getString("to")));
    Link link = proxy.byClientPort(victim.localAddr().port().getAsInt());
    assertTrue(link.inject(Fault.STALL), "link of " + victim + " was flowing");
    long stalledAt = System.nanoTime();

    // checkInterval × unhealthyAfter + pingTimeout = 0.4 s; a generous functional deadline of 10×
    double bound = health.getCheckInterval() * health.getUnhealthyAfter()
        + health.getPingTimeout();
    SwarmEvent event = await(unhealthy, Duration.ofMillis((long) (bound * 10_000)));
    System.out.printf("stalled connection unhealthy after %.0f ms (bound %.0f ms)%n",
        (System.nanoTime() - stalledAt) / 1e6, bound * 1000);
    assertEquals("degraded", event.fields().getString("from"));
    JsonObject json = victim.toJson().getJsonObject("health");
    assertEquals("unhealthy", json.getString("state"));
    assertTrue(json.getInteger("failedChecks") >= health.getUnhealthyAfter(), json.encode());
    assertEquals(java.util.Set.of("state", "rttMs", "failedChecks"), json.fieldNames());
    assertEquals(1.0, registry.get(MetricNames.CONNECTIONS_UNHEALTHY).gauge().value());
    // the two flowing connections answered checks all along
    assertTrue(registry.get(MetricNames.CONNECTION_RTT).timer().count() > 0);
    metrics.close();
    // on its way down it passed through degraded, never straight from healthy to unhealthy
    List<String> victimPath = events.stream().filter(e -> victim.id().equals(connId(e)))
        .map(e -> e.fields().getString("from") + "->" + e.fields().getString("to")).toList();
    assertTrue(victimPath.indexOf("degraded->unhealthy") > victimPath.indexOf("healthy->degraded")
        || victimPath.contains("unknown->degraded"), victimPath.toString());

    // New streams all go to the two others, and carry their bytes.
    for (int i = 0; i < 12; i++) {
      P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL));
      assertNotEquals(victim.id(), s.connection().id(), "stream " + i + " placed on the stalled one");
      s.reset();
    }
    P2pStream echo = await(a.newStream(b.peerId(), Echo.PROTOCOL));
    io.vertx.core.Promise<String> back = io.vertx.core.Promise.promise();
    StringBuilder got = new StringBuilder();
    echo.handler(buf -> got.append(buf.toString()));
    echo.endHandler(v -> back.tryComplete(got.toString()));
    echo.write(io.vertx.core.buffer.Buffer.buffer("still flowing"));
    echo.end();
    assertEquals("still flowing", await(back.future()));
  }

  @Test
  void aSaturatedConnectionStillAnswersItsChecks() {
    // Under a bulk transfer the pong waits behind up to a window of data (16 MiB at most), so a
    // round trip is about window / throughput: slow, never lost. pingTimeout is the default (5 s).
    HealthOptions health = new HealthOptions().setCheckInterval(0.2).setMaxPingLatency(10.0);
    Swarm b = started(options(health));
    Swarm a = started(options(health));
    List<SwarmEvent> events = healthEvents(a);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(1)))
        .get(0);
    MuxedConnection conn = (MuxedConnection) c;
    long samplesBefore = conn.healthSamples();
    long start = System.nanoTime();
    Perf.Result r = await(Perf.run(c, 0, 256L << 20), Duration.ofSeconds(120));
    double seconds = (System.nanoTime() - start) / 1e9;
    long samples = conn.healthSamples() - samplesBefore;
    System.out.printf("perf %d bytes in %.2f s: %d RTT samples (checkInterval %.1f s), %s%n",
        r.downloadBytes(), seconds, samples, health.getCheckInterval(),
        c.toJson().getJsonObject("health"));
    assertEquals(0, conn.failedHealthChecks());
    assertTrue(events.stream().noneMatch(e -> e.fields().getJsonObject("connection")
        .getJsonObject("health").getInteger("failedChecks") > 0), events.toString());
    // Checks kept going out and coming back during the transfer, not only before and after it.
    assertTrue(samples >= 2, samples + " samples in " + seconds + " s");
    assertTrue(c.toJson().getJsonObject("health").getValue("rttMs") instanceof Number);
  }

  @Test
  void leastBusyPicksTheIdleConnectionWithThreeStreamsOverTheSaturatedOne() {
    Swarm b = started(options(new HealthOptions()));
    SwarmOptions ao = options(new HealthOptions());
    ao.getConnection().setLoadBalancingStrategy("least_busy");
    Swarm a = started(ao);
    List<Connection> two = await(a.dial(b.listenAddrs().get(0),
        new DialOptions().setConnections(2)));
    Connection bulk = two.get(0);
    Connection idle = two.get(1);
    // Conn JSON before the first check (checkInterval 10 s): unknown, no round trip yet.
    assertEquals(new JsonObject().put("state", "unknown").putNull("rttMs").put("failedChecks", 0),
        idle.toJson().getJsonObject("health"));
    for (int i = 0; i < 3; i++) {
      await(idle.newStream(Echo.PROTOCOL)); // open, and left with nothing to send
    }
    // One stream saturated: its remote never reads, so the window is spent and the rest of what
    // was written waits in the stream's queue (a moving transfer's queue would come and go).
    b.handle(SINK, st -> st.pause());
    P2pStream saturated = await(bulk.newStream(SINK));
    saturated.write(io.vertx.core.buffer.Buffer.buffer(new byte[4 << 20]));
    await(vertxTimerUntil(() -> bulk.bytesInFlight() > 0));
    assertEquals(3, idle.openStreams());
    assertEquals(1, bulk.openStreams());
    for (int i = 0; i < 6; i++) {
      P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL));
      assertEquals(idle.id(), s.connection().id(), "pick " + i + " with " + bulk.bytesInFlight()
          + " bytes in flight on the bulk connection, " + idle.bytesInFlight() + " on the idle");
      s.reset();
    }
    assertTrue(bulk.bytesInFlight() > (2 << 20), bulk.bytesInFlight() + " bytes in flight");
  }

  @Test
  void onMplexTheCheckIsThePingProtocolAndAPeerWithoutItStaysUnknown() {
    HealthOptions health = new HealthOptions().setCheckInterval(0.05).setPingTimeout(2.0);
    SwarmOptions serving = options(health);
    serving.getTransport().setMuxers(List.of(TransportOptions.MPLEX_PROTOCOL));
    SwarmOptions silent = options(health);
    silent.getTransport().setMuxers(List.of(TransportOptions.MPLEX_PROTOCOL));
    silent.getServices().setPing(false);
    Swarm pinger = started(options(health));
    Swarm b = started(serving);
    Swarm c = started(silent);

    Future<SwarmEvent> healthy = nextEvent(pinger, e -> SwarmEvent.CONNECTION_HEALTH.equals(
        e.type()) && b.peerId().equals(e.peer()) && "healthy".equals(e.fields().getString("to")));
    Connection toB = await(pinger.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals(TransportOptions.MPLEX_PROTOCOL, toB.muxer());
    await(healthy);
    assertTrue(((MuxedConnection) toB).healthSamples() >= 1);

    List<SwarmEvent> events = healthEvents(pinger);
    MuxedConnection toC =
        (MuxedConnection) await(pinger.dial(c.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals(TransportOptions.MPLEX_PROTOCOL, toC.muxer());
    await(vertxTimerUntil(toC::healthCheckUnsupported));
    assertEquals(new JsonObject().put("state", "unknown").putNull("rttMs").put("failedChecks", 0),
        toC.toJson().getJsonObject("health"));
    assertTrue(events.stream().noneMatch(e -> c.peerId().equals(e.peer())), events.toString());
  }


}
