package dev.vertxp2p.transport;

import dev.vertxp2p.Connection.Direction;
import dev.vertxp2p.HandshakeTimeoutException;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import dev.vertxp2p.MultiaddrProtocol;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.UpgradeException;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.proto.tls.Libp2pTlsCertificate;
import dev.vertxp2p.proto.tls.Libp2pTlsManagers;
import dev.vertxp2p.proto.tls.TlsCertificateException;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * {@code /quic-v1}: libp2p over QUIC (RFC 9000) through Netty's native QUIC codec, for multiaddrs
 * {@code /ip4|ip6/<host>/udp/<port>/quic-v1[/p2p/<id>]}. The handshake is libp2p TLS (libp2p QUIC
 * spec: TLS 1.3 as QUIC's, ALPN {@value TlsConfig#ALPN_LIBP2P}, both sides present a libp2p
 * certificate, a dialer accepts only the peer it dialed), and QUIC's bidirectional streams are
 * the libp2p streams, so no security or muxer negotiation runs over it.
 *
 * <p>The UDP sockets are Netty channels on Vert.x's own event loops: a listener's on one loop,
 * where all its connections live; each dial's on the next loop in turn. A connection is owned by
 * a Vert.x context of its socket's loop ({@link QuicConnection}).
 *
 * <p>Bounds: {@link Settings#handshakeTimeout()} for the handshake (either side), {@link
 * Settings#maxIdleTimeout()} (QUIC's idle timeout, after which a silent connection is dropped),
 * {@link Settings#maxStreamsInbound()} as QUIC's limit on the remote's concurrent bidirectional
 * streams, no unidirectional streams, and flow-control windows of {@link #STREAM_WINDOW} per
 * stream and {@link #CONNECTION_WINDOW} per connection.
 */
public final class QuicTransport {
  private static final Log LOG = Log.get(QuicTransport.class);
  private static final AtomicLong IDS = new AtomicLong();

  /** Initial flow-control window of each stream, either way (Yamux's default is 256 KiB). */
  public static final long STREAM_WINDOW = 512 * 1024;
  /** Initial flow-control window of a whole connection, either way. */
  public static final long CONNECTION_WINDOW = 8L * 1024 * 1024;
  /** QUIC's idle timeout when none is given: a connection silent that long is dropped. */
  public static final Duration DEFAULT_MAX_IDLE_TIMEOUT = Duration.ofSeconds(30);

  private static final AttributeKey<QuicConnection> CONNECTION =
      AttributeKey.valueOf(QuicTransport.class, "connection");
  private static final AttributeKey<List<QuicStreamChannel>> EARLY_STREAMS =
      AttributeKey.valueOf(QuicTransport.class, "earlyStreams");

  /**
   * What the transport is bounded by.
   *
   * @param handshakeTimeout how long a QUIC handshake may take, either side
   * @param maxIdleTimeout QUIC's idle timeout
   * @param maxStreamsInbound most concurrent bidirectional streams the remote may open
   * @param negotiationTimeout how long a stream's multistream-select may take
   */
  public record Settings(Duration handshakeTimeout, Duration maxIdleTimeout,
      int maxStreamsInbound, Duration negotiationTimeout) {
    public Settings {
      if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()
          || maxIdleTimeout.isNegative() || maxIdleTimeout.isZero()
          || negotiationTimeout.isNegative() || negotiationTimeout.isZero()) {
        throw new IllegalArgumentException("QUIC timeouts must be positive: " + handshakeTimeout
            + ", " + maxIdleTimeout + ", " + negotiationTimeout);
      }
      if (maxStreamsInbound < 1) {
        throw new IllegalArgumentException("maxStreamsInbound must be >= 1, got "
            + maxStreamsInbound);
      }
    }
  }

  private final VertxInternal vertx;
  private final Settings settings;
  private final KeyManager keyManager;
  private final List<ContextInternal> loops = new ArrayList<>();
  private final AtomicInteger nextLoop = new AtomicInteger();
  private final Queue<Channel> sockets = new ConcurrentLinkedQueue<>();
  private final QuicSslContext serverSsl;
  private final SecureRandom random;
  private volatile boolean closed;

  /**
   * A transport presenting {@code identity}'s libp2p certificate (made now, valid a year).
   *
   * @throws QuicUnavailableException when the native codec is missing on this platform
   */
  public QuicTransport(Vertx vertx, PrivateKey identity, SecureRandom random, Settings settings) {
    QuicSupport.ensureAvailable();
    this.vertx = (VertxInternal) vertx;
    this.settings = settings;
    this.random = random;
    Libp2pTlsCertificate certificate =
        Libp2pTlsCertificate.create(identity, random, Instant.now());
    this.keyManager = Libp2pTlsManagers.keyManager(certificate);
    // Spec: "servers MUST require client authentication"; any libp2p peer may connect. One
    // context for every listener: the trust manager keeps nothing per connection.
    this.serverSsl = QuicSslContextBuilder.forServer(keyManager, null)
        .trustManager(Libp2pTlsManagers.trust(Instant::now, null))
        .clientAuth(ClientAuth.REQUIRE)
        .applicationProtocols(TlsConfig.ALPN_LIBP2P)
        .earlyData(false)
        .build();
    for (EventExecutor e : this.vertx.eventLoopGroup()) {
      loops.add(this.vertx.contextBuilder().withEventLoop((EventLoop) e).build());
    }
  }

  /** Whether {@code addr} is {@code /ip4|ip6/<host>/udp/<port>/quic-v1}, maybe with /p2p/. */
  public static boolean canHandle(Multiaddr addr) {
    return target(addr) != null;
  }

  /** The UDP host and port of a QUIC address, or null when {@code addr} is not one. */
  static Multiaddr.HostPort target(Multiaddr addr) {
    Multiaddr plain = addr.withoutPeerId();
    List<Multiaddr.Component> c = plain.components();
    if (c.size() != 3 || c.get(2).protocol() != MultiaddrProtocol.QUIC_V1) {
      return null;
    }
    Multiaddr.HostPort hp = plain.hostPort().orElse(null);
    if (hp == null || hp.transport() != MultiaddrProtocol.UDP
        || (hp.hostProtocol() != MultiaddrProtocol.IP4
            && hp.hostProtocol() != MultiaddrProtocol.IP6)) {
      return null;
    }
    return hp;
  }

  private static Multiaddr.HostPort require(Multiaddr addr) {
    Multiaddr.HostPort hp = target(addr);
    if (hp == null) {
      throw new MultiaddrException("not a QUIC address: " + addr
          + " (expected /ip4|ip6/<host>/udp/<port>/quic-v1[/p2p/<id>])");
    }
    return hp;
  }

  /** The multiaddr of a UDP socket address, with {@code /quic-v1}. */
  static Multiaddr addressOf(InetSocketAddress sa) {
    InetAddress ip = sa.getAddress();
    String host = ip.getHostAddress();
    if (ip instanceof Inet6Address) {
      int zone = host.indexOf('%');
      if (zone >= 0) {
        host = host.substring(0, zone);
      }
      return Multiaddr.parse("/ip6/" + host + "/udp/" + sa.getPort() + "/quic-v1");
    }
    return Multiaddr.parse("/ip4/" + host + "/udp/" + sa.getPort() + "/quic-v1");
  }

  private ContextInternal nextLoop() {
    return loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
  }

  private <B extends QuicCodecBuilder<B>> B bounded(B b) {
    return b.maxIdleTimeout(settings.maxIdleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .initialMaxData(CONNECTION_WINDOW)
        .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
        .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
        .initialMaxStreamDataUnidirectional(0)
        // libp2p streams are bidirectional; the remote gets no unidirectional ones
        .initialMaxStreamsBidirectional(settings.maxStreamsInbound())
        .initialMaxStreamsUnidirectional(0)
        .activeMigration(false);
  }

  private static Channel datagramChannel(VertxInternal vertx, InetAddress family) {
    return vertx.transport().datagramChannel(family instanceof Inet6Address
        ? InternetProtocolFamily.IPv6 : InternetProtocolFamily.IPv4);
  }

  /** Logs what the UDP socket's pipeline could not handle: a bad datagram never stops it. */
  @ChannelHandler.Sharable
  private static final class SocketGuard extends ChannelInboundHandlerAdapter {
    static final SocketGuard INSTANCE = new SocketGuard();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug(() -> "QUIC socket " + ctx.channel().localAddress() + ": " + cause);
    }
  }

  /**
   * From how many handshakes in progress a listener asks a new sender for a Retry round trip
   * ({@link QuicRetryTokens}). Below it a connection starts at once, as libp2p's QUIC
   * implementations expect; above it each junk Initial costs a MAC and a small Retry packet, and no
   * state (quiche still keeps to QUIC's anti-amplification limit either way).
   */
  static final int RETRY_FROM_HANDSHAKES = 32;

  // ---- listening --------------------------------------------------------------------------------

  /**
   * One inbound QUIC connection in its handshake: told to the listener's handler as soon as the
   * remote's first packet made it, so the node can gate its address while the handshake runs
   * (and {@link #refuse()} it); {@link #established()} completes with the connection, not yet
   * {@link QuicConnection#activate() activated}, or fails with why the handshake did not finish.
   * On the connection's loop.
   */
  public static final class Inbound {
    private final QuicChannel channel;
    private final Multiaddr remoteAddr;
    private final Multiaddr localAddr;
    private final Promise<QuicConnection> established = Promise.promise();

    private Inbound(QuicChannel channel, Multiaddr localAddr, Multiaddr remoteAddr) {
      this.channel = channel;
      this.localAddr = localAddr;
      this.remoteAddr = remoteAddr;
    }

    public Multiaddr remoteAddr() {
      return remoteAddr;
    }

    public Multiaddr localAddr() {
      return localAddr;
    }

    /** The remote's IP address. */
    public InetSocketAddress remoteSocketAddress() {
      return (InetSocketAddress) channel.remoteSocketAddress();
    }

    /** Closes the connection, handshake or not; from any thread. */
    public void refuse() {
      QuicConnection conn = channel.attr(CONNECTION).get();
      if (conn != null) {
        conn.close(dev.vertxp2p.CloseReason.LIMIT);
      } else {
        channel.close(true, 0, io.netty.buffer.Unpooled.EMPTY_BUFFER);
      }
    }

    public Future<QuicConnection> established() {
      return established.future();
    }
  }

  /**
   * The UDP socket address of a {@code /quic-v1} multiaddr, while the transport is open.
   *
   * @throws MultiaddrException for another kind of address or a host that is not an IP address
   * @throws IllegalStateException once the transport is closed
   */
  private InetSocketAddress socketAddress(Multiaddr addr) {
    Multiaddr.HostPort hp = require(addr);
    InetSocketAddress at;
    try {
      at = new InetSocketAddress(InetAddress.getByName(hp.host()), hp.port());
    } catch (java.net.UnknownHostException e) {
      throw new MultiaddrException("not an IP address: " + addr);
    }
    if (closed) {
      throw new IllegalStateException("the QUIC transport is closed");
    }
    return at;
  }

  /**
   * Listens on {@code addr}; port 0 picks a free port.
   *
   * @param host what the inbound connections serve
   * @param onInbound told of every inbound connection at its first packet, on its loop
   * @return the address actually bound, with its real port
   */
  public Future<Multiaddr> listen(Multiaddr addr, ConnectionHost host, Handler<Inbound> onInbound) {
    InetSocketAddress bindTo;
    try {
      bindTo = socketAddress(addr);
    } catch (MultiaddrException | IllegalStateException e) {
      return Future.failedFuture(e);
    }
    ContextInternal loop = nextLoop();
    Promise<Multiaddr> bound = Promise.promise();
    loop.runOnContext(v -> {
      ChannelHandler codec;
      try {
        // Handshakes this listener holds: from RETRY_FROM_HANDSHAKES on, a new sender is asked
        // to prove its address first (a stateless Retry), so junk Initials hold no state.
        AtomicInteger handshaking = new AtomicInteger();
        codec = bounded(new QuicServerCodecBuilder())
            .sslContext(serverSsl)
            .tokenHandler(new QuicRetryTokens(random, handshaking::get, RETRY_FROM_HANDSHAKES,
                System::currentTimeMillis))
            .handler(new ChannelInitializer<QuicChannel>() {
              @Override
              protected void initChannel(QuicChannel ch) {
                Handshake h = new Handshake(loop, ch, null, Direction.INBOUND, host,
                    null, onInbound, null, null);
                h.handshaking = handshaking;
                ch.pipeline().addLast(h);
              }
            })
            .streamHandler(InboundStreams.INSTANCE)
            .build();
      } catch (RuntimeException e) {
        bound.fail(e);
        return;
      }
      new Bootstrap()
          .group(loop.nettyEventLoop())
          .channelFactory(() -> datagramChannel(vertx, bindTo.getAddress()))
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(codec, SocketGuard.INSTANCE);
            }
          })
          .bind(bindTo)
          .addListener(f -> {
            if (!f.isSuccess()) {
              bound.fail(f.cause());
              return;
            }
            Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
            sockets.add(ch);
            ch.closeFuture().addListener(c -> sockets.remove(ch));
            bound.complete(addressOf((InetSocketAddress) ch.localAddress()));
          });
    });
    return bound.future();
  }

  /** Hands the remote's streams to their connection, or holds them until it exists. */
  @ChannelHandler.Sharable
  private static final class InboundStreams extends ChannelInitializer<QuicStreamChannel> {
    static final InboundStreams INSTANCE = new InboundStreams();

    @Override
    protected void initChannel(QuicStreamChannel ch) {
      ch.config().setAutoRead(false);
      QuicChannel parent = ch.parent();
      QuicConnection conn = parent.attr(CONNECTION).get();
      if (conn != null) {
        conn.inboundStream(ch);
      } else {
        List<QuicStreamChannel> early = parent.attr(EARLY_STREAMS).get();
        if (early == null) {
          early = new ArrayList<>();
          parent.attr(EARLY_STREAMS).set(early);
        }
        if (early.size() >= 64) {
          ch.close(); // a remote racing streams ahead of its handshake gets no more than this
        } else {
          early.add(ch);
        }
      }
    }
  }

  // ---- the handshake ----------------------------------------------------------------------------

  /**
   * Watches one QUIC connection's handshake, on its loop: its timeout, its outcome (Netty's
   * {@link SslHandshakeCompletionEvent}), and then the remote's identity from its certificate.
   */
  private final class Handshake extends ChannelInboundHandlerAdapter {
    private final ContextInternal loop;
    private final QuicChannel channel;
    private final Channel ownSocket;
    private final Direction direction;
    private final ConnectionHost host;
    private final PeerId expected;
    private final Handler<Inbound> onInbound;
    private final Libp2pTlsManagers.Trust trust;
    private final long startedAt = System.nanoTime();
    private Promise<QuicConnection> outcome;
    private long timer = -1;
    /** The listener's count of handshakes in progress (inbound only), else null. */
    AtomicInteger handshaking;
    private boolean counted;

    Handshake(ContextInternal loop, QuicChannel channel, Channel ownSocket, Direction direction,
        ConnectionHost host, PeerId expected, Handler<Inbound> onInbound,
        Libp2pTlsManagers.Trust trust, Promise<QuicConnection> outcome) {
      this.loop = loop;
      this.channel = channel;
      this.ownSocket = ownSocket;
      this.direction = direction;
      this.host = host;
      this.expected = expected;
      this.onInbound = onInbound;
      this.trust = trust;
      this.outcome = outcome;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (handshaking != null) {
        handshaking.incrementAndGet();
        counted = true;
      }
      long ms = settings.handshakeTimeout().toMillis();
      timer = loop.owner().setTimer(ms, t -> Owner.of(loop).run(() -> {
        timer = -1;
        if (outcome != null && outcome.tryFail(new HandshakeTimeoutException(
            "QUIC handshake with " + channel.remoteSocketAddress() + " did not finish in "
                + ms + " ms"))) {
          channel.close();
        }
      }));
      if (direction == Direction.INBOUND) {
        InetSocketAddress remote = (InetSocketAddress) channel.remoteSocketAddress();
        InetSocketAddress local = (InetSocketAddress) channel.localSocketAddress();
        Inbound in = new Inbound(channel, local == null ? null : addressOf(local),
            remote == null ? null : addressOf(remote));
        outcome = in.established;
        try {
          onInbound.handle(in);
        } catch (RuntimeException e) {
          LOG.warn("the QUIC listener's handler failed on " + remote, e);
          channel.close();
        }
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof io.netty.handler.codec.quic.QuicStreamLimitChangedEvent) {
        QuicConnection conn = channel.attr(CONNECTION).get();
        if (conn != null) {
          conn.streamLimitChanged();
        }
      } else if (evt instanceof SslHandshakeCompletionEvent done) {
        if (done.isSuccess()) {
          established();
        } else {
          failed(done.cause());
        }
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      failed(new UpgradeException("QUIC connection with " + channel.remoteSocketAddress()
          + " closed during its handshake"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug(() -> "QUIC connection " + channel.remoteSocketAddress() + ": " + cause);
    }

    private void cancelTimer() {
      if (counted) {
        counted = false;
        handshaking.decrementAndGet();
      }
      if (timer >= 0) {
        loop.owner().cancelTimer(timer);
        timer = -1;
      }
    }

    private void failed(Throwable cause) {
      cancelTimer();
      Promise<QuicConnection> p = outcome;
      if (p == null || p.future().isComplete()) {
        return;
      }
      TlsCertificateException refusal = trust == null ? null : trust.refusal();
      Throwable why = refusal != null ? mapRefusal(refusal) : cause instanceof UpgradeException
          ? cause : new UpgradeException("QUIC handshake with " + channel.remoteSocketAddress()
              + " failed: " + cause.getMessage());
      if (why != cause && why.getCause() == null) {
        why.initCause(cause);
      }
      p.tryFail(why);
      channel.close();
    }

    private Throwable mapRefusal(TlsCertificateException refusal) {
      if (refusal.reason() == TlsCertificateException.Reason.UNEXPECTED_PEER && expected != null) {
        PeerId actual = null;
        String m = refusal.getMessage();
        int at = m.lastIndexOf("got ");
        if (at >= 0) {
          try {
            actual = PeerId.parse(m.substring(at + 4).trim());
          } catch (RuntimeException ignored) {
            // the message is ours; a peer id that does not parse back leaves actual unknown
          }
        }
        return new PeerIdMismatchException(expected, actual);
      }
      return refusal;
    }

    private void established() {
      cancelTimer();
      Promise<QuicConnection> p = outcome;
      if (p == null || p.future().isComplete()) {
        return;
      }
      PeerId peer;
      try {
        peer = peerOf(channel.sslEngine());
      } catch (TlsCertificateException | SSLPeerUnverifiedException e) {
        failed(e);
        return;
      }
      if (expected != null && !expected.equals(peer)) {
        failed(new PeerIdMismatchException(expected, peer));
        return;
      }
      InetSocketAddress local = (InetSocketAddress) channel.localSocketAddress();
      InetSocketAddress remote = (InetSocketAddress) channel.remoteSocketAddress();
      QuicConnection conn = new QuicConnection("quic-" + IDS.incrementAndGet(), loop, channel,
          ownSocket, peer, direction, addressOf(local), addressOf(remote), host,
          settings.negotiationTimeout(), System.nanoTime() - startedAt);
      channel.attr(CONNECTION).set(conn);
      List<QuicStreamChannel> early = channel.attr(EARLY_STREAMS).getAndSet(null);
      if (early != null) {
        for (QuicStreamChannel s : early) {
          conn.inboundStream(s);
        }
      }
      if (!p.tryComplete(conn)) {
        conn.close();
      }
    }
  }

  /** The peer a completed handshake proved, from its certificate (checked again here). */
  private static PeerId peerOf(SSLEngine engine) throws SSLPeerUnverifiedException {
    Certificate[] certs = engine.getSession().getPeerCertificates();
    X509Certificate[] chain = new X509Certificate[certs.length];
    for (int i = 0; i < certs.length; i++) {
      if (!(certs[i] instanceof X509Certificate x509)) {
        throw new TlsCertificateException(TlsCertificateException.Reason.MALFORMED_CERTIFICATE,
            "not an X.509 certificate: " + certs[i].getType());
      }
      chain[i] = x509;
    }
    return Libp2pTlsCertificate.verify(chain, Instant.now()).peerId();
  }

  // ---- dialing ----------------------------------------------------------------------------------

  /**
   * Dials {@code addr} from a UDP socket of its own, on the next event loop; with {@code /p2p/}
   * only that peer is accepted (a {@link PeerIdMismatchException} otherwise).
   *
   * @return the connection, not yet {@link QuicConnection#activate() activated}; its future
   *     completes on the connection's loop
   */
  public Future<QuicConnection> dial(Multiaddr addr, ConnectionHost host) {
    return dial(addr, host, null);
  }

  /**
   * As {@link #dial(Multiaddr, ConnectionHost)}, given up when {@code cancel} (may be null)
   * completes first: the handshake stops, its socket closes, and the future fails with a {@link
   * UpgradeException} saying so.
   */
  public Future<QuicConnection> dial(Multiaddr addr, ConnectionHost host, Future<?> cancel) {
    InetSocketAddress target;
    try {
      target = socketAddress(addr);
    } catch (MultiaddrException | IllegalStateException e) {
      return Future.failedFuture(e);
    }
    PeerId expected = addr.peerId().orElse(null);
    ContextInternal loop = nextLoop();
    Promise<QuicConnection> result = loop.promise();
    if (cancel != null) {
      cancel.onComplete(c -> loop.runOnContext(x -> result.tryFail(
          new UpgradeException("QUIC dial to " + addr + " was given up"))));
    }
    loop.runOnContext(v -> {
      if (result.future().isComplete()) {
        return;
      }
      Libp2pTlsManagers.Trust trust = Libp2pTlsManagers.trust(Instant::now, expected);
      ChannelHandler codec;
      try {
        QuicSslContext ssl = QuicSslContextBuilder.forClient()
            .keyManager(keyManager, null)
            .trustManager(trust)
            // Netty 4.2 checks a server's host name by default; a libp2p certificate names no
            // host, the peer id is the identity (our trust manager checks it)
            .endpointIdentificationAlgorithm(null)
            .applicationProtocols(TlsConfig.ALPN_LIBP2P)
            .earlyData(false)
            .build();
        codec = bounded(new QuicClientCodecBuilder()).sslContext(ssl).build();
      } catch (RuntimeException e) {
        result.fail(e);
        return;
      }
      InetSocketAddress any = new InetSocketAddress(sourceFor(target), 0);
      new Bootstrap()
          .group(loop.nettyEventLoop())
          .channelFactory(() -> datagramChannel(vertx, target.getAddress()))
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(codec, SocketGuard.INSTANCE);
            }
          })
          .bind(any)
          .addListener(bf -> {
            Channel udp = ((io.netty.channel.ChannelFuture) bf).channel();
            if (!bf.isSuccess()) {
              result.tryFail(bf.cause());
              return;
            }
            if (result.future().isComplete()) {
              udp.close(); // given up while binding
              return;
            }
            sockets.add(udp);
            udp.closeFuture().addListener(c -> sockets.remove(udp));
            QuicChannel.newBootstrap(udp)
                .handler(new ChannelInitializer<QuicChannel>() {
                  @Override
                  protected void initChannel(QuicChannel ch) {
                    ch.pipeline().addLast(new Handshake(loop, ch, udp, Direction.OUTBOUND, host,
                        expected, null, trust, result));
                  }
                })
                .streamHandler(InboundStreams.INSTANCE)
                .remoteAddress(target)
                .connect()
                .addListener(cf -> {
                  if (!cf.isSuccess()) {
                    TlsCertificateException refusal = trust.refusal();
                    Throwable cause = cf.cause();
                    result.tryFail(refusal != null && expected != null
                        && refusal.reason() == TlsCertificateException.Reason.UNEXPECTED_PEER
                        ? new PeerIdMismatchException(expected, null)
                        : new UpgradeException("QUIC dial to " + addr + " failed: " + cause));
                  }
                });
            result.future().onFailure(e -> udp.close());
          });
    });
    return result.future();
  }

  /**
   * The local IP the system routes {@code target} from, so the dial's socket is bound to it and
   * the connection's local address is a real one, not the wildcard. Connecting a UDP socket sends
   * nothing; it only asks the routing table. The wildcard when that fails.
   */
  private static InetAddress sourceFor(InetSocketAddress target) {
    try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open()) {
      probe.connect(target);
      InetAddress local = ((InetSocketAddress) probe.getLocalAddress()).getAddress();
      if (!local.isAnyLocalAddress()) {
        return local;
      }
    } catch (java.io.IOException | RuntimeException e) {
      LOG.debug(() -> "no route to " + target + " known: " + e);
    }
    try {
      return InetAddress.getByName(target.getAddress() instanceof Inet6Address ? "::" : "0.0.0.0");
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops listening, closes every UDP socket and with them their connections. */
  public Future<Void> close() {
    closed = true;
    List<Future<Void>> all = new ArrayList<>();
    Channel ch;
    while ((ch = sockets.poll()) != null) {
      Promise<Void> p = Promise.promise();
      ch.close().addListener(f -> p.complete());
      all.add(p.future());
    }
    return Future.all(all).mapEmpty();
  }

  /** Stops accepting: the listeners' sockets close (their connections with them). */
  public Future<Void> closeListeners() {
    return close();
  }
}
