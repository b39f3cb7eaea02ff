package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two QUIC transports over loopback, on a Vert.x with four event loops: handshake and identity,
 * streams with negotiation, echo, back-pressure, half-close, reset, close.
 */
class QuicTransportTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final QuicTransport.Settings SETTINGS = new QuicTransport.Settings(
      Duration.ofSeconds(5), Duration.ofSeconds(30), 64, Duration.ofSeconds(5));

  private Vertx vertx;
  private final List<QuicTransport> transports = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  @AfterEach
  void tearDown() {
    for (QuicTransport t : transports) {
      await(t.close());
    }
    await(vertx.close());
  }

  /** A host serving {@code protocols}, handing inbound streams to {@code onStream}. */
  static final class Host implements ConnectionHost {
    final Set<String> protocols;
    final Consumer<P2pStream> onStream;
    final Promise<Throwable> closed = Promise.promise();
    BufferBudget budget = BufferBudget.unshared();

    Host(Set<String> protocols, Consumer<P2pStream> onStream) {
      this.protocols = protocols;
      this.onStream = onStream;
    }

    @Override
    public Predicate<String> supportedProtocols() {
      return protocols::contains;
    }

    @Override
    public List<String> protocolList() {
      return List.copyOf(protocols);
    }

    @Override
    public void onInboundStream(P2pStream stream) {
      onStream.accept(stream);
    }

    @Override
    public BufferBudget bufferBudget() {
      return budget;
    }

    @Override
    public Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
      closed.tryComplete(cause);
      return Future.succeededFuture();
    }
  }

  static void echo(P2pStream s) {
    s.pipeTo(s);
  }

  private record Node(QuicTransport transport, PeerId peer, Multiaddr addr,
      Promise<QuicConnection> inbound) {}

  private Node listener(Host host) {
    return listener(host, SETTINGS);
  }

  private Node listener(Host host, QuicTransport.Settings settings) {
    PrivateKey key = Ed25519PrivateKey.generate(RANDOM);
    QuicTransport t = new QuicTransport(vertx, key, RANDOM, settings);
    transports.add(t);
    Promise<QuicConnection> inbound = Promise.promise();
    Multiaddr bound = await(t.listen(Multiaddr.parse("/ip4/127.0.0.1/udp/0/quic-v1"), host,
        in -> in.established().onSuccess(c -> {
          c.activate();
          inbound.tryComplete(c);
        })));
    PeerId peer = PeerId.fromPublicKey(key.publicKey());
    return new Node(t, peer, bound.encapsulate(Multiaddr.parse("/p2p/" + peer)), inbound);
  }

  private QuicTransport dialer() {
    return dialer(SETTINGS);
  }

  private QuicTransport dialer(QuicTransport.Settings settings) {
    QuicTransport t = new QuicTransport(vertx, Ed25519PrivateKey.generate(RANDOM), RANDOM,
        settings);
    transports.add(t);
    return t;
  }

  private QuicConnection dial(QuicTransport t, Multiaddr addr, Host host) {
    QuicConnection c = await(t.dial(addr, host));
    c.activate();
    return c;
  }

  static Future<byte[]> readAll(P2pStream s) {
    Promise<byte[]> done = Promise.promise();
    Buffer got = Buffer.buffer();
    s.handler(got::appendBuffer);
    s.exceptionHandler(done::tryFail);
    s.endHandler(v -> done.tryComplete(got.getBytes()));
    return done.future();
  }

  @Test
  void listensOnTheBoundPortAndProvesBothPeers() {
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo));
    assertNotEquals(0, b.addr().hostPort().orElseThrow().port());
    assertTrue(b.addr().toString().contains("/udp/"), b.addr().toString());
    QuicTransport a = dialer();
    QuicConnection c = dial(a, b.addr(), new Host(Set.of(), s -> { }));
    assertEquals(b.peer(), c.peerId());
    assertEquals("/tls/1.0.0", c.security());
    assertEquals("quic", c.muxer());
    assertEquals("quic-v1", c.transport());
    assertEquals("quic-v1", c.toJson().getString("transport"));
    assertEquals(Connection.Direction.OUTBOUND, c.direction());
    QuicConnection in = await(b.inbound().future());
    assertEquals(Connection.Direction.INBOUND, in.direction());
    assertEquals(c.localAddr().hostPort().orElseThrow().port(),
        in.remoteAddr().hostPort().orElseThrow().port());
  }

  @Test
  void echoesOneMebibyte() {
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    byte[] payload = new byte[1024 * 1024];
    RANDOM.nextBytes(payload);
    P2pStream s = await(c.newStream("/echo/1.0.0"));
    assertEquals("/echo/1.0.0", s.protocol());
    Future<byte[]> back = readAll(s);
    for (int off = 0; off < payload.length; off += 60_000) {
      s.write(Buffer.buffer(payload).slice(off, Math.min(payload.length, off + 60_000)));
    }
    s.end();
    assertArrayEquals(payload, await(back));
  }

  @Test
  void anUnsupportedProtocolFailsTheOpen() {
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    assertInstanceOf(ProtocolNotSupportedException.class,
        failure(c.newStream("/nope/1.0.0")));
    // the connection serves on
    assertEquals("/echo/1.0.0", await(c.newStream("/nope/1.0.0", "/echo/1.0.0")).protocol());
  }

  @Test
  void anExpectedPeerMismatchFailsTheDial() {
    Node b = listener(new Host(Set.of(), s -> { }));
    PeerId someoneElse = PeerId.fromPublicKey(Ed25519PrivateKey.generate(RANDOM).publicKey());
    Multiaddr wrong = b.addr().withoutPeerId()
        .encapsulate(Multiaddr.parse("/p2p/" + someoneElse));
    Throwable t = failure(dialer().dial(wrong, new Host(Set.of(), s -> { })));
    PeerIdMismatchException e = assertInstanceOf(PeerIdMismatchException.class, t);
    assertEquals(someoneElse, e.expected());
    assertTrue(e.getMessage().contains(someoneElse.toString()), e.getMessage());
  }

  @Test
  void halfCloseLetsTheOtherSideWriteOn() {
    Promise<String> heard = Promise.promise();
    Node b = listener(new Host(Set.of("/half/1.0.0"), s -> {
      Buffer got = Buffer.buffer();
      s.handler(got::appendBuffer);
      s.endHandler(v -> {
        heard.complete(got.toString());
        // our side is still open after the remote's FIN
        s.write(Buffer.buffer("reply after your end"));
        s.end();
      });
    }));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    P2pStream s = await(c.newStream("/half/1.0.0"));
    Future<byte[]> reply = readAll(s);
    s.write(Buffer.buffer("question"));
    await(s.end());
    assertEquals("question", await(heard.future()));
    assertEquals("reply after your end", new String(await(reply)));
  }

  @Test
  void aResetReachesTheOtherSideBothWays() {
    Promise<P2pStream> inbound = Promise.promise();
    Node b = listener(new Host(Set.of("/r/1.0.0"), s -> {
      s.handler(x -> { });
      inbound.complete(s);
    }));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));

    // we reset: the remote's stream fails
    P2pStream s = await(c.newStream("/r/1.0.0"));
    s.write(Buffer.buffer("x"));
    P2pStream remote = await(inbound.future());
    Promise<Throwable> remoteFailed = Promise.promise();
    remote.exceptionHandler(remoteFailed::tryComplete);
    s.reset();
    assertInstanceOf(StreamClosedException.class, await(remoteFailed.future()));

    // the remote resets: ours fails
    Promise<P2pStream> second = Promise.promise();
    Node b2 = listener(new Host(Set.of("/r/1.0.0"), second::complete));
    QuicConnection c2 = dial(dialer(), b2.addr(), new Host(Set.of(), x -> { }));
    P2pStream s2 = await(c2.newStream("/r/1.0.0"));
    s2.write(Buffer.buffer("y"));
    Promise<Throwable> localFailed = Promise.promise();
    s2.exceptionHandler(localFailed::tryComplete);
    s2.handler(x -> { });
    await(second.future()).reset();
    Throwable t = await(localFailed.future());
    assertInstanceOf(StreamClosedException.class, t);
    assertTrue(t.getMessage().contains("reset"), t.getMessage());
  }

  @Test
  void aPausedReaderBoundsWhatTheWriterQueues() {
    Promise<P2pStream> inbound = Promise.promise();
    Node b = listener(new Host(Set.of("/slow/1.0.0"), s -> {
      s.pause();
      s.handler(x -> { });
      inbound.complete(s);
    }));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    P2pStream s = await(c.newStream("/slow/1.0.0"));
    s.setWriteQueueMaxSize(64 * 1024);
    // write until the queue says full: it must, the reader takes nothing
    Promise<Long> full = Promise.promise();
    long[] written = {0};
    vertx.runOnContext(v -> writeUntilFull(s, written, full, 32 * 1024 * 1024));
    long total = await(full.future());
    // what went out is bounded by QUIC's windows plus our read-ahead and queue
    assertTrue(total < QuicTransport.STREAM_WINDOW + QuicStream.READ_AHEAD + 2 * 64 * 1024
        + 64 * 1024, "wrote " + total + " before the queue was full");
    // resuming the reader drains the writer
    Promise<Void> drained = Promise.promise();
    s.drainHandler(v -> drained.tryComplete());
    await(inbound.future()).resume();
    await(drained.future());
  }

  private static void writeUntilFull(P2pStream s, long[] written, Promise<Long> full, long cap) {
    // writes on a later turn each time, so QUIC moves between them
    if (s.writeQueueFull()) {
      full.tryComplete(written[0]);
      return;
    }
    if (written[0] > cap) {
      full.tryFail(new AssertionError("the queue never filled after " + written[0] + " bytes"));
      return;
    }
    s.write(Buffer.buffer(new byte[16 * 1024]));
    written[0] += 16 * 1024;
    io.vertx.core.Vertx.currentContext().owner().setTimer(1,
        t -> writeUntilFull(s, written, full, cap));
  }

  @Test
  void manyConcurrentStreams() {
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    List<Future<byte[]>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] msg = ("stream " + i).getBytes();
      all.add(c.newStream("/echo/1.0.0").compose(s -> {
        Future<byte[]> back = readAll(s);
        s.write(Buffer.buffer(msg));
        s.end();
        return back;
      }));
    }
    await(Future.all(all));
    for (int i = 0; i < 200; i++) {
      assertEquals("stream " + i, new String(all.get(i).result()));
    }
    assertEquals(200, c.streamsTotal());
  }

  @Test
  void aRemoteCloseIsNoticed() {
    Host bHost = new Host(Set.of(), s -> { });
    Node b = listener(bHost);
    Host aHost = new Host(Set.of(), s -> { });
    QuicConnection c = dial(dialer(), b.addr(), aHost);
    QuicConnection in = await(b.inbound().future());
    await(in.close());
    await(c.closeFuture());
    assertTrue(c.isClosed());
    assertEquals(dev.vertxp2p.CloseReason.REMOTE, c.closeReason());
    await(aHost.closed.future());
    assertInstanceOf(StreamClosedException.class, failure(c.newStream("/x/1.0.0")));
  }

  @Test
  void garbageDatagramsLeaveTheListenerServing() throws Exception {
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo));
    int port = b.addr().hostPort().orElseThrow().port();
    try (DatagramSocket raw = new DatagramSocket()) {
      byte[][] junk = {new byte[0], new byte[1], new byte[1200], new byte[40], new byte[1500]};
      RANDOM.nextBytes(junk[2]);
      RANDOM.nextBytes(junk[3]);
      junk[3][0] = (byte) 0xc0; // a long header with nonsense after it
      RANDOM.nextBytes(junk[4]);
      junk[4][0] = (byte) 0xc3;
      for (int round = 0; round < 20; round++) {
        for (byte[] j : junk) {
          raw.send(new DatagramPacket(j, j.length, InetAddress.getLoopbackAddress(), port));
        }
      }
    }
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    P2pStream s = await(c.newStream("/echo/1.0.0"));
    Future<byte[]> back = readAll(s);
    s.write(Buffer.buffer("still here"));
    s.end();
    assertEquals("still here", new String(await(back)));
  }

  @Test
  void finishedStreamsLeaveNoOpenStreamOnEitherSide() {
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    for (int i = 0; i < 5; i++) {
      P2pStream s = await(c.newStream("/echo/1.0.0"));
      Future<byte[]> back = readAll(s);
      s.write(Buffer.buffer("x" + i));
      s.end();
      assertEquals("x" + i, new String(await(back)));
    }
    QuicConnection in = await(b.inbound().future());
    await(dev.vertxp2p.testing.Poll.until(vertx, 5,
        () -> c.openStreams() == 0 && in.openStreams() == 0));
    assertEquals(5, c.streamsTotal());
    assertEquals(5, in.streamsTotal());
  }

  @Test
  void theInboundStreamLimitHoldsAnOpenUntilAStreamEnds() {
    QuicTransport.Settings two = new QuicTransport.Settings(Duration.ofSeconds(5),
        Duration.ofSeconds(30), 2, Duration.ofSeconds(5));
    List<P2pStream> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    Node b = listener(new Host(Set.of("/hold/1.0.0", "/echo/1.0.0"), s -> {
      if (s.protocol().equals("/echo/1.0.0")) {
        echo(s);
      } else {
        s.handler(x -> { });
        held.add(s);
      }
    }), two);
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    P2pStream first = await(c.newStream("/hold/1.0.0"));
    await(c.newStream("/hold/1.0.0"));
    Future<P2pStream> third = c.newStream("/echo/1.0.0");
    // a round trip on the first stream's connection: the third is still held by the limit
    first.write(Buffer.buffer("ping"));
    await(dev.vertxp2p.testing.Poll.until(vertx, 5, () -> held.size() == 2));
    assertTrue(!third.isComplete(), "a third stream opened over a limit of two");
    // one held stream ends both ways: the remote grants another stream
    first.reset();
    P2pStream s3 = await(third);
    Future<byte[]> back = readAll(s3);
    s3.write(Buffer.buffer("third"));
    s3.end();
    assertEquals("third", new String(await(back)));
  }

  @Test
  void aStreamThatNeverNegotiatesIsResetAtTheTimeout() {
    QuicTransport.Settings quick = new QuicTransport.Settings(Duration.ofSeconds(5),
        Duration.ofSeconds(30), 8, Duration.ofMillis(300));
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo), quick);
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    Promise<Throwable> reset = Promise.promise();
    // a raw QUIC stream that sends the first byte of a multistream header, then nothing
    io.netty.handler.codec.quic.QuicChannel qc = c.quicChannel();
    qc.eventLoop().execute(() -> qc.createStream(
        io.netty.handler.codec.quic.QuicStreamType.BIDIRECTIONAL,
        new io.netty.channel.ChannelInboundHandlerAdapter() {
          @Override
          public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx,
              Throwable cause) {
            reset.tryComplete(cause);
          }

          @Override
          public void channelInactive(io.netty.channel.ChannelHandlerContext ctx) {
            reset.tryComplete(null);
          }
        }).addListener(f -> ((io.netty.channel.Channel) f.getNow())
            .writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(new byte[] {0x13}))));
    Throwable t = await(reset.future());
    if (t != null) {
      assertInstanceOf(io.netty.handler.codec.quic.QuicStreamResetException.class, t);
    }
    // the connection serves on
    assertEquals("/echo/1.0.0", await(c.newStream("/echo/1.0.0")).protocol());
  }

  @Test
  void anIdleConnectionClosesAtTheIdleTimeoutUnlessKeptAlive() {
    QuicTransport.Settings idle = new QuicTransport.Settings(Duration.ofSeconds(5),
        Duration.ofMillis(800), 8, Duration.ofSeconds(5));
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo), idle);
    QuicTransport a = dialer(idle);
    QuicConnection silent = dial(a, b.addr(), new Host(Set.of(), s -> { }));
    QuicConnection kept = dial(a, b.addr(), new Host(Set.of(), s -> { }));
    kept.startKeepAlive(Duration.ofMillis(200), () -> kept.newStream("/echo/1.0.0")
        .compose(s -> {
          Future<byte[]> back = readAll(s);
          s.write(Buffer.buffer("k"));
          s.end();
          return back;
        }).map(x -> 1L));
    await(silent.closeFuture());
    assertTrue(silent.isClosed());
    assertEquals(dev.vertxp2p.CloseReason.KEEPALIVE_TIMEOUT, silent.closeReason());
    // the silent one took the idle timeout to go; the kept one has lived as long and longer
    Promise<Void> later = Promise.promise();
    vertx.setTimer(1200, t -> later.complete());
    await(later.future());
    assertTrue(kept.isOpen(), "the kept-alive connection closed");
  }

  @Test
  void aPausedStreamHandsOutWhatIsFetchedAndNoMore() {
    Node b = listener(new Host(Set.of("/three/1.0.0"), s -> {
      // three writes, each its own chunk once it has gone to QUIC
      s.write(Buffer.buffer("one")).compose(v -> s.write(Buffer.buffer("two")))
          .compose(v -> s.write(Buffer.buffer("three"))).compose(v -> s.end());
    }));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    P2pStream s = await(c.newStream("/three/1.0.0"));
    s.pause();
    List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    Promise<Void> ended = Promise.promise();
    s.handler(buf -> got.add(buf.toString()));
    s.endHandler(v -> ended.complete());
    // everything arrives and waits (a round trip on another stream proves it has arrived)
    await(dev.vertxp2p.testing.Poll.until(vertx, 5, () -> buffered(c) >= 11));
    assertTrue(got.isEmpty(), "a paused stream handed out " + got);
    s.fetch(1);
    await(dev.vertxp2p.testing.Poll.until(vertx, 5, () -> !got.isEmpty()));
    assertEquals(1, demandShown(c, got));
    s.resume();
    await(ended.future());
    assertEquals("onetwothree", String.join("", got));
  }

  private static long buffered(QuicConnection c) {
    return await(c.flowJson()).getLong("buffered");
  }

  /** The chunks handed out so far, read after a turn of the connection's loop. */
  private static int demandShown(QuicConnection c, List<String> got) {
    await(c.flowJson());
    return got.size();
  }

  @Test
  void worksOverIpv6() {
    QuicTransport t = new QuicTransport(vertx, Ed25519PrivateKey.generate(RANDOM), RANDOM,
        SETTINGS);
    transports.add(t);
    Multiaddr bound;
    try {
      bound = await(t.listen(Multiaddr.parse("/ip6/::1/udp/0/quic-v1"),
          new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo), in -> in.established()
              .onSuccess(QuicConnection::activate)));
    } catch (RuntimeException | AssertionError e) {
      org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e);
      return;
    }
    assertTrue(bound.toString().startsWith("/ip6/::1/udp/"), bound.toString());
    QuicConnection c = dial(dialer(), bound, new Host(Set.of(), s -> { }));
    assertTrue(c.remoteAddr().toString().startsWith("/ip6/::1/udp/"), c.remoteAddr().toString());
    P2pStream s = await(c.newStream("/echo/1.0.0"));
    Future<byte[]> back = readAll(s);
    s.write(Buffer.buffer("v6"));
    s.end();
    assertEquals("v6", new String(await(back)));
  }

  @Test
  void aDrainLetsAnOpenStreamFinishThenCloses() {
    Promise<P2pStream> inbound = Promise.promise();
    Node b = listener(new Host(Set.of("/slow/1.0.0"), inbound::complete));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    P2pStream s = await(c.newStream("/slow/1.0.0"));
    Future<byte[]> reply = readAll(s);
    s.write(Buffer.buffer("question"));
    P2pStream remote = await(inbound.future());
    Future<Void> closed = c.drain(Duration.ofSeconds(10), "application");
    assertTrue(!c.isOpen(), "a draining connection takes no new stream");
    assertInstanceOf(StreamClosedException.class, failure(c.newStream("/slow/1.0.0")));
    // the open stream still works both ways
    remote.handler(x -> { });
    remote.endHandler(v -> remote.end());
    remote.write(Buffer.buffer("answer"));
    s.end();
    assertEquals("answer", new String(await(reply)));
    await(closed);
    assertTrue(c.isClosed());
  }

  /** The remote's FIN comes alone, long after its last data and after our own FIN. */
  @Test
  void aFinThatComesAloneEndsTheStream() {
    Node b = listener(new Host(Set.of("/late/1.0.0"), st -> {
      st.handler(x -> st.write(Buffer.buffer("answer")));
      st.endHandler(v -> vertx.setTimer(50, t -> st.end()));
    }));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    for (int i = 0; i < 5; i++) {
      P2pStream s = await(c.newStream("/late/1.0.0"));
      Future<byte[]> reply = readAll(s);
      s.write(Buffer.buffer("question")).compose(v -> s.end());
      assertEquals("answer", new String(await(reply, Duration.ofSeconds(5))));
    }
  }

  /**
   * The remote ends its side from inside its end handler, that is inside Netty's read of our FIN:
   * its FIN must still leave (it was dropped when queued there at once, as Netty then closed the
   * finished stream in the same read; this failed about one run in two before the fix).
   */
  @Test
  void aFinSentFromTheEndHandlerStillArrives() {
    java.util.concurrent.LinkedBlockingQueue<P2pStream> inbound =
        new java.util.concurrent.LinkedBlockingQueue<>();
    Node b = listener(new Host(Set.of("/late/1.0.0"), inbound::add));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    for (int i = 0; i < 5; i++) {
      P2pStream s = await(c.newStream("/late/1.0.0"));
      Future<byte[]> reply = readAll(s);
      s.write(Buffer.buffer("question"));
      P2pStream remote;
      try {
        remote = inbound.poll(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      remote.handler(x -> { });
      remote.endHandler(v -> remote.end());
      remote.write(Buffer.buffer("answer"));
      s.end();
      assertEquals("answer", new String(await(reply, Duration.ofSeconds(5))), "round " + i);
    }
  }

  @Test
  void theBufferBudgetStopsReadingAcrossStreams() {
    List<P2pStream> paused = new java.util.concurrent.CopyOnWriteArrayList<>();
    Host host = new Host(Set.of("/sink/1.0.0"), st -> {
      st.pause();
      st.handler(x -> { });
      paused.add(st);
    });
    host.budget = new BufferBudget(32 * 1024, 1024 * 1024);
    Node b = listener(host);
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    int streams = 8;
    int each = 256 * 1024;
    List<Future<Void>> sent = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      P2pStream s = await(c.newStream("/sink/1.0.0"));
      sent.add(s.write(Buffer.buffer(new byte[each])).compose(v -> s.end()));
    }
    QuicConnection in = await(b.inbound().future());
    await(dev.vertxp2p.testing.Poll.until(vertx, 5, () -> paused.size() == streams
        && await(in.flowJson()).getBoolean("bufferSpent")));
    // a round trip later the count has not run past the budget by more than one read each
    long buffered = await(in.flowJson()).getLong("buffered");
    assertTrue(buffered < streams * QuicStream.READ_AHEAD / 2,
        "buffered " + buffered + " with a budget of 32 KiB");
    assertEquals(buffered, host.budget.used());
    // the readers take everything: all of it arrives, and the budget is given back
    List<Future<Void>> drained = new ArrayList<>();
    for (P2pStream st : paused) {
      Promise<Void> ended = Promise.promise();
      st.endHandler(v -> ended.complete());
      st.resume();
      drained.add(ended.future());
    }
    await(Future.all(drained));
    await(Future.all(sent));
    assertEquals(0, host.budget.used());
  }

  @Test
  void aProbeSaysWhetherTheRemoteAnswers() {
    Node b = listener(new Host(Set.of("/echo/1.0.0"), QuicTransportTest::echo));
    QuicConnection c = dial(dialer(), b.addr(), new Host(Set.of(), s -> { }));
    // no ping to ask with yet: alive
    assertTrue(await(c.probeAlive(Duration.ofMillis(200))));
    Promise<Void> silence = Promise.promise();
    c.startKeepAlive(Duration.ofHours(1), () -> c.newStream("/echo/1.0.0").compose(s -> {
      Future<byte[]> back = readAll(s);
      s.write(Buffer.buffer("p"));
      s.end();
      return back;
    }).map(x -> 1L));
    assertTrue(await(c.probeAlive(Duration.ofSeconds(5))));
    // a ping nobody answers, on a connection where nothing arrives: dead
    c.startKeepAlive(Duration.ofHours(1), () -> silence.future().map(1L));
    assertTrue(!await(c.probeAlive(Duration.ofMillis(300))));
  }
}
