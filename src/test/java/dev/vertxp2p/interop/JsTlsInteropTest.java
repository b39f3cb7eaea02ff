package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
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
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.PeerIdMismatchException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java node against js-libp2p with {@code @libp2p/tls} over TCP and {@code /tls/1.0.0}, both
 * directions, with Yamux and with mplex: ping, identify, a 1 MiB echo compared by SHA-256, a perf
 * transfer; the muxer comes from ALPN. Fails, never skips, under {@code CI=true} when the js peer
 * cannot run.
 */
class JsTlsInteropTest {
  static final int ECHO_BYTES = 1 << 20;
  static final int PERF_UP = 1 << 20;
  static final int PERF_DOWN = 2 << 20;
  static final String TLS = TransportOptions.TLS_PROTOCOL;

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

  private Swarm javaNode(List<String> security, String muxerId) {
    SwarmOptions o = new SwarmOptions()
        .setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setSecurity(security).setMuxers(List.of(muxerId)));
    o.getServices().setEcho(true).setPerf(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  private static JsPeer jsNode(String muxer, String... security) {
    return JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer).withEcho(true)
        .withSecurity(security));
  }

  // ---- js dials Java ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialsJava(String muxer, String muxerId) {
    node = javaNode(List.of(TLS), muxerId);
    try (JsPeer js = jsNode(muxer, "tls")) {
      JsonObject dial = js.callOk(cmd("dial", "addr", node.listenAddrs().get(0).toString()));
      assertEquals(node.peerId().toString(), dial.getString("remotePeer"));
      assertEquals(TLS, dial.getString("encryption"));
      assertEquals(muxerId, dial.getString("muxer"));
      String connection = dial.getString("connection");

      // TLS 1.3: the dialer is done a flight before the listener, so js may see it first
      PeerId jsPeer = PeerId.parse(js.peerId());
      await(dev.vertxp2p.testing.Poll.until(vertx, 5,
          () -> !node.getConnections(jsPeer).isEmpty()));
      List<Connection> seen = node.getConnections(jsPeer);
      assertEquals(1, seen.size());
      assertEquals(TLS, seen.get(0).security());
      assertEquals(muxerId, seen.get(0).muxer());
      assertEquals(Connection.Direction.INBOUND, seen.get(0).direction());

      JsonObject ping = js.callOk(cmd("ping", "connection", connection));
      double rtt = ping.getDouble("rttMs");
      assertTrue(rtt >= 0 && rtt < 10_000, ping.encode());

      JsonObject id = js.callOk(cmd("identify", "connection", connection));
      assertEquals(Identify.PROTOCOL_VERSION, id.getString("protocolVersion"));
      assertEquals(node.peerId(), PeerId.fromPublicKey(
          Keys.unmarshalPublicKey(HexFormat.of().parseHex(id.getString("publicKey")))));
      JsonArray protocols = id.getJsonArray("protocols");
      for (String p : List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL, Perf.PROTOCOL)) {
        assertTrue(protocols.contains(p), p + " missing from " + protocols);
      }

      JsonObject echo = js.callOk(cmd("echo", "connection", connection, "size", ECHO_BYTES,
          "streams", 1, "timeoutMs", 120_000));
      JsonObject s0 = echo.getJsonArray("streams").getJsonObject(0);
      assertEquals(ECHO_BYTES, s0.getInteger("receivedBytes"));
      assertEquals(s0.getString("sentSha256"), s0.getString("receivedSha256"));

      JsonObject perf = js.callOk(cmd("perf", "connection", connection, "upload", PERF_UP,
          "download", PERF_DOWN, "timeoutMs", 120_000));
      assertEquals(PERF_UP, perf.getLong("uploadBytes"));
      assertEquals(PERF_DOWN, perf.getLong("downloadBytes"));
      assertEquals(connection, perf.getString("connection"));
      assertTrue(seen.get(0).bytesIn() > PERF_UP + ECHO_BYTES, "bytes in: "
          + seen.get(0).bytesIn());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialsJs(String muxer, String muxerId) throws Exception {
    node = javaNode(List.of(TLS), muxerId);
    try (JsPeer js = jsNode(muxer, "tls")) {
      js.callOk(cmd("servePerf"));
      PeerId jsPeer = PeerId.parse(js.peerId());
      Connection c = await(node.dial(Multiaddr.parse(js.addr()), new DialOptions())).get(0);
      assertEquals(jsPeer, c.peerId(), "the peer id comes from js's certificate");
      assertEquals(TLS, c.security());
      assertEquals(TLS, c.toJson().getString("security"));
      assertEquals(muxerId, c.muxer());

      assertTrue(await(node.ping(jsPeer)) > 0);

      IdentifyMessage id = await(Identify.identify(c));
      assertEquals(js.agentVersion(), id.agentVersion());
      assertEquals(js.publicKeyHex(), HexFormat.of().formatHex(id.publicKey()));

      byte[] payload = new byte[ECHO_BYTES];
      new SecureRandom().nextBytes(payload);
      P2pStream s = await(c.newStream(Echo.PROTOCOL));
      byte[] back = await(JsInteropTest.echo(s, payload), Duration.ofSeconds(120));
      assertEquals(JsInteropTest.sha256Hex(payload), JsInteropTest.sha256Hex(back));

      Perf.Result perf = await(Perf.run(c, PERF_UP, PERF_DOWN), Duration.ofSeconds(120));
      assertEquals(PERF_DOWN, perf.downloadBytes());

      JsonArray jsSide = js.callOk(cmd("connections", "peer", node.peerId().toString()))
          .getJsonArray("connections");
      assertEquals(1, jsSide.size(), jsSide.encode());
      assertEquals(TLS, jsSide.getJsonObject(0).getString("encryption"));
      assertEquals(muxerId, jsSide.getJsonObject(0).getString("muxer"));
      assertEquals("inbound", jsSide.getJsonObject(0).getString("direction"));
    }
  }

  // ---- over /ws -----------------------------------------------------------------------------

  @Test
  void tlsOverWebSocketBothWays() throws Exception {
    SwarmOptions o = new SwarmOptions()
        .setListen(List.of("/ip4/127.0.0.1/tcp/0/ws"))
        .setTransport(new TransportOptions().setSecurity(List.of(TLS)));
    o.getServices().setEcho(true);
    node = Swarm.create(vertx, o);
    await(node.start());
    try (JsPeer js = JsPeer.start(JsPeer.Options.defaults().withMuxers("yamux").withEcho(true)
        .withSecurity("tls").withListen("/ip4/127.0.0.1/tcp/0/ws"))) {
      assertTrue(js.addr().contains("/ws/p2p/"), js.addr());
      Connection c = await(node.dial(Multiaddr.parse(js.addr()), new DialOptions())).get(0);
      assertEquals(TLS, c.security());
      assertEquals("ws", c.toJson().getString("transport"));
      byte[] payload = new byte[ECHO_BYTES];
      new SecureRandom().nextBytes(payload);
      byte[] back = await(JsInteropTest.echo(await(c.newStream(Echo.PROTOCOL)), payload),
          Duration.ofSeconds(120));
      assertEquals(JsInteropTest.sha256Hex(payload), JsInteropTest.sha256Hex(back));

      // js dials too: a connection of its own (forced), over /ws and TLS
      JsonObject dial = js.callOk(cmd("dial", "addr", node.listenAddrs().get(0).toString(),
          "force", true));
      assertTrue(!dial.getString("connection").isEmpty());
      assertEquals(TLS, dial.getString("encryption"));
      JsonObject echo = js.callOk(cmd("echo", "connection", dial.getString("connection"),
          "size", ECHO_BYTES, "streams", 1, "timeoutMs", 120_000));
      JsonObject s0 = echo.getJsonArray("streams").getJsonObject(0);
      assertEquals(s0.getString("sentSha256"), s0.getString("receivedSha256"));
    }
  }

  // ---- negotiation and identity ------------------------------------------------------------

  @Test
  void javaOfferingBothReachesJsOfferingOnlyTls() {
    node = javaNode(TransportOptions.DEFAULT_SECURITY, TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "tls")) {
      Connection c = await(node.dial(Multiaddr.parse(js.addr()), new DialOptions())).get(0);
      assertEquals(TLS, c.security());
      assertTrue(await(node.ping(c.peerId())) > 0);
    }
  }

  @Test
  void jsOfferingNoiseThenTlsGetsNoiseFromAJavaNodeOfferingBoth() {
    node = javaNode(TransportOptions.DEFAULT_SECURITY, TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "noise", "tls")) {
      JsonObject dial = js.callOk(cmd("dial", "addr", node.listenAddrs().get(0).toString()));
      assertEquals(TransportOptions.NOISE_PROTOCOL, dial.getString("encryption"));
    }
  }

  @Test
  void javaDialingAWrongPeerIdOverTlsIsRejected() {
    node = javaNode(List.of(TLS), TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "tls")) {
      PeerId stranger =
          PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
      Multiaddr wrong = Multiaddr.parse(js.addr()).withoutPeerId().withPeerId(stranger);
      Throwable t = failure(node.dial(wrong, new DialOptions()));
      assertTrue(t.toString().contains(PeerIdMismatchException.class.getSimpleName())
          || hasCause(t, PeerIdMismatchException.class), t.toString());
      assertTrue(t.getMessage().contains(stranger.toString()), t.getMessage());
      assertTrue(node.getConnections().isEmpty());
    }
  }

  @Test
  void jsDialingAWrongPeerIdOverTlsIsRejected() {
    node = javaNode(List.of(TLS), TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "tls")) {
      String stranger = js.callOk(cmd("newKey")).getString("peerId");
      String tcp = node.listenAddrs().get(0).withoutPeerId().toString();
      JsonObject wrong = js.call(cmd("dial", "addr", tcp + "/p2p/" + stranger));
      assertFalse(wrong.getBoolean("ok"), wrong.encode());
      assertTrue(node.getConnections().isEmpty(), "js refused our certificate: nothing is kept");
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
