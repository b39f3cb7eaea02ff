package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
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
class JsQuicInteropTest extends JsInteropFixture {
  static final int ECHO_BYTES = 1024 * 1024;
  static final long PERF_BYTES = 8L * 1024 * 1024;
  static final String QUIC_LISTEN = "/ip4/127.0.0.1/udp/0/quic-v1";
  static final String QUIC_ADDR = "/ip4/127\\.0\\.0\\.1/udp/[0-9]+/quic-v1";

  /** Runs after {@link JsInteropFixture#needsJs}: the js peer, then its QUIC module. */
  @BeforeAll
  static void needsJsQuic() {
    // The native module is what actually speaks QUIC; the js wrapper alone would fail at dial.
    boolean installed = Files.isDirectory(JsInterop.projectRoot()
        .resolve("interop/js/node_modules/@chainsafe/libp2p-quic"))
        && Files.isDirectory(JsInterop.projectRoot()
        .resolve("interop/js/node_modules/@chainsafe/libp2p-quic-linux-x64-gnu"));
    JsInterop.decide(installed ? ""
        : "interop/js/node_modules has no @chainsafe/libp2p-quic with its linux-x64-gnu binary",
        System.getenv("CI"));
  }

  @Override
  protected Vertx newVertx() {
    return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  private Swarm javaNode() {
    SwarmOptions o = new SwarmOptions().setListen(List.of(QUIC_LISTEN));
    o.getServices().setEcho(true).setPerf(true);
    return start(o);
  }

  private static JsPeer jsNode() {
    return JsPeer.start(JsPeer.Options.defaults().withEcho(true).withListen(QUIC_LISTEN));
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
    javaNode();
    String addr = node.listenAddrs().get(0).toString();
    assertTrue(addr.matches(QUIC_ADDR + "/p2p/" + node.peerId()), addr);
    try (JsPeer js = jsNode()) {
      String connection = jsDials(js, addr, "quic").getString("connection");

      jsPings(js, connection);

      JsonObject id = jsIdentifies(js, connection,
          List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL, Perf.PROTOCOL));
      assertEquals(Swarm.AGENT_VERSION, id.getString("agentVersion"));
      assertEquals(node.peerId().toString(), id.getString("peer"));
      assertTrue(id.getJsonArray("listenAddrs").contains(withoutPeer(addr)), id.encode());
      // what we saw of js: its QUIC socket's address
      String observed = withoutPeer(id.getString("observedAddr"));
      assertTrue(observed.matches(QUIC_ADDR), id.encode());

      jsEchoes(js, connection, ECHO_BYTES, 60_000);
      jsPerfs(js, connection, PERF_BYTES, PERF_BYTES);

      // The Java side sees one inbound QUIC connection from js, and says so.
      Connection in = javaSeesOneInboundFrom(js);
      assertQuicConn(in);
      assertEquals(observed, in.remoteAddr().toString());
      assertTrue(in.streamsTotal() >= 4, in.toJson().encode());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @Test
  void javaDialsJsOverQuic() throws Exception {
    javaNode();
    try (JsPeer js = jsNode()) {
      js.callOk(cmd("servePerf"));
      String jsAddr = js.addr();
      assertTrue(jsAddr.matches(QUIC_ADDR + "/p2p/" + js.peerId()), jsAddr);
      Connection c = dialsJs(js, jsAddr);
      assertEquals(Connection.Direction.OUTBOUND, c.direction());
      assertQuicConn(c);

      assertTrue(await(node.ping(c.peerId())) > 0);

      IdentifyMessage id = identifiesJs(c, js);
      // js saw our QUIC socket's address: our local address (js may append our /p2p/ id)
      identifiedAddrs(id, c, jsAddr);

      echoesBack(c, ECHO_BYTES, Duration.ofSeconds(60));
      perfs(c, PERF_BYTES, PERF_BYTES);

      JsonObject theirs = jsSeesOneInbound(js);
      assertEquals("quic", theirs.getString("muxer"));
      assertEquals(c.localAddr().toString(), withoutPeer(theirs.getString("remoteAddr")));
      // Still one connection, and every stream above ran on it.
      assertEquals(List.of(c.id()),
          node.getConnections(c.peerId()).stream().map(Connection::id).toList());
      assertQuicConn(c);
    }
  }
}
