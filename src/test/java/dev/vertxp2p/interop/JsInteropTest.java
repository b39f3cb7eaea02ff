package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.PeerIdMismatchException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java node against a real js-libp2p node, both directions, over Yamux and over mplex: ping,
 * identify with every field checked, 10 MiB echo compared by SHA-256, 100 concurrent streams on
 * one connection, and a wrong {@code /p2p/} id rejected.
 */
class JsInteropTest {
  static final int ECHO_BYTES = 10 * 1024 * 1024;
  static final int STREAMS = 100;

  private Vertx vertx;
  private Swarm node;

  static Stream<Arguments> muxers() {
    return Stream.of(
        Arguments.of("yamux", TransportOptions.YAMUX_PROTOCOL),
        Arguments.of("mplex", TransportOptions.MPLEX_PROTOCOL));
  }

  @BeforeAll
  static void needsJs() {
    JsInterop.assumeAvailable();
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    if (node != null) {
      await(node.close());
    }
    await(vertx.close());
  }

  private Swarm javaNode(String muxerId) {
    SwarmOptions o = new SwarmOptions()
        .setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setMuxers(List.of(muxerId)));
    o.getServices().setEcho(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  private static JsPeer jsNode(String muxer) {
    return JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer).withEcho(true));
  }

  static String sha256Hex(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  static Future<byte[]> echo(P2pStream stream, byte[] payload) {
    Promise<byte[]> done = Promise.promise();
    Buffer got = Buffer.buffer(payload.length);
    stream.handler(got::appendBuffer);
    stream.exceptionHandler(done::tryFail);
    stream.endHandler(v -> done.tryComplete(got.getBytes()));
    Buffer all = Buffer.buffer(payload);
    int chunk = 64 * 1024;
    for (int off = 0; off < payload.length; off += chunk) {
      stream.write(all.slice(off, Math.min(payload.length, off + chunk)));
    }
    stream.end();
    return done.future();
  }

  // ---- js dials Java ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialsJava(String muxer, String muxerId) {
    node = javaNode(muxerId);
    String addr = node.listenAddrs().get(0).toString();
    try (JsPeer js = jsNode(muxer)) {
      JsonObject dial = js.callOk(cmd("dial", "addr", addr));
      assertEquals(node.peerId().toString(), dial.getString("remotePeer"));
      assertEquals(muxerId, dial.getString("muxer"));
      String connection = dial.getString("connection");

      JsonObject ping = js.callOk(cmd("ping", "connection", connection));
      // js measures with Date.now(): whole milliseconds, so 0 on a fast loopback is right.
      double rtt = ping.getDouble("rttMs");
      assertTrue(rtt >= 0 && rtt < 10_000, ping.encode());

      JsonObject id = js.callOk(cmd("identify", "connection", connection));
      assertEquals(Identify.PROTOCOL_VERSION, id.getString("protocolVersion"));
      assertEquals(Swarm.AGENT_VERSION, id.getString("agentVersion"));
      PeerId fromKey = PeerId.fromPublicKey(
          Keys.unmarshalPublicKey(HexFormat.of().parseHex(id.getString("publicKey"))));
      assertEquals(node.peerId(), fromKey);
      String tcp = node.listenAddrs().get(0).withoutPeerId().toString();
      assertTrue(id.getJsonArray("listenAddrs").contains(tcp), id.encode());
      assertTrue(id.getString("observedAddr").startsWith("/ip4/127.0.0.1/tcp/"), id.encode());
      JsonArray protocols = id.getJsonArray("protocols");
      for (String p : List.of(Ping.PROTOCOL, Identify.PROTOCOL, Identify.PUSH_PROTOCOL,
          Echo.PROTOCOL)) {
        assertTrue(protocols.contains(p), p + " missing from " + protocols);
      }

      JsonObject big = js.callOk(cmd("echo", "connection", connection, "size", ECHO_BYTES,
          "streams", 1, "timeoutMs", 120_000));
      JsonObject s0 = big.getJsonArray("streams").getJsonObject(0);
      assertEquals(ECHO_BYTES, s0.getInteger("receivedBytes"));
      assertEquals(s0.getString("sentSha256"), s0.getString("receivedSha256"));

      JsonObject many = js.callOk(cmd("echo", "connection", connection, "size", 20_000,
          "streams", STREAMS, "timeoutMs", 120_000));
      JsonArray streams = many.getJsonArray("streams");
      assertEquals(STREAMS, streams.size());
      for (int i = 0; i < streams.size(); i++) {
        JsonObject s = streams.getJsonObject(i);
        assertEquals(connection, s.getString("connection"));
        assertEquals(s.getString("sentSha256"), s.getString("receivedSha256"));
        assertEquals(20_000, s.getInteger("receivedBytes"));
      }
      // The Java side sees the same single connection, inbound.
      List<Connection> seen = node.getConnections(PeerId.parse(js.peerId()));
      assertEquals(1, seen.size());
      assertEquals(Connection.Direction.INBOUND, seen.get(0).direction());
      assertTrue(seen.get(0).streamsTotal() >= STREAMS + 1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialingWrongPeerIdIsRejected(String muxer, String muxerId) {
    node = javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      String stranger = js.callOk(cmd("newKey")).getString("peerId");
      String tcp = node.listenAddrs().get(0).withoutPeerId().toString();
      JsonObject wrong = js.call(cmd("dial", "addr", tcp + "/p2p/" + stranger));
      assertFalse(wrong.getBoolean("ok"), wrong.encode());
      assertTrue(wrong.getString("error").contains(stranger), wrong.encode());
      assertTrue(node.getConnections().isEmpty());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialsJs(String muxer, String muxerId) throws Exception {
    node = javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      PeerId jsPeer = PeerId.parse(js.peerId());
      List<Connection> conns = await(node.dial(Multiaddr.parse(js.addr()), new DialOptions()));
      assertEquals(1, conns.size());
      Connection c = conns.get(0);
      assertEquals(jsPeer, c.peerId());
      assertEquals(muxerId, c.muxer());

      double rtt = await(node.ping(jsPeer));
      assertTrue(rtt > 0, "rtt " + rtt);

      IdentifyMessage id = await(Identify.identify(c));
      assertEquals("ipfs/0.1.0", id.protocolVersion());
      assertEquals(js.agentVersion(), id.agentVersion());
      assertEquals(js.publicKeyHex(), HexFormat.of().formatHex(id.publicKey()));
      List<String> listen = new ArrayList<>();
      for (byte[] a : id.listenAddrs()) {
        listen.add(Multiaddr.fromBytes(a).toString());
      }
      String jsTcp = js.addr().substring(0, js.addr().indexOf("/p2p/"));
      assertTrue(listen.contains(jsTcp), listen.toString());
      Multiaddr observed = Multiaddr.fromBytes(id.observedAddr());
      assertEquals(c.localAddr().toString(), observed.withoutPeerId().toString());
      for (String p : List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL)) {
        assertTrue(id.protocols().contains(p), p + " missing from " + id.protocols());
      }
      assertTrue(id.signedPeerRecord() != null && id.signedPeerRecord().length > 0);

      byte[] payload = new byte[ECHO_BYTES];
      new SecureRandom().nextBytes(payload);
      P2pStream s = await(c.newStream(Echo.PROTOCOL));
      byte[] back = await(echo(s, payload), java.time.Duration.ofSeconds(120));
      assertEquals(sha256Hex(payload), sha256Hex(back));

      List<Future<byte[]>> all = new ArrayList<>();
      List<byte[]> sent = new ArrayList<>();
      SecureRandom r = new SecureRandom();
      for (int i = 0; i < STREAMS; i++) {
        byte[] p = new byte[20_000];
        r.nextBytes(p);
        sent.add(p);
        all.add(c.newStream(Echo.PROTOCOL).compose(st -> echo(st, p)));
      }
      for (int i = 0; i < STREAMS; i++) {
        assertArrayEquals(sent.get(i), await(all.get(i), java.time.Duration.ofSeconds(120)));
      }
      JsonArray jsSide = js.callOk(cmd("connections", "peer", node.peerId().toString()))
          .getJsonArray("connections");
      assertEquals(1, jsSide.size(), jsSide.encode());
      assertEquals("inbound", jsSide.getJsonObject(0).getString("direction"));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialingWrongPeerIdIsRejected(String muxer, String muxerId) {
    node = javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      PeerId stranger =
          PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
      Multiaddr wrong = Multiaddr.parse(js.addr()).withoutPeerId().withPeerId(stranger);
      Throwable t = failure(node.dial(wrong, new DialOptions()));
      assertTrue(hasCause(t, PeerIdMismatchException.class), t.toString());
      assertTrue(t.getMessage().contains(stranger.toString()), t.getMessage());
      assertTrue(node.getConnections().isEmpty());
    }
  }

  // ---- several connections to one js peer ---------------------------------------------------

  static Stream<Arguments> strategies() {
    return Stream.of(Arguments.of(LoadBalancingStrategy.ROUND_ROBIN),
        Arguments.of(LoadBalancingStrategy.LEAST_LOADED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("strategies")
  void threeConnectionsToJsAndStreamsSpreadOverThem(LoadBalancingStrategy strategy) {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    o.getConnection().setMaxConnectionsPerPeer(3).setLoadBalancingStrategy(strategy);
    node = Swarm.create(vertx, o);
    await(node.start());
    try (JsPeer js = jsNode("yamux")) {
      PeerId jsPeer = PeerId.parse(js.peerId());
      List<Connection> conns =
          await(node.dial(Multiaddr.parse(js.addr()), new DialOptions().setConnections(3)));
      assertEquals(3, conns.size());
      awaitJsEvents(js, "connection:open", node.peerId().toString(), null, 3);
      JsonArray jsSide = js.callOk(cmd("connections", "peer", node.peerId().toString()))
          .getJsonArray("connections");
      assertEquals(3, jsSide.size(), "js reports " + jsSide.encode());

      Map<String, Integer> spread = new HashMap<>();
      List<P2pStream> held = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        P2pStream s = await(node.newStream(jsPeer, Echo.PROTOCOL));
        held.add(s); // left open: each carries load on its connection
        spread.merge(s.connection().id(), 1, Integer::sum);
      }
      assertEquals(3, spread.size(), spread.toString());
      for (int n : spread.values()) {
        assertEquals(3, n, spread.toString());
      }
      // js sees the same spread: each of its three connections carries three echo streams.
      awaitJsEvents(js, "stream", node.peerId().toString(), Echo.PROTOCOL, 9);
      JsonArray after = js.callOk(cmd("connections", "peer", node.peerId().toString()))
          .getJsonArray("connections");
      for (int i = 0; i < after.size(); i++) {
        JsonObject c = after.getJsonObject(i);
        long echoes = c.getJsonArray("streamProtocols").stream()
            .filter(Echo.PROTOCOL::equals).count();
        assertEquals(3, echoes, after.encode());
      }
      for (P2pStream s : held) {
        s.end();
      }
    }
  }

  /** Waits until js has recorded {@code count} events matching the filter (its own event log). */
  private static void awaitJsEvents(JsPeer js, String type, String peer, String protocol,
      int count) {
    long since = 0;
    for (int i = 0; i < count; i++) {
      JsonObject want = cmd("waitEvent", "type", type, "peer", peer, "since", since,
          "timeoutMs", 15_000);
      if (protocol != null) {
        want.put("protocol", protocol);
      }
      since = js.callOk(want).getJsonObject("event").getLong("seq") + 1;
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
      if (c instanceof dev.vertxp2p.DialFailedException d) {
        for (var f : d.failures()) {
          if (hasCause(f.lastError(), type)) {
            return true;
          }
        }
      }
    }
    return false;
  }

}
