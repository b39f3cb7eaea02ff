package dev.vertxp2p.transport;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import dev.vertxp2p.MultiaddrProtocol;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * TCP listen and dial on Vert.x for multiaddrs of the form {@code /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>}
 * with an optional {@code /p2p/<id>} suffix.
 */
public final class TcpTransport {
  private final Vertx vertx;
  private final NetClient client;
  private final List<NetServer> servers = new ArrayList<>();

  public TcpTransport(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createNetClient(new NetClientOptions()
        .setTcpNoDelay(true)
        .setReuseAddress(true));
  }

  /** Whether this transport can dial or listen on {@code addr}. */
  public static boolean canHandle(Multiaddr addr) {
    return tcpTarget(addr) != null;
  }

  /**
   * The host and port of a TCP multiaddr: exactly host + tcp, optionally followed by /p2p/;
   * anything else (udp, ws, circuit relays) is not ours.
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
          + " (expected /ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>[/p2p/<id>])");
    }
    return hp;
  }

  /**
   * Listens on {@code addr}; port 0 picks a free port.
   *
   * @return the address actually bound (real port)
   */
  public Future<Multiaddr> listen(Multiaddr addr, Handler<NetSocket> handler) {
    Multiaddr.HostPort hp;
    try {
      hp = require(addr);
    } catch (MultiaddrException e) {
      return Future.failedFuture(e);
    }
    NetServer server = vertx.createNetServer(new NetServerOptions()
        .setHost(hp.host())
        .setPort(hp.port())
        .setTcpNoDelay(true)
        .setReuseAddress(true));
    server.connectHandler(handler);
    return server.listen().map(s -> {
      servers.add(s);
      Multiaddr bound = Multiaddr.parse("/" + hp.hostProtocol().protocolName() + "/" + hp.host() + "/tcp/"
          + s.actualPort());
      return bound;
    });
  }

  /** Opens a TCP connection to {@code addr} (its {@code /p2p/} part, if any, is ignored here). */
  public Future<NetSocket> dial(Multiaddr addr, int connectTimeoutMillis) {
    Multiaddr.HostPort hp;
    try {
      hp = require(addr);
    } catch (MultiaddrException e) {
      return Future.failedFuture(e);
    }
    return client.connect(new io.vertx.core.net.ConnectOptions()
        .setRemoteAddress(SocketAddress.inetSocketAddress(hp.port(), hp.host()))
        .setTimeout(connectTimeoutMillis));
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
    return Future.all(all).mapEmpty();
  }

  /** Stops listening and closes the dialer. */
  public Future<Void> close() {
    List<Future<Void>> all = new ArrayList<>();
    for (NetServer s : servers) {
      all.add(s.close());
    }
    servers.clear();
    all.add(client.close());
    return Future.all(all).mapEmpty();
  }
}
