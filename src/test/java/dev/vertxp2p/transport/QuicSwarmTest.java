package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two Java nodes over {@code /quic-v1} on loopback: the whole swarm, four event loops. */
class QuicSwarmTest {
  private static final String QUIC_LISTEN = "/ip4/127.0.0.1/udp/0/quic-v1";

  private Vertx vertx;
  private Swarm a;
  private Swarm b;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  @AfterEach
  void tearDown() {
    if (a != null) {
      await(a.close());
    }
    if (b != null) {
      await(b.close());
    }
    await(vertx.close());
  }

  private Swarm node(SwarmOptions o) {
    o.getServices().setEcho(true).setPerf(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  private Swarm node() {
    return node(new SwarmOptions().setListen(List.of(QUIC_LISTEN)));
  }

  @Test
  void listensOnQuicAndServesPingIdentifyEchoAndPerf() throws Exception {
    a = node();
    b = node();
    Multiaddr bAddr = b.listenAddrs().get(0);
    assertTrue(QuicTransport.canHandle(bAddr), bAddr.toString());
    assertTrue(bAddr.hostPort().orElseThrow().port() > 0, bAddr.toString());

    List<Connection> conns = await(a.dial(bAddr, new DialOptions()));
    assertEquals(1, conns.size());
    Connection c = conns.get(0);
    assertEquals(b.peerId(), c.peerId());

    JsonObject json = c.toJson();
    assertEquals("/tls/1.0.0", json.getString("security"));
    assertEquals("quic", json.getString("muxer"));
    assertEquals("quic-v1", json.getString("transport"));
    assertEquals("outbound", json.getString("direction"));
    assertEquals(b.peerId().toString(), json.getString("peer"));
    await(dev.vertxp2p.testing.Poll.until(vertx, 5,
        () -> !b.getConnections(a.peerId()).isEmpty()));
    Connection onB = b.getConnection(a.peerId());
    assertNotNull(onB);
    assertEquals("inbound", onB.toJson().getString("direction"));
    assertEquals("quic-v1", onB.toJson().getString("transport"));

    double rtt = await(a.ping(b.peerId()));
    assertTrue(rtt > 0, "rtt " + rtt);

    IdentifyMessage id = await(Identify.identify(c));
    assertEquals(b.peerId(),
        PeerId.fromPublicKey(Keys.unmarshalPublicKey(id.publicKey())));
    assertEquals(bAddr.withoutPeerId(), Multiaddr.fromBytes(id.listenAddrs().get(0)));
    assertEquals(c.localAddr(), Multiaddr.fromBytes(id.observedAddr()));

    byte[] payload = new byte[1024 * 1024];
    new SecureRandom().nextBytes(payload);
    P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL));
    Promise<byte[]> back = Promise.promise();
    Buffer got = Buffer.buffer();
    s.handler(got::appendBuffer);
    s.exceptionHandler(back::tryFail);
    s.endHandler(v -> back.tryComplete(got.getBytes()));
    for (int off = 0; off < payload.length; off += 50_000) {
      s.write(Buffer.buffer(payload).slice(off, Math.min(payload.length, off + 50_000)));
    }
    s.end();
    assertArrayEquals(payload, await(back.future()));

    Perf.Result perf = await(Perf.run(c, 4 << 20, 4 << 20));
    assertEquals(4 << 20, perf.downloadBytes());
    assertTrue(c.bytesOut() >= (4 << 20) + payload.length, "bytesOut " + c.bytesOut());
  }

