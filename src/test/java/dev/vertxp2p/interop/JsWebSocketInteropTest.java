package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java node against js-libp2p's {@code @libp2p/websockets} over {@code /ws}, both directions,
 * with Yamux and with mplex: ping, identify (the {@code /ws} addresses each side reports), 1 MiB
 * echo compared by SHA-256, and a perf transfer each way. Under {@code CI=true} these fail
 * rather than skip when the js peer is missing (as {@link JsInteropTest} does).
 */
class JsWebSocketInteropTest {
  static final int ECHO_BYTES = 1024 * 1024;
  static final long PERF_BYTES = 8L * 1024 * 1024;
  static final String WS_LISTEN = "/ip4/127.0.0.1/tcp/0/ws";

  private Vertx vertx;
  private Swarm node;

  static Stream<Arguments> muxers() {
    return Stream.of(
        Arguments.of("yamux", TransportOptions.YAMUX_PROTOCOL),
        Arguments.of("mplex", TransportOptions.MPLEX_PROTOCOL));
  }

  @BeforeAll
  static void needsJsWithWebSockets() {
    JsInterop.assumeAvailable();
    boolean installed = Files.isDirectory(JsInterop.projectRoot()
        .resolve("interop/js/node_modules/@libp2p/websockets"));
    JsInterop.decide(installed ? "" : "interop/js/node_modules has no @libp2p/websockets",
        System.getenv("CI"));
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
        .setListen(List.of(WS_LISTEN))
        .setTransport(new TransportOptions().setMuxers(List.of(muxerId)));
    o.getServices().setEcho(true).setPerf(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  private static JsPeer jsNode(String muxer) {
    return JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer).withEcho(true)
        .withListen(WS_LISTEN));
  }

  private static String withoutPeer(String addr) {
    int p = addr.indexOf("/p2p/");
    return p < 0 ? addr : addr.substring(0, p);
  }

  // ---- js dials Java ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialsJavaOverWebSocket(String muxer, String muxerId) {
    node = javaNode(muxerId);
    String addr = node.listenAddrs().get(0).toString();
    assertTrue(addr.matches("/ip4/127\\.0\\.0\\.1/tcp/[0-9]+/ws/p2p/.+"), addr);
    try (JsPeer js = jsNode(muxer)) {
      JsonObject dial = js.callOk(cmd("dial", "addr", addr));
      assertEquals(node.peerId().toString(), dial.getString("remotePeer"));
      assertEquals(muxerId, dial.getString("muxer"));
      assertEquals("/noise", dial.getString("encryption"));
      String connection = dial.getString("connection");

      JsonObject ping = js.callOk(cmd("ping", "connection", connection));
      double rtt = ping.getDouble("rttMs");
      assertTrue(rtt >= 0 && rtt < 10_000, ping.encode());

      JsonObject id = js.callOk(cmd("identify", "connection", connection));
      assertEquals(Identify.PROTOCOL_VERSION, id.getString("protocolVersion"));
      assertEquals(Swarm.AGENT_VERSION, id.getString("agentVersion"));
      assertTrue(id.getJsonArray("listenAddrs").contains(withoutPeer(addr)), id.encode());
      // what we saw of js: its WebSocket's TCP endpoint, with /ws
      String observed = id.getString("observedAddr");
      assertTrue(observed.matches("/ip4/127\\.0\\.0\\.1/tcp/[0-9]+/ws"), id.encode());
      JsonArray protocols = id.getJsonArray("protocols");
      for (String p : List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL, Perf.PROTOCOL)) {
        assertTrue(protocols.contains(p), p + " missing from " + protocols);
      }

      JsonObject big = js.callOk(cmd("echo", "connection", connection, "size", ECHO_BYTES,
          "streams", 1, "timeoutMs", 60_000));
      JsonObject s0 = big.getJsonArray("streams").getJsonObject(0);
      assertEquals(ECHO_BYTES, s0.getInteger("receivedBytes"));
      assertEquals(s0.getString("sentSha256"), s0.getString("receivedSha256"));

      JsonObject perf = js.callOk(cmd("perf", "connection", connection, "upload", PERF_BYTES,
          "download", PERF_BYTES, "timeoutMs", 120_000));
      assertEquals(PERF_BYTES, perf.getLong("uploadBytes"));
      assertEquals(PERF_BYTES, perf.getLong("downloadBytes"));

      // The Java side sees one inbound WebSocket connection, and says so.
      List<Connection> seen = node.getConnections(PeerId.parse(js.peerId()));
      assertEquals(1, seen.size());
      Connection in = seen.get(0);
      assertEquals(Connection.Direction.INBOUND, in.direction());
      assertEquals("ws", in.toJson().getString("transport"));
      assertEquals(muxerId, in.muxer());
      assertEquals(observed, in.remoteAddr().toString());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialsJsOverWebSocket(String muxer, String muxerId) throws Exception {
    node = javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      js.callOk(cmd("servePerf"));
      String jsAddr = js.addr();
      assertTrue(jsAddr.contains("/ws/p2p/"), jsAddr);
      PeerId jsPeer = PeerId.parse(js.peerId());
      List<Connection> conns = await(node.dial(Multiaddr.parse(jsAddr), new DialOptions()));
      assertEquals(1, conns.size());
      Connection c = conns.get(0);
      assertEquals(jsPeer, c.peerId());
      assertEquals(muxerId, c.muxer());
      assertEquals("ws", c.toJson().getString("transport"));

      assertTrue(await(node.ping(jsPeer)) > 0);

      IdentifyMessage id = await(Identify.identify(c));
      assertEquals(js.agentVersion(), id.agentVersion());
      assertEquals(js.publicKeyHex(), java.util.HexFormat.of().formatHex(id.publicKey()));
      List<String> listen = new ArrayList<>();
      for (byte[] a : id.listenAddrs()) {
        listen.add(Multiaddr.fromBytes(a).toString());
      }
      assertTrue(listen.contains(withoutPeer(jsAddr)), listen.toString());
      // js saw our WebSocket's TCP endpoint, with /ws: our local address
      Multiaddr observed = Multiaddr.fromBytes(id.observedAddr());
      assertEquals(c.localAddr().toString(), observed.withoutPeerId().toString());
      assertTrue(c.localAddr().toString().endsWith("/ws"), c.localAddr().toString());

      byte[] payload = new byte[ECHO_BYTES];
      new SecureRandom().nextBytes(payload);
      P2pStream s = await(c.newStream(Echo.PROTOCOL));
      byte[] back = await(JsInteropTest.echo(s, payload), Duration.ofSeconds(60));
      assertEquals(JsInteropTest.sha256Hex(payload), JsInteropTest.sha256Hex(back));

      Perf.Result perf = await(Perf.run(c, PERF_BYTES, PERF_BYTES), Duration.ofSeconds(120));
      assertEquals(PERF_BYTES, perf.uploadBytes());
      assertEquals(PERF_BYTES, perf.downloadBytes());

      JsonArray jsSide = js.callOk(cmd("connections", "peer", node.peerId().toString()))
          .getJsonArray("connections");
      assertEquals(1, jsSide.size(), jsSide.encode());
      JsonObject theirs = jsSide.getJsonObject(0);
      assertEquals("inbound", theirs.getString("direction"));
      assertEquals(c.localAddr().toString(), withoutPeer(theirs.getString("remoteAddr")));
    }
  }
}
