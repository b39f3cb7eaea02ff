package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java node against js-libp2p's {@code @libp2p/websockets} over {@code /ws}, both directions,
 * with Yamux and with mplex: ping, identify (the {@code /ws} addresses each side reports), 1 MiB
 * echo compared by SHA-256, and a perf transfer each way. Under {@code CI=true} these fail
 * rather than skip when the js peer is missing (as {@link JsInteropTest} does).
 */
class JsWebSocketInteropTest extends JsInteropFixture {
  static final int ECHO_BYTES = 1024 * 1024;
  static final long PERF_BYTES = 8L * 1024 * 1024;
  static final String WS_LISTEN = "/ip4/127.0.0.1/tcp/0/ws";

  /** Runs after {@link JsInteropFixture#needsJs}: the js peer, then its WebSocket module. */
  @BeforeAll
  static void needsJsWebSockets() {
    boolean installed = Files.isDirectory(JsInterop.projectRoot()
        .resolve("interop/js/node_modules/@libp2p/websockets"));
    JsInterop.decide(installed ? "" : "interop/js/node_modules has no @libp2p/websockets",
        System.getenv("CI"));
  }

  private Swarm javaNode(String muxerId) {
    return start(serving(WS_LISTEN, new TransportOptions().setMuxers(List.of(muxerId)), true));
  }

  private static JsPeer jsNode(String muxer) {
    return JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer).withEcho(true)
        .withListen(WS_LISTEN));
  }

  // ---- js dials Java ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialsJavaOverWebSocket(String muxer, String muxerId) {
    javaNode(muxerId);
    String addr = node.listenAddrs().get(0).toString();
    assertTrue(addr.matches("/ip4/127\\.0\\.0\\.1/tcp/[0-9]+/ws/p2p/.+"), addr);
    try (JsPeer js = jsNode(muxer)) {
      JsonObject dial = jsDials(js, addr, muxerId);
      assertEquals("/noise", dial.getString("encryption"));
      String connection = dial.getString("connection");

      jsPings(js, connection);

      JsonObject id = jsIdentifies(js, connection,
          List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL, Perf.PROTOCOL));
      assertEquals(Swarm.AGENT_VERSION, id.getString("agentVersion"));
      assertTrue(id.getJsonArray("listenAddrs").contains(withoutPeer(addr)), id.encode());
      // what we saw of js: its WebSocket's TCP endpoint, with /ws
      String observed = id.getString("observedAddr");
      assertTrue(observed.matches("/ip4/127\\.0\\.0\\.1/tcp/[0-9]+/ws"), id.encode());

      jsEchoes(js, connection, ECHO_BYTES, 60_000);
      jsPerfs(js, connection, PERF_BYTES, PERF_BYTES);

      // The Java side sees one inbound WebSocket connection, and says so.
      Connection in = javaSeesOneInboundFrom(js);
      assertEquals("ws", in.toJson().getString("transport"));
      assertEquals(muxerId, in.muxer());
      assertEquals(observed, in.remoteAddr().toString());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialsJsOverWebSocket(String muxer, String muxerId) throws Exception {
    javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      js.callOk(cmd("servePerf"));
      String jsAddr = js.addr();
      assertTrue(jsAddr.contains("/ws/p2p/"), jsAddr);
      Connection c = dialsJs(js, jsAddr);
      assertEquals(muxerId, c.muxer());
      assertEquals("ws", c.toJson().getString("transport"));

      assertTrue(await(node.ping(c.peerId())) > 0);

      IdentifyMessage id = identifiesJs(c, js);
      // js saw our WebSocket's TCP endpoint, with /ws: our local address
      identifiedAddrs(id, c, jsAddr);
      assertTrue(c.localAddr().toString().endsWith("/ws"), c.localAddr().toString());

      echoesBack(c, ECHO_BYTES, Duration.ofSeconds(60));

      perfs(c, PERF_BYTES, PERF_BYTES);

      JsonObject theirs = jsSeesOneInbound(js);
      assertEquals(c.localAddr().toString(), withoutPeer(theirs.getString("remoteAddr")));
    }
  }
}
