package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.proto.upgrade.UpgradeEngine;
import java.util.List;

/**
 * The whole upgrade as the upgrader runs it ({@link UpgradeEngine}: multistream {@code /noise},
 * the Noise handshake with the identity proof left to the caller, the muxer choice), fed what a
 * hostile remote might send. Only {@link ProtocolException}s may escape; an engine that threw is
 * failed and takes no more input; what it writes stays proportional to what it read; a finished
 * upgrade picked one of its own muxers.
 */
class UpgradeFuzzTest {
  private static final List<String> MUXERS = List.of(NoisePeers.YAMUX, NoisePeers.MPLEX);

  private static UpgradeEngine responder() {
    return UpgradeEngine.responder(NoisePeers.deferred(
        NoisePeers.signer(NoisePeers.RESPONDER_IDENTITY), 0x41).build(), MUXERS);
  }

  private static UpgradeEngine initiator() {
    return UpgradeEngine.initiator(NoisePeers.deferred(
        NoisePeers.signer(NoisePeers.INITIATOR_IDENTITY), 0x31).build(), MUXERS);
  }

  private static final java.time.Instant NOW = java.time.Instant.parse("2026-12-06T00:00:00Z");
  private static final dev.vertxp2p.proto.tls.TlsConfig TLS_LISTENER =
      dev.vertxp2p.proto.tls.TlsConfig.builder(NoisePeers.RESPONDER_IDENTITY)
          .certificate(dev.vertxp2p.proto.tls.Libp2pTlsCertificate.create(
              NoisePeers.RESPONDER_IDENTITY, NoisePeers.RANDOM, NOW))
          .muxers(MUXERS).random(NoisePeers.RANDOM).deferTasks(true).build();

  /**
   * A listener offering Noise and TLS, after a dialer's multistream-select of {@code
   * /tls/1.0.0}: the fuzzer's bytes are the dialer's TLS records (its ClientHello and what
   * follows), the TLS tasks run where the upgrader would hand them out.
   */
  @FuzzTest(maxDuration = "60s")
  void tlsResponder(FuzzedDataProvider data) {
    UpgradeEngine responder = UpgradeEngine.responder(NoisePeers.deferred(
            NoisePeers.signer(NoisePeers.RESPONDER_IDENTITY), 0x41).build(), TLS_LISTENER,
        List.of(NoiseHandshake.PROTOCOL_ID, dev.vertxp2p.proto.tls.TlsHandshake.PROTOCOL_ID),
        MUXERS, NOW);
    MultistreamInitiator ms =
        new MultistreamInitiator(List.of(dev.vertxp2p.proto.tls.TlsHandshake.PROTOCOL_ID));
    for (byte[] m; (m = ms.pollOutbound()) != null; ) {
      responder.receive(m, 0, m.length);
    }
    for (byte[] m; (m = responder.pollOutbound()) != null; ) {
      ms.receive(m, 0, m.length);
    }
    assertTrue(ms.isDone(), "the listener accepts /tls/1.0.0");
    assertEquals(UpgradeEngine.Stage.HANDSHAKE, responder.stage());
    feed(responder, data.consumeBytes(1 << 16), data);
  }

  /** A listener's upgrade fed raw bytes from the first byte on. */
  @FuzzTest(maxDuration = "60s")
  void responder(FuzzedDataProvider data) {
    feed(responder(), data.consumeBytes(1 << 16), data);
  }

  /** A dialer's upgrade fed raw bytes from the first byte on. */
  @FuzzTest(maxDuration = "60s")
  void initiator(FuzzedDataProvider data) {
    feed(initiator(), data.consumeBytes(1 << 16), data);
  }

