package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.SelectableConnection;
import dev.vertxp2p.StreamNegotiationTimeoutException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.faults.FaultProxy.Fault;
import dev.vertxp2p.faults.FaultProxy.Link;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hedged stream opens ({@code connection.hedgeDelay}) against a silently stalled connection: the
 * fault proxy holds every byte of one of three connections, both ways, sockets open. Health
 * checks are off, so the stalled connection stays eligible and round robin keeps placing streams
 * on it; only the hedge saves them from the stream negotiation timeout.
 */
class HedgedStreamsTest extends SwarmFixture {
  private static final Duration HEDGE_DELAY = Duration.ofMillis(200);
  /** Short, so that the unhedged case and the losers' clean-up take seconds, not tens. */
  private static final Duration NEGOTIATION_TIMEOUT = Duration.ofSeconds(2);
  /** How many streams the hedged test wants placed on the stalled connection. */
  private static final int STALLED_PLACEMENTS = 3;
  /** Bound on opens while waiting for those placements (round robin gives one in three). */
  private static final int MAX_OPENS = 30;

  private FaultProxy proxy;

  @AfterEach
  void closeProxy() throws Exception {
    if (proxy != null) {
      proxy.close(); // before the swarms close: a stalled link would hold their graceful close
    }
  }

  private static SwarmOptions options(Duration hedgeDelay) {
    SwarmOptions o = loopbackOptions().setHealth(new HealthOptions().setEnabled(false))
        // Keep-alive far beyond the test: nothing but the stream's own timeout sees the stall.
        .setTransport(new TransportOptions().setKeepAliveInterval(Duration.ofSeconds(60))
            .setKeepAliveTimeout(Duration.ofSeconds(60))
            .setStreamNegotiationTimeout(NEGOTIATION_TIMEOUT)
            .setShutdownGracePeriod(Duration.ofMillis(200)));
    // Without identify the dialer knows only the proxy's address, so every dial goes through it.
    o.getServices().setEcho(true).setIdentify(false);
    o.getConnection().setMaxConnectionsPerPeer(3).setHedgeDelay(hedgeDelay);
    return o;
  }

  /** Round robin, recording the id of every connection it picks, in order. */
  private static final class RecordingSelector implements ConnectionSelector {
    private final ConnectionSelector inner = ConnectionSelector.roundRobin();
    final List<String> picks = new CopyOnWriteArrayList<>();

    @Override
    public <C extends SelectableConnection> C pick(String peer, List<? extends C> candidates) {
      C c = inner.pick(peer, candidates);
      if (c instanceof Connection conn) {
        picks.add(conn.id());
      }
      return c;
    }
  }

  /** One newStream and what the selector picked for it. */
  private record Open(P2pStream stream, List<String> picks, double millis) {}

