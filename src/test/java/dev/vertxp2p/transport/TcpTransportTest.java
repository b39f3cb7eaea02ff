package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Multiaddr;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TcpTransportTest {
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  /**
   * Once closeListeners() completes the port refuses connections. Netty reports a server channel
   * closed before the JDK releases its socket (at the acceptor's next select), so without waiting
   * for that a connect made right after the close was accepted about once in a hundred rounds.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void afterCloseListenersThePortRefuses(boolean spread) {
    NetClient client = vertx.createNetClient();
    for (int round = 0; round < 300; round++) {
      TcpTransport t = new TcpTransport(vertx, spread);
      Multiaddr bound = await(t.listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"), s -> s.close()));
      int port = bound.port().getAsInt();
      await(t.closeListeners(Duration.ofSeconds(1)));
      Throwable err = failure(client.connect(port, "127.0.0.1"));
      int r = round;
      assertTrue(String.valueOf(err.getMessage()).toLowerCase().contains("refused"),
          () -> "round " + r + ": port " + port + " after closeListeners: " + err);
      await(t.close());
    }
  }
}
