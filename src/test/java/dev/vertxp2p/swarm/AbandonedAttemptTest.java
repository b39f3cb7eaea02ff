package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.transport.ConnectionHost;
import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.transport.TcpTransport;
import dev.vertxp2p.transport.Upgrader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An attempt the retrying dialer gives up on (its timeout) stops at once: its socket closes, so
 * it does not go on handshaking, outside the per-peer limit, while the retry runs.
 */
class AbandonedAttemptTest {
  private Vertx vertx;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private static final ConnectionHost NO_HOST = new ConnectionHost() {
    @Override
    public Predicate<String> supportedProtocols() {
      return p -> false;
    }

    @Override
    public List<String> protocolList() {
      return List.of();
    }

    @Override
    public void onInboundStream(P2pStream stream) {
      stream.reset();
    }

    @Override
    public Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
      return Future.succeededFuture();
    }
  };

  @Test
  void anAbandonedAttemptClosesItsSocket() {
    // A tarpit: accepts, never answers, and reports when the dialer hangs up.
    AtomicInteger accepted = new AtomicInteger();
    Promise<Void> hungUp = Promise.promise();
    Promise<Void> connected = Promise.promise();
    NetServer tarpit = vertx.createNetServer().connectHandler(s -> {
      accepted.incrementAndGet();
      s.closeHandler(v -> hungUp.tryComplete());
      connected.tryComplete();
    });
    int port = await(tarpit.listen(0, "127.0.0.1")).actualPort();
    SecureRandom random = new SecureRandom();
    PrivateKey key = Ed25519PrivateKey.generate(random);
    Upgrader upgrader = new Upgrader(key, new TransportOptions(), random);
    PeerDialer.Attempt attempt =
        PeerDialer.tcp(new TcpTransport(vertx), () -> upgrader, NO_HOST);
    PeerId peer = PeerId.fromPublicKey(Ed25519PrivateKey.generate(random).publicKey());
    Promise<Void> abandoned = Promise.promise();

    // The upgrade's own bound is a minute: only abandonment can end it sooner.
    Future<ManagedConnection> f = attempt.start(peer,
        Multiaddr.parse("/ip4/127.0.0.1/tcp/" + port), 60_000, abandoned.future());
    await(connected.future());
    abandoned.complete();

    await(hungUp.future(), Duration.ofSeconds(10));
    // Abandoned before or after the connect completed on the dialer's side: either way it fails,
    // as a timeout or as a closed socket, never as a connection.
    Throwable failure = dev.vertxp2p.testing.Await.failure(f);
    assertTrue(failure instanceof dev.vertxp2p.DialTimeoutException
        || failure.getMessage().contains("closed"), failure.toString());
    assertEquals(1, accepted.get());
  }
}