  /**
   * A listener's upgrade after a real, deterministic dialer has negotiated {@code /noise} and
   * completed the handshake without the muxer extension: the fuzzer's bytes are what the dialer
   * sends inside the encrypted channel, where the muxer is negotiated.
   */
  @FuzzTest(maxDuration = "60s")
  void muxerNegotiation(FuzzedDataProvider data) {
    UpgradeEngine responder = responder();
    MultistreamInitiator ms = new MultistreamInitiator(List.of(NoiseHandshake.PROTOCOL_ID));
    NoiseHandshake dialer = NoiseHandshake.initiator(NoisePeers.config(
        NoisePeers.signer(NoisePeers.INITIATOR_IDENTITY), 0x31).streamMuxers(List.of()).build());
    for (byte[] m; (m = ms.pollOutbound()) != null; ) {
      responder.receive(m, 0, m.length);
    }
    for (byte[] m; (m = responder.pollOutbound()) != null; ) {
      ms.receive(m, 0, m.length);
    }
    for (int round = 0; round < 4 && !dialer.isComplete(); round++) {
      for (byte[] m; (m = dialer.pollOutbound()) != null; ) {
        responder.receive(m, 0, m.length);
      }
      responder.pendingProof().ifPresent(p -> settle(responder, p));
      for (byte[] m; (m = responder.pollOutbound()) != null; ) {
        dialer.receive(m, 0, m.length);
      }
    }
    for (byte[] m; (m = dialer.pollOutbound()) != null; ) {
      responder.receive(m, 0, m.length);
    }
    responder.pendingProof().ifPresent(p -> settle(responder, p));
    assertEquals(UpgradeEngine.Stage.MUXER, responder.stage(), "the honest handshake completes");

    NoiseSession channel = dialer.session();
    byte[] plain = data.consumeBytes(1 << 15);
    int pos = 0;
    while (pos < plain.length && !responder.isDone()) {
      int len = Math.min(plain.length - pos,
          Math.min(NoiseSession.MAX_PLAINTEXT_LENGTH, data.consumeInt(1, 1 << 15)));
      byte[] wire = channel.encrypt(plain, pos, len);
      pos += len;
      try {
        responder.receive(wire, 0, wire.length);
      } catch (ProtocolException e) {
        assertFailedForGood(responder);
        return;
      }
      while (responder.pollOutbound() != null) {
        // the answers to the dialer: proportional to what it sent, checked in feed's targets
      }
    }
    if (responder.isDone()) {
      assertTrue(MUXERS.contains(responder.muxer()), responder.muxer());
    }
  }

  /** The upgrader's verdict on a proof: the project's own decoding and verification. */
  private static void settle(UpgradeEngine engine, IdentityProof proof) {
    try {
      NoisePeers.VERIFIER.verify(proof.identityKey(), proof.signature(), proof.signedData());
    } catch (NoiseException refused) {
      assertThrows(NoiseException.class, () -> engine.proofRejected(refused));
      return;
    }
    engine.proofAccepted();
  }

  private static void feed(UpgradeEngine engine, byte[] wire, FuzzedDataProvider data) {
    long written = 0;
    int pos = 0;
    while (pos < wire.length && !engine.isDone() && !engine.isFailed()) {
      int len = Math.min(wire.length - pos, data.consumeInt(1, 1 << 16));
      try {
        engine.receive(wire, pos, len);
        pos += len;
        if (engine.pendingProof().isPresent()) {
          settle(engine, engine.pendingProof().get());
        }
        java.util.Optional<Runnable> tasks = engine.pendingTlsTasks();
        if (tasks.isPresent()) {
          tasks.get().run();
          engine.tlsTasksDone();
        }
      } catch (ProtocolException e) {
        assertFailedForGood(engine);
        return;
      }
      for (byte[] m; (m = engine.pollOutbound()) != null; ) {
        written += m.length;
      }
      // Every answer is bounded by what asked for it: a multistream "na" per proposal line, the
      // two Noise messages, and the encrypted negotiation (16 bytes of tag and 2 of length a
      // frame) on top; or a TLS listener's one flight (its certificate, about 1 KiB) and alert.
      assertTrue(written <= 2L * pos + 4096, written + " bytes written for " + pos + " read");
    }
    if (engine.isDone()) {
      assertTrue(MUXERS.contains(engine.muxer()), engine.muxer());
    }
  }

  private static void assertFailedForGood(UpgradeEngine engine) {
    assertTrue(engine.isFailed(), "an upgrade that threw must be failed");
    assertThrows(IllegalStateException.class, () -> engine.receive(new byte[1], 0, 1));
  }
}
