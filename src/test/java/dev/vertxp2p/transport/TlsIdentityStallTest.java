package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.tls.HostileTlsConfigs;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.testing.HostileKeys;
import dev.vertxp2p.testing.LogCapture;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile TLS certificates whose host key is an RSA-8192 key with a garbage signature (and, for
 * half of them, an exponent the key parser refuses): connection after connection never holds an
 * event loop past Vert.x's 50 ms limit, pings on a good TLS connection keep a p99 under 50 ms,
 * and each hostile connection is refused with a logged, typed error.
 *
 * <p>What this guards is the bound, under a stream of hostile handshakes. It does not show where
 * the check runs: the key parser caps an RSA check at a few milliseconds, so even run inline it
 * would stay under the limit here. That the TLS handshake's costly steps leave the loop is shown
 * by {@code UpgradeEngineTlsTest} (they are handed out) and {@code ProofCheckerTest} (offloaded
 * tasks run on the identity-check threads).
 */
class TlsIdentityStallTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final long MAX_EXECUTE_MS = 50;
  private static final int CONNECTIONS = 10;
  private static final int BITS = 8192;
  private static final String TLS = TransportOptions.TLS_PROTOCOL;
  private static final String BLOCKED_THREAD_CHECKER = "io.vertx.core.impl.BlockedThreadChecker";

  private Vertx vertx;
  private final List<Swarm> swarms = new ArrayList<>();
  private LogCapture logs;

  @BeforeEach
  void setUp() {
    logs = LogCapture.of(List.of(BLOCKED_THREAD_CHECKER, "dev.vertxp2p.swarm.InboundAdmission",
        Upgrader.class.getName()));
    vertx = Vertx.vertx(new VertxOptions()
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
    Swarm s = Swarm.create(vertx, new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setSecurity(List.of(TLS))));
    await(s.start());
    swarms.add(s);
    return s;
  }

  private List<LogRecord> blockedThreadWarnings() {
    return logs.records().stream()
        .filter(r -> r.getLoggerName().equals(BLOCKED_THREAD_CHECKER)).toList();
  }

  /** Back-to-back pings on the good connection until stopped. */
  private static final class Pinger {
    final List<Double> rtts = Collections.synchronizedList(new ArrayList<>());
    final AtomicBoolean stop = new AtomicBoolean();
    final Promise<Void> done = Promise.promise();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();

    void next(Swarm from, PeerId to) {
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

  private void offer(Swarm server, BigInteger n, BigInteger e) throws Exception {
    TlsConfig hostile = HostileTlsConfigs.withHostKey(HostileKeys.marshaledRsa(n, e),
        HostileKeys.garbageSignature(BITS, RANDOM), TransportOptions.DEFAULT_MUXERS, RANDOM,
        Instant.now());
    try (TlsConnectionTest.RawTls p = TlsConnectionTest.RawTls.connect(server, hostile)) {
      p.awaitClosedByServer();
    }
  }

  @Test
  void hostileRsaHostKeysInCertificatesNeverStallAnEventLoop() throws Exception {
    // the control: a loop held for 4 times the limit is reported to this test's capture
    vertx.runOnContext(v -> {
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(4 * MAX_EXECUTE_MS);
      while (System.nanoTime() < until) {
        Thread.onSpinWait(); // deliberately holding the loop
      }
    });
    logs.await(1, Duration.ofSeconds(20), "the blocked-thread checker",
        r -> r.getLoggerName().equals(BLOCKED_THREAD_CHECKER));
    logs.clear();

    Swarm server = node();
    Swarm good = node();
    await(good.dial(server.listenAddrs().get(0), new DialOptions()));
    await(good.ping(server.peerId()));
    List<BigInteger> moduli = new ArrayList<>();
    for (int i = 0; i < 2 * CONNECTIONS + 1; i++) {
      moduli.add(HostileKeys.modulus(BITS, RANDOM));
    }
    // warm-up outside the measured window: the first run of a path loads classes
    offer(server, moduli.get(2 * CONNECTIONS), HostileKeys.odd(7700, RANDOM));
    logs.await(1, Duration.ofSeconds(30), "the warm-up refusal",
        r -> LogCapture.text(r).contains("inbound connection from"));
    logs.clear();

    Pinger pinger = new Pinger();
    pinger.next(good, server.peerId());
    for (int i = 0; i < CONNECTIONS; i++) {
      offer(server, moduli.get(i), HostileKeys.odd(7700, RANDOM));
      offer(server, moduli.get(CONNECTIONS + i), BigInteger.valueOf(65537));
    }
    logs.await(2 * CONNECTIONS, Duration.ofSeconds(60), "refused connections",
        r -> LogCapture.text(r).contains("inbound connection from")
            && LogCapture.text(r).contains("TlsCertificateException"));
    pinger.stop.set(true);
    await(pinger.done.future());

    assertEquals(List.of(), blockedThreadWarnings().stream().map(LogCapture::text).toList(),
        "an event loop was held past " + MAX_EXECUTE_MS + " ms");
    assertEquals(List.of(), pinger.errors);
    assertTrue(pinger.rtts.size() >= 20, "too few pings to judge: " + pinger.rtts.size());
    double p99 = pinger.p99();
    assertTrue(p99 < MAX_EXECUTE_MS, "ping p99 " + p99 + " ms over " + pinger.rtts.size()
        + " pings; expected under " + MAX_EXECUTE_MS + " ms");
    assertTrue(server.getConnections().size() == 1, "only the good peer is connected");
  }
}
