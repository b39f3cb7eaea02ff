package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.testing.LogCapture;
import dev.vertxp2p.testing.HostileKeys;
import dev.vertxp2p.testing.RawPeer;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, point 1, end to end: a peer offering RSA identities built to be costly (fresh 8192-bit
 * moduli that pass a small-factor screen, with a ~7,700-bit exponent, then with e = 65537) on
 * connection after connection never holds an event loop past Vert.x's 50 ms limit. The blocked-
 * thread checker stays silent, pings on a good connection keep a p99 under 50 ms meanwhile, each
 * hostile connection is refused with a logged, typed error, and the node keeps serving.
 */
class RsaIdentityStallTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long MAX_EXECUTE_MS = 50;
  private static final int CONNECTIONS = 20;
  private static final int BITS = 8192;
  /** Vert.x logs blocked-thread warnings under this name. */
  private static final String BLOCKED_THREAD_CHECKER = "io.vertx.core.impl.BlockedThreadChecker";
  private static final List<String> LOGGERS = List.of(BLOCKED_THREAD_CHECKER,
      "dev.vertxp2p.swarm.InboundAdmission", Upgrader.class.getName(),
      "dev.vertxp2p.transport.ProofChecker");

  private Vertx vertx;
  private final List<Swarm> swarms = new ArrayList<>();
  private LogCapture logs;

  @BeforeEach
  void setUp() {
    logs = LogCapture.of(LOGGERS);
    vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(4)
        .setMaxEventLoopExecuteTime(MAX_EXECUTE_MS)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(10)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS));
  }

  @AfterEach
  void tearDown() {
    logs.close();
    for (Swarm s : swarms) {
      await(s.close());
    }
    await(vertx.close());
  }

  private Swarm node() {
    Swarm s = Swarm.create(vertx, new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0")));
    await(s.start());
    swarms.add(s);
    return s;
  }

  private List<LogRecord> blockedThreadWarnings() {
    return logs.records().stream()
        .filter(r -> r.getLoggerName().equals(BLOCKED_THREAD_CHECKER)).toList();
  }

  /** Waits until {@code count} captured lines match, bounded. */
  private void awaitLogged(int count, String what, Predicate<String> match)
      throws InterruptedException {
    logs.await(count, Duration.ofSeconds(20), what, r -> match.test(LogCapture.text(r)));
  }

  /**
   * The control: an event loop held for 4 times the limit is reported, and the report reaches
   * this test's capture. Without it, a silent checker could mean a deaf test.
   */
  private void assertTheCheckerIsHeard() throws InterruptedException {
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

  /** Back-to-back pings on the good connection until stopped; their round trips in ms. */
  private static final class Pinger {
    final List<Double> rtts = Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean stop = new AtomicBoolean();
    final Promise<Void> done = Promise.promise();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    void start(Swarm from, PeerId to) {
      next(from, to);
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

    double p99() {
      List<Double> sorted = new ArrayList<>(rtts);
      Collections.sort(sorted);
      return sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
    }
  }

  /** One hostile connection: the handshake with (n, e) and a garbage signature, then the close. */
  private void offerRsa(int port, BigInteger n, BigInteger e) throws Exception {
    try (RawPeer p = RawPeer.connect("127.0.0.1", port)) {
      p.secure(RawPeer.Identity.forged(HostileKeys.marshaledRsa(n, e),
          HostileKeys.garbageSignature(BITS, RANDOM)), List.of(TransportOptions.YAMUX_PROTOCOL));
      // our message 3 carried the identity; the server refuses it and closes
      p.awaitClosedByServer();
    }
  }

  @Test
  void hostileRsaIdentitiesNeverStallAnEventLoop() throws Exception {
    assertTheCheckerIsHeard();
    Swarm server = node();
    Swarm good = node();
    int port = server.listenAddrs().get(0).port().getAsInt();
    await(good.dial(server.listenAddrs().get(0), new DialOptions()));
    await(good.ping(server.peerId()));
    // keys made before the clock of the pings starts
    List<BigInteger> moduli = new ArrayList<>();
    List<BigInteger> hugeExponents = new ArrayList<>();
    for (int i = 0; i < 2 * CONNECTIONS; i++) {
      moduli.add(HostileKeys.modulus(BITS, RANDOM));
    }
    for (int i = 0; i < CONNECTIONS; i++) {
      hugeExponents.add(HostileKeys.odd(7700, RANDOM));
    }
    // Warm-up, outside the measured window: one hostile connection of each kind. On a cold JVM
    // the first run of any path loads classes and interprets, and the start of the nodes above
    // alone holds a loop past 50 ms; that happens once per process, and no remote can make it
    // happen again. What the measured window asserts is what a remote can repeat.
    offerRsa(port, HostileKeys.modulus(BITS, RANDOM), HostileKeys.odd(7700, RANDOM));
    offerRsa(port, HostileKeys.modulus(BITS, RANDOM), BigInteger.valueOf(65537));
    awaitLogged(2, "the warm-up refusals", s -> s.contains("inbound connection from"));
    logs.clear();

    Pinger pinger = new Pinger();
    pinger.start(good, server.peerId());
    for (int i = 0; i < CONNECTIONS; i++) {
      offerRsa(port, moduli.get(i), hugeExponents.get(i));
    }
    for (int i = 0; i < CONNECTIONS; i++) {
      offerRsa(port, moduli.get(CONNECTIONS + i), BigInteger.valueOf(65537));
    }
    // the server has handled all of them once each refusal is logged, as a typed error
    awaitLogged(2 * CONNECTIONS, "refused connections", s -> s.contains("inbound connection from")
        && s.contains("NoiseException"));
    pinger.stop.set(true);
    await(pinger.done.future());

    assertEquals(List.of(), blockedThreadWarnings().stream().map(LogCapture::text)
        .toList(), "an event loop was held past " + MAX_EXECUTE_MS + " ms");
    assertEquals(List.of(), pinger.errors);
    assertTrue(pinger.rtts.size() >= 20, "too few pings to judge: " + pinger.rtts.size());
    double p99 = pinger.p99();
    System.out.println("rsa identities: " + 2 * CONNECTIONS + " hostile connections refused; ping"
        + " p99 " + p99 + " ms over " + pinger.rtts.size() + " pings; blocked-thread warnings 0");
    assertTrue(p99 < MAX_EXECUTE_MS, "ping p99 " + p99 + " ms over " + pinger.rtts.size()
        + " pings; expected under " + MAX_EXECUTE_MS + " ms");
    // each refusal says why: the exponent bound at parse, the signature on a worker
    awaitLogged(CONNECTIONS, "huge exponents refused", s -> s.contains("NoiseException")
        && s.contains("RSA public exponent must be less than 2^32, got one of 7700 bits"));
    awaitLogged(CONNECTIONS, "bad RSA signatures refused", s -> s.contains("NoiseException")
        && s.contains("remote's RSA signature over its Noise static key does not verify"));

    // the node keeps serving: the good connection lives on, and a new peer gets in
    assertEquals(1, good.getConnections(server.peerId()).size());
    Swarm late = node();
    await(late.dial(server.listenAddrs().get(0), new DialOptions()));
    assertTrue(await(late.ping(server.peerId())) > 0);
  }
}
