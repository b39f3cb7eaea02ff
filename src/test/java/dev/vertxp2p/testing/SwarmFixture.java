package dev.vertxp2p.testing;

import static dev.vertxp2p.testing.Await.await;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.Registration;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A Vert.x instance per test and the swarms a test starts on it, all closed afterwards. Tests
 * that run nodes over loopback extend this.
 */
public abstract class SwarmFixture {
  protected Vertx vertx;
  protected final List<Swarm> swarms = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startVertx() {
    vertx = newVertx();
  }

  /** The Vert.x instance each test runs on; a test class that needs it sized otherwise says so. */
  protected Vertx newVertx() {
    return Vertx.vertx();
  }

  @AfterEach
  void closeSwarmsAndVertx() {
    for (Swarm s : swarms) {
      await(s.close());
    }
    swarms.clear();
    await(vertx.close());
  }

  /** Default options listening on a free loopback port. */
  protected static SwarmOptions loopbackOptions() {
    return new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
  }

  /** Creates and starts a swarm; it is closed after the test. */
  protected Swarm started(SwarmOptions options) {
    return track(Swarm.create(vertx, options));
  }

  /** Starts {@code swarm} and closes it after the test. */
  protected Swarm track(Swarm swarm) {
    await(swarm.start());
    swarms.add(swarm);
    return swarm;
  }

  /** Completes when {@code swarm} reports an event matching {@code match}. */
  protected static Future<SwarmEvent> nextEvent(Swarm swarm, Predicate<SwarmEvent> match) {
    Promise<SwarmEvent> p = Promise.promise();
    Registration r = swarm.eventHandler(e -> {
      if (match.test(e)) {
        p.tryComplete(e);
      }
    });
    return p.future().onComplete(ar -> r.unregister());
  }

  /**
   * Completes once {@code condition} holds, looked at every millisecond ({@link Poll}): for a
   * state that no event announces (a counter on a connection, a flag).
   */
  protected Future<Void> vertxTimerUntil(java.util.function.BooleanSupplier condition) {
    return Poll.until(vertx, 1, condition);
  }

  /**
   * Completes once {@code swarm} holds {@code n} connections to {@code peer}. A dial completes
   * when the dialer is done; the listener lists the connection a moment later, once it has read
   * the last handshake message, so a test that looks at the listener's side waits for this.
   */
  protected static Future<Void> connectionsReach(Swarm swarm, PeerId peer, int n) {
    Promise<Void> p = Promise.promise();
    Registration r = swarm.eventHandler(e -> {
      if (peer.equals(e.peer()) && swarm.getConnections(peer).size() == n) {
        p.tryComplete();
      }
    });
    p.future().onComplete(ar -> r.unregister());
    if (swarm.getConnections(peer).size() == n) {
      p.tryComplete();
    }
    return p.future();
  }
}
