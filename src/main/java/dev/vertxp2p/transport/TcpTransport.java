package dev.vertxp2p.transport;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import dev.vertxp2p.MultiaddrProtocol;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * TCP listen and dial on Vert.x for multiaddrs of the form {@code /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>}
 * with an optional {@code /p2p/<id>} suffix, and WebSocket over TCP for the same followed by {@code
 * /ws}, which it hands to its {@link WsTransport}: either way the caller gets a {@link NetSocket}
 * for the upgrader.
 *
 * <p>With {@code spread} on, connections are spread over every event loop of the Vert.x instance,
 * so that many connections use every core: a Vert.x server hands all its connections to the event
 * loop it was started on, so {@link #listen} starts one server per event loop on the same port
 * (Vert.x then deals accepted connections to them in turn), and {@link #dial} connects from the
 * next event loop in turn rather than from the caller's. A connection's socket, and so its whole
 * upgrade and muxer, then lives on that loop; {@link #dial}'s future completes there. Off, every
 * server and dial stays on the caller's context, as a plain Vert.x client and server do.
 */
public final class TcpTransport {
  private final Vertx vertx;
  private final NetClient client;
  /** {@code /ws} addresses: Vert.x's WebSocket server and client, on the same event loops. */
  private final WsTransport ws;
  /** Servers start on their own event loops, so the list is written from several threads. */
  private final java.util.Queue<NetServer> servers = new java.util.concurrent.ConcurrentLinkedQueue<>();
  /** One context per event loop, dealt out in turn. */
  private final List<ContextInternal> loops = new ArrayList<>();
  private final AtomicInteger nextLoop = new AtomicInteger();
  private final boolean spread;
  /** Keys of Vert.x's shared random ports: each transport's "port 0" listens share only theirs. */
  private static final AtomicInteger SHARED_RANDOM_PORTS = new AtomicInteger();

  /** A transport that keeps servers and dials on the caller's context. */
  public TcpTransport(Vertx vertx) {
    this(vertx, false);
  }

  /**
   * A transport whose WebSocket listeners give a connection the default handshake timeout to
   * complete its HTTP upgrade.
   *
   * @param spread whether to spread connections over all event loops (see the class comment)
   */
  public TcpTransport(Vertx vertx, boolean spread) {
    this(vertx, spread, dev.vertxp2p.TransportOptions.DEFAULT_HANDSHAKE_TIMEOUT);
  }

  /**
   * A transport.
   *
   * @param spread whether to spread connections over all event loops (see the class comment)
   * @param wsUpgradeTimeout how long a connection accepted by a {@code /ws} listener has to
   *     complete its HTTP upgrade to a WebSocket before it is closed
   */
  public TcpTransport(Vertx vertx, boolean spread, java.time.Duration wsUpgradeTimeout) {
    this.vertx = vertx;
    this.spread = spread;
    this.client = vertx.createNetClient(new NetClientOptions()
        .setTcpNoDelay(true)
        .setReuseAddress(true));
    VertxInternal internal = (VertxInternal) vertx;
    for (EventExecutor e : internal.eventLoopGroup()) {
      loops.add(internal.contextBuilder().withEventLoop((EventLoop) e).build());
    }
    this.ws = new WsTransport(vertx, spread, List.copyOf(loops), this::nextLoop, wsUpgradeTimeout);
  }

  private ContextInternal nextLoop() {
    return loops.get(Math.floorMod(nextLoop.getAndIncrement(), loops.size()));
  }

  /** Whether this transport can dial or listen on {@code addr}: TCP, or WebSocket over TCP. */
  public static boolean canHandle(Multiaddr addr) {
    return tcpTarget(addr) != null || WsTransport.wsTarget(addr) != null;
  }

  /** Whether {@code addr} is a {@code /ws} address this transport handles. */
  public static boolean isWebSocket(Multiaddr addr) {
    return WsTransport.wsTarget(addr) != null;
  }

  /**
   * The host and port of a TCP multiaddr: exactly host + tcp, optionally followed by /p2p/;
   * anything else (udp, circuit relays; ws is {@link WsTransport}'s) is not ours.
   */
  static Multiaddr.HostPort tcpTarget(Multiaddr addr) {
    Multiaddr plain = addr.withoutPeerId();
    if (plain.components().size() != 2) {
      return null;
    }
    Multiaddr.HostPort hp = plain.hostPort().orElse(null);
    if (hp == null || hp.transport() != MultiaddrProtocol.TCP) {
      return null;
    }
    return hp;
  }

  private static Multiaddr.HostPort require(Multiaddr addr) {
    Multiaddr.HostPort hp = tcpTarget(addr);
    if (hp == null) {
      throw new MultiaddrException("not a TCP address: " + addr
          + " (expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/ws][/p2p/<id>])");
    }
    return hp;
  }

  /**
   * Listens on {@code addr}; port 0 picks a free port.
   *
   * @return the address actually bound (real port)
   */
  public Future<Multiaddr> listen(Multiaddr addr, Handler<NetSocket> handler) {
    Multiaddr.HostPort wsHp = WsTransport.wsTarget(addr);
    if (wsHp != null) {
      return ws.listen(wsHp, -SHARED_RANDOM_PORTS.incrementAndGet(), handler);
    }
    Multiaddr.HostPort hp;
    try {
      hp = require(addr);
    } catch (MultiaddrException e) {
      return Future.failedFuture(e);
    }
    // Vert.x shares one bound port among servers listening on the same host and port; for "any
    // port" it does so when they ask for the same negative port, one number per transport here.
    if (!spread) {
      NetServer server = vertx.createNetServer(serverOptions(hp.host(), hp.port()));
      server.connectHandler(handler);
      return server.listen().map(s -> {
        servers.add(s);
        return Multiaddr.parse("/" + hp.hostProtocol().protocolName() + "/" + hp.host()
            + "/tcp/" + s.actualPort());
      });
    }
    int port = hp.port() == 0 ? -SHARED_RANDOM_PORTS.incrementAndGet() : hp.port();
    List<Future<NetServer>> all = new ArrayList<>();
    for (ContextInternal loop : loops) {
      all.add(listenOn(loop, hp.host(), port, handler));
    }
    return Future.all(all).map(cf -> {
      int actual = all.get(0).result().actualPort();
      return Multiaddr.parse("/" + hp.hostProtocol().protocolName() + "/" + hp.host()
          + "/tcp/" + actual);
    });
  }

  private static NetServerOptions serverOptions(String host, int port) {
    return new NetServerOptions()
        .setHost(host)
        .setPort(port)
        .setTcpNoDelay(true)
        .setReuseAddress(true);
  }

  /** Starts one server on {@code loop}'s event loop; its connections are handled there. */
  private Future<NetServer> listenOn(ContextInternal loop, String host, int port,
      Handler<NetSocket> handler) {
    Promise<NetServer> started = Promise.promise();
    loop.runOnContext(v -> {
      NetServer server = vertx.createNetServer(serverOptions(host, port));
      server.connectHandler(handler);
      server.listen().onComplete(ar -> {
        if (ar.succeeded()) {
          servers.add(server);
          started.complete(server);
        } else {
          started.fail(ar.cause());
        }
      });
    });
    return started.future();
  }



  /**
   * Opens a TCP connection, or a WebSocket for a {@code /ws} address, to {@code addr} (its {@code
   * /p2p/} part, if any, is ignored here).
   */
  public Future<NetSocket> dial(Multiaddr addr, int connectTimeoutMillis) {
    Multiaddr.HostPort wsHp = WsTransport.wsTarget(addr);
    if (wsHp != null) {
      return ws.dial(wsHp, connectTimeoutMillis);
    }
    Multiaddr.HostPort hp;
    try {
      hp = require(addr);
    } catch (MultiaddrException e) {
      return Future.failedFuture(e);
    }
    io.vertx.core.net.ConnectOptions connect = new io.vertx.core.net.ConnectOptions()
        .setRemoteAddress(SocketAddress.inetSocketAddress(hp.port(), hp.host()))
        .setTimeout(connectTimeoutMillis);
    if (!spread) {
      return client.connect(connect).map(TcpTransport::holdReads);
    }
    ContextInternal loop = nextLoop();
    // A promise of the loop's context: its listeners run on the socket's own event loop.
    Promise<NetSocket> connected = loop.promise();
    loop.runOnContext(v -> client.connect(connect).map(TcpTransport::holdReads)
        .onComplete(connected));
    return connected.future();
  }

  /**
   * Pauses a freshly connected socket. The listener speaks first in multistream-select, and its
   * bytes can arrive before whoever gets the socket from the returned future (a later task, maybe
   * on another context) has set a handler; Vert.x drops data that finds no handler, so reads are
   * held until the upgrader installs its own and resumes. Runs as the connect future's first
   * listener, inline on the socket's event loop, before any read is dispatched.
   */
  private static NetSocket holdReads(NetSocket socket) {
    socket.pause();
    return socket;
  }

  /**
   * Stops accepting at once; connections already accepted may run on for up to {@code grace}
   * (their owners close them gracefully meanwhile), then Vert.x closes what is left. A plain
   * {@code NetServer.close()} would close them at once.
   */
  public Future<Void> closeListeners(java.time.Duration grace) {
    List<Future<Void>> all = new ArrayList<>();
    for (NetServer s : servers) {
      all.add(s.shutdown(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
    }
    servers.clear();
    all.add(ws.closeListeners(grace));
    return Future.all(all).compose(v -> acceptorsSettled());
  }

  /**
   * Completes once the acceptor event loops have run a select since now. A closed server channel
   * is still registered with its selector, and the JDK closes its socket only when the next select
   * drops the cancelled key: until then the kernel keeps accepting on the port, though Netty has
   * already reported the close. Tasks queued while the loop runs its tasks still run in the same
   * batch, but a scheduled task is only picked up after the loop's next select: when it runs, the
   * port is really closed.
   */
  private Future<Void> acceptorsSettled() {
    List<Future<Void>> all = new ArrayList<>();
    for (EventExecutor acceptor : ((VertxInternal) vertx).acceptorEventLoopGroup()) {
      Promise<Void> settled = Promise.promise();
      acceptor.execute(() -> acceptor.schedule((Runnable) settled::complete, 0,
          java.util.concurrent.TimeUnit.NANOSECONDS));
      all.add(settled.future());
    }
    return Future.all(all).mapEmpty();
  }

  /** Stops listening and closes the dialer. */
  public Future<Void> close() {
    List<Future<Void>> all = new ArrayList<>();
    NetServer s;
    while ((s = servers.poll()) != null) {
      all.add(s.close());
    }
    all.add(client.close());
    all.add(ws.close());
    return Future.all(all).compose(v -> acceptorsSettled());
  }
}
