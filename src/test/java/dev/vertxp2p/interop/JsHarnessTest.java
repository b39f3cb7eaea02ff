package dev.vertxp2p.interop;

import static dev.vertxp2p.interop.JsPeer.cmd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.opentest4j.TestAbortedException;

/**
 * Proves the js interop harness with two js-libp2p peers talking to each other, so that a
 * failure in a Java-versus-js test can be blamed on the Java side.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JsHarnessTest {

  private static final Map<String, String> MUXER_IDS =
      Map.of("yamux", "/yamux/1.0.0", "mplex", "/mplex/6.7.0");
  private static final int ONE_MIB = 1 << 20;
  private static final int CONCURRENT_STREAMS = 100;
  private static final int CONCURRENT_STREAM_BYTES = 4096;
  private static final int FORCED_CONNECTIONS = 3;
  private static final String QUIC_LISTEN = "/ip4/127.0.0.1/udp/0/quic-v1";

  @BeforeEach
  void needsJs() {
    JsInterop.assumeAvailable();
  }

  @ParameterizedTest
  @ValueSource(strings = {"yamux", "mplex"})
  void twoJsPeersInteroperate(String muxer) {
    String muxerId = MUXER_IDS.get(muxer);
    try (JsPeer server = JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer).withEcho(true));
        JsPeer client = JsPeer.start(JsPeer.Options.defaults().withMuxers(muxer))) {
      assertTrue(server.addr().endsWith("/p2p/" + server.peerId()), server.addr());

      JsonObject dial = client.callOk(cmd("dial", "addr", server.addr()));
      assertEquals(server.peerId(), dial.getString("remotePeer"));
      assertEquals(muxerId, dial.getString("muxer"));
      assertEquals("/noise", dial.getString("encryption"));
      assertEquals(1, dial.getJsonArray("connections").size());
      String firstConnection = dial.getString("connection");

      JsonObject ping = client.callOk(cmd("ping", "peer", server.peerId()));
      // js measures with Date.now(): whole milliseconds, so 0 on a fast loopback is right.
      double rtt = ping.getNumber("rttMs").doubleValue();
      assertTrue(rtt >= 0 && rtt < 10_000, ping.encode());

      assertIdentify(server, client.callOk(cmd("identify", "peer", server.peerId())));

      JsonObject big = client.callOk(cmd("echo", "peer", server.peerId(), "size", ONE_MIB,
          "streams", 1));
      JsonObject bigStream = big.getJsonArray("streams").getJsonObject(0);
      assertEquals(ONE_MIB, bigStream.getInteger("sentBytes"));
      assertEquals(ONE_MIB, bigStream.getInteger("receivedBytes"));
      assertEquals(64, bigStream.getString("sentSha256").length());
      assertEquals(bigStream.getString("sentSha256"), bigStream.getString("receivedSha256"));

      assertConcurrentEcho(client, firstConnection);
      assertForcedConnections(server, client, muxerId, firstConnection);
      assertWrongPeerIdRejected(server, client);

      client.callOk(cmd("hangup", "peer", server.peerId()));
      assertEquals(0, client.callOk(cmd("connections", "peer", server.peerId()))
          .getJsonArray("connections").size());
    }
  }

  /**
   * Two js peers over QUIC v1 ({@code @chainsafe/libp2p-quic}): the baseline the Java QUIC
   * transport is held to in {@link JsQuicInteropTest}. QUIC brings its own TLS 1.3 handshake and
   * stream multiplexing, so js reports its muxer as {@code quic} and runs no Noise.
   */
  @Test
  void twoJsPeersInteroperateOverQuic() {
    try (JsPeer server = JsPeer.start(JsPeer.Options.defaults().withEcho(true)
            .withListen(QUIC_LISTEN));
        JsPeer client = JsPeer.start(JsPeer.Options.defaults().withListen(QUIC_LISTEN))) {
      assertTrue(server.addr().matches("/ip4/127\\.0\\.0\\.1/udp/[0-9]+/quic-v1/p2p/.+"),
          server.addr());
      server.callOk(cmd("servePerf"));

      JsonObject dial = client.callOk(cmd("dial", "addr", server.addr()));
      assertEquals(server.peerId(), dial.getString("remotePeer"));
      assertEquals("quic", dial.getString("muxer"), dial.encode());
      String connection = dial.getString("connection");

      JsonObject ping = client.callOk(cmd("ping", "connection", connection));
      double rtt = ping.getNumber("rttMs").doubleValue();
      assertTrue(rtt >= 0 && rtt < 10_000, ping.encode());

      JsonObject id = client.callOk(cmd("identify", "connection", connection));
      assertEquals(server.peerId(), id.getString("peer"));
      assertEquals(server.publicKeyHex(), id.getString("publicKey"));
      String serverQuic = server.addr().substring(0, server.addr().indexOf("/p2p/"));
      assertTrue(id.getJsonArray("listenAddrs").contains(serverQuic), id.encode());
      // js's QUIC connection reports its remote address with the client's /p2p/ id on it
      assertTrue(id.getString("observedAddr").matches(
          "/ip4/127\\.0\\.0\\.1/udp/[0-9]+/quic-v1(/p2p/" + client.peerId() + ")?"), id.encode());

      JsonObject big = client.callOk(cmd("echo", "connection", connection, "size", ONE_MIB,
          "streams", 1));
      JsonObject bigStream = big.getJsonArray("streams").getJsonObject(0);
      assertEquals(ONE_MIB, bigStream.getInteger("receivedBytes"));
      assertEquals(bigStream.getString("sentSha256"), bigStream.getString("receivedSha256"));

      assertConcurrentEcho(client, connection);

      JsonObject perf = client.callOk(cmd("perf", "connection", connection,
          "upload", 8 * ONE_MIB, "download", 8 * ONE_MIB));
      assertEquals(8 * ONE_MIB, perf.getLong("uploadBytes"));
      assertEquals(8 * ONE_MIB, perf.getLong("downloadBytes"));

      JsonArray inbound = server.callOk(cmd("connections", "peer", client.peerId()))
          .getJsonArray("connections");
      assertEquals(1, inbound.size(), inbound.encode());
      assertEquals("inbound", inbound.getJsonObject(0).getString("direction"));
      assertEquals("quic", inbound.getJsonObject(0).getString("muxer"));
      assertTrue(inbound.getJsonObject(0).getString("remoteAddr").contains("/quic-v1"),
          inbound.encode());
    }
  }

  private static void assertIdentify(JsPeer server, JsonObject id) {
    assertEquals(server.peerId(), id.getString("peer"));
    assertEquals("ipfs/0.1.0", id.getString("protocolVersion"));
    assertTrue(id.getString("agentVersion").startsWith("vertxp2p-interop-js/"), id.encode());
    assertEquals(server.agentVersion(), id.getString("agentVersion"));
    assertEquals(server.publicKeyHex(), id.getString("publicKey"));
    String serverTcp = server.addr().substring(0, server.addr().indexOf("/p2p/"));
    assertTrue(id.getJsonArray("listenAddrs").contains(serverTcp), id.encode());
    assertTrue(id.getString("observedAddr").startsWith("/ip4/127.0.0.1/tcp/"), id.encode());
    JsonArray protocols = id.getJsonArray("protocols");
    for (String p : List.of("/echo/1.0.0", "/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0",
        "/ipfs/ping/1.0.0")) {
      assertTrue(protocols.contains(p), p + " missing from " + protocols);
    }
    JsonObject record = id.getJsonObject("signedPeerRecord");
    assertTrue(record.getJsonArray("addresses").contains(serverTcp), id.encode());
  }

  private static void assertConcurrentEcho(JsPeer client, String connection) {
    JsonObject echo = client.callOk(cmd("echo", "connection", connection,
        "size", CONCURRENT_STREAM_BYTES, "streams", CONCURRENT_STREAMS));
    JsonArray streams = echo.getJsonArray("streams");
    assertEquals(CONCURRENT_STREAMS, streams.size());
    Set<String> streamIds = new HashSet<>();
    Set<String> payloads = new HashSet<>();
    for (int i = 0; i < streams.size(); i++) {
      JsonObject s = streams.getJsonObject(i);
      assertEquals(connection, s.getString("connection"));
      assertEquals(CONCURRENT_STREAM_BYTES, s.getInteger("receivedBytes"));
      assertEquals(s.getString("sentSha256"), s.getString("receivedSha256"));
      streamIds.add(s.getString("stream"));
      payloads.add(s.getString("sentSha256"));
    }
    assertEquals(CONCURRENT_STREAMS, streamIds.size(), "each echo ran on its own stream");
    assertEquals(CONCURRENT_STREAMS, payloads.size(), "each stream carried its own payload");
  }

  private static void assertForcedConnections(JsPeer server, JsPeer client, String muxerId,
      String firstConnection) {
    Set<String> ids = new HashSet<>();
    ids.add(firstConnection);
    for (int i = 1; i < FORCED_CONNECTIONS; i++) {
      JsonObject dial = client.callOk(cmd("dial", "addr", server.addr(), "force", true));
      assertTrue(ids.add(dial.getString("connection")), "force dial reused " + dial.encode());
    }
    JsonArray listed = client.callOk(cmd("connections", "peer", server.peerId()))
        .getJsonArray("connections");
    assertEquals(FORCED_CONNECTIONS, listed.size(), listed.encode());
    Set<String> listedIds = new HashSet<>();
    for (int i = 0; i < listed.size(); i++) {
      JsonObject c = listed.getJsonObject(i);
      listedIds.add(c.getString("id"));
      assertEquals(server.peerId(), c.getString("remotePeer"));
      assertEquals("outbound", c.getString("direction"));
      assertEquals("open", c.getString("status"));
      assertEquals(muxerId, c.getString("muxer"));
      assertEquals(c.getJsonArray("streamProtocols").size(), c.getInteger("streams"), c.encode());
    }
    assertEquals(ids, listedIds);
    JsonArray inbound = server.callOk(cmd("connections", "peer", client.peerId()))
        .getJsonArray("connections");
    assertEquals(FORCED_CONNECTIONS, inbound.size(), inbound.encode());
    assertEquals("inbound", inbound.getJsonObject(0).getString("direction"));
  }

  private static void assertWrongPeerIdRejected(JsPeer server, JsPeer client) {
    String stranger = client.callOk(cmd("newKey")).getString("peerId");
    String tcp = server.addr().substring(0, server.addr().indexOf("/p2p/"));
    JsonObject wrong = client.call(cmd("dial", "addr", tcp + "/p2p/" + stranger, "force", true));
    assertFalse(wrong.getBoolean("ok"), wrong.encode());
    assertEquals("EncryptionFailedError", wrong.getString("name"));
    assertTrue(wrong.getString("error").contains(stranger)
        && wrong.getString("error").contains(server.peerId()), wrong.getString("error"));
  }

  @Test
  void aNewProtocolReachesTheOtherPeerByIdentifyPush() {
    try (JsPeer server = JsPeer.start(); JsPeer client = JsPeer.start()) {
      client.callOk(cmd("dial", "addr", server.addr()));
      client.callOk(cmd("waitEvent", "type", "peer:identify", "peer", server.peerId()));
      server.callOk(cmd("handle", "protocol", "/extra/1.0.0"));
      JsonObject pushed = client.callOk(cmd("waitEvent", "type", "peer:identify",
          "peer", server.peerId(), "protocol", "/extra/1.0.0")).getJsonObject("event");
      assertTrue(pushed.getJsonArray("protocols").contains("/extra/1.0.0"), pushed.encode());
      JsonObject stream = client.callOk(cmd("waitEvent", "type", "stream",
          "protocol", "/ipfs/id/push/1.0.0", "direction", "inbound")).getJsonObject("event");
      assertEquals(server.peerId(), stream.getString("peer"));
      // No match within the timeout is an error answer, not a hang.
      JsonObject none = client.call(cmd("waitEvent", "type", "no-such-event", "timeoutMs", 200));
      assertEquals("TimeoutError", none.getString("name"), none.encode());
    }
  }

  @Test
  void noCommonMuxerFailsTheHandshake() {
    try (JsPeer server = JsPeer.start(JsPeer.Options.defaults().withMuxers("yamux"));
        JsPeer client = JsPeer.start(JsPeer.Options.defaults().withMuxers("mplex"))) {
      JsonObject dial = client.call(cmd("dial", "addr", server.addr()));
      assertFalse(dial.getBoolean("ok"), dial.encode());
      assertTrue(dial.getString("error").contains("no common muxers"), dial.encode());
    }
  }

  /**
   * Records a js quirk the Java side must match: in the Noise muxer extension the js initiator
   * takes the first entry of the responder's list, while the js responder takes the first of the
   * initiator's list (what the inlined-muxer-negotiation spec says both should do). With opposite
   * preferences the two js ends disagree.
   */
  @Test
  void jsInitiatorTakesTheRespondersFirstMuxer() {
    try (JsPeer server = JsPeer.start(JsPeer.Options.defaults().withMuxers("yamux", "mplex"));
        JsPeer client = JsPeer.start(JsPeer.Options.defaults().withMuxers("mplex", "yamux"))) {
      JsonObject dial = client.callOk(cmd("dial", "addr", server.addr()));
      assertEquals("/yamux/1.0.0", dial.getString("muxer"));
      JsonArray events = server.callOk(cmd("events")).getJsonArray("events");
      String serverMuxer = null;
      for (int i = 0; i < events.size(); i++) {
        JsonObject e = events.getJsonObject(i);
        if ("connection:open".equals(e.getString("type"))) {
          serverMuxer = e.getString("muxer");
        }
      }
      assertEquals("/mplex/6.7.0", serverMuxer, events.encode());
    }
  }

  @Test
  void answersAreMatchedByIdUnderConcurrency() throws Exception {
    try (JsPeer server = JsPeer.start(JsPeer.Options.defaults().withEcho(true));
        JsPeer client = JsPeer.start()) {
      client.callOk(cmd("dial", "addr", server.addr()));
      // A command held open first: it waits for an echo stream that only the test starts, after
      // the fast ones. Their answers must overtake it, whatever the speed of either peer.
      long since = client.callOk(cmd("events")).getLong("nextSeq");
      CompletableFuture<JsonObject> held = client.send(cmd("waitEvent", "type", "stream",
          "protocol", "/echo/1.0.0", "direction", "outbound", "since", since, "id", "held"));
      List<CompletableFuture<JsonObject>> fast = new ArrayList<>();
      // Not pings: js allows one outbound ping stream per connection (ping spec).
      for (int i = 0; i < 20; i++) {
        fast.add(client.send(cmd("connections", "peer", server.peerId(), "id", "fast-" + i)));
      }
      for (int i = 0; i < fast.size(); i++) {
        JsonObject answer = fast.get(i).get(60, TimeUnit.SECONDS);
        assertEquals("fast-" + i, answer.getString("id"));
        assertTrue(answer.getBoolean("ok"), answer.encode());
        assertEquals(1, answer.getJsonArray("connections").size(), answer.encode());
      }
      assertFalse(held.isDone(), "nothing has opened an echo stream yet");
      // Now the release: an 8 MiB echo opens the streams the held command waits for.
      CompletableFuture<JsonObject> slow = client.send(cmd("echo", "peer", server.peerId(),
          "size", 4 * ONE_MIB, "streams", 2, "id", "slow"));
      JsonObject heldAnswer = held.get(60, TimeUnit.SECONDS);
      assertEquals("held", heldAnswer.getString("id"));
      assertTrue(heldAnswer.getBoolean("ok"), heldAnswer.encode());
      assertEquals("/echo/1.0.0", heldAnswer.getJsonObject("event").getString("protocol"));
      JsonObject slowAnswer = slow.get(60, TimeUnit.SECONDS);
      assertEquals("slow", slowAnswer.getString("id"));
      assertTrue(slowAnswer.getBoolean("ok"), slowAnswer.encode());
      JsonArray streams = slowAnswer.getJsonArray("streams");
      assertEquals(2, streams.size());
      for (int i = 0; i < streams.size(); i++) {
        JsonObject st = streams.getJsonObject(i);
        assertEquals(4 * ONE_MIB, st.getInteger("receivedBytes"), st.encode());
        assertEquals(st.getString("sentSha256"), st.getString("receivedSha256"));
      }
    }
  }

  @Test
  void errorsComeBackWithJsNameAndMessage() {
    try (JsPeer server = JsPeer.start(); JsPeer client = JsPeer.start()) {
      JsonObject unknown = client.call(cmd("frobnicate"));
      assertFalse(unknown.getBoolean("ok"));
      assertEquals("UnknownCommandError", unknown.getString("name"));

      client.callOk(cmd("dial", "addr", server.addr()));
      JsPeerException e = assertThrows(JsPeerException.class, () -> client.callOk(
          cmd("openStream", "peer", server.peerId(), "protocol", "/nope/1.0.0")));
      assertEquals("UnsupportedProtocolError", e.errorName());
      assertTrue(e.errorMessage().contains("/nope/1.0.0"), e.errorMessage());

      // The server has no echo handler here.
      JsonObject echo = client.call(cmd("echo", "peer", server.peerId(), "size", 1));
      assertEquals("UnsupportedProtocolError", echo.getString("name"), echo.encode());
    }
  }

  @Test
  void aGivenKeyFixesThePeerId() {
    try (JsPeer keygen = JsPeer.start()) {
      JsonObject key = keygen.callOk(cmd("newKey"));
      try (JsPeer keyed = JsPeer.start(JsPeer.Options.defaults()
          .withKey(key.getString("privateKey")))) {
        assertEquals(key.getString("peerId"), keyed.peerId());
        assertEquals(key.getString("publicKey"), keyed.publicKeyHex());
        assertNotEquals(keygen.peerId(), keyed.peerId());
      }
    }
  }

  @Test
  void closeStopsTheProcessAndLaterCallsFail() {
    JsPeer peer = JsPeer.start();
    assertTrue(peer.isAlive());
    peer.close();
    assertFalse(peer.isAlive());
    assertThrows(IllegalStateException.class, () -> peer.call(cmd("info")));
    peer.close();
  }

  @Test
  void aPeerThatCannotStartReportsItsStderr() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> JsPeer.start(JsPeer.Options.defaults().withMuxers("bogus")));
    assertTrue(e.getMessage().contains("unknown muxer bogus"), e.getMessage());
  }

  @Test
  void missingJsSkipsLocallyButFailsUnderCi() {
    JsInterop.decide("", "true");
    JsInterop.decide("", null);
    assertThrows(TestAbortedException.class, () -> JsInterop.decide("node missing", null));
    assertThrows(TestAbortedException.class, () -> JsInterop.decide("node missing", "false"));
    AssertionError ci = assertThrows(AssertionError.class,
        () -> JsInterop.decide("node missing", "true"));
    assertTrue(ci.getMessage().contains("node missing"), ci.getMessage());
  }
}
