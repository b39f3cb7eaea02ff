package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseSession;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Noise XX handshake in both roles and the transport session, fed what a hostile remote might
 * send. Only {@link NoiseException} may escape; a handshake that threw is failed; a session rejects
 * any altered ciphertext and delivers exactly what the peer encrypted.
 */
class NoiseFuzzTest {

  /** A responder fed raw bytes from the first byte on (message 1 onwards). */
  @FuzzTest(maxDuration = "60s")
  void responder(FuzzedDataProvider data) {
    feed(NoisePeers.responder(), data.consumeBytes(1 << 16), data);
  }

  /**
   * A responder given a valid message 1 from the deterministic initiator, then fuzzed bytes where
   * message 3 belongs; the transcript is fixed, so a seed can carry a valid message 3.
   */
  @FuzzTest(maxDuration = "60s")
  void responderAfterMessage1(FuzzedDataProvider data) {
    NoiseHandshake initiator = NoisePeers.initiator();
    NoiseHandshake responder = NoisePeers.responder();
    byte[] m1 = initiator.pollOutbound();
    responder.receive(m1, 0, m1.length);
    responder.pollOutbound();
    feed(responder, data.consumeBytes(1 << 16), data);
  }

  /**
   * As {@link #responderAfterMessage1}, with the identity check deferred to the caller, as the
   * upgrader runs it: bytes that come while the proof is pending are held, not parsed, and the
   * verdict (the upgrader's own check) either completes the handshake with every held byte as
   * leftover or fails it.
   */
  @FuzzTest(maxDuration = "60s")
  void deferredResponderAfterMessage1(FuzzedDataProvider data) {
    NoiseHandshake initiator = NoisePeers.initiator();
    NoiseHandshake responder = NoiseHandshake.responder(NoisePeers.deferred(
        NoisePeers.signer(NoisePeers.RESPONDER_IDENTITY), 0x41).build());
    byte[] m1 = initiator.pollOutbound();
    responder.receive(m1, 0, m1.length);
    responder.pollOutbound();
    byte[] wire = data.consumeBytes(1 << 16);
    int pos = 0;
    while (pos < wire.length && !responder.isComplete() && !responder.isFailed()) {
      int len = Math.min(wire.length - pos, data.consumeInt(1, 1 << 16));
      try {
        responder.receive(wire, pos, len);
      } catch (NoiseException e) {
        assertTrue(responder.isFailed(), "a handshake that threw must be failed");
        return;
      }
      pos += len;
      assertNull(responder.pollOutbound(), "a responder writes nothing after message 2");
      if (responder.isAwaitingProof() && (pos == wire.length || data.consumeBoolean())) {
        IdentityProof proof = responder.pendingProof().orElseThrow();
        try {
          NoisePeers.VERIFIER.verify(proof.identityKey(), proof.signature(), proof.signedData());
        } catch (NoiseException refused) {
          assertThrows(NoiseException.class, () -> responder.proofRejected(refused));
          assertTrue(responder.isFailed());
          assertThrows(IllegalStateException.class, () -> responder.receive(new byte[1], 0, 1));
          return;
        }
        try {
          responder.proofAccepted();
        } catch (NoiseException noCommonMuxer) {
          assertTrue(responder.isFailed());
          return;
        }
        assertTrue(responder.isComplete());
      }
    }
    if (responder.isComplete()) {
      assertEquals(NoisePeers.YAMUX, responder.selectedMuxer().orElseThrow());
      // nothing lost: every byte fed after message 3 (the wire's first frame) is the leftover
      int message3End = NoiseHandshake.LENGTH_PREFIX + (((wire[0] & 0xff) << 8) | (wire[1] & 0xff));
      assertEquals(pos - message3End, responder.leftover().length);
    }
  }

  /** An initiator (message 1 sent) fed fuzzed bytes where message 2 belongs. */
  @FuzzTest(maxDuration = "60s")
  void initiator(FuzzedDataProvider data) {
    NoiseHandshake initiator = NoisePeers.initiator();
    initiator.pollOutbound();
    feed(initiator, data.consumeBytes(1 << 16), data);
  }

