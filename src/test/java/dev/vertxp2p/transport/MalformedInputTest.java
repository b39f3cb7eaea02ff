package dev.vertxp2p.transport;

import dev.vertxp2p.HandshakeTimeoutException;
import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.proto.yamux.YamuxFrame;
import dev.vertxp2p.testing.LogCapture;
import dev.vertxp2p.testing.RawPeer;
import dev.vertxp2p.IdentifyMessage;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A raw "bad client" against a running node: malformed input at each layer closes that connection
 * with a logged, typed error, and the node keeps serving a well-behaved peer.
 */
class MalformedInputTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final java.util.function.Supplier<RawPeer.Identity> ED25519 =
      () -> RawPeer.Identity.ed25519(RANDOM);
  private static final List<String> LOGGERS = List.of(
      MuxedConnection.class.getName(), Upgrader.class.getName(),
      dev.vertxp2p.swarm.SwarmImpl.class.getName(), "dev.vertxp2p.swarm.InboundAdmission");

  private Vertx vertx;
  private Swarm server;
  private Swarm good;
  private LogCapture logs;

  @BeforeEach
  void setUp() {
    logs = LogCapture.of(LOGGERS);
    vertx = Vertx.vertx();
    server = node();
    good = node();
  }

  @AfterEach
  void tearDown() {
    logs.close();
    await(server.close());
    await(good.close());
    await(vertx.close());
  }

  private Swarm node() {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    o.getServices().setEcho(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  private int port() {
    return server.listenAddrs().get(0).port().getAsInt();
  }

  /** A well-behaved peer still gets a working connection to the server. */
  private void assertStillServing() {
    List<Connection> c = await(good.dial(server.listenAddrs().get(0), new DialOptions()));
    assertEquals(1, c.size());
    assertTrue(await(good.ping(server.peerId())) > 0);
  }

  /** The captured log names the typed error. */
  private void assertLogged(Class<? extends Throwable> type) throws InterruptedException {
    assertLogged(type, "");
  }

  /** Waits for a log line naming {@code type} whose text also contains {@code words}. */
  private void assertLogged(Class<? extends Throwable> type, String words)
      throws InterruptedException {
    logs.await(1, java.time.Duration.ofSeconds(10),
        type.getSimpleName() + " with \"" + words + "\"", r -> names(r, type, words));
  }

  private static boolean names(LogRecord r, Class<? extends Throwable> type, String words) {
    String text = LogCapture.text(r);
    return text.contains(type.getSimpleName()) && text.contains(words);
  }

  // ---- the cases ----------------------------------------------------------------------------

  @Test
  void garbageBeforeMultistream() throws Exception {
    try (RawPeer p = RawPeer.connect("127.0.0.1", port())) {
      p.writeRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      p.awaitClosedByServer();
    }
    assertLogged(dev.vertxp2p.proto.multistream.MultistreamException.class);
    assertStillServing();
  }

  @Test
  void badNoiseFrame() throws Exception {
    try (RawPeer p = RawPeer.connect("127.0.0.1", port())) {
      p.negotiateNoise();
      // Noise message 1 must carry a 32-byte ephemeral key: 5 bytes is malformed.
      p.writeRaw(new byte[] {0, 5, 1, 2, 3, 4, 5});
      p.awaitClosedByServer();
    }
    assertLogged(dev.vertxp2p.proto.noise.NoiseException.class);
    assertStillServing();
  }

  @Test
  void tamperedNoiseTransportFrame() throws Exception {
    try (RawPeer p = RawPeer.connect("127.0.0.1", port())) {
      NoiseSession session = p.secure(ED25519.get(), List.of(TransportOptions.YAMUX_PROTOCOL));
      byte[] frame = session.encrypt(new byte[40], 0, 40);
      frame[frame.length - 1] ^= 1; // break the tag
      p.writeRaw(frame);
      p.awaitClosedByServer();
    }
    assertLogged(dev.vertxp2p.proto.noise.NoiseException.class);
    assertStillServing();
  }

  @Test
  void yamuxFrameLargerThanTheWindow() throws Exception {
    try (RawPeer p = RawPeer.connect("127.0.0.1", port())) {
      p.secure(ED25519.get(), List.of(TransportOptions.YAMUX_PROTOCOL));
      // Data + SYN on stream 1 declaring 1 MiB: four times the 256 KiB initial window.
      byte[] header = YamuxFrame.header(YamuxFrame.TYPE_DATA, YamuxFrame.FLAG_SYN, 1, 1 << 20);
      byte[] body = new byte[16_000];
      byte[] plain = Arrays.copyOf(header, header.length + body.length);
      p.write(plain);
      p.awaitClosedByServer();
    }
    assertLogged(dev.vertxp2p.proto.yamux.YamuxException.class);
    assertStillServing();
  }

  @Test
  void yamuxUnknownFrameType() throws Exception {
    try (RawPeer p = RawPeer.connect("127.0.0.1", port())) {
      p.secure(ED25519.get(), List.of(TransportOptions.YAMUX_PROTOCOL));
      byte[] header = YamuxFrame.header(YamuxFrame.TYPE_DATA, 0, 0, 0);
      header[1] = 9; // type 9 does not exist
      p.write(header);
      p.awaitClosedByServer();
    }
    assertLogged(dev.vertxp2p.proto.yamux.YamuxException.class);
    assertStillServing();
  }

  @Test
  void mplexMessageOverTheLimit() throws Exception {
    try (RawPeer p = RawPeer.connect("127.0.0.1", port())) {
      p.secure(ED25519.get(), List.of(TransportOptions.MPLEX_PROTOCOL));
      // header: stream 0, flag NewStream (0) -> varint 0; length 2 MiB as a varint.
      byte[] msg = new byte[] {0, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
      p.write(msg);
      p.awaitClosedByServer();
    }
    assertLogged(dev.vertxp2p.proto.mplex.MplexException.class);
    assertStillServing();
  }

  @Test
  void truncatedMultiaddrInIdentify() throws Exception {
    // A peer whose identify answer carries a truncated listen address: /ip4 needs 4 bytes, has 2.
    Swarm liar = node();
    try {
      byte[] truncated = {4, 127, 0};
      liar.handle("/ipfs/id/1.0.0", stream -> {
        IdentifyMessage m = new IdentifyMessage("ipfs/0.1.0", "liar/1.0",
            null, List.of(truncated),
            null, List.of("/ipfs/id/1.0.0"), null);
        byte[] body = dev.vertxp2p.protocols.IdentifyCodec.encode(m);
        byte[] framed = new byte[body.length + 1];
        framed[0] = (byte) body.length;
        System.arraycopy(body, 0, framed, 1, body.length);
        stream.write(io.vertx.core.buffer.Buffer.buffer(framed));
        stream.end();
      });
      Connection c = await(server.dial(liar.listenAddrs().get(0), new DialOptions())).get(0);
      await(c.closeFuture());
      assertLogged(dev.vertxp2p.MultiaddrException.class);
      assertTrue(server.getConnections(liar.peerId()).isEmpty());
    } finally {
      await(liar.close());
    }
    assertStillServing();
  }

  @Test
  void slowPeerIsCutAtTheHandshakeTimeout() throws Exception {
    await(server.close());
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setHandshakeTimeout(java.time.Duration.ofMillis(300)));
    server = Swarm.create(vertx, o);
    await(server.start());
    try (RawPeer p = RawPeer.connect("127.0.0.1", port())) {
      p.awaitClosedByServer(); // we send nothing at all
    }
    // Worded as a timeout, like every other timeout the swarm reports (callers match on it).
    assertLogged(HandshakeTimeoutException.class, "timed out after 300 ms");
    assertStillServing();
  }
}
