package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.PeerIdMismatchException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java node against a real js-libp2p node, both directions, over Yamux and over mplex: ping,
 * identify with every field checked, 10 MiB echo compared by SHA-256, 100 concurrent streams on
 * one connection, and a wrong {@code /p2p/} id rejected.
 */
class JsInteropTest extends JsInteropFixture {
  static final int ECHO_BYTES = 10 * 1024 * 1024;
  static final int STREAMS = 100;

  private Swarm javaNode(String muxerId) {
    return start(serving("/ip4/127.0.0.1/tcp/0",
        new TransportOptions().setMuxers(List.of(muxerId)), false));
  }

  private static JsPeer jsNode(String muxer) {
    return JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer).withEcho(true));
  }

  // ---- js dials Java ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialsJava(String muxer, String muxerId) {
    javaNode(muxerId);
    String addr = node.listenAddrs().get(0).toString();
    try (JsPeer js = jsNode(muxer)) {
      String connection = jsDials(js, addr, muxerId).getString("connection");

      jsPings(js, connection);

      JsonObject id = jsIdentifies(js, connection,
          List.of(Ping.PROTOCOL, Identify.PROTOCOL, Identify.PUSH_PROTOCOL, Echo.PROTOCOL));
      assertEquals(Swarm.AGENT_VERSION, id.getString("agentVersion"));
      PeerId fromKey = PeerId.fromPublicKey(
          Keys.unmarshalPublicKey(HexFormat.of().parseHex(id.getString("publicKey"))));
      assertEquals(node.peerId(), fromKey);
      String tcp = node.listenAddrs().get(0).withoutPeerId().toString();
      assertTrue(id.getJsonArray("listenAddrs").contains(tcp), id.encode());
      assertTrue(id.getString("observedAddr").startsWith("/ip4/127.0.0.1/tcp/"), id.encode());

      jsEchoes(js, connection, ECHO_BYTES, 120_000);

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
      assertTrue(javaSeesOneInboundFrom(js).streamsTotal() >= STREAMS + 1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void jsDialingWrongPeerIdIsRejected(String muxer, String muxerId) {
    javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      String stranger = js.callOk(cmd("newKey")).getString("peerId");
      JsonObject wrong = jsDialsUsAs(js, stranger);
      assertTrue(wrong.getString("error").contains(stranger), wrong.encode());
      assertTrue(node.getConnections().isEmpty());
    }
  }

  // ---- Java dials js ------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialsJs(String muxer, String muxerId) throws Exception {
    javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      PeerId jsPeer = PeerId.parse(js.peerId());
      Connection c = dialsJs(js, js.addr());
      assertEquals(muxerId, c.muxer());

      double rtt = await(node.ping(jsPeer));
      assertTrue(rtt > 0, "rtt " + rtt);

      IdentifyMessage id = identifiesJs(c, js);
      assertEquals("ipfs/0.1.0", id.protocolVersion());
      identifiedAddrs(id, c, js.addr());
      for (String p : List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL)) {
        assertTrue(id.protocols().contains(p), p + " missing from " + id.protocols());
      }
      assertTrue(id.signedPeerRecord() != null && id.signedPeerRecord().length > 0);

      echoesBack(c, ECHO_BYTES, Duration.ofSeconds(120));
      echoesConcurrently(c, STREAMS, 20_000, Duration.ofSeconds(120));
      jsSeesOneInbound(js);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("muxers")
  void javaDialingWrongPeerIdIsRejected(String muxer, String muxerId) {
    javaNode(muxerId);
    try (JsPeer js = jsNode(muxer)) {
      Throwable t = javaDialsJsAsAStranger(js);
      assertTrue(hasCause(t, PeerIdMismatchException.class), t.toString());
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
    start(o);
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
}