  @Test
  void aDialToTheWrongPeerIsRefused() {
    a = node();
    b = node();
    PeerId someoneElse = PeerId.fromPublicKey(
        dev.vertxp2p.crypto.Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    Multiaddr wrong = b.listenAddrs().get(0).withoutPeerId()
        .encapsulate(Multiaddr.parse("/p2p/" + someoneElse));
    Throwable t = failure(a.dial(wrong, new DialOptions()));
    Throwable cause = t;
    while (!(cause instanceof PeerIdMismatchException) && cause.getCause() != null
        && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (!(cause instanceof PeerIdMismatchException) && t instanceof DialFailedException) {
      assertTrue(t.getMessage().contains("peer id mismatch"), t.getMessage());
    } else {
      assertInstanceOf(PeerIdMismatchException.class, cause, t.toString());
    }
    assertTrue(a.getConnections().isEmpty());
  }

  @Test
  void aRemoteCloseIsNoticedAndReported() {
    a = node();
    b = node();
    Promise<SwarmEvent> closedOnA = Promise.promise();
    a.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_CLOSED.equals(e.type())) {
        closedOnA.tryComplete(e);
      }
    });
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    // b registers its side a moment after a's dial completed
    await(dev.vertxp2p.testing.Poll.until(vertx, 5,
        () -> !b.getConnections(a.peerId()).isEmpty()));
    assertEquals(1, await(b.hangUp(a.peerId())).intValue());
    await(c.closeFuture());
    SwarmEvent e = await(closedOnA.future());
    assertEquals(b.peerId(), e.peer());
    assertTrue(a.getConnections(b.peerId()).isEmpty());
  }

  @Test
  void healthChecksPingOverQuic() {
    SwarmOptions o = new SwarmOptions().setListen(List.of(QUIC_LISTEN));
    o.getHealth().setEnabled(true).setCheckInterval(0.05);
    a = node(o);
    b = node();
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    await(dev.vertxp2p.testing.Poll.until(vertx, 10, () -> c.health() == ConnectionHealth.HEALTHY
        && ((ManagedConnection) c).healthSamples() >= 2));
    assertTrue(c.latencyMillis() > 0, "latency " + c.latencyMillis());
  }

  @Test
  void quicAndTcpSideBySide() {
    SwarmOptions both = new SwarmOptions()
        .setListen(List.of("/ip4/127.0.0.1/tcp/0", QUIC_LISTEN));
    a = node(both);
    b = node(new SwarmOptions()
        .setListen(List.of("/ip4/127.0.0.1/tcp/0", QUIC_LISTEN)));
    assertEquals(2, b.listenAddrs().size());
    Multiaddr quicAddr = b.listenAddrs().stream().filter(QuicTransport::canHandle)
        .findFirst().orElseThrow();
    Multiaddr tcpAddr = b.listenAddrs().stream().filter(x -> !QuicTransport.canHandle(x))
        .findFirst().orElseThrow();
    // the peer's only known address first, then a top-up to two with both known: QUIC ranks
    // ahead of TCP, so the second connection is over QUIC
    Connection overTcp = await(a.dial(tcpAddr, new DialOptions())).get(0);
    assertEquals("tcp", overTcp.transport());
    List<Connection> two = await(a.dial(quicAddr, new DialOptions().setConnections(2)));
    assertEquals(java.util.Set.of("tcp", "quic-v1"),
        two.stream().map(Connection::transport).collect(java.util.stream.Collectors.toSet()));
    assertEquals(2, a.getConnections(b.peerId()).size());
  }

  @Test
  void inboundQuicGoesThroughThePerIpLimit() {
    SwarmOptions o = new SwarmOptions().setListen(List.of(QUIC_LISTEN));
    o.getLimits().setMaxConnectionsPerIp(1).setExemptAddrs(List.of());
    b = node(o);
    a = node();
    Promise<SwarmEvent> rejected = Promise.promise();
    b.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_REJECTED.equals(e.type())) {
        rejected.tryComplete(e);
      }
    });
    await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    await(dev.vertxp2p.testing.Poll.until(vertx, 5,
        () -> !b.getConnections(a.peerId()).isEmpty()));
    Swarm third = node();
    try {
      // from the same IP: refused at its first packet, whatever its handshake did
      third.dial(b.listenAddrs().get(0), new DialOptions());
      SwarmEvent e = await(rejected.future());
      assertTrue(e.fields().getString("reason").contains("maxConnectionsPerIp"),
          e.fields().encode());
      assertTrue(e.fields().getString("remoteAddr").contains("/quic-v1"), e.fields().encode());
      assertTrue(b.getConnections(third.peerId()).isEmpty());
    } finally {
      await(third.close());
    }
  }

  @Test
  void aDeniedPeerIsRefusedOverQuic() {
    a = node();
    SwarmOptions o = new SwarmOptions().setListen(List.of(QUIC_LISTEN));
    o.getGating().setDenyPeers(List.of(a.peerId().toString()));
    b = node(o);
    Promise<SwarmEvent> rejected = Promise.promise();
    b.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_REJECTED.equals(e.type())) {
        rejected.tryComplete(e);
      }
    });
    a.dial(b.listenAddrs().get(0), new DialOptions());
    SwarmEvent e = await(rejected.future());
    assertEquals(a.peerId(), e.peer());
    assertTrue(b.getConnections(a.peerId()).isEmpty());
  }

  @Test
  void theListenersPerPeerLimitHoldsOverQuic() {
    SwarmOptions one = new SwarmOptions().setListen(List.of(QUIC_LISTEN));
    one.getConnection().setMaxConnectionsPerPeer(1);
    b = node(one);
    SwarmOptions three = new SwarmOptions().setListen(List.of(QUIC_LISTEN));
    three.getConnection().setMaxConnectionsPerPeer(3);
    a = node(three);
    Promise<SwarmEvent> rejected = Promise.promise();
    b.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_REJECTED.equals(e.type())) {
        rejected.tryComplete(e);
      }
    });
    a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2));
    // the first connection answers b's probe (a ping), so the second is the one refused
    SwarmEvent e = await(rejected.future());
    assertTrue(e.fields().getString("reason").contains("maxConnectionsPerPeer"),
        e.fields().encode());
    assertEquals(1, b.getConnections(a.peerId()).size());
  }
}
