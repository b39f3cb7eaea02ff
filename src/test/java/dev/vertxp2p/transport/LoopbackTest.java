package dev.vertxp2p.transport;

import dev.vertxp2p.StreamClosedException;
import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Identify;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.protocols.Perf;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Two Java nodes over loopback: the whole stack, each muxer. */
class LoopbackTest {
  private Vertx vertx;
  private Swarm a;
  private Swarm b;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    if (a != null) {
      await(a.close());
    }
    if (b != null) {
      await(b.close());
    }
    await(vertx.close());
  }

  private Swarm node(String muxer) {
    return node(vertx, muxer);
  }

  /** A started loopback node with only {@code muxer}, serving echo and perf. */
  static Swarm node(Vertx vertx, String muxer) {
    SwarmOptions o = new SwarmOptions()
        .setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setMuxers(List.of(muxer)));
    o.getServices().setEcho(true).setPerf(true);
    Swarm s = Swarm.create(vertx, o);
    await(s.start());
    return s;
  }

  static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  static Future<byte[]> echo(P2pStream stream, byte[] payload) {
    Promise<byte[]> done = Promise.promise();
    Buffer got = Buffer.buffer();
    stream.handler(got::appendBuffer);
    stream.exceptionHandler(done::tryFail);
    stream.endHandler(v -> done.tryComplete(got.getBytes()));
    int chunk = 50_000;
    for (int off = 0; off < payload.length; off += chunk) {
      stream.write(Buffer.buffer(payload).slice(off, Math.min(payload.length, off + chunk)));
    }
    stream.end();
    return done.future();
  }

  /**
   * The negotiation timeout is cancelled once a stream is negotiated, on both ends: a pending
   * timer would hold every finished stream, and what it references, for the whole timeout.
   */
  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void negotiatedStreamsHoldNoNegotiationTimer(String muxer) {
    a = node(muxer);
    b = node(muxer);
    Promise<Long> inboundTimer = Promise.promise();
    b.handle("/hold/1.0.0", st -> {
      // runs on the connection's loop, right after negotiation
      inboundTimer.complete(((StreamImpl) st).negotiationTimer());
      st.handler(x -> { });
    });
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    P2pStream out = await(c.newStream("/hold/1.0.0"));
    out.write(Buffer.buffer("x"));
    assertEquals(-1L, await(inboundTimer.future()));
    Promise<Long> outboundTimer = Promise.promise();
    // read on the connection's own loop, where the field lives
    ((MuxedConnection) c).run(() -> outboundTimer.complete(((StreamImpl) out).negotiationTimer()));
    assertEquals(-1L, await(outboundTimer.future()));
  }

  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void dialPingIdentifyEcho(String muxer) throws Exception {
    a = node(muxer);
    b = node(muxer);
    List<Connection> conns = await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    assertEquals(1, conns.size());
    Connection c = conns.get(0);
    assertEquals(b.peerId(), c.peerId());
    assertEquals(muxer, c.muxer());
    assertEquals("/noise", c.security());

    double rtt = await(a.ping(b.peerId()));
    assertTrue(rtt > 0, "rtt " + rtt);

    IdentifyMessage id = await(Identify.identify(c));
    assertEquals(Identify.PROTOCOL_VERSION, id.protocolVersion());
    assertEquals(b.peerId(), PeerId.fromPublicKey(dev.vertxp2p.crypto.Keys.unmarshalPublicKey(id.publicKey())));
    assertTrue(id.protocols().contains(Echo.PROTOCOL), id.protocols().toString());
    assertEquals(b.listenAddrs().get(0).withoutPeerId(), Multiaddr.fromBytes(id.listenAddrs().get(0)));
    assertEquals(c.localAddr(), Multiaddr.fromBytes(id.observedAddr()));

    byte[] payload = new byte[3 * 1024 * 1024 + 17];
    new SecureRandom().nextBytes(payload);
    P2pStream s = await(a.newStream(b.peerId(), Echo.PROTOCOL));
    byte[] back = await(echo(s, payload));
    assertArrayEquals(sha256(payload), sha256(back));

    Perf.Result perf = await(Perf.run(c, 1 << 20, 2 << 20));
    assertEquals(2 << 20, perf.downloadBytes());
  }

  /**
   * The remote writes and ends at once; this side sets its handlers only after the data and the
   * end have certainly arrived (a later round trip on the same connection came back). Nothing may
   * be lost: not the data, not the end, not a failure.
   */
  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void handlersSetLateLoseNothing(String muxer) throws Exception {
    a = node(muxer);
    b = node(muxer);
    b.handle("/greet/1.0.0", st -> {
      st.write(Buffer.buffer("hello, "));
      st.write(Buffer.buffer("late reader"));
      st.end();
    });
    b.handle("/refuse/1.0.0", P2pStream::reset);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    P2pStream greet = await(c.newStream("/greet/1.0.0"));
    P2pStream refused = await(c.newStream("/refuse/1.0.0"));
    await(dev.vertxp2p.protocols.Ping.ping(c)); // everything b sent before this has been read

    Promise<String> text = Promise.promise();
    Buffer got = Buffer.buffer();
    greet.handler(got::appendBuffer);
    greet.endHandler(v -> {
      greet.end();
      text.complete(got.toString());
    });
    assertEquals("hello, late reader", await(text.future()));

    Promise<Throwable> failed = Promise.promise();
    refused.exceptionHandler(failed::complete);
    assertInstanceOf(StreamClosedException.class, await(failed.future()));
  }

  /**
   * A writer may reuse its buffer as soon as write() returns: what was written is what arrives,
   * though the write goes from the caller's array straight into the muxer, and though part of the
   * second write has to wait for the window (and so must be copied aside).
   */
  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void aWriterMayReuseItsBufferAtOnce(String muxer) throws Exception {
    a = node(muxer);
    b = node(muxer);
    int size = 200 * 1024;
    byte[] first = new byte[size];
    byte[] second = new byte[size];
    new SecureRandom().nextBytes(first);
    new SecureRandom().nextBytes(second);
    b.handle("/reuse/1.0.0", st -> {
      // on b's event loop, as a service writes: the fast path that reads the caller's array
      Buffer buf = Buffer.buffer(first.clone());
      st.write(buf);
      buf.setBytes(0, second);
      st.write(buf);
      buf.setBytes(0, new byte[size]); // a third content nobody sent
      st.end();
    });
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    P2pStream s = await(c.newStream("/reuse/1.0.0"));
    Promise<byte[]> got = Promise.promise();
    Buffer all = Buffer.buffer();
    s.handler(all::appendBuffer);
    s.endHandler(v -> {
      s.end();
      got.complete(all.getBytes());
    });
    byte[] expected = new byte[2 * size];
    System.arraycopy(first, 0, expected, 0, size);
    System.arraycopy(second, 0, expected, size, size);
    assertArrayEquals(sha256(expected), sha256(await(got.future())));
  }

  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void hundredConcurrentStreams(String muxer) throws Exception {
    a = node(muxer);
    b = node(muxer);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    List<Future<byte[]>> all = new ArrayList<>();
    List<byte[]> sent = new ArrayList<>();
    SecureRandom r = new SecureRandom();
    for (int i = 0; i < 100; i++) {
      byte[] p = new byte[10_000 + i];
      r.nextBytes(p);
      sent.add(p);
      all.add(c.newStream(Echo.PROTOCOL).compose(st -> {
        assertEquals(c, st.connection());
        return echo(st, p);
      }));
    }
    for (int i = 0; i < 100; i++) {
      assertArrayEquals(sent.get(i), await(all.get(i)));
    }
    // identify streams (one each way) share the connection with the 100 echo streams
    assertTrue(c.streamsTotal() >= 100, "streams opened on the connection: " + c.streamsTotal());
  }

  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void unsupportedProtocolIsNamed(String muxer) {
    a = node(muxer);
    b = node(muxer);
    await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    Throwable t = failure(a.newStream(b.peerId(), "/nope/1.0.0", "/nada/2.0.0"));
    ProtocolNotSupportedException e = assertInstanceOf(ProtocolNotSupportedException.class, t);
    assertEquals(List.of("/nope/1.0.0", "/nada/2.0.0"), e.protocols());
  }

  @org.junit.jupiter.api.Test
  void wrongPeerIdIsRejected() {
    a = node(TransportOptions.YAMUX_PROTOCOL);
    b = node(TransportOptions.YAMUX_PROTOCOL);
    PeerId other = PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    Multiaddr wrong = b.listenAddrs().get(0).withoutPeerId().withPeerId(other);
    Throwable t = failure(a.dial(wrong, new DialOptions()));
    assertNotNull(t);
    assertTrue(String.valueOf(t.getMessage()).contains("peer id mismatch"), t.toString());
    assertTrue(a.getConnections().isEmpty());
  }

  /**
   * A perf server that resets the stream part way through the download: the client's run fails
   * with the reset, rather than waiting forever for an end that never comes.
   */
  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void perfRunFailsWhenTheServerResetsMidDownload(String muxer) {
    a = node(muxer);
    b = node(muxer);
    b.handle(Perf.PROTOCOL, st -> {
      st.handler(x -> { });
      st.endHandler(v -> {
        st.write(Buffer.buffer(new byte[1000]));
        st.reset();
      });
    });
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    Throwable e = failure(Perf.run(c, 10_000, 1 << 20));
    assertNotNull(e);
    assertTrue(String.valueOf(e.getMessage()).contains("reset"), String.valueOf(e));
  }

  @org.junit.jupiter.api.Test
  void threeConnectionsBothSides() {
    a = node(TransportOptions.YAMUX_PROTOCOL);
    b = node(TransportOptions.YAMUX_PROTOCOL);
    List<Connection> conns = await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    assertEquals(3, conns.size());
    assertEquals(3, a.getConnections(b.peerId()).size());
  }

  @org.junit.jupiter.api.Test
  void mplexSlowReaderIsSlowedNotReset() throws Exception {
    a = node(TransportOptions.MPLEX_PROTOCOL);
    b = node(TransportOptions.MPLEX_PROTOCOL);
    Promise<P2pStream> accepted = Promise.promise();
    b.handle("/sink/1.0.0", st -> {
      st.pause();
      accepted.complete(st);
    });
    await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    P2pStream out = await(a.newStream(b.peerId(), "/sink/1.0.0"));
    byte[] payload = new byte[8 * 1024 * 1024];
    new SecureRandom().nextBytes(payload);
    Buffer all = Buffer.buffer(payload);
    for (int off = 0; off < payload.length; off += 64 * 1024) {
      out.write(all.slice(off, off + 64 * 1024));
    }
    out.end();
    P2pStream in = await(accepted.future());
    MuxedConnection bSide = (MuxedConnection) in.connection();
    // Wait until b stops reading, or (without the bound) more than mplex's reset limit arrived.
    Promise<Void> stalled = Promise.promise();
    long timer = vertx.setPeriodic(5, t -> {
      if (bSide.isReadPaused() || bSide.bytesIn() > 6L * 1024 * 1024) {
        stalled.tryComplete();
      }
    });
    await(stalled.future());
    vertx.cancelTimer(timer);
    Promise<byte[]> got = Promise.promise();
    Buffer sink = Buffer.buffer();
    in.handler(sink::appendBuffer);
    in.exceptionHandler(got::tryFail);
    in.endHandler(v -> got.tryComplete(sink.getBytes()));
    in.resume();
    assertArrayEquals(sha256(payload), sha256(await(got.future())));
  }
}
