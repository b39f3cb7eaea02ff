package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.testing.Poll;
import dev.vertxp2p.transport.PeerIdMismatchException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java node against js-libp2p with {@code @libp2p/tls} over TCP and {@code /tls/1.0.0}, both
 * directions, with Yamux and with mplex: ping, identify, a 1 MiB echo compared by SHA-256, a perf
 * transfer; the muxer comes from ALPN. Fails, never skips, under {@code CI=true} when the js peer
 * cannot run.
 */
class JsTlsInteropTest extends JsInteropFixture {
  static final int ECHO_BYTES = 1 << 20;
  static final int PERF_UP = 1 << 20;
  static final int PERF_DOWN = 2 << 20;
  static final String TLS = TransportOptions.TLS_PROTOCOL;

  private Swarm javaNode(List<String> security, String muxerId) {
    return start(serving("/ip4/127.0.0.1/tcp/0",
        new TransportOptions().setSecurity(security).setMuxers(List.of(muxerId)), true));
  }

  private static JsPeer jsNode(String muxer, String... security) {
    return JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer).withEcho(true)
        .withSecurity(security));
  }

  // ---- js dials Java ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialsJava(String muxer, String muxerId) {
    javaNode(List.of(TLS), muxerId);
    try (JsPeer js = jsNode(muxer, "tls")) {
      JsonObject dial = jsDials(js, node.listenAddrs().get(0).toString(), muxerId);
      assertEquals(TLS, dial.getString("encryption"));
      String connection = dial.getString("connection");

      // TLS 1.3: the dialer is done a flight before the listener, so js may see it first
      PeerId jsPeer = PeerId.parse(js.peerId());
      await(Poll.until(vertx, 5, () -> !node.getConnections(jsPeer).isEmpty()));
      Connection seen = javaSeesOneInboundFrom(js);
      assertEquals(TLS, seen.security());
      assertEquals(muxerId, seen.muxer());

      jsPings(js, connection);

      JsonObject id = jsIdentifies(js, connection,
          List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL, Perf.PROTOCOL));
      assertEquals(node.peerId(), PeerId.fromPublicKey(
          Keys.unmarshalPublicKey(HexFormat.of().parseHex(id.getString("publicKey")))));

      jsEchoes(js, connection, ECHO_BYTES, 120_000);

      JsonObject perf = jsPerfs(js, connection, PERF_UP, PERF_DOWN);
      assertEquals(connection, perf.getString("connection"));
      assertTrue(seen.bytesIn() > PERF_UP + ECHO_BYTES, "bytes in: " + seen.bytesIn());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialsJs(String muxer, String muxerId) throws Exception {
    javaNode(List.of(TLS), muxerId);
    try (JsPeer js = jsNode(muxer, "tls")) {
      js.callOk(cmd("servePerf"));
      PeerId jsPeer = PeerId.parse(js.peerId());
      Connection c = await(node.dial(Multiaddr.parse(js.addr()), new DialOptions())).get(0);
      assertEquals(jsPeer, c.peerId(), "the peer id comes from js's certificate");
      assertEquals(TLS, c.security());
      assertEquals(TLS, c.toJson().getString("security"));
      assertEquals(muxerId, c.muxer());

      assertTrue(await(node.ping(jsPeer)) > 0);

      identifiesJs(c, js);

      echoesBack(c, ECHO_BYTES, Duration.ofSeconds(120));

      Perf.Result perf = await(Perf.run(c, PERF_UP, PERF_DOWN), Duration.ofSeconds(120));
      assertEquals(PERF_DOWN, perf.downloadBytes());

      JsonObject theirs = jsSeesOneInbound(js);
      assertEquals(TLS, theirs.getString("encryption"));
      assertEquals(muxerId, theirs.getString("muxer"));
    }
  }

  // ---- over /ws -----------------------------------------------------------------------------

  @Test
  void tlsOverWebSocketBothWays() throws Exception {
    start(serving("/ip4/127.0.0.1/tcp/0/ws",
        new TransportOptions().setSecurity(List.of(TLS)), false));
    try (JsPeer js = JsPeer.start(JsPeer.Options.defaults().withMuxers("yamux").withEcho(true)
        .withSecurity("tls").withListen("/ip4/127.0.0.1/tcp/0/ws"))) {
      assertTrue(js.addr().contains("/ws/p2p/"), js.addr());
      Connection c = await(node.dial(Multiaddr.parse(js.addr()), new DialOptions())).get(0);
      assertEquals(TLS, c.security());
      assertEquals("ws", c.toJson().getString("transport"));
      echoesBack(c, ECHO_BYTES, Duration.ofSeconds(120));

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
    javaNode(TransportOptions.DEFAULT_SECURITY, TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "tls")) {
      Connection c = await(node.dial(Multiaddr.parse(js.addr()), new DialOptions())).get(0);
      assertEquals(TLS, c.security());
      assertTrue(await(node.ping(c.peerId())) > 0);
    }
  }

  @Test
  void jsOfferingNoiseThenTlsGetsNoiseFromAJavaNodeOfferingBoth() {
    javaNode(TransportOptions.DEFAULT_SECURITY, TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "noise", "tls")) {
      JsonObject dial = js.callOk(cmd("dial", "addr", node.listenAddrs().get(0).toString()));
      assertEquals(TransportOptions.NOISE_PROTOCOL, dial.getString("encryption"));
    }
  }

  @Test
  void javaDialingAWrongPeerIdOverTlsIsRejected() {
    javaNode(List.of(TLS), TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "tls")) {
      Throwable t = javaDialsJsAsAStranger(js);
      assertTrue(t.toString().contains(PeerIdMismatchException.class.getSimpleName())
          || hasCause(t, PeerIdMismatchException.class), t.toString());
    }
  }

  @Test
  void jsDialingAWrongPeerIdOverTlsIsRejected() {
    javaNode(List.of(TLS), TransportOptions.YAMUX_PROTOCOL);
    try (JsPeer js = jsNode("yamux", "tls")) {
      jsDialsUsAs(js, js.callOk(cmd("newKey")).getString("peerId"));
      assertTrue(node.getConnections().isEmpty(), "js refused our certificate: nothing is kept");
    }
  }
}
