package dev.vertxp2p.transport;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrProtocol;
import dev.vertxp2p.util.Log;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code /ws}: libp2p over WebSocket (binary frames) on Vert.x's own WebSocket server and client,
 * for multiaddrs {@code /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>/ws[/p2p/<id>]}. Each WebSocket is
 * handed on as a {@link WsSocket}, so the same upgrader (multistream, security, muxer) runs on top
 * of it as on a TCP socket. {@link TcpTransport} owns one and routes {@code /ws} addresses here.
 *
 * <p>A listener is an HTTP server of its own on the address's port (never the dashboard's): its
 * WebSocket handler takes upgrades on any path, and a plain HTTP request gets 426 Upgrade
 * Required. With {@code spread}, one server per event loop shares the port, as for TCP. Before
 * its upgrade a connection is the listener's alone (the swarm's gate sees WebSockets): it has
 * {@code upgradeTimeout} to become one, and at most {@link #MAX_PENDING_UPGRADES} wait at once.
 */
final class WsTransport {
  private static final Log LOG = Log.get(WsTransport.class);

  /**
   * Largest WebSocket frame accepted, either way; a longer one closes that connection with 1009
   * (RFC 6455 section 7.4.1, "message too big"). Our own writes are at most a Noise flush batch
   * ({@link NoiseChannel#FLUSH_BATCH} plus its tags); js-libp2p sends one message per chunk its
   * muxer hands down (a Noise message at most, 65,537 bytes).
   */
  static final int MAX_FRAME_SIZE = 1024 * 1024;

  /** Most WebSocket connections the client opens to one host and port at once. */
  static final int MAX_CONNECTIONS_PER_ENDPOINT = 1024;

  /**
   * Most TCP connections one listener holds before their WebSocket upgrade, per event loop. The
   * swarm's gate and handshake slots ({@code limits.maxPendingInbound}) count a connection only
   * once it is a WebSocket; until then this bounds what a flood of idle sockets holds, and one
   * more is closed at once.
   */
  static final int MAX_PENDING_UPGRADES = 256;

  private final Vertx vertx;
  private final boolean spread;
  private final Supplier<ContextInternal> nextLoop;
  private final List<ContextInternal> loops;
  private final WebSocketClient client;
  /** Servers start on their own event loops, so the queue is written from several threads. */
  private final Queue<HttpServer> servers = new ConcurrentLinkedQueue<>();
  /** How long an accepted TCP connection has to complete its WebSocket upgrade. */
  private final Duration upgradeTimeout;

  /**
   * @param upgradeTimeout how long an accepted TCP connection has to complete its HTTP upgrade
   *     to a WebSocket before it is closed (the upgrader's own timeout starts after it)
   */
  WsTransport(Vertx vertx, boolean spread, List<ContextInternal> loops,
      Supplier<ContextInternal> nextLoop, Duration upgradeTimeout) {
    this.vertx = vertx;
    this.upgradeTimeout = upgradeTimeout;
    this.spread = spread;
    this.loops = loops;
    this.nextLoop = nextLoop;
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        .setMaxFrameSize(MAX_FRAME_SIZE)
        .setMaxMessageSize(MAX_FRAME_SIZE)
        .setMaxConnections(MAX_CONNECTIONS_PER_ENDPOINT)
        // compression would cost CPU on bytes Noise has made incompressible
        .setTryUsePerFrameCompression(false)
        .setTryUsePerMessageCompression(false));
  }

  /**
   * The host and port of a {@code /ws} multiaddr: exactly host + tcp + ws, optionally followed by
   * {@code /p2p/}; null for anything else.
   */
  static Multiaddr.HostPort wsTarget(Multiaddr addr) {
    Multiaddr plain = addr.withoutPeerId();
    List<Multiaddr.Component> c = plain.components();
    if (c.size() != 3 || c.get(2).protocol() != MultiaddrProtocol.WS) {
      return null;
    }
    Multiaddr.HostPort hp = plain.hostPort().orElse(null);
    return hp == null || hp.transport() != MultiaddrProtocol.TCP ? null : hp;
  }

  /** {@code addr} with {@code /ws} after its host and port, unless it has it already. */
  static Multiaddr withWs(Multiaddr addr) {
    if (addr.has(MultiaddrProtocol.WS)) {
      return addr;
    }
    return addr.encapsulate(Multiaddr.parse("/ws"));
  }

  private static HttpServerOptions serverOptions(String host, int port) {
    return new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setTcpNoDelay(true)
        .setReuseAddress(true)
        // HTTP/1.1 only: with h2c on, Vert.x waits for the first bytes before it makes the
        // connection (and calls the connection handler that starts the upgrade deadline)
        .setHttp2ClearTextEnabled(false)
        .setMaxWebSocketFrameSize(MAX_FRAME_SIZE)
        .setMaxWebSocketMessageSize(MAX_FRAME_SIZE)
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false);
  }

  /**
   * Listens on {@code hp} (port 0 picks a free one, {@code sharedPort} being the negative key that
   * lets this transport's servers share it).
   *
   * @return the address actually bound, with its real port and {@code /ws}
   */
  Future<Multiaddr> listen(Multiaddr.HostPort hp, int sharedPort, Handler<NetSocket> handler) {
    if (!spread) {
      return listenOn(null, hp.host(), hp.port(), handler).map(s -> bound(hp, s.actualPort()));
    }
    int port = hp.port() == 0 ? sharedPort : hp.port();
    List<Future<HttpServer>> all = new ArrayList<>();
    for (ContextInternal loop : loops) {
      all.add(listenOn(loop, hp.host(), port, handler));
    }
    return Future.all(all).map(cf -> bound(hp, all.get(0).result().actualPort()));
  }

  private static Multiaddr bound(Multiaddr.HostPort hp, int port) {
    return Multiaddr.parse("/" + hp.hostProtocol().protocolName() + "/" + hp.host() + "/tcp/"
        + port + "/ws");
  }

  /** Starts one server on {@code loop}'s event loop (or the caller's context when null). */
  private Future<HttpServer> listenOn(ContextInternal loop, String host, int port,
      Handler<NetSocket> handler) {
    Promise<HttpServer> started = Promise.promise();
    Runnable start = () -> {
      HttpServer server = vertx.createHttpServer(serverOptions(host, port));
      UpgradeDeadlines deadlines = new UpgradeDeadlines();
      server.connectionHandler(deadlines::accepted);
      server.webSocketHandler(ws -> {
        deadlines.upgraded(ws.remoteAddress());
        handler.handle(new WsSocket(ws));
      });
      server.requestHandler(req -> req.response()
          .setStatusCode(426)
          .putHeader("Upgrade", "websocket")
          .putHeader("Connection", "close")
          .end("libp2p over WebSocket: this port takes WebSocket upgrades only\n"));
      server.listen().onComplete(ar -> {
        if (ar.succeeded()) {
          servers.add(server);
          started.complete(server);
        } else {
          started.fail(ar.cause());
        }
      });
    };
    if (loop == null) {
      start.run();
    } else {
      loop.runOnContext(v -> start.run());
    }
    return started.future();
  }

  /**
   * One server's connections that are not yet WebSockets, each with the timer that closes it if
   * its upgrade does not come in time. Confined to the server's event loop, where Vert.x calls its
   * connection and WebSocket handlers.
   */
  private final class UpgradeDeadlines {
    private final Map<SocketAddress, Long> pending = new HashMap<>();

    void accepted(HttpConnection conn) {
      SocketAddress remote = conn.remoteAddress();
      if (pending.size() >= MAX_PENDING_UPGRADES) {
        LOG.debug(() -> "closing " + remote + ": " + pending.size()
            + " connections already wait for their WebSocket upgrade");
        conn.close();
        return;
      }
      long timer = vertx.setTimer(upgradeTimeout.toMillis(), t -> {
        if (pending.remove(remote) != null) {
          LOG.debug(() -> "closing " + remote + ": no WebSocket upgrade within "
              + upgradeTimeout.toMillis() + " ms");
          conn.close();
        }
      });
      pending.put(remote, timer);
      conn.closeHandler(v -> upgraded(remote));
    }

    /** The connection from {@code remote} became a WebSocket, or closed: its deadline is off. */
    void upgraded(SocketAddress remote) {
      Long timer = pending.remove(remote);
      if (timer != null) {
        vertx.cancelTimer(timer);
      }
    }
  }

  /** Opens a WebSocket to {@code hp} (path {@code /}), paused until the upgrader reads it. */
  Future<NetSocket> dial(Multiaddr.HostPort hp, int connectTimeoutMillis) {
    WebSocketConnectOptions connect = new WebSocketConnectOptions()
        .setHost(hp.host())
        .setPort(hp.port())
        .setURI("/")
        .setTimeout(connectTimeoutMillis)
        .setConnectTimeout(connectTimeoutMillis);
    if (!spread) {
      return client.connect(connect).map(WsSocket::new);
    }
    ContextInternal loop = nextLoop.get();
    // A promise of the loop's context: its listeners run on the WebSocket's own event loop.
    Promise<NetSocket> connected = loop.promise();
    loop.runOnContext(v -> client.connect(connect).<NetSocket>map(WsSocket::new)
        .onComplete(connected));
    return connected.future();
  }

  /** Stops accepting; open WebSockets may run on for up to {@code grace}. */
  Future<Void> closeListeners(Duration grace) {
    List<Future<Void>> all = new ArrayList<>();
    HttpServer s;
    while ((s = servers.poll()) != null) {
      all.add(s.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS));
    }
    return Future.all(all).mapEmpty();
  }

  /** Stops listening and closes the client. */
  Future<Void> close() {
    List<Future<Void>> all = new ArrayList<>();
    HttpServer s;
    while ((s = servers.poll()) != null) {
      all.add(s.close());
    }
    all.add(client.close());
    return Future.all(all).mapEmpty();
  }
}