  /**
   * Two real engines, one of them presenting a fuzzed identity key, signature and muxer list: the
   * honest side's verifier (Keys + signature check, as the upgrader does) must reject it with a
   * NoiseException unless it is genuinely valid. A handshake that completes must prove it: the
   * honest side saw the forger's real static key, the presented key decodes and really signed
   * that static key (checked here again, for Ed25519 with the JDK's implementation too), and the
   * peer id derived from what the honest side accepted is that key's.
   */
  @FuzzTest(maxDuration = "60s")
  void forgedIdentity(FuzzedDataProvider data) {
    boolean forgerInitiates = data.consumeBoolean();
    List<String> muxers = new ArrayList<>();
    int n = data.consumeInt(0, 8);
    for (int i = 0; i < n; i++) {
      muxers.add(data.consumeBoolean()
          ? data.pickValue(new String[] {NoisePeers.YAMUX, NoisePeers.MPLEX})
          : data.consumeString(64));
    }
    byte[] key = data.consumeBytes(data.consumeInt(0, 1024));
    byte[] sig = data.consumeRemainingAsBytes();
    if (sig.length > 1024) {
      sig = Arrays.copyOf(sig, 1024);
    }
    NoiseHandshake forger = NoiseHandshake.initiator(
        NoisePeers.config(NoisePeers.forged(key, sig), 0x51).streamMuxers(muxers).build());
    if (!forgerInitiates) {
      forger = NoiseHandshake.responder(
          NoisePeers.config(NoisePeers.forged(key, sig), 0x51).streamMuxers(muxers).build());
    }
    NoiseHandshake honest = forgerInitiates ? NoisePeers.responder() : NoisePeers.initiator();
    try {
      NoisePeers.pump(forgerInitiates ? forger : honest, forgerInitiates ? honest : forger);
    } catch (NoiseException expected) {
      assertTrue(honest.isFailed() || forger.isFailed());
      return;
    }
    // Only a genuine key with a signature that verifies over the static key gets this far.
    assertTrue(honest.isComplete() && forger.isComplete());
    assertArrayEquals(key, honest.remoteIdentityKey());
    byte[] forgerStatic = NoisePeers.staticPublicKey(0x51);
    assertArrayEquals(forgerStatic, honest.remoteStaticKey());
    byte[] signed = NoisePeers.signedData(forgerStatic);
    PublicKey signer = Keys.unmarshalPublicKey(key);
    assertTrue(signer.verify(signed, sig), "completed, yet the presented key did not sign "
        + "the static key the honest side saw");
    if (key.length == 36 && key[0] == 0x08 && key[1] == 0x01) {
      assertTrue(NoisePeers.jdkVerifiesEd25519(key, signed, sig),
          "completed with an Ed25519 signature the JDK rejects");
    }
    assertEquals(PeerId.fromPublicKey(signer),
        PeerId.fromPublicKey(Keys.unmarshalPublicKey(honest.remoteIdentityKey())));
  }

  /**
   * A peer claiming a real identity whose private key it does not hold: it presents that key with
   * the genuine signature over its own static key, a genuine one replayed from another peer's
   * handshake, or fuzzed bytes, each maybe altered. The handshake completes exactly when the
   * JDK's Ed25519 (apart from the code under test) accepts the signature over this peer's static
   * key; then the honest side's peer id for it is the claimed identity's.
   */
  @FuzzTest(maxDuration = "60s")
  void claimedIdentity(FuzzedDataProvider data) {
    boolean forgerInitiates = data.consumeBoolean();
    byte[] forgerStatic = NoisePeers.staticPublicKey(0x51);
    byte[] signed = NoisePeers.signedData(forgerStatic);
    byte[] sig = switch (data.consumeInt(0, 2)) {
      case 0 -> NoisePeers.CLAIMED_IDENTITY.sign(signed);
      // what the claimed identity signed in a handshake of its own, with another static key
      case 1 -> NoisePeers.CLAIMED_IDENTITY.sign(
          NoisePeers.signedData(NoisePeers.staticPublicKey(data.consumeInt(0, 255))));
      default -> data.consumeBytes(data.consumeInt(0, 128));
    };
    int flips = data.consumeInt(0, 3);
    for (int i = 0; i < flips && sig.length > 0; i++) {
      sig[data.consumeInt(0, sig.length - 1)] ^= (byte) data.consumeInt(1, 255);
    }
    if (data.consumeInt(0, 7) == 7) {
      sig = Arrays.copyOf(sig, data.consumeInt(0, sig.length + 8));
    }
    byte[] claimedKey = NoisePeers.CLAIMED_IDENTITY.publicKey().marshal();
    boolean genuine = NoisePeers.jdkVerifiesEd25519(claimedKey, signed, sig);
    NoiseConfig forgerConfig = NoisePeers.config(NoisePeers.forged(claimedKey, sig), 0x51).build();
    NoiseHandshake forger = forgerInitiates
        ? NoiseHandshake.initiator(forgerConfig) : NoiseHandshake.responder(forgerConfig);
    NoiseHandshake honest = forgerInitiates ? NoisePeers.responder() : NoisePeers.initiator();
    try {
      NoisePeers.pump(forgerInitiates ? forger : honest, forgerInitiates ? honest : forger);
    } catch (NoiseException refused) {
      assertFalse(genuine, "a genuine signature was refused: " + refused.getMessage());
      assertTrue(honest.isFailed() || forger.isFailed());
      assertFalse(honest.isComplete(), "a refused identity must not complete the honest side");
      return;
    }
    assertTrue(genuine, "completed with a signature the claimed key never made over "
        + "this peer's static key");
    assertTrue(honest.isComplete());
    assertEquals(PeerId.fromPublicKey(NoisePeers.CLAIMED_IDENTITY.publicKey()),
        PeerId.fromPublicKey(Keys.unmarshalPublicKey(honest.remoteIdentityKey())));
  }

