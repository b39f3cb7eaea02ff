package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An upgraded connection reads nothing until {@link MuxedConnection#activate()}: a stream the
 * remote opens reaches the host only after its owner admitted the connection, even when the
 * remote's bytes came in the same read as its last handshake message. Two upgraders on real,
 * separate event loops, below the swarm.
 */
class ActivationTest {
  private static final String PROTOCOL = "/activation/1.0.0";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Vertx vertx;
  private TcpTransport transport;
  private MuxedConnection client;
  private MuxedConnection server;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    transport = new TcpTransport(vertx, true);
  }

  @AfterEach
  void tearDown() {
    if (client != null) {
      await(client.close());
    }
    if (server != null) {
      await(server.close());
    }
    await(transport.close());
    await(vertx.close());
  }

  /** Serves {@link #PROTOCOL}; tells when a stream reaches it. */
  private static final class Host implements ConnectionHost {
    final Promise<P2pStream> inbound = Promise.promise();
    volatile Thread inboundThread;

    @Override
    public Predicate<String> supportedProtocols() {
      return PROTOCOL::equals;
    }

    @Override
    public List<String> protocolList() {
      return List.of(PROTOCOL);
    }

    @Override
    public void onInboundStream(P2pStream stream) {
      inboundThread = Thread.currentThread();
      inbound.complete(stream);
    }

    @Override
    public Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
      return Future.succeededFuture();
    }
  }

  /**
   * Counts the bytes a socket reads, at the head of its pipeline, and tells when {@link #target}
   * bytes have been read and passed on (Vert.x and the connection have seen them by then). On the
   * socket's loop only.
   */
  private static final class ReadCounter extends ChannelInboundHandlerAdapter {
    final Promise<Void> reached = Promise.promise();
    long count;
    long target = Long.MAX_VALUE;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        count += buf.readableBytes();
      }
      ctx.fireChannelRead(msg);
      check();
    }

    void check() {
      if (count >= target) {
        reached.tryComplete();
      }
    }
  }

  private static Multiaddr addr(SocketAddress a) {
    return Multiaddr.parse("/ip4/" + a.hostAddress() + "/tcp/" + a.port());
  }

  private static Upgrader upgrader(Ed25519PrivateKey key, String muxer) {
    return new Upgrader(key, new TransportOptions().setMuxers(List.of(muxer)), RANDOM);
  }

  /** A value read on {@code c}'s loop, after everything queued there before. */
  private static <T> T onLoop(MuxedConnection c, java.util.function.Supplier<T> read) {
    Promise<T> p = Promise.promise();
    c.run(() -> p.complete(read.get()));
    return await(p.future());
  }

  @ParameterizedTest(name = "{0}, stream opened with the handshake: {1}")
  @CsvSource({
      "/yamux/1.0.0, false", "/yamux/1.0.0, true",
      "/mplex/6.7.0, false", "/mplex/6.7.0, true"})
  void anInboundStreamWaitsForActivate(String muxer, boolean withHandshake) {
    Ed25519PrivateKey serverKey = Ed25519PrivateKey.generate(RANDOM);
    PeerId serverId = PeerId.fromPublicKey(serverKey.publicKey());
    Upgrader serverSide = upgrader(serverKey, muxer);
    Upgrader clientSide = upgrader(Ed25519PrivateKey.generate(RANDOM), muxer);
    Host serverHost = new Host();
    Host clientHost = new Host();
    ReadCounter counter = new ReadCounter();
    Promise<Context> serverLoop = Promise.promise();
    Promise<MuxedConnection> accepted = Promise.promise();
    Multiaddr listen = await(transport.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
        (NetSocket socket) -> {
          // on the accepting loop, before the socket's first read
          ((NetSocketInternal) socket).channelHandlerContext().pipeline()
              .addFirst("read-counter", counter);
          serverLoop.complete(Vertx.currentContext());
          serverSide.upgrade(Vertx.currentContext(), socket, Connection.Direction.INBOUND, null,
              addr(socket.localAddress()), addr(socket.remoteAddress()), serverHost, 30_000)
              .onComplete(accepted);
        }));

    Promise<P2pStream> opened = Promise.promise();
    client = await(transport.dial(listen, 30_000).compose(socket -> clientSide.upgrade(
            Vertx.currentContext(), socket, Connection.Direction.OUTBOUND, serverId,
            addr(socket.localAddress()), listen, clientHost, 30_000))
        .onSuccess(c -> {
          c.activate();
          if (withHandshake) {
            // in the loop turn that wrote the last handshake message: usually the same segment
            c.newStream(PROTOCOL).onComplete(opened);
          }
        }));
    server = await(accepted.future());
    if (!withHandshake) {
      client.newStream(PROTOCOL).onComplete(opened);
    }
    // Everything the client sent (handshake, stream open, protocol proposal) has been read by
    // the server's socket and passed on to Vert.x and the connection.
    long sent = onLoop(client, client::bytesOut);
    Context loop = await(serverLoop.future());
    Promise<Thread> armed = Promise.promise();
    loop.runOnContext(v -> {
      counter.target = sent;
      counter.check();
      armed.complete(Thread.currentThread());
    });
    Thread serverThread = await(armed.future());
    await(counter.reached.future());

    assertEquals(0, (int) onLoop(server, server::openStreams), "a stream opened on the server");
    assertFalse(serverHost.inbound.future().isComplete(), "the host got a stream before activate");
    assertFalse(opened.future().isComplete(), "negotiation finished before activate");

    server.activate();
    server.activate(); // idempotent
    P2pStream in = await(serverHost.inbound.future());
    assertEquals(PROTOCOL, in.protocol());
    assertSame(server, in.connection());
    assertSame(serverThread, serverHost.inboundThread, "dispatched off the connection's loop");
    P2pStream out = await(opened.future());
    assertEquals(PROTOCOL, out.protocol());
    assertEquals(1, (int) onLoop(server, server::openStreams));
    assertNotSame(server, out.connection());
  }
}
