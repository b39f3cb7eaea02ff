package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionConfig;
import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.RetryConfig;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Dial attempts complete on their connection's event loop, never the swarm's; the dialer's state
 * (the retrying dialer's timers, settled flags and backoff) must still be touched on the owner
 * only. A scheduler that records the thread of every call makes a slip visible every time.
 */
class PeerDialerThreadingTest {
  private Vertx vertx;
  private ContextInternal ownerLoop;
  private ContextInternal connectionLoop;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    VertxInternal internal = (VertxInternal) vertx;
    ownerLoop = internal.createEventLoopContext();
    connectionLoop = internal.createEventLoopContext();
    while (connectionLoop.nettyEventLoop() == ownerLoop.nettyEventLoop()) {
      connectionLoop = internal.createEventLoopContext();
    }
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  /** Vert.x timers, set from wherever schedule is called; records whether that was the owner. */
  private static final class RecordingScheduler implements Scheduler {
    final Owner owner;
    final Vertx vertx;
    final List<Boolean> calledOnOwner = new CopyOnWriteArrayList<>();

    RecordingScheduler(Owner owner, Vertx vertx) {
      this.owner = owner;
      this.vertx = vertx;
    }

    @Override
    public Cancellable schedule(long delayMillis, Runnable task) {
      calledOnOwner.add(owner.isCurrent());
      long id = vertx.setTimer(Math.max(1, delayMillis), t -> task.run());
      return () -> vertx.cancelTimer(id);
    }
  }

  @Test
  void attemptsFailingOnAnotherLoopAreRetriedFromTheOwner() {
    Owner owner = new Owner(ownerLoop, "swarm");
    RecordingScheduler scheduler = new RecordingScheduler(owner, vertx);
    RetryConfig retry = new RetryConfig().setMaxRetries(2).setDelays(0.01, 0.02);
    ConnectionConfig connection = new ConnectionConfig().setMaxConnectionsPerPeer(3)
        .setConnectionTimeout(5.0);
    SwarmEvents events = new SwarmEvents(owner, Clock.systemUTC());
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    events.add(seen::add);
    ConnectionRegistry registry = new ConnectionRegistry(owner, events,
        ConnectionSelector.create(LoadBalancingStrategy.ROUND_ROBIN),
        new PeerConnectionLimiter(3), new ConnectionBudget(new LimitsOptions()));
    PeerStore peers = new PeerStore(owner, 16, registry::holdsSlots);
    AtomicInteger attempts = new AtomicInteger();
    // Every attempt fails on the connection's loop, as a refused or broken socket does.
    PeerDialer.Attempt failing = (peer, addr, timeoutMs, abandoned) -> {
      Promise<dev.vertxp2p.transport.ManagedConnection> p = connectionLoop.promise();
      connectionLoop.runOnContext(v -> {
        attempts.incrementAndGet();
        p.fail(new IllegalStateException("refused (attempt " + attempts.get() + ")"));
      });
      return p.future();
    };
    RetryingDialer retrying = new RetryingDialer(scheduler, retry, connection,
        new Backoff(retry, () -> 0.5));
    PeerDialer dialer = new PeerDialer(owner, connection, retrying, failing, registry, peers,
        events, dev.vertxp2p.util.SystemClock.NANOS, () -> false, () -> null, c -> { },
        new DialQueue(owner, 100, 8));
    PeerId peer = PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());

    Promise<List<Connection>> result = Promise.promise();
    ownerLoop.runOnContext(v -> {
      peers.addAddresses(peer, List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/9")));
      dialer.dialPeer(peer, 1).onComplete(result);
    });
    Throwable failure = assertThrows(RuntimeException.class, () -> await(result.future()));

    assertInstanceOf(DialFailedException.class, failure);
    assertEquals(3, attempts.get(), "maxRetries 2: three attempts on the one address");
    // Three attempt timeouts and two backoff delays, each set by the owner.
    assertEquals(List.of(true, true, true, true, true), scheduler.calledOnOwner);
    assertEquals(2, seen.stream().filter(e -> e.type().equals(SwarmEvent.DIAL_RETRY)).count());
    assertTrue(seen.stream().anyMatch(e -> e.type().equals(SwarmEvent.DIAL_FAILED)));
  }

  /** Needed by the assertion above: a future completed off the owner says so. */
  @Test
  void theAttemptReallyCompletesOffTheOwner() {
    Owner owner = new Owner(ownerLoop, "swarm");
    Promise<Boolean> where = Promise.promise();
    connectionLoop.runOnContext(v -> where.complete(owner.isCurrent()));
    assertEquals(false, await(where.future()));
    assertEquals(Boolean.TRUE, await(Future.<Boolean>future(p ->
        ownerLoop.runOnContext(v -> p.complete(owner.isCurrent())))));
  }
}