  /**
   * A completed session fed a script: frames the peer really encrypted (whole or split anywhere),
   * the same frames with one byte altered, or raw bytes.
   */
  @FuzzTest(maxDuration = "60s")
  void session(FuzzedDataProvider data) {
    NoiseHandshake initiator = NoisePeers.initiator();
    NoiseHandshake responder = NoisePeers.responder();
    NoisePeers.pump(initiator, responder);
    boolean weReceiveAsInitiator = data.consumeBoolean();
    NoiseSession us = (weReceiveAsInitiator ? initiator : responder).session();
    NoiseSession peer = (weReceiveAsInitiator ? responder : initiator).session();
    int steps = data.consumeInt(1, 16);
    for (int i = 0; i < steps; i++) {
      switch (data.consumeInt(0, 2)) {
        case 0 -> {
          byte[] plain = data.consumeBytes(data.consumeInt(0, 70_000));
          byte[] wire = peer.encrypt(plain, 0, plain.length);
          feedSession(us, wire, data);
          ByteArrayOutputStream got = new ByteArrayOutputStream();
          for (byte[] p; (p = us.pollPlaintext()) != null; ) {
            got.writeBytes(p);
          }
          assertArrayEquals(plain, got.toByteArray(), "the session must deliver what was sent");
          assertTrue(!us.hasPartialMessage());
        }
        case 1 -> {
          byte[] plain = data.consumeBytes(data.consumeInt(0, 512));
          byte[] wire = peer.encrypt(plain, 0, plain.length);
          if (wire.length == 0) {
            continue;
          }
          int at = data.consumeInt(0, wire.length - 1);
          byte flip = (byte) data.consumeInt(1, 255);
          wire[at] ^= flip;
          try {
            feedSession(us, wire, data);
          } catch (NoiseException expected) {
            assertTrue(us.isFailed());
            assertNull(us.pollPlaintext(), "a failed session must not deliver anything");
            assertThrows(IllegalStateException.class, () -> us.receive(new byte[1], 0, 1));
            return;
          }
          if (at < NoiseSession.LENGTH_PREFIX) {
            // A larger length prefix leaves the session waiting for more bytes; a smaller one
            // must fail decryption, which the catch above handles.
            assertTrue(us.hasPartialMessage(), "a corrupted frame must never decrypt");
            return;
          }
          fail("a frame with byte " + at + " altered decrypted");
        }
        default -> {
          byte[] raw = data.consumeBytes(data.consumeInt(0, 1024));
          try {
            feedSession(us, raw, data);
          } catch (NoiseException expected) {
            assertTrue(us.isFailed());
            return;
          }
          return; // the stream is out of step with the peer now; nothing more to check
        }
      }
    }
  }

  private static void feedSession(NoiseSession s, byte[] wire, FuzzedDataProvider data) {
    int pos = 0;
    while (pos < wire.length) {
      int len = Math.min(wire.length - pos, data.consumeInt(1, 70_000));
      s.receive(wire, pos, len);
      pos += len;
    }
  }

  /** Feeds the handshake in fuzzer-chosen chunks until it completes, fails or the bytes run out. */
  private static void feed(NoiseHandshake h, byte[] wire, FuzzedDataProvider data) {
    int pos = 0;
    while (pos < wire.length && !h.isComplete()) {
      int len = Math.min(wire.length - pos, data.consumeInt(1, 1 << 16));
      try {
        h.receive(wire, pos, len);
      } catch (NoiseException e) {
        assertTrue(h.isFailed(), "a handshake that threw must be failed");
        assertNull(h.pollOutbound(), "a failed handshake must send nothing more");
        assertThrows(IllegalStateException.class, () -> h.receive(new byte[1], 0, 1));
        return;
      }
      pos += len;
      while (h.pollOutbound() != null) {
        // written to the socket
      }
    }
    if (h.isComplete()) {
      assertEquals(NoisePeers.YAMUX, h.selectedMuxer().orElseThrow());
    }
  }
}
