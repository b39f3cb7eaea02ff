package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrProtocol;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.testing.EchoStreams;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One peer over several transports at once: node B listens on TCP and on QUIC, and A, knowing
 * both addresses, tops up to two connections to B. It ends with one of each (QUIC tried first,
 * the second over the other transport), {@code round_robin} places new streams on them in turn,
 * and once the QUIC connection is closed new streams go over TCP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MultiTransportTest extends SwarmFixture {
  static final String TCP_LISTEN = "/ip4/127.0.0.1/tcp/0";
  static final String QUIC_LISTEN = "/ip4/127.0.0.1/udp/0/quic-v1";
  static final int STREAMS = 6;
  static final int PAYLOAD = 64 * 1024;

  private Swarm listenerOnTcpAndQuic() {
    // TCP listed first: the order the peer gives its addresses in must not decide the ranking.
    SwarmOptions o = new SwarmOptions().setListen(List.of(TCP_LISTEN, QUIC_LISTEN));
    o.getServices().setEcho(true);
    return started(o);
  }

  private Swarm roundRobinDialer() {
    SwarmOptions o = new SwarmOptions().setListen(List.of());
    o.getConnection().setMaxConnectionsPerPeer(3)
        .setLoadBalancingStrategy(LoadBalancingStrategy.ROUND_ROBIN);
    return started(o);
  }

  private static Set<String> transports(List<Connection> conns) {
    Set<String> out = new TreeSet<>();
    for (Connection c : conns) {
      out.add(c.toJson().getString("transport"));
    }
    return out;
  }

  private static byte[] randomPayload() {
    byte[] p = new byte[PAYLOAD];
    new SecureRandom().nextBytes(p);
    return p;
  }


  @Test
  void aTopUpToTwoOpensOneQuicAndOneTcpAndRoundRobinAlternates() {
    Swarm b = listenerOnTcpAndQuic();
    List<Multiaddr> bAddrs = b.listenAddrs();
    assertTrue(bAddrs.stream().anyMatch(a -> a.has(MultiaddrProtocol.QUIC_V1)), bAddrs.toString());
    assertTrue(bAddrs.stream().anyMatch(a -> a.has(MultiaddrProtocol.TCP)), bAddrs.toString());
    Swarm a = roundRobinDialer();
    a.addAddresses(b.peerId(), bAddrs);
    Future<Void> bSeesBoth = connectionsReach(b, a.peerId(), 2);

    List<Connection> both = await(a.dialPeer(b.peerId(), new DialOptions().setConnections(2)));
    assertEquals(2, both.size(), both.toString());
    assertEquals(Set.of("quic-v1", "tcp"), transports(both),
        "a top-up to two over TCP and QUIC addresses should open one of each");
    await(bSeesBoth);
    assertEquals(Set.of("quic-v1", "tcp"), transports(b.getConnections(a.peerId())),
        "B's side of the two connections");
    for (Connection c : both) {
      if ("quic-v1".equals(c.transport())) {
        assertEquals("/tls/1.0.0", c.toJson().getString("security"), c.toJson().encode());
        assertEquals("quic", c.toJson().getString("muxer"), c.toJson().encode());
      }
    }

    // round_robin: each new stream on the other connection than the one before, and every
    // stream works.
    List<String> placed = new ArrayList<>();
    Map<String, Integer> perConnection = new HashMap<>();
    for (int i = 0; i < STREAMS; i++) {
      P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL));
      placed.add(s.connection().transport());
      perConnection.merge(s.connection().id(), 1, Integer::sum);
      byte[] payload = randomPayload();
      assertArrayEquals(payload, await(EchoStreams.echo(s, payload)),
          "echo on " + s.connection().transport());
    }
    for (int i = 1; i < placed.size(); i++) {
      assertNotEquals(placed.get(i - 1), placed.get(i), "round_robin placed streams " + placed);
    }
    assertEquals(Map.of(both.get(0).id(), STREAMS / 2, both.get(1).id(), STREAMS / 2),
        perConnection, "streams per connection, placed " + placed);

    // Closing the QUIC connection moves new streams to TCP.
    Connection quic = both.stream().filter(c -> "quic-v1".equals(c.transport())).findFirst()
        .orElseThrow();
    Future<Void> aDownToOne = connectionsReach(a, b.peerId(), 1);
    Future<Void> bDownToOne = connectionsReach(b, a.peerId(), 1);
    await(quic.close());
    await(quic.closeFuture());
    assertFalse(quic.isOpen());
    await(aDownToOne);
    await(bDownToOne);
    assertEquals(Set.of("tcp"), transports(a.getConnections(b.peerId())));
    assertEquals(Set.of("tcp"), transports(b.getConnections(a.peerId())));
    for (int i = 0; i < STREAMS; i++) {
      P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL));
      assertEquals("tcp", s.connection().transport(), "stream " + i + " after QUIC closed");
      byte[] payload = randomPayload();
      assertArrayEquals(payload, await(EchoStreams.echo(s, payload)));
    }
  }

  /**
   * The ranking on its own: one connection to a peer with TCP and QUIC addresses goes over QUIC,
   * although the peer lists its TCP address first.
   */
  @Test
  void oneConnectionToAPeerOnTcpAndQuicGoesOverQuic() {
    Swarm b = listenerOnTcpAndQuic();
    assertTrue(b.listenAddrs().get(0).has(MultiaddrProtocol.TCP), b.listenAddrs().toString());
    Swarm a = roundRobinDialer();
    a.addAddresses(b.peerId(), b.listenAddrs());
    List<Connection> one = await(a.dialPeer(b.peerId(), new DialOptions().setConnections(1)));
    assertEquals(1, one.size());
    assertEquals("quic-v1", one.get(0).transport(), one.get(0).toJson().encode());
  }
}
