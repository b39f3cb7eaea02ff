package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.NoCommonProtocolException;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.proto.tls.HostileTlsConfigs;
import dev.vertxp2p.proto.tls.TlsCertificateException;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.proto.tls.TlsException;
import dev.vertxp2p.proto.upgrade.UpgradeEngine;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.testing.LogCapture;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Java to Java over TCP and {@code /tls/1.0.0}: the whole stack with each muxer, the choice of
 * security protocol, and hostile peers (bad certificates, garbage) that close only their own
 * connection.
 */
class TlsConnectionTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String NOISE = TransportOptions.NOISE_PROTOCOL;
  private static final String TLS = TransportOptions.TLS_PROTOCOL;
  private static final List<String> LOGGERS = List.of(
      MuxedConnection.class.getName(), Upgrader.class.getName(),
      dev.vertxp2p.swarm.SwarmImpl.class.getName(), "dev.vertxp2p.swarm.InboundAdmission");

  private Vertx vertx;
  private final java.util.List<Swarm> nodes = new java.util.ArrayList<>();
  private LogCapture logs;

  @BeforeEach
  void setUp() {
    logs = LogCapture.of(LOGGERS);
    vertx = Vertx.vertx(); // several event loops: connections are dealt over them
  }

  @AfterEach
  void tearDown() {
    logs.close();
    for (Swarm s : nodes) {
      await(s.close());
    }
    await(vertx.close());
  }

  private Swarm node(List<String> security, List<String> muxers) {
    SwarmOptions o = new SwarmOptions()
        .setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setSecurity(security).setMuxers(muxers));
    o.getServices().setEcho(true).setPerf(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    nodes.add(s);
    return s;
  }

  private Swarm node(List<String> security) {
    return node(security, TransportOptions.DEFAULT_MUXERS);
  }

  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void pingIdentifyEchoAndPerfOverTls(String muxer) throws Exception {
    Swarm a = node(List.of(TLS), List.of(muxer));
    Swarm b = node(List.of(TLS), List.of(muxer));
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals(b.peerId(), c.peerId(), "the peer id comes from b's certificate");
    assertEquals(TLS, c.security());
    assertEquals(muxer, c.muxer());
    assertEquals(TLS, c.toJson().getString("security"));
    await(dev.vertxp2p.testing.Poll.until(vertx, 5,
        () -> !b.getConnections(a.peerId()).isEmpty()));
    Connection back = b.getConnections(a.peerId()).get(0);
    assertEquals(TLS, back.security());
    assertEquals(a.peerId(), back.peerId());

    assertTrue(await(a.ping(b.peerId())) > 0);

    IdentifyMessage id = await(Identify.identify(c));
    assertEquals(b.peerId(), PeerId.fromPublicKey(Keys.unmarshalPublicKey(id.publicKey())));
    assertTrue(id.protocols().contains(Echo.PROTOCOL), id.protocols().toString());

    byte[] payload = new byte[1 << 20];
    RANDOM.nextBytes(payload);
    P2pStream s = await(c.newStream(Echo.PROTOCOL));
    byte[] echoed = await(LoopbackTest.echo(s, payload));
    assertArrayEquals(LoopbackTest.sha256(payload), LoopbackTest.sha256(echoed));

    Perf.Result perf = await(Perf.run(c, 1 << 20, 2 << 20));
    assertEquals(2 << 20, perf.downloadBytes());
    assertTrue(c.bytesIn() > 3 << 20 && c.bytesOut() > 2 << 20,
        "bytes counted under TLS: " + c.bytesIn() + " in, " + c.bytesOut() + " out");
  }

  /**
   * Many streams at once and a transfer far over the socket's write queue: the TLS channel's
   * back-pressure (a full socket pauses the muxer's output and reading) under both muxers.
   */
  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void hundredConcurrentStreamsAndABigTransferOverTls(String muxer) throws Exception {
    Swarm a = node(List.of(TLS), List.of(muxer));
    Swarm b = node(List.of(TLS), List.of(muxer));
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    List<io.vertx.core.Future<byte[]>> all = new java.util.ArrayList<>();
    List<byte[]> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      byte[] p = new byte[10_000 + i];
      RANDOM.nextBytes(p);
      sent.add(p);
      all.add(c.newStream(Echo.PROTOCOL).compose(st -> LoopbackTest.echo(st, p)));
    }
    for (int i = 0; i < 100; i++) {
      assertArrayEquals(sent.get(i), await(all.get(i)));
    }
    Perf.Result perf = await(Perf.run(c, 16 << 20, 16 << 20), Duration.ofSeconds(120));
    assertEquals(16 << 20, perf.downloadBytes());
    assertTrue(c.isOpen());
  }

  @Test
  void tlsOverWebSocket() throws Exception {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0/ws"))
        .setTransport(new TransportOptions().setSecurity(List.of(TLS)));
    o.getServices().setEcho(true);
    Swarm b = Swarm.create(vertx, o);
    await(b.start());
    nodes.add(b);
    Swarm a = node(List.of(TLS));
    Multiaddr ws = b.listenAddrs().get(0);
    assertTrue(ws.toString().contains("/ws"), ws.toString());
    Connection c = await(a.dial(ws, new DialOptions())).get(0);
    assertEquals(TLS, c.security());
    assertEquals("ws", c.toJson().getString("transport"));
    assertTrue(await(a.ping(b.peerId())) > 0);
    byte[] payload = new byte[1 << 20];
    RANDOM.nextBytes(payload);
    byte[] echoed = await(LoopbackTest.echo(await(c.newStream(Echo.PROTOCOL)), payload));
    assertArrayEquals(LoopbackTest.sha256(payload), LoopbackTest.sha256(echoed));
  }

  @Test
  void aDialerOfferingOnlyTlsGetsTlsFromANodeOfferingBoth() {
    Swarm a = node(List.of(TLS));
    Swarm b = node(TransportOptions.DEFAULT_SECURITY);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals(TLS, c.security());
    assertTrue(await(a.ping(b.peerId())) > 0);
  }

  @Test
  void theDefaultPicksNoiseFirst() {
    Swarm a = node(TransportOptions.DEFAULT_SECURITY);
    Swarm b = node(TransportOptions.DEFAULT_SECURITY);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals(NOISE, c.security());
  }

  @Test
  void tlsFirstIsHonouredByANodeOfferingBoth() {
    Swarm a = node(List.of(TLS, NOISE));
    Swarm b = node(TransportOptions.DEFAULT_SECURITY);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals(TLS, c.security());
  }

  @Test
  void noiseOnlyAgainstTlsOnlyFailsNamingTheProtocols() {
    Swarm a = node(List.of(NOISE));
    Swarm b = node(List.of(TLS));
    Throwable t = failure(a.dial(b.listenAddrs().get(0), new DialOptions()));
    NoCommonProtocolException e = findCause(t, NoCommonProtocolException.class);
    assertTrue(e.getMessage().contains("supports none of [" + NOISE + "]")
        && e.getMessage().contains("security"), e.getMessage());
    assertTrue(b.getConnections().isEmpty());
  }

  @Test
  void aDialToTheWrongPeerIdFailsAsUnderNoise() {
    Swarm a = node(List.of(TLS));
    Swarm b = node(List.of(TLS));
    PeerId someoneElse = PeerId.fromPublicKey(Ed25519PrivateKey.generate(RANDOM).publicKey());
    Multiaddr wrong = b.listenAddrs().get(0).withoutPeerId().withPeerId(someoneElse);
    Throwable t = failure(a.dial(wrong, new DialOptions()));
    PeerIdMismatchException e = findCause(t, PeerIdMismatchException.class);
    assertEquals(someoneElse, e.expected());
    assertEquals(b.peerId(), e.actual());
    assertInstanceOf(TlsCertificateException.class, e.getCause());
  }

  // ---- hostile peers ----------------------------------------------------------------------

  @Test
  void aCertificateWithoutTheExtensionClosesOnlyThatConnection() throws Exception {
    Swarm server = node(TransportOptions.DEFAULT_SECURITY);
    TlsConfig hostile = HostileTlsConfigs.withoutExtension(Ed25519PrivateKey.generate(RANDOM),
        TransportOptions.DEFAULT_MUXERS, RANDOM, Instant.now());
    try (RawTls p = RawTls.connect(server, hostile)) {
      p.awaitClosedByServer();
    }
    assertLogged(TlsCertificateException.class, "missing_extension");
    assertStillServing(server);
  }

  @Test
  void aBadSignatureInTheExtensionClosesOnlyThatConnection() throws Exception {
    Swarm server = node(TransportOptions.DEFAULT_SECURITY);
    TlsConfig hostile = HostileTlsConfigs.withBadSignature(Ed25519PrivateKey.generate(RANDOM),
        TransportOptions.DEFAULT_MUXERS, RANDOM, Instant.now());
    try (RawTls p = RawTls.connect(server, hostile)) {
      p.awaitClosedByServer();
    }
    assertLogged(TlsCertificateException.class, "bad_host_signature");
    assertStillServing(server);
  }

  @Test
  void aServerWithABadCertificateFailsTheDialWithTheReason() {
    // the dialer's side of the same check: a node refuses a listener's bad certificate
    Swarm a = node(List.of(TLS));
    Ed25519PrivateKey claimed = Ed25519PrivateKey.generate(RANDOM);
    TlsConfig hostile = HostileTlsConfigs.withBadSignature(claimed,
        TransportOptions.DEFAULT_MUXERS, RANDOM, Instant.now());
    try (HostileListener l = HostileListener.start(hostile)) {
      Throwable t = failure(a.dial(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + l.port())
          .withPeerId(PeerId.fromPublicKey(claimed.publicKey())), new DialOptions()));
      TlsCertificateException e = findCause(t, TlsCertificateException.class);
      assertEquals(TlsCertificateException.Reason.BAD_HOST_SIGNATURE, e.reason());
    }
    assertTrue(a.getConnections().isEmpty());
  }

  @Test
  void aPeerSilentAfterItsClientHelloIsClosedAtTheHandshakeTimeout() throws Exception {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setSecurity(List.of(TLS))
            .setHandshakeTimeout(Duration.ofMillis(500)));
    Swarm server = Swarm.create(vertx, o);
    await(server.start());
    nodes.add(server);
    TlsConfig genuine = TlsConfig.builder(Ed25519PrivateKey.generate(RANDOM)).random(RANDOM)
        .build();
    UpgradeEngine engine = UpgradeEngine.initiator(null, genuine, List.of(TLS),
        TransportOptions.DEFAULT_MUXERS, null, Instant.now());
    try (Socket s = new Socket("127.0.0.1", server.listenAddrs().get(0).port().getAsInt())) {
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16 * 1024];
      // multistream, then the ClientHello; the server's flight is read and never answered
      for (int round = 0; round < 2; round++) {
        for (byte[] m; (m = engine.pollOutbound()) != null; ) {
          out.write(m);
        }
        int n = in.read(buf);
        assertTrue(n > 0, "the server answers round " + round);
        engine.receive(buf, 0, n);
      }
      long start = System.nanoTime();
      while (in.read(buf) >= 0) {
        // the rest of the server's flight, then the close
      }
      long waitedMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(waitedMs < 10_000, "closed after " + waitedMs + " ms");
    } catch (SocketException reset) {
      // a reset is a close too
    }
    assertTrue(server.getConnections().isEmpty());
    engine.destroy();
  }

  @Test
  void garbageAfterTheHandshakeClosesOnlyThatConnection() throws Exception {
    Swarm server = node(TransportOptions.DEFAULT_SECURITY);
    TlsConfig genuine = TlsConfig.builder(Ed25519PrivateKey.generate(RANDOM))
        .muxers(TransportOptions.DEFAULT_MUXERS).random(RANDOM).build();
    try (RawTls p = RawTls.connect(server, genuine)) {
      assertEquals(server.peerId(), p.engine.tlsRemotePeer());
      // no TLS record: content type 0x47 ('G') does not exist
      p.out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(
          java.nio.charset.StandardCharsets.US_ASCII));
      p.awaitClosedByServer();
    }
    assertLogged(TlsException.class, "");
    assertStillServing(server);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private void assertStillServing(Swarm server) {
    Swarm good = node(List.of(TLS));
    Connection c = await(good.dial(server.listenAddrs().get(0), new DialOptions())).get(0);
    assertEquals(TLS, c.security());
    assertTrue(await(good.ping(server.peerId())) > 0);
    assertEquals(1, server.getConnections().size(), "only the good peer is connected");
  }

  private void assertLogged(Class<? extends Throwable> type, String words)
      throws InterruptedException {
    logs.await(1, Duration.ofSeconds(10), type.getSimpleName() + " with \"" + words + "\"",
        r -> {
          String text = LogCapture.text(r);
          return text.contains(type.getSimpleName()) && text.contains(words);
        });
  }

  private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      for (Throwable s : c.getSuppressed()) {
        if (type.isInstance(s)) {
          return type.cast(s);
        }
      }
    }
    throw new AssertionError("expected a " + type.getSimpleName() + " in " + t, t);
  }

  /**
   * A blocking raw TLS dialer: multistream {@code /tls/1.0.0} and the TLS handshake, presenting
   * whatever certificate its config holds, driven by the sans-IO upgrade engine.
   */
  static final class RawTls implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final UpgradeEngine engine;

    private RawTls(Socket socket, UpgradeEngine engine) throws IOException {
      this.socket = socket;
      socket.setSoTimeout(15_000);
      this.in = socket.getInputStream();
      this.out = socket.getOutputStream();
      this.engine = engine;
    }

    /** Connects and runs the upgrade until this side is done (or the server closes). */
    static RawTls connect(Swarm server, TlsConfig config) throws IOException {
      UpgradeEngine engine = UpgradeEngine.initiator(null, config, List.of(TLS),
          TransportOptions.DEFAULT_MUXERS, null, Instant.now());
      RawTls p = new RawTls(new Socket("127.0.0.1",
          server.listenAddrs().get(0).port().getAsInt()), engine);
      byte[] buf = new byte[16 * 1024];
      p.flush();
      while (!engine.isDone()) {
        int n = p.in.read(buf);
        if (n < 0) {
          break; // closed by the server during the handshake: the caller awaits that
        }
        engine.receive(buf, 0, n);
        p.flush();
      }
      return p;
    }

    private void flush() throws IOException {
      for (byte[] o; (o = engine.pollOutbound()) != null; ) {
        out.write(o);
      }
    }

    void awaitClosedByServer() throws IOException {
      byte[] buf = new byte[4096];
      try {
        while (in.read(buf) >= 0) {
          // the server's last words (an alert), then the end
        }
      } catch (SocketTimeoutException e) {
        throw new AssertionError("the server kept the connection open", e);
      } catch (SocketException reset) {
        // a reset is a close too
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /**
   * A listener on a thread of its own that answers each dial with multistream {@code /tls/1.0.0}
   * and a TLS handshake presenting a hostile certificate (the swarm retries a failed dial).
   */
  static final class HostileListener implements AutoCloseable {
    private final java.net.ServerSocket server;
    private final Thread thread;

    private HostileListener(java.net.ServerSocket server, TlsConfig config) {
      this.server = server;
      this.thread = new Thread(() -> serve(config), "hostile-tls-listener");
      thread.setDaemon(true);
      thread.start();
    }

    static HostileListener start(TlsConfig config) {
      try {
        return new HostileListener(new java.net.ServerSocket(0, 1,
            java.net.InetAddress.getLoopbackAddress()), config);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    int port() {
      return server.getLocalPort();
    }

    private void serve(TlsConfig config) {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          answer(s, config);
        } catch (IOException e) {
          // closed: the test is over
        }
      }
    }

    private void answer(Socket s, TlsConfig config) {
      try {
        s.setSoTimeout(15_000);
        UpgradeEngine engine = UpgradeEngine.responder(null, config, List.of(TLS),
            TransportOptions.DEFAULT_MUXERS, Instant.now());
        byte[] buf = new byte[16 * 1024];
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        while (!engine.isDone() && !engine.isFailed()) {
          int n = in.read(buf);
          if (n < 0) {
            return;
          }
          try {
            engine.receive(buf, 0, n);
          } finally {
            for (byte[] o; (o = engine.pollOutbound()) != null; ) {
              out.write(o);
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // the dialer refused us: what this listener is for
      }
    }

    @Override
    public void close() {
      try {
        server.close();
      } catch (IOException ignored) {
        // closing a test listener
      }
    }
  }
}
