package dev.vertxp2p.bench;

import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Perf;
import dev.vertxp2p.protocols.Ping;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.MuxedConnection;
import dev.vertxp2p.transport.TcpTransport;
import dev.vertxp2p.transport.Upgrader;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A libp2p node for benchmarks, one layer below the swarm: TCP, the upgrader (multistream, Noise,
 * Yamux or mplex) and the ping, perf and echo handlers, without the swarm's per-peer limits, so that
 * thousands of connections to one peer are possible. Every connection is the production {@link
 * MuxedConnection}.
 */
public final class BenchNode implements ConnectionHost, AutoCloseable {
  private static final long TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final TcpTransport transport;
  private final Upgrader upgrader;
  private final PeerId peerId;
  private final Map<String, Handler<P2pStream>> handlers = new ConcurrentHashMap<>();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final AtomicLong inboundUpgrades = new AtomicLong();
  private volatile Multiaddr listenAddr;

  /** A node on its own Vert.x instance, closed with the node. */
  public BenchNode(TransportOptions options) {
    this(Vertx.vertx(), true, options);
  }

  /** A node on a shared Vert.x instance. */
  public BenchNode(Vertx vertx, TransportOptions options) {
    this(vertx, false, options);
  }

  private BenchNode(Vertx vertx, boolean ownsVertx, TransportOptions options) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    SecureRandom random = new SecureRandom();
    Ed25519PrivateKey key = Ed25519PrivateKey.generate(random);
    this.peerId = PeerId.fromPublicKey(key.publicKey());
    this.transport = new TcpTransport(vertx, true);
    this.upgrader = new Upgrader(key, options, random);
    handlers.put(Perf.PROTOCOL, Perf::serve);
    handlers.put(Ping.PROTOCOL, Ping::serve);
    handlers.put(Echo.PROTOCOL, Echo::serve);
  }

  public Vertx vertx() {
    return vertx;
  }

  public PeerId peerId() {
    return peerId;
  }

  /** The listen address with {@code /p2p/}, once {@link #listen()} completed. */
  public Multiaddr listenAddr() {
    return listenAddr;
  }

  /** Connections of this node, open or not yet removed, both directions. */
  public Set<Connection> connections() {
    return connections;
  }

  /** Inbound connections fully upgraded so far. */
  public long inboundUpgrades() {
    return inboundUpgrades.get();
  }

  /** Listens on an ephemeral loopback port. */
  public Future<Multiaddr> listen() {
    return transport.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"), this::onInbound)
        .map(bound -> {
          listenAddr = bound.withPeerId(peerId);
          return listenAddr;
        });
  }

  private void onInbound(NetSocket socket) {
    upgrader.upgrade(Vertx.currentContext(), socket, Connection.Direction.INBOUND, null,
            toMultiaddr(socket.localAddress()), toMultiaddr(socket.remoteAddress()), this,
            TIMEOUT_MS)
        .onSuccess(c -> {
          connections.add(c);
          c.activate();
          inboundUpgrades.incrementAndGet();
        });
  }

  /** Dials {@code addr} (which must carry {@code /p2p/}) and upgrades the connection. */
  public Future<MuxedConnection> dial(Multiaddr addr) {
    PeerId expected = addr.peerId().orElseThrow(
        () -> new IllegalArgumentException("dial address needs /p2p/: " + addr));
    return transport.dial(addr, (int) TIMEOUT_MS).compose(socket ->
        upgrader.upgrade(Vertx.currentContext(), socket, Connection.Direction.OUTBOUND, expected,
            toMultiaddr(socket.localAddress()), addr.withoutPeerId(), this, TIMEOUT_MS))
        .onSuccess(c -> {
          connections.add(c);
          c.activate();
        });
  }

  private static Multiaddr toMultiaddr(SocketAddress a) {
    String host = a.hostAddress();
    String proto = host.contains(":") ? "ip6" : "ip4";
    return Multiaddr.parse("/" + proto + "/" + host + "/tcp/" + a.port());
  }

  // ---- ConnectionHost -------------------------------------------------------------------------

  @Override
  public Predicate<String> supportedProtocols() {
    return handlers::containsKey;
  }

  @Override
  public List<String> protocolList() {
    return List.copyOf(handlers.keySet());
  }

  @Override
  public void onInboundStream(P2pStream stream) {
    Handler<P2pStream> h = handlers.get(stream.protocol());
    if (h != null) {
      h.handle(stream);
    } else {
      stream.reset();
    }
  }

  @Override
  public io.vertx.core.Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
    connections.remove(connection);
    return io.vertx.core.Future.succeededFuture();
  }

  /** Closes every connection and the listener (and Vert.x when the node owns it). */
  @Override
  public void close() {
    List<Future<Void>> all = new java.util.ArrayList<>();
    for (Connection c : List.copyOf(connections)) {
      all.add(c.close());
    }
    Await.get(Future.join(all).otherwiseEmpty().compose(v -> transport.close()), 60);
    if (ownsVertx) {
      Await.get(vertx.close(), 60);
    }
  }
}
