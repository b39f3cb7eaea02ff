package dev.vertxp2p.interop;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.bench.Metric;
import dev.vertxp2p.bench.Scenarios;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java node against a peer built on hashicorp/yamux (the implementation the Yamux spec comes
 * from) and flynn/noise (the Noise library of go-libp2p), both directions: ping, identify, a 10 MiB
 * echo compared by SHA-256 and 100 concurrent echo streams, under the library's default 256 KiB
 * stream window and a 16 MiB one; a Yamux ping; GoAway at the end; three connections to the Go
 * peer with streams spread over them by each load-balancing strategy.
 */
class GoInteropTest extends InteropFixture {
  static final int ECHO_BYTES = 10 * 1024 * 1024;
  static final int STREAMS = 100;
  static final int STREAM_BYTES = 20_000;
  static final Duration LONG = Duration.ofSeconds(120);

  private final LinkedBlockingQueue<SwarmEvent> events = new LinkedBlockingQueue<>();

  @BeforeAll
  static void needsGo() {
    GoPeer.assumeAvailable();
  }

  private Swarm javaNode(String... muxers) {
    node = Swarm.create(vertx, serving("/ip4/127.0.0.1/tcp/0",
        new TransportOptions().setMuxers(List.of(muxers)), false));
    node.eventHandler(events::add);
    return track(node);
  }

