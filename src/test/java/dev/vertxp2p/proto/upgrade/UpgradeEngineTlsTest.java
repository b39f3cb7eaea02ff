package dev.vertxp2p.proto.upgrade;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.proto.multistream.NoProtocolSupportedException;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseIdentitySigner;
import dev.vertxp2p.proto.tls.TlsCertificateException;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.proto.tls.TlsSession;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The upgrade over {@code /tls/1.0.0}, and the choice between it and Noise, engine to engine. */
class UpgradeEngineTlsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");
  private static final String NOISE = "/noise";
  private static final String TLS = "/tls/1.0.0";
  private static final String YAMUX = "/yamux/1.0.0";
  private static final String MPLEX = "/mplex/6.7.0";

  private final PrivateKey alice = Ed25519PrivateKey.generate(RANDOM);
  private final PrivateKey bob = Ed25519PrivateKey.generate(RANDOM);

  private static NoiseConfig noise(PrivateKey key) {
    byte[] pub = key.publicKey().marshal();
    return NoiseConfig.deferredBuilder(new NoiseIdentitySigner() {
      @Override
      public byte[] publicKeyProtobuf() {
        return pub;
      }

      @Override
      public byte[] sign(byte[] data) {
        return key.sign(data);
      }
    }).random(RANDOM).build();
  }

  private static TlsConfig tls(PrivateKey key, List<String> alpnMuxers, boolean defer) {
    return TlsConfig.builder(key).muxers(alpnMuxers).random(RANDOM).deferTasks(defer).build();
  }

  /** Moves bytes both ways {@code chunk} at a time, running handed-out TLS tasks, until quiet. */
  private static void pump(UpgradeEngine a, UpgradeEngine b, int chunk) {
    boolean moved = true;
    while (moved) {
      moved = deliver(a, b, chunk) | deliver(b, a, chunk) | runTasks(a) | runTasks(b);
    }
  }

  private static boolean runTasks(UpgradeEngine e) {
    if (e.isDone() || e.isFailed()) {
      return false;
    }
    Optional<Runnable> tasks = e.pendingTlsTasks();
    tasks.ifPresent(t -> {
      t.run();
      e.tlsTasksDone();
    });
    return tasks.isPresent();
  }

  private static boolean deliver(UpgradeEngine from, UpgradeEngine to, int chunk) {
    boolean moved = false;
    for (byte[] m; (m = from.pollOutbound()) != null; moved = true) {
      for (int off = 0; off < m.length && !to.isDone() && !to.isFailed(); off += chunk) {
        to.receive(m, off, Math.min(chunk, m.length - off));
      }
    }
    return moved;
  }

  private static String roundTrip(TlsSession from, TlsSession to, String text) {
    byte[] plain = text.getBytes(StandardCharsets.UTF_8);
    byte[] wire = from.encrypt(plain, 0, plain.length);
    return new String(to.decrypt(wire, 0, wire.length), StandardCharsets.UTF_8);
  }

  @Test
  void tlsCarriesTheMuxerInAlpn() {
    UpgradeEngine a = UpgradeEngine.initiator(null, tls(alice, List.of(YAMUX, MPLEX), false),
        List.of(TLS), List.of(YAMUX, MPLEX), PeerId.fromPublicKey(bob.publicKey()), NOW);
    UpgradeEngine b = UpgradeEngine.responder(null, tls(bob, List.of(MPLEX, YAMUX), false),
        List.of(TLS), List.of(MPLEX, YAMUX), NOW);
    pump(a, b, Integer.MAX_VALUE);
    assertTrue(a.isDone() && b.isDone(), a.stage() + " / " + b.stage());
    assertEquals(TLS, a.security());
    assertEquals(TLS, b.security());
    assertEquals(YAMUX, a.muxer(), "the dialer's preference wins in ALPN");
    assertEquals(YAMUX, b.muxer());
    assertEquals(PeerId.fromPublicKey(bob.publicKey()), a.tlsRemotePeer());
    assertEquals(PeerId.fromPublicKey(alice.publicKey()), b.tlsRemotePeer());
    assertArrayEquals(alice.publicKey().marshal(), b.remoteIdentityKey());
    assertNull(a.session(), "no Noise session over TLS");
    assertEquals("hi", roundTrip(a.tlsSession(), b.tlsSession(), "hi"));
    assertEquals(0, a.ciphertextLeftover().length);
  }

  @Test
  void withoutAlpnMuxersTheMuxerIsNegotiatedInsideTheSessionInSmallChunks() {
    UpgradeEngine a = UpgradeEngine.initiator(noise(alice), tls(alice, List.of(), true),
        List.of(TLS, NOISE), List.of(MPLEX), null, NOW);
    UpgradeEngine b = UpgradeEngine.responder(noise(bob), tls(bob, List.of(YAMUX), true),
        List.of(NOISE, TLS), List.of(YAMUX, MPLEX), NOW);
    pump(a, b, 7);
    assertTrue(a.isDone() && b.isDone(), a.stage() + " / " + b.stage());
    assertEquals(TLS, a.security(), "the dialer's first choice the listener supports");
    assertEquals(MPLEX, a.muxer());
    assertEquals(MPLEX, b.muxer());
    assertEquals("after", roundTrip(b.tlsSession(), a.tlsSession(), "after"));
  }

  @Test
  void theDialersOrderDecides() {
    UpgradeEngine a = UpgradeEngine.initiator(noise(alice), tls(alice, List.of(YAMUX), false),
        List.of(NOISE, TLS), List.of(YAMUX), null, NOW);
    UpgradeEngine b = UpgradeEngine.responder(noise(bob), tls(bob, List.of(YAMUX), false),
        List.of(TLS, NOISE), List.of(YAMUX), NOW);
    pump(a, b, Integer.MAX_VALUE);
    // Noise proofs are deferred here; the engines stop at the proof, past the choice.
    assertEquals(NOISE, a.security());
    assertEquals(NOISE, b.security());
  }

  @Test
  void noCommonSecurityProtocolFails() {
    UpgradeEngine a = UpgradeEngine.initiator(noise(alice), null, List.of(NOISE),
        List.of(YAMUX), null, NOW);
    UpgradeEngine b = UpgradeEngine.responder(null, tls(bob, List.of(), false), List.of(TLS),
        List.of(YAMUX), NOW);
    NoProtocolSupportedException e = assertThrows(NoProtocolSupportedException.class,
        () -> pump(a, b, Integer.MAX_VALUE));
    assertTrue(e.getMessage().contains(NOISE), e.getMessage());
    assertTrue(a.isFailed());
  }

  @Test
  void anUnexpectedPeerIsRefusedByTheDialer() {
    PrivateKey carol = Ed25519PrivateKey.generate(RANDOM);
    UpgradeEngine a = UpgradeEngine.initiator(null, tls(alice, List.of(YAMUX), true),
        List.of(TLS), List.of(YAMUX), PeerId.fromPublicKey(carol.publicKey()), NOW);
    UpgradeEngine b = UpgradeEngine.responder(null, tls(bob, List.of(YAMUX), false),
        List.of(TLS), List.of(YAMUX), NOW);
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> pump(a, b, Integer.MAX_VALUE));
    assertEquals(TlsCertificateException.Reason.UNEXPECTED_PEER, e.reason());
    assertEquals(PeerId.fromPublicKey(bob.publicKey()), e.provedPeer());
    assertTrue(a.isFailed());
    assertEquals(UpgradeEngine.Stage.HANDSHAKE, a.lastStage());
  }

  @Test
  void destroyGivesUpAHandshakeWaitingForTasks() {
    UpgradeEngine a = UpgradeEngine.initiator(null, tls(alice, List.of(YAMUX), false),
        List.of(TLS), List.of(YAMUX), null, NOW);
    UpgradeEngine b = UpgradeEngine.responder(null, tls(bob, List.of(YAMUX), true),
        List.of(TLS), List.of(YAMUX), NOW);
    deliver(a, b, Integer.MAX_VALUE); // multistream proposal
    deliver(b, a, Integer.MAX_VALUE); // its answer; the dialer then sends its ClientHello
    deliver(a, b, Integer.MAX_VALUE);
    Optional<Runnable> tasks = b.pendingTlsTasks();
    assertTrue(tasks.isPresent(), "the listener waits for its ClientHello tasks");
    assertTrue(b.pendingTlsTasks().isEmpty(), "handed out once");
    b.destroy();
    assertTrue(b.isFailed());
    assertThrows(IllegalStateException.class, b::tlsTasksDone);
  }
}
