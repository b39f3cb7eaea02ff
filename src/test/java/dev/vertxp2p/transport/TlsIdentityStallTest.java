package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.tls.HostileTlsConfigs;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.testing.HostileKeys;
import dev.vertxp2p.testing.LogCapture;
import io.vertx.core.VertxOptions;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
class TlsIdentityStallTest extends IdentityStallFixture {
  private static final int CONNECTIONS = 10;
  private static final String TLS = TransportOptions.TLS_PROTOCOL;

  TlsIdentityStallTest() {
    super(List.of("dev.vertxp2p.swarm.InboundAdmission", Upgrader.class.getName()),
        new VertxOptions());
  }

  private Swarm node() {
    return started(new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setSecurity(List.of(TLS))));
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
    assertTheCheckerIsHeard();
    Swarm server = node();
    Swarm good = node();
    connectGood(good, server);
    List<BigInteger> moduli = new ArrayList<>();
    for (int i = 0; i < 2 * CONNECTIONS + 1; i++) {
      moduli.add(HostileKeys.modulus(BITS, RANDOM));
    }
    // warm-up outside the measured window: the first run of a path loads classes
    offer(server, moduli.get(2 * CONNECTIONS), HostileKeys.odd(7700, RANDOM));
    logs.await(1, Duration.ofSeconds(30), "the warm-up refusal",
        r -> LogCapture.text(r).contains("inbound connection from"));
    logs.clear();

    Pinger pinger = Pinger.start(good, server.peerId());
    for (int i = 0; i < CONNECTIONS; i++) {
      offer(server, moduli.get(i), HostileKeys.odd(7700, RANDOM));
      offer(server, moduli.get(CONNECTIONS + i), BigInteger.valueOf(65537));
    }
    logs.await(2 * CONNECTIONS, Duration.ofSeconds(60), "refused connections",
        r -> LogCapture.text(r).contains("inbound connection from")
            && LogCapture.text(r).contains("TlsCertificateException"));
    pinger.stop();

    assertNoLoopWasHeld(pinger);
    assertTrue(server.getConnections().size() == 1, "only the good peer is connected");
  }
}