  private SwarmEvent awaitEvent(String type, PeerId peer) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      SwarmEvent e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (e == null) {
        throw new AssertionError("no " + type + " event for " + peer);
      }
      if (e.type().equals(type) && peer.equals(e.peer())) {
        return e;
      }
    }
  }

  private static String[] windowFlag(int window) {
    return window == 0 ? new String[0] : new String[] {"-window", Integer.toString(window)};
  }

  // ---- Java dials Go ------------------------------------------------------------------------

  @ParameterizedTest(name = "stream window {0} (0: library default)")
  @ValueSource(ints = {0, 16 * 1024 * 1024})
  void javaDialsGo(int window) throws Exception {
    node = javaNode(TransportOptions.YAMUX_PROTOCOL);
    try (GoPeer go = GoPeer.serve(windowFlag(window))) {
      JsonObject listening = go.event("listening", Duration.ofSeconds(30));
      PeerId goPeer = PeerId.parse(listening.getString("peer"));
      List<Connection> conns =
          await(node.dial(Multiaddr.parse(listening.getString("addr")), new DialOptions()));
      assertEquals(1, conns.size());
      Connection c = conns.get(0);
      assertEquals(goPeer, c.peerId());
      assertEquals(TransportOptions.YAMUX_PROTOCOL, c.muxer());
      JsonObject accepted = go.event("connection", Duration.ofSeconds(30));
      assertEquals(node.peerId().toString(), accepted.getString("remotePeer"),
          "Go verified our Noise identity");

      assertTrue(await(node.ping(goPeer)) > 0);

      IdentifyMessage id = await(Identify.identify(c));
      assertEquals("vertxp2p-interop-go/1", id.agentVersion());
      assertEquals("ipfs/0.1.0", id.protocolVersion());
      assertEquals(listening.getString("publicKey"), HexFormat.of().formatHex(id.publicKey()));
      assertEquals(c.localAddr().toString(),
          Multiaddr.fromBytes(id.observedAddr()).withoutPeerId().toString());
      for (String p : List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL)) {
        assertTrue(id.protocols().contains(p), p + " missing from " + id.protocols());
      }

      echoesBack(c, ECHO_BYTES, LONG);
      echoesConcurrently(c, STREAMS, STREAM_BYTES, LONG);

      // Closing from our side: the Go session ends and says so.
      await(c.close());
      JsonObject closed = go.event("closed", Duration.ofSeconds(30));
      assertEquals(node.peerId().toString(), closed.getString("remotePeer"));
      assertTrue(node.getConnections(goPeer).isEmpty());
    }
  }

  // ---- several connections to one Go peer --------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @EnumSource(names = {"ROUND_ROBIN", "LEAST_LOADED"})
  void threeConnectionsToGoAndStreamsSpreadOverThem(LoadBalancingStrategy strategy)
      throws Exception {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    o.getConnection().setMaxConnectionsPerPeer(3).setLoadBalancingStrategy(strategy);
    start(o);
    try (GoPeer go = GoPeer.serve()) {
      JsonObject listening = go.event("listening", Duration.ofSeconds(30));
      PeerId goPeer = PeerId.parse(listening.getString("peer"));
      List<Connection> conns = await(node.dial(Multiaddr.parse(listening.getString("addr")),
          new DialOptions().setConnections(3)));
      assertEquals(3, conns.size());
      Map<String, String> ourConnByGoSide = new HashMap<>();
      for (Connection c : conns) {
        ourConnByGoSide.put(hostPort(c.localAddr()), c.id());
      }
      List<P2pStream> held = new ArrayList<>();
      Map<String, Integer> spread = new HashMap<>();
      for (int i = 0; i < 9; i++) {
        P2pStream s = await(node.newStream(goPeer, Echo.PROTOCOL));
        held.add(s); // left open: each carries load on its connection
        spread.merge(s.connection().id(), 1, Integer::sum);
      }
      assertEquals(Map.of(conns.get(0).id(), 3, conns.get(1).id(), 3, conns.get(2).id(), 3),
          spread);
      // Go saw the same: three echo streams on each of the three sockets.
      Map<String, Integer> goSide = new HashMap<>();
      for (int i = 0; i < 9; i++) {
        JsonObject e = go.next(Duration.ofSeconds(30), x -> "stream".equals(x.getString("event"))
            && Echo.PROTOCOL.equals(x.getString("protocol")));
        goSide.merge(ourConnByGoSide.get(e.getString("remoteAddr")), 1, Integer::sum);
      }
      assertEquals(spread, goSide);
      for (P2pStream s : held) {
        s.end();
      }
    }
  }

  // ---- Go dials Java ------------------------------------------------------------------------

  @ParameterizedTest(name = "stream window {0} (0: library default)")
  @ValueSource(ints = {0, 16 * 1024 * 1024})
  void goDialsJava(int window) throws Exception {
    node = javaNode(TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL);
    String addr = node.listenAddrs().get(0).toString();
    List<String> flags = new ArrayList<>(List.of("-pings", "10", "-echo",
        Integer.toString(ECHO_BYTES), "-streams", Integer.toString(STREAMS), "-stream-bytes",
        Integer.toString(STREAM_BYTES), "-identify"));
    flags.addAll(List.of(windowFlag(window)));
    try (GoPeer go = GoPeer.dial(addr, flags.toArray(String[]::new))) {
      JsonObject res = go.result(LONG);
      assertEquals(Boolean.TRUE, res.getBoolean("ok"), res.encode());
      assertEquals(node.peerId().toString(), res.getString("remotePeer"));
      PeerId goPeer = PeerId.parse(res.getString("peer"));

      JsonArray rtts = res.getJsonArray("pingRttsMs");
      assertEquals(10, rtts.size(), res.encode());
      assertTrue(res.containsKey("yamuxPingMs"), "our Yamux engine answered the session ping");
      assertEquals(64, res.getString("echoSha256").length());
      assertEquals(STREAMS, res.getInteger("streamsOk"));
      JsonObject ident = res.getJsonObject("identify");
      assertEquals(Boolean.TRUE, ident.getBoolean("publicKeyMatches"), ident.encode());
      assertEquals(Swarm.AGENT_VERSION, ident.getString("agentVersion"));
      assertEquals("ipfs/0.1.0", ident.getString("protocolVersion"));
      List<?> protocols = ident.getJsonArray("protocols").getList();
      for (String p : List.of(Ping.PROTOCOL, Identify.PROTOCOL, Echo.PROTOCOL)) {
        assertTrue(protocols.contains(p), p + " missing from " + protocols);
      }

      awaitEvent(SwarmEvent.CONNECTION_OPENED, goPeer);
      List<Connection> conns = node.getConnections(goPeer);
      assertEquals(1, conns.size());
      Connection c = conns.get(0);
      assertEquals(Connection.Direction.INBOUND, c.direction());
      assertEquals("/noise", c.security());
      assertEquals(TransportOptions.YAMUX_PROTOCOL, c.muxer());
      assertEquals(res.getString("localAddr"), hostPort(c.remoteAddr()));
      // ping, echo, the concurrent echoes and identify, all opened by Go
      assertTrue(c.streamsTotal() >= 3 + STREAMS, "streamsTotal " + c.streamsTotal());
      assertTrue(c.bytesIn() > ECHO_BYTES + (long) STREAMS * STREAM_BYTES, "bytesIn " + c.bytesIn());

      // Go closes its session (GoAway, then the socket): our side sees the connection end.
      assertEquals(0, go.finish(Duration.ofSeconds(30)));
      awaitEvent(SwarmEvent.CONNECTION_CLOSED, goPeer);
      assertTrue(node.getConnections(goPeer).isEmpty());
    }
  }

  private static String hostPort(Multiaddr addr) {
    String[] p = addr.withoutPeerId().toString().split("/");
    return p[2] + ":" + p[4];
  }

  // ---- the bench's Go rows ------------------------------------------------------------------

  @Test
  void benchScenarioRunsAtTinySizes() throws Exception {
    System.setProperty("bench.warmUpMaxSeconds", "0.1");
    try {
      List<Metric> m = Scenarios.perfGo(200_000, 300_001, new TransportOptions());
      for (String name : List.of("perf.java-go.total", "perf.go-go.up", "perf.go-go.total")) {
        assertTrue(m.stream().anyMatch(x -> x.name().equals(name) && x.value() > 0),
            name + " in " + m);
      }
    } finally {
      System.clearProperty("bench.warmUpMaxSeconds");
    }
  }

  // ---- refusals -----------------------------------------------------------------------------

  @Test
  void mplexOnlyNodeIsRefusedByYamuxOnlyPeerWithAClearError() throws Exception {
    node = javaNode(TransportOptions.MPLEX_PROTOCOL);
    try (GoPeer go = GoPeer.serve()) {
      JsonObject listening = go.event("listening", Duration.ofSeconds(30));
      Throwable t = failure(node.dial(Multiaddr.parse(listening.getString("addr")),
          new DialOptions()));
      assertTrue(t.getMessage().contains(TransportOptions.MPLEX_PROTOCOL), t.getMessage());
      assertTrue(t.getMessage().contains("muxer"), t.getMessage());
      assertTrue(node.getConnections().isEmpty());
    }
  }
}
