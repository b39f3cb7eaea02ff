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
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java node against js-libp2p's {@code @chainsafe/libp2p-quic} over {@code /quic-v1}, both
 * directions: ping, identify (the QUIC addresses each side reports and observes), 1 MiB echo
 * compared by SHA-256, and a perf transfer each way. Each side's view of the connection is
 * checked: the Java Conn JSON says libp2p TLS, QUIC's own streams and the QUIC transport; js
 * says its muxer is {@code quic}. Under {@code CI=true} these fail rather than skip when the js
 * peer or its QUIC module is missing (as {@link JsInteropTest} does).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JsQuicInteropTest {
  static final int ECHO_BYTES = 1024 * 1024;
  static final long PERF_BYTES = 8L * 1024 * 1024;
  static final String QUIC_LISTEN = "/ip4/127.0.0.1/udp/0/quic-v1";
  static final String QUIC_ADDR = "/ip4/127\\.0\\.0\\.1/udp/[0-9]+/quic-v1";

  private Vertx vertx;
  private Swarm node;

  @BeforeAll
  static void needsJsWithQuic() {
    JsInterop.assumeAvailable();
    // The native module is what actually speaks QUIC; the js wrapper alone would fail at dial.
    boolean installed = Files.isDirectory(JsInterop.projectRoot()
        .resolve("interop/js/node_modules/@chainsafe/libp2p-quic"))
        && Files.isDirectory(JsInterop.projectRoot()
        .resolve("interop/js/node_modules/@chainsafe/libp2p-quic-linux-x64-gnu"));
    JsInterop.decide(installed ? ""
        : "interop/js/node_modules has no @chainsafe/libp2p-quic with its linux-x64-gnu binary",
        System.getenv("CI"));
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  @AfterEach
  void tearDown() {
    if (node != null) {
      await(node.close());
    }
    await(vertx.close());
  }

  private Swarm javaNode() {
    SwarmOptions o = new SwarmOptions().setListen(List.of(QUIC_LISTEN));
    o.getServices().setEcho(true).setPerf(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  private static JsPeer jsNode() {
    return JsPeer.start(JsPeer.Options.defaults().withEcho(true).withListen(QUIC_LISTEN));
  }

  private static String withoutPeer(String addr) {
    int p = addr.indexOf("/p2p/");
    return p < 0 ? addr : addr.substring(0, p);
  }

  /** What the contract says a QUIC connection's Conn JSON carries. */
  private static void assertQuicConn(Connection c) {
    JsonObject json = c.toJson();
    assertEquals("/tls/1.0.0", json.getString("security"), json.encode());
    assertEquals("quic", json.getString("muxer"), json.encode());
    assertEquals("quic-v1", json.getString("transport"), json.encode());
    assertEquals("quic-v1", c.transport());
    assertTrue(c.remoteAddr().toString().matches(QUIC_ADDR), c.remoteAddr().toString());
    assertTrue(c.localAddr().toString().matches(QUIC_ADDR), c.localAddr().toString());
  }

  // ---- js dials Java ------------------------------------------------------------------------

  @Test
  void jsDialsJavaOverQuic() {
    node = javaNode();
    String addr = node.listenAddrs().get(0).toString();
    assertTrue(addr.matches(QUIC_ADDR + "/p2p/" + node.peerId()), addr);
    try (JsPeer js = jsNode()) {
      JsonObject dial = js.callOk(cmd("dial", "addr", addr));
      assertEquals(node.peerId().toString(), dial.getString("remotePeer"));
      assertEquals("quic", dial.getString("muxer"), dial.encode());
      String connection = dial.getString("connection");

      JsonObject ping = js.callOk(cmd("ping", "connection", connection));
      double rtt = ping.getDouble("rttMs");
      assertTrue(rtt >= 0 && rtt < 10_000, ping.encode());

      JsonObject id = js.callOk(cmd("identify", "connection", connection));
      assertEquals(Identify.PROTOCOL_VERSION, id.getString("protocolVersion"));
      assertEquals(Swarm.AGENT_VERSION, id.getString("agentVersion"));
      assertEquals(node.peerId().toString(), id.getString("peer"));
      assertTrue(id.getJsonArray("listenAddrs").contains(withoutPeer(addr)), id.encode());
      // what we saw of js: its QUIC socket's address
      String observed = withoutPeer(id.getString("observedAddr"));
      assertTrue(observed.matches(QUIC_ADDR), id.encode());
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

      // The Java side sees one inbound QUIC connection from js, and says so.
      List<Connection> seen = node.getConnections(PeerId.parse(js.peerId()));
      assertEquals(1, seen.size(), seen.toString());
      Connection in = seen.get(0);
      assertEquals(Connection.Direction.INBOUND, in.direction());
      assertQuicConn(in);
      assertEquals(observed, in.remoteAddr().toString());
      assertTrue(in.streamsTotal() >= 4, in.toJson().encode());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @Test
  void javaDialsJsOverQuic() throws Exception {
    node = javaNode();
    try (JsPeer js = jsNode()) {
      js.callOk(cmd("servePerf"));
      String jsAddr = js.addr();
      assertTrue(jsAddr.matches(QUIC_ADDR + "/p2p/" + js.peerId()), jsAddr);
      PeerId jsPeer = PeerId.parse(js.peerId());
      List<Connection> conns = await(node.dial(Multiaddr.parse(jsAddr), new DialOptions()));
      assertEquals(1, conns.size());
      Connection c = conns.get(0);
      assertEquals(jsPeer, c.peerId());
      assertEquals(Connection.Direction.OUTBOUND, c.direction());
      assertQuicConn(c);

      assertTrue(await(node.ping(jsPeer)) > 0);

      IdentifyMessage id = await(Identify.identify(c));
      assertEquals(js.agentVersion(), id.agentVersion());
      assertEquals(js.publicKeyHex(), HexFormat.of().formatHex(id.publicKey()));
      List<String> listen = new ArrayList<>();
      for (byte[] a : id.listenAddrs()) {
        listen.add(Multiaddr.fromBytes(a).toString());
      }
      assertTrue(listen.contains(withoutPeer(jsAddr)), listen.toString());
      // js saw our QUIC socket's address: our local address (js may append our /p2p/ id)
      Multiaddr observed = Multiaddr.fromBytes(id.observedAddr());
      assertEquals(c.localAddr().toString(), observed.withoutPeerId().toString());

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
      assertEquals("quic", theirs.getString("muxer"));
      assertEquals(c.localAddr().toString(), withoutPeer(theirs.getString("remoteAddr")));
      // Still one connection, and every stream above ran on it.
      assertEquals(List.of(c.id()),
          node.getConnections(jsPeer).stream().map(Connection::id).toList());
      assertQuicConn(c);
    }
  }
}
