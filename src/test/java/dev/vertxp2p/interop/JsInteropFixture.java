package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The Java node against the js-libp2p peer: the js peer must be runnable (skipped on a developer
 * machine without it, failed under {@code CI=true}; see {@link JsInterop#assumeAvailable}), and
 * the steps each js interop test takes in one direction or the other, with the checks every
 * transport shares. What differs by transport stays in the tests.
 */
abstract class JsInteropFixture extends InteropFixture {

  @BeforeAll
  static void needsJs() {
    JsInterop.assumeAvailable();
  }

  /** The muxers both sides speak: js's name for each, then its protocol id. */
  static Stream<Arguments> muxers() {
    return Stream.of(
        Arguments.of("yamux", TransportOptions.YAMUX_PROTOCOL),
        Arguments.of("mplex", TransportOptions.MPLEX_PROTOCOL));
  }

  /** {@code addr} without its {@code /p2p/} suffix, if it has one. */
  static String withoutPeer(String addr) {
    int p = addr.indexOf("/p2p/");
    return p < 0 ? addr : addr.substring(0, p);
  }

  // ---- js dials Java ------------------------------------------------------------------------

  /** js dials {@code addr} and reaches our node over {@code muxerId}; js's answer. */
  JsonObject jsDials(JsPeer js, String addr, String muxerId) {
    JsonObject dial = js.callOk(cmd("dial", "addr", addr));
    assertEquals(node.peerId().toString(), dial.getString("remotePeer"));
    assertEquals(muxerId, dial.getString("muxer"), dial.encode());
    return dial;
  }

  /** js pings us on its {@code connection}; js measures in whole ms, so 0 is a right answer. */
  static void jsPings(JsPeer js, String connection) {
    JsonObject ping = js.callOk(cmd("ping", "connection", connection));
    double rtt = ping.getDouble("rttMs");
    assertTrue(rtt >= 0 && rtt < 10_000, ping.encode());
  }

  /** js identifies us: our protocol version and at least {@code protocols}; js's answer. */
  static JsonObject jsIdentifies(JsPeer js, String connection, List<String> protocols) {
    JsonObject id = js.callOk(cmd("identify", "connection", connection));
    assertEquals(Identify.PROTOCOL_VERSION, id.getString("protocolVersion"));
    JsonArray theirs = id.getJsonArray("protocols");
    for (String p : protocols) {
      assertTrue(theirs.contains(p), p + " missing from " + theirs);
    }
    return id;
  }

  /** js echoes {@code bytes} on one stream of its {@code connection}; all come back unchanged. */
  static void jsEchoes(JsPeer js, String connection, int bytes, int timeoutMs) {
    JsonObject echo = js.callOk(cmd("echo", "connection", connection, "size", bytes,
        "streams", 1, "timeoutMs", timeoutMs));
    JsonObject s0 = echo.getJsonArray("streams").getJsonObject(0);
    assertEquals(bytes, s0.getInteger("receivedBytes"));
    assertEquals(s0.getString("sentSha256"), s0.getString("receivedSha256"));
  }

  /** js runs perf against us on its {@code connection}: each way, all bytes; js's answer. */
  static JsonObject jsPerfs(JsPeer js, String connection, long upload, long download) {
    JsonObject perf = js.callOk(cmd("perf", "connection", connection, "upload", upload,
        "download", download, "timeoutMs", 120_000));
    assertEquals(upload, perf.getLong("uploadBytes"));
    assertEquals(download, perf.getLong("downloadBytes"));
    return perf;
  }

  /** Our node holds exactly one connection with js, which js opened. */
  Connection javaSeesOneInboundFrom(JsPeer js) {
    List<Connection> seen = node.getConnections(PeerId.parse(js.peerId()));
    assertEquals(1, seen.size(), seen.toString());
    assertEquals(Connection.Direction.INBOUND, seen.get(0).direction());
    return seen.get(0);
  }

  /** js dials our address under {@code stranger}'s id, and is refused; js's answer. */
  JsonObject jsDialsUsAs(JsPeer js, String stranger) {
    String tcp = node.listenAddrs().get(0).withoutPeerId().toString();
    JsonObject wrong = js.call(cmd("dial", "addr", tcp + "/p2p/" + stranger));
    assertFalse(wrong.getBoolean("ok"), wrong.encode());
    return wrong;
  }

  // ---- Java dials js ------------------------------------------------------------------------

  /** We dial js at {@code addr} and get one connection, to js; it. */
  Connection dialsJs(JsPeer js, String addr) {
    List<Connection> conns = await(node.dial(Multiaddr.parse(addr), new DialOptions()));
    assertEquals(1, conns.size());
    Connection c = conns.get(0);
    assertEquals(PeerId.parse(js.peerId()), c.peerId());
    return c;
  }

  /** We identify js on {@code c}: the agent and the key js reports; the answer. */
  static IdentifyMessage identifiesJs(Connection c, JsPeer js) {
    IdentifyMessage id = await(Identify.identify(c));
    assertEquals(js.agentVersion(), id.agentVersion());
    assertEquals(js.publicKeyHex(), HexFormat.of().formatHex(id.publicKey()));
    return id;
  }

  /** js's identify answer lists its {@code jsAddr}, and reports our end of {@code c} as seen. */
  static void identifiedAddrs(IdentifyMessage id, Connection c, String jsAddr) {
    List<String> listen = new ArrayList<>();
    for (byte[] a : id.listenAddrs()) {
      listen.add(Multiaddr.fromBytes(a).toString());
    }
    assertTrue(listen.contains(withoutPeer(jsAddr)), listen.toString());
    Multiaddr observed = Multiaddr.fromBytes(id.observedAddr());
    assertEquals(c.localAddr().toString(), observed.withoutPeerId().toString());
  }

  /** We run perf against js on {@code c}: each way, all bytes. */
  static void perfs(Connection c, long upload, long download) {
    Perf.Result perf = await(Perf.run(c, upload, download), Duration.ofSeconds(120));
    assertEquals(upload, perf.uploadBytes());
    assertEquals(download, perf.downloadBytes());
  }

  /** js holds exactly one connection with our node, which we opened; js's view of it. */
  JsonObject jsSeesOneInbound(JsPeer js) {
    JsonArray jsSide = js.callOk(cmd("connections", "peer", node.peerId().toString()))
        .getJsonArray("connections");
    assertEquals(1, jsSide.size(), jsSide.encode());
    JsonObject theirs = jsSide.getJsonObject(0);
    assertEquals("inbound", theirs.getString("direction"));
    return theirs;
  }

  /** We dial js's address under a stranger's id: refused, naming that id, nothing kept. */
  Throwable javaDialsJsAsAStranger(JsPeer js) {
    PeerId stranger =
        PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    Multiaddr wrong = Multiaddr.parse(js.addr()).withoutPeerId().withPeerId(stranger);
    Throwable t = Await.failure(node.dial(wrong, new DialOptions()));
    assertTrue(t.getMessage().contains(stranger.toString()), t.getMessage());
    assertTrue(node.getConnections().isEmpty());
    return t;
  }
}
