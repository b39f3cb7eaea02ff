package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.HandshakeTimeoutException;
import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.KeyType;
import dev.vertxp2p.testing.HostileKeys;
import dev.vertxp2p.testing.RawPeer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upgrade's timeout runs on while a worker checks the remote's identity: a check that never
 * answers in time ends the handshake with a {@link HandshakeTimeoutException} and closes the
 * socket, and its late verdict changes nothing.
 */
class PendingProofTimeoutTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Vertx vertx;
  private TcpTransport transport;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    transport = new TcpTransport(vertx, true);
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    await(transport.close());
    await(vertx.close());
  }

  private static final class NoHost implements ConnectionHost {
    @Override
    public Predicate<String> supportedProtocols() {
      return p -> false;
    }

    @Override
    public List<String> protocolList() {
      return List.of();
    }

    @Override
    public void onInboundStream(P2pStream stream) {}

    @Override
    public Future<Void> onConnectionClosed(Connection connection, Throwable cause) {
      return Future.succeededFuture();
    }
  }

  private static Multiaddr addr(SocketAddress a) {
    return Multiaddr.parse("/ip4/" + a.hostAddress() + "/tcp/" + a.port());
  }

  @Test
  void theHandshakeTimesOutWhileAWorkerHoldsTheProof() throws Exception {
    CountDownLatch checking = new CountDownLatch(1);
    Upgrader upgrader = new Upgrader(Ed25519PrivateKey.generate(RANDOM), new TransportOptions(),
        new LimitsOptions(), RANDOM, (key, proof) -> {
          if (key.type() == KeyType.RSA) {
            checking.countDown();
            try {
              // a worker thread that answers only when the test says so; never an event loop
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return false;
        });
    Promise<MuxedConnection> upgraded = Promise.promise();
    Multiaddr listen = await(transport.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"),
        socket -> upgrader.upgrade(Vertx.currentContext(), socket, Connection.Direction.INBOUND,
            null, addr(socket.localAddress()), addr(socket.remoteAddress()), new NoHost(), 300)
            .onComplete(upgraded)));
    // made before connecting: the 300 ms start with the connection
    RawPeer.Identity rsa = RawPeer.Identity.forged(
        HostileKeys.marshaledRsa(HostileKeys.modulus(8192, RANDOM), BigInteger.valueOf(65537)),
        HostileKeys.garbageSignature(8192, RANDOM));
    try (RawPeer peer = RawPeer.connect("127.0.0.1", listen.port().getAsInt())) {
      peer.secure(rsa, List.of());
      assertTrue(checking.await(10, TimeUnit.SECONDS), "the proof never reached a worker");
      Throwable t = failure(upgraded.future());
      assertInstanceOf(HandshakeTimeoutException.class, t);
      assertTrue(t.getMessage().contains("timed out after 300 ms (stage handshake)"),
          t.getMessage());
      peer.awaitClosedByServer();
    }
    release.countDown(); // the late verdict lands on an upgrade already failed
    await(upgrader.close());
  }
}
