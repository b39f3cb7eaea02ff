package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.testing.LogCapture;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the tests that offer hostile identities connection after connection share: a Vert.x whose
 * blocked-thread checker reports any event loop held past {@value #MAX_EXECUTE_MS} ms, a capture
 * of that report and of the refusals, the control that the report is heard, back-to-back pings on
 * a good connection meanwhile, and the verdict that no loop was held and the pings kept up.
 */
abstract class IdentityStallFixture extends SwarmFixture {
  static final SecureRandom RANDOM = new SecureRandom();
  static final long MAX_EXECUTE_MS = 50;
  static final int BITS = 8192;
  /** Vert.x logs blocked-thread warnings under this name. */
  static final String BLOCKED_THREAD_CHECKER = "io.vertx.core.impl.BlockedThreadChecker";

  private final List<String> loggers;
  private final VertxOptions vertxOptions;
  protected LogCapture logs;

  /**
   * @param loggers what to capture besides the blocked-thread checker
   * @param vertxOptions the Vert.x options before the checker's limits are set on them
   */
  IdentityStallFixture(List<String> loggers, VertxOptions vertxOptions) {
    List<String> all = new ArrayList<>(List.of(BLOCKED_THREAD_CHECKER));
    all.addAll(loggers);
    this.loggers = List.copyOf(all);
    this.vertxOptions = vertxOptions;
  }

  @Override
  protected Vertx newVertx() {
    return Vertx.vertx(new VertxOptions(vertxOptions)
        .setMaxEventLoopExecuteTime(MAX_EXECUTE_MS)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(10)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
  }

  @BeforeEach
  void captureLogs() {
    logs = LogCapture.of(loggers);
  }

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  private List<LogRecord> blockedThreadWarnings() {
    return logs.records().stream()
        .filter(r -> r.getLoggerName().equals(BLOCKED_THREAD_CHECKER)).toList();
  }

  /**
   * The control: an event loop held for 4 times the limit is reported, and the report reaches
   * this test's capture. Without it, a silent checker could mean a deaf test.
   */
  void assertTheCheckerIsHeard() throws InterruptedException {
    vertx.runOnContext(v -> {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4 * MAX_EXECUTE_MS);
      while (System.nanoTime() < until) {
        Thread.onSpinWait(); // deliberately holding the loop
      }
    });
    logs.await(1, Duration.ofSeconds(20), "the blocked-thread checker",
        r -> r.getLoggerName().equals(BLOCKED_THREAD_CHECKER));
    logs.clear();
  }

  /** {@code good} dials {@code server} and pings it once: the connection the pings will use. */
  static void connectGood(Swarm good, Swarm server) {
    await(good.dial(server.listenAddrs().get(0), new DialOptions()));
    await(good.ping(server.peerId()));
  }

  /** Back-to-back pings on the good connection until stopped; their round trips in ms. */
  static final class Pinger {
    final List<Double> rtts = Collections.synchronizedList(new ArrayList<>());
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Promise<Void> done = Promise.promise();

    /** Starts pinging {@code to} from {@code from}. */
    static Pinger start(Swarm from, PeerId to) {
      Pinger p = new Pinger();
      p.next(from, to);
      return p;
    }

    private void next(Swarm from, PeerId to) {
      if (stop.get()) {
        done.tryComplete();
        return;
      }
      from.ping(to).onComplete(ar -> {
        if (ar.succeeded()) {
          rtts.add(ar.result());
        } else {
          errors.add(ar.cause());
        }
        next(from, to);
      });
    }

    /** Stops after the ping in flight, and waits for it. */
    void stop() {
      stop.set(true);
      await(done.future());
    }

    double p99() {
      List<Double> sorted = new ArrayList<>(rtts);
      Collections.sort(sorted);
      return sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
    }
  }

  /**
   * The verdict on the window {@code pinger} ran through: the checker reported nothing, every
   * ping came back, enough of them to judge, and their p99 stayed under the limit; that p99.
   */
  double assertNoLoopWasHeld(Pinger pinger) {
    assertEquals(List.of(), blockedThreadWarnings().stream().map(LogCapture::text).toList(),
        "an event loop was held past " + MAX_EXECUTE_MS + " ms");
    assertEquals(List.of(), pinger.errors);
    assertTrue(pinger.rtts.size() >= 20, "too few pings to judge: " + pinger.rtts.size());
    double p99 = pinger.p99();
    assertTrue(p99 < MAX_EXECUTE_MS, "ping p99 " + p99 + " ms over " + pinger.rtts.size()
        + " pings; expected under " + MAX_EXECUTE_MS + " ms");
    return p99;
  }
}
