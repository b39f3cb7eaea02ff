package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static dev.vertxp2p.testing.EchoStreams.echo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.GatingOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.testing.LogCapture;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code /ws} between two Java nodes over loopback: listen addresses, dial, ping, 1 MiB echo,
 * perf, several connections to one peer, both muxers, the Conn JSON's {@code transport}, inbound
 * gating; and a raw WebSocket client's garbage, text frames and oversized frames, each of which
 * closes only its own connection.
 */
class WebSocketTransportTest extends SwarmFixture {
  private static final String WS_LISTEN = "/ip4/127.0.0.1/tcp/0/ws";

  private Swarm node(String muxer, Consumer<SwarmOptions> tweak) {
    SwarmOptions o = new SwarmOptions().setListen(List.of(WS_LISTEN))
        .setTransport(new TransportOptions().setMuxers(List.of(muxer)));
    o.getServices().setEcho(true).setPerf(true);
    o.getTransport().setShutdownGracePeriod(Duration.ofMillis(100));
    tweak.accept(o);
    return started(o);
  }

  private Swarm node(String muxer) {
    return node(muxer, o -> { });
  }

  private static int port(Swarm s) {
    return s.listenAddrs().get(0).port().getAsInt();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void dialPingEchoAndPerfOverWebSocket(String muxer) {
    Swarm a = node(muxer);
    Swarm b = node(muxer);
    Multiaddr listen = b.listenAddrs().get(0);
    assertTrue(listen.toString().matches("/ip4/127\\.0\\.0\\.1/tcp/[1-9][0-9]*/ws/p2p/.+"),
        listen.toString());
    Future<Void> bSees = connectionsReach(b, a.peerId(), 1);
    List<Connection> conns = await(a.dial(listen, new DialOptions()));
    await(bSees);
    Connection c = conns.get(0);
    assertEquals(muxer, c.muxer());
    assertEquals("ws", c.transport());
    assertEquals(listen.withoutPeerId(), c.remoteAddr());
    assertTrue(c.localAddr().toString().endsWith("/ws"), c.localAddr().toString());
    JsonObject json = c.toJson();
    assertEquals("ws", json.getString("transport"), json.encode());
    Connection in = b.getConnections(a.peerId()).get(0);
    assertEquals(Connection.Direction.INBOUND, in.direction());
    assertEquals("ws", in.toJson().getString("transport"));
    assertTrue(in.remoteAddr().toString().matches("/ip4/127\\.0\\.0\\.1/tcp/[0-9]+/ws"),
        in.remoteAddr().toString());
    assertEquals(c.localAddr(), in.remoteAddr());

    assertTrue(await(a.ping(b.peerId())) > 0);
    assertTrue(await(Ping.ping(in)) > 0, "the inbound side pings back over the same WebSocket");

    byte[] payload = new byte[1024 * 1024];
    new SecureRandom().nextBytes(payload);
    P2pStream s = await(c.newStream(Echo.PROTOCOL));
    assertArrayEquals(payload, await(echo(s, payload)));

    // one 3 MiB write: more than a frame may carry, so the message goes out in several frames
    byte[] large = new byte[3 * 1024 * 1024];
    new SecureRandom().nextBytes(large);
    P2pStream one = await(c.newStream(Echo.PROTOCOL));
    Promise<byte[]> back = Promise.promise();
    Buffer got = Buffer.buffer(large.length);
    one.handler(got::appendBuffer);
    one.exceptionHandler(back::tryFail);
    one.endHandler(v -> back.tryComplete(got.getBytes()));
    one.write(Buffer.buffer(large));
    one.end();
    assertArrayEquals(large, await(back.future(), Duration.ofSeconds(60)));

    Perf.Result perf = await(Perf.run(c, 4L << 20, 4L << 20), Duration.ofSeconds(60));
    assertEquals(4L << 20, perf.uploadBytes());
    assertEquals(4L << 20, perf.downloadBytes());
  }

  @Test
  void severalWebSocketConnectionsToOnePeerCarryStreamsInTurn() {
    Consumer<SwarmOptions> three = o -> o.getConnection().setMaxConnectionsPerPeer(3)
        .setLoadBalancingStrategy(LoadBalancingStrategy.ROUND_ROBIN);
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL, three);
    Swarm b = node(TransportOptions.YAMUX_PROTOCOL, three);
    Future<Void> bSees3 = connectionsReach(b, a.peerId(), 3);
    List<Connection> conns =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    assertEquals(3, conns.size());
    await(bSees3);
    Map<String, Integer> per = new HashMap<>();
    byte[] payload = new byte[100_000];
    new SecureRandom().nextBytes(payload);
    for (int i = 0; i < 6; i++) {
      P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL));
      assertEquals("ws", s.connection().transport());
      per.merge(s.connection().id(), 1, Integer::sum);
      assertArrayEquals(payload, await(echo(s, payload)));
    }
    assertEquals(Map.of(conns.get(0).id(), 2, conns.get(1).id(), 2, conns.get(2).id(), 2), per);
  }

  @Test
  void aNodeListensOnTcpAndWebSocketAndEachConnectionSaysWhichItUses() {
    Swarm b = started(new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0", WS_LISTEN)));
    Multiaddr tcp = b.listenAddrs().get(0);
    Multiaddr ws = b.listenAddrs().get(1);
    assertFalse(tcp.toString().contains("/ws"), tcp.toString());
    assertTrue(ws.toString().contains("/ws/p2p/"), ws.toString());
    assertNotEquals(tcp.port(), ws.port(), "the WebSocket listener has its own port");
    Swarm viaTcp = node(TransportOptions.YAMUX_PROTOCOL);
    Swarm viaWs = node(TransportOptions.YAMUX_PROTOCOL);
    Connection overTcp = await(viaTcp.dial(tcp, new DialOptions())).get(0);
    Connection overWs = await(viaWs.dial(ws, new DialOptions())).get(0);
    assertEquals("tcp", overTcp.toJson().getString("transport"));
    assertEquals("ws", overWs.toJson().getString("transport"));
    Future<Void> seen = connectionsReach(b, viaWs.peerId(), 1);
    await(seen);
    assertEquals("ws", b.getConnections(viaWs.peerId()).get(0).toJson().getString("transport"));
    assertEquals("tcp", b.getConnections(viaTcp.peerId()).get(0).toJson().getString("transport"));
    assertTrue(await(Ping.ping(overWs)) > 0);
    assertTrue(await(Ping.ping(overTcp)) > 0);
  }

  @Test
  void aTopUpToAPeerOnTcpAndWebSocketOpensOneOfEachTcpFirst() {
    Swarm b = started(new SwarmOptions().setListen(List.of(WS_LISTEN, "/ip4/127.0.0.1/tcp/0")));
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL);
    a.addAddresses(b.peerId(), b.listenAddrs());
    List<Connection> both = await(a.dialPeer(b.peerId(), new DialOptions().setConnections(2)));
    assertEquals(2, both.size());
    java.util.Set<String> transports = new java.util.HashSet<>();
    for (Connection c : both) {
      transports.add(c.toJson().getString("transport"));
    }
    assertEquals(java.util.Set.of("tcp", "ws"), transports);
    // One: TCP, although the peer listed its WebSocket address first.
    Swarm c = node(TransportOptions.YAMUX_PROTOCOL);
    c.addAddresses(b.peerId(), b.listenAddrs());
    List<Connection> one = await(c.dialPeer(b.peerId(), new DialOptions().setConnections(1)));
    assertEquals("tcp", one.get(0).toJson().getString("transport"));
    // Topped up by one beside the open TCP connection, the next goes over the other transport.
    List<Connection> two = await(c.dialPeer(b.peerId(), new DialOptions().setConnections(2)));
    assertEquals(2, two.size());
    java.util.Set<String> after = new java.util.HashSet<>();
    for (Connection conn : two) {
      after.add(conn.transport());
    }
    assertEquals(java.util.Set.of("tcp", "ws"), after);
  }

  @Test
  void anIdleWebSocketOutlivesTheDialTimeout() throws Exception {
    // The connect options' timeouts bound the HTTP upgrade only, never an open WebSocket.
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL,
        o -> o.getConnection().setConnectionTimeout(Duration.ofMillis(500)));
    Swarm b = node(TransportOptions.YAMUX_PROTOCOL);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    Thread.sleep(1500);
    assertTrue(c.isOpen());
    assertTrue(await(Ping.ping(c)) > 0);
  }

  @Test
  void aConnectionThatNeverUpgradesIsClosedAfterTheHandshakeTimeout() throws Exception {
    Swarm b = node(TransportOptions.YAMUX_PROTOCOL,
        o -> o.getTransport().setHandshakeTimeout(Duration.ofMillis(500)));
    // silent, and a request that never ends its headers: both closed by the deadline
    io.vertx.core.net.NetClient tcp = vertx.createNetClient();
    long start = System.nanoTime();
    RawTcp silent = RawTcp.connect(tcp, port(b));
    RawTcp slow = RawTcp.connect(tcp, port(b));
    await(slow.socket().write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"));
    await(silent.closed(), Duration.ofSeconds(5));
    await(slow.closed(), Duration.ofSeconds(5));
    assertTrue(System.nanoTime() - start >= 400_000_000L, "closed by the deadline, not before");
    // a WebSocket that did upgrade is not held to it
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    Thread.sleep(1000);
    assertTrue(c.isOpen());
    assertTrue(await(Ping.ping(c)) > 0);
  }

  @Test
  void withoutSpreadingOneListenerServesAndCapsConnectionsWaitingToUpgrade() {
    Consumer<SwarmOptions> oneLoop = o -> o.getTransport().setSpreadEventLoops(false)
        .setHandshakeTimeout(Duration.ofSeconds(20));
    Swarm b = node(TransportOptions.YAMUX_PROTOCOL, oneLoop);
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL, oneLoop);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals("ws", c.transport());
    assertTrue(await(Ping.ping(c)) > 0);
    // MAX_PENDING_UPGRADES silent sockets wait for their deadline; one more is closed at once
    io.vertx.core.net.NetClient tcp = vertx.createNetClient();
    List<RawTcp> silent = new java.util.ArrayList<>();
    for (int i = 0; i < WsTransport.MAX_PENDING_UPGRADES; i++) {
      silent.add(RawTcp.connect(tcp, port(b)));
    }
    RawTcp extra = RawTcp.connect(tcp, port(b));
    await(extra.closed(), Duration.ofSeconds(10));
    assertTrue(silent.stream().noneMatch(r -> r.closed().isComplete()), "the waiting ones stay");
    // the WebSocket already open is untouched, and once the waiting ones go, a new one is taken
    assertTrue(await(Ping.ping(c)) > 0);
    for (RawTcp r : silent) {
      r.socket().close();
    }
    await(Future.all(silent.stream().map(RawTcp::closed).toList()));
    Swarm d = node(TransportOptions.YAMUX_PROTOCOL, oneLoop);
    assertEquals(1, await(d.dial(b.listenAddrs().get(0), new DialOptions())).size());
  }

  @Test
  void inboundWebSocketsGoThroughTheSameGate() {
    Swarm b = node(TransportOptions.YAMUX_PROTOCOL,
        o -> o.setGating(new GatingOptions().setDenyAddrs(List.of("127.0.0.1/32"))));
    Future<SwarmEvent> refused = nextEvent(b, e -> e.type().equals(SwarmEvent.CONNECTION_REJECTED));
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL);
    failure(a.dial(b.listenAddrs().get(0), new DialOptions()));
    SwarmEvent ev = await(refused);
    assertEquals("gating", ev.fields().getJsonObject("refusal").getString("scope"),
        ev.fields().encode());
    assertTrue(b.getConnections().isEmpty());
  }

  // ---- bad input ------------------------------------------------------------------------------

  /** A plain TCP socket to a listener, with its close watched from the moment it connects. */
  private record RawTcp(io.vertx.core.net.NetSocket socket, Future<Void> closed) {
    static RawTcp connect(io.vertx.core.net.NetClient client, int port) {
      Promise<Void> closed = Promise.promise();
      // set inline as the connect completes, on the socket's loop: a close that comes at once
      // (a refused socket) cannot slip by before the handler is there
      io.vertx.core.net.NetSocket s = await(client.connect(port, "127.0.0.1").map(sock -> {
        sock.closeHandler(v -> closed.tryComplete());
        return sock;
      }));
      return new RawTcp(s, closed.future());
    }
  }

  private WebSocket rawWebSocket(int port) {
    WebSocketClient client = vertx.createWebSocketClient(
        new WebSocketClientOptions().setMaxFrameSize(4 << 20));
    return await(client.connect(port, "127.0.0.1", "/"));
  }

  /** Completes with the close status the server sent once it closes {@code ws}. */
  private static Future<Short> closed(WebSocket ws) {
    Promise<Short> p = Promise.promise();
    ws.closeHandler(v -> p.tryComplete(ws.closeStatusCode()));
    return p.future();
  }

  @Test
  void garbageTextAndOversizedFramesCloseOnlyTheirOwnConnection() {
    // what an operator sees at the default levels: the inbound upgrade's refusal, at info
    try (LogCapture logs = LogCapture.atTheirLevels("dev.vertxp2p.swarm.InboundAdmission")) {
      garbageTextAndOversizedFrames(logs);
    }
  }

  private void garbageTextAndOversizedFrames(LogCapture logs) {
    Swarm b = node(TransportOptions.YAMUX_PROTOCOL);
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL);
    Connection good = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);

    // random binary: multistream-select fails, the upgrade ends, the WebSocket closes
    WebSocket garbage = rawWebSocket(port(b));
    Future<Short> garbageClosed = closed(garbage);
    byte[] noise = new byte[4096];
    new SecureRandom().nextBytes(noise);
    noise[0] = (byte) 0xff; // a varint longer than the 1024-byte multistream line: refused at once
    garbage.writeBinaryMessage(Buffer.buffer(noise));
    await(garbageClosed, Duration.ofSeconds(10));

    // a text frame: refused as unsupported data (1003)
    WebSocket text = rawWebSocket(port(b));
    Future<Short> textClosed = closed(text);
    text.writeTextMessage("/multistream/1.0.0\n");
    assertEquals((short) WsSocket.CLOSE_UNSUPPORTED_DATA, await(textClosed, Duration.ofSeconds(10)));

    // a frame over the 1 MiB bound: refused from its header, before its payload is buffered
    // (Netty sends 1009, "message too big", and closes; the client, still writing the frame,
    // may see the reset first and report 1006)
    WebSocket big = rawWebSocket(port(b));
    Future<Short> bigClosed = closed(big);
    big.writeFinalBinaryFrame(Buffer.buffer(new byte[WsTransport.MAX_FRAME_SIZE + 1]));
    short bigStatus = await(bigClosed, Duration.ofSeconds(10));
    assertTrue(bigStatus == 1009 || bigStatus == 1006, "close status " + bigStatus);
    // No log is asserted for this one: about one run in ten under load Vert.x closes the
    // WebSocket for the oversized frame without telling its exception handler, and nothing of
    // ours hears why (README, WebSocket: not done yet). The close itself is asserted above, and
    // that the node keeps serving below.
    assertTrue(logs.texts().stream().anyMatch(t -> t.contains("sent a text frame")),
        logs.texts().toString());

    // a plain HTTP request: told to upgrade
    HttpClient http = vertx.createHttpClient();
    int status = await(http.request(HttpMethod.GET, port(b), "127.0.0.1", "/")
        .compose(req -> req.send()).map(resp -> resp.statusCode()));
    assertEquals(426, status);

    // the node kept serving: the connection it had, and a new one
    assertTrue(good.isOpen());
    assertTrue(await(Ping.ping(good)) > 0);
    Swarm c = node(TransportOptions.YAMUX_PROTOCOL);
    assertEquals(1, await(c.dial(b.listenAddrs().get(0), new DialOptions())).size());
    assertTrue(await(c.ping(b.peerId())) > 0);
  }

  @Test
  void aTextFrameAfterTheUpgradeClosesThatConnectionOnly() {
    Swarm b = node(TransportOptions.YAMUX_PROTOCOL);
    Swarm a = node(TransportOptions.YAMUX_PROTOCOL);
    Future<Void> bSees2 = connectionsReach(b, a.peerId(), 2);
    List<Connection> conns = await(a.dial(b.listenAddrs().get(0),
        new DialOptions().setConnections(2)));
    await(bSees2);
    MuxedConnection victim = (MuxedConnection) conns.get(0);
    WsSocket socket = (WsSocket) victim.secure().socket();
    Future<Void> gone = victim.closeFuture();
    Future<Void> bLost = connectionsReach(b, a.peerId(), 1);
    // the dialer's side lies: a text frame in the middle of the muxed connection
    victim.owner().run(() -> socket.webSocket().writeTextMessage("hello"));
    await(bLost, Duration.ofSeconds(10));
    await(gone.otherwiseEmpty(), Duration.ofSeconds(10));
    Connection other = conns.get(1);
    assertTrue(other.isOpen());
    assertTrue(await(Ping.ping(other)) > 0);
  }
}