  private static Open open(Swarm a, Swarm b, RecordingSelector selector) {
    int before = selector.picks.size();
    long start = System.nanoTime();
    // Generous functional deadline: far beyond the negotiation timeout plus failover.
    P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL), Duration.ofSeconds(30));
    double ms = (System.nanoTime() - start) / 1e6;
    // Opens run one at a time, so the picks since `before` are this open's.
    return new Open(s, new ArrayList<>(selector.picks.subList(before, selector.picks.size())), ms);
  }

  private static void assertEchoes(P2pStream s, String text) {
    Promise<String> back = Promise.promise();
    StringBuilder got = new StringBuilder();
    s.handler(buf -> got.append(buf.toString()));
    s.endHandler(v -> back.tryComplete(got.toString()));
    s.exceptionHandler(back::tryFail);
    s.write(Buffer.buffer(text));
    s.end();
    assertEquals(text, await(back.future()));
  }

  /** Dials three connections through the proxy and stalls one; returns it. */
  private Connection stallOneOfThree(Swarm a, Swarm b) throws java.io.IOException {
    proxy = new FaultProxy(b.listenAddrs().get(0).port().getAsInt());
    Multiaddr viaProxy =
        Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
    List<Connection> conns = await(a.dial(viaProxy, new DialOptions().setConnections(3)));
    assertEquals(3, conns.size());
    Connection victim = conns.get(1);
    Link link = proxy.byClientPort(victim.localAddr().port().getAsInt());
    assertTrue(link.inject(Fault.STALL), "link of " + victim + " was flowing");
    return victim;
  }

  @Test
  void everyStreamPlacedOnTheStalledConnectionIsWonByItsHedge() throws Exception {
    Swarm b = started(options(null));
    RecordingSelector selector = new RecordingSelector();
    Swarm a = track(Swarm.create(vertx, options(HEDGE_DELAY), selector));
    Connection victim = stallOneOfThree(a, b);
    long streamsBefore = victim.streamsTotal();

    int hedged = 0;
    List<Double> hedgedMillis = new ArrayList<>();
    for (int i = 0; i < MAX_OPENS && hedged < STALLED_PLACEMENTS; i++) {
      Open o = open(a, b, selector);
      String conn = o.stream().connection().id();
      assertNotEquals(victim.id(), conn, "open " + i + " was served by the stalled connection");
      if (!o.picks().get(0).equals(victim.id())) {
        // A live pick negotiates in milliseconds; should a busy machine hold it past the delay,
        // its hedge may win, but only ever on a connection this open picked.
        assertTrue(o.picks().size() == 1 ? o.picks().get(0).equals(conn)
            : o.picks().size() == 2 && o.picks().contains(conn),
            "open " + i + " picks " + o.picks() + ", served by " + conn);
        o.stream().reset();
        continue;
      }
      hedged++;
      hedgedMillis.add(o.millis());
      // Placed on the stalled connection: exactly one hedge, to another one, which won.
      assertEquals(2, o.picks().size(), "open " + i + " picks " + o.picks());
      assertEquals(o.picks().get(1), conn);
      // Failover could only come after the negotiation timeout: faster means the hedge won.
      assertTrue(o.millis() < NEGOTIATION_TIMEOUT.toMillis(),
          "open " + i + " took " + o.millis() + " ms: not won by its hedge");
      assertTrue(o.millis() >= HEDGE_DELAY.toMillis() - 1,
          "open " + i + " hedged after " + o.millis() + " ms, before the delay");
      assertEchoes(o.stream(), "hedge " + i);
      // The loser, still negotiating on the stalled connection, was reset as soon as the hedge
      // won: listed on the connection's own loop, after the reset that the win sent there.
      assertEquals(new io.vertx.core.json.JsonArray(), await(victim.streamsJson()),
          "open " + i + ": its loser is still on the stalled connection");
    }
    System.out.printf("opens placed on the stalled connection, won by the hedge in %s ms%n",
        hedgedMillis.stream().map(m -> String.format("%.0f", m)).toList());
    assertEquals(STALLED_PLACEMENTS, hedged, "streams placed on the stalled connection");

    // Each hedged open put one stream on the stalled connection, and nothing more (no cascade),
    // and none of them is left there.
    assertEquals(STALLED_PLACEMENTS, victim.streamsTotal() - streamsBefore);
    assertEquals(0, victim.openStreams(), "losers counted on the stalled connection");
    assertTrue(victim.isOpen(), "the stalled connection itself stays (health checks are off)");
  }

  @Test
  void withoutHedgingAStreamOnTheStalledConnectionWaitsForTheNegotiationTimeout()
      throws Exception {
    Swarm b = started(options(null));
    RecordingSelector selector = new RecordingSelector();
    Swarm a = track(Swarm.create(vertx, options(null), selector));
    Connection victim = stallOneOfThree(a, b);

    Open stalled = null;
    for (int i = 0; i < MAX_OPENS && stalled == null; i++) {
      Open o = open(a, b, selector);
      if (o.picks().get(0).equals(victim.id())) {
        stalled = o;
      } else {
        assertEquals(List.of(o.picks().get(0)), o.picks(), "a second pick without hedging");
        o.stream().reset();
      }
    }
    assertTrue(stalled != null, "round robin never placed a stream on the stalled connection");
    System.out.printf("without hedging, the open placed on the stalled connection took %.0f ms%n",
        stalled.millis());
    // It waited out the whole negotiation timeout, then failed over to a live connection.
    assertTrue(stalled.millis() >= NEGOTIATION_TIMEOUT.toMillis() - 1,
        "took " + stalled.millis() + " ms, less than the negotiation timeout");
    assertEquals(2, stalled.picks().size(), "picks " + stalled.picks());
    assertNotEquals(victim.id(), stalled.stream().connection().id());
    assertEchoes(stalled.stream(), "after the timeout");
  }

  /** Healthy connections: hedging changes nothing, the dial-first path included. */
  @Test
  void withHedgingOnANewStreamDialsFirstAndAnUnsupportedProtocolFailsAsBefore() {
    Swarm b = started(options(null));
    Swarm a = started(options(HEDGE_DELAY));
    a.addAddresses(b.peerId(), b.listenAddrs());
    P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL)); // no connection yet: dials
    assertEchoes(s, "dialled first");
    Throwable e = failure(a.newStream(b.peerId(), "/not/served/1.0.0"));
    assertInstanceOf(dev.vertxp2p.ProtocolNotSupportedException.class, e);
  }
}
