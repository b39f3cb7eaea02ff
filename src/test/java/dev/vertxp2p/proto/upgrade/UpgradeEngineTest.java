package dev.vertxp2p.proto.upgrade;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.proto.multistream.MultistreamException;
import dev.vertxp2p.proto.multistream.NoProtocolSupportedException;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseIdentitySigner;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.proto.noise.RemoteIdentityVerifier;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The whole upgrade as one engine pair, back to back in memory. */
class UpgradeEngineTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String YAMUX = "/yamux/1.0.0";
  private static final String MPLEX = "/mplex/6.7.0";
  private static final RemoteIdentityVerifier VERIFY = (key, sig, data) -> {
    if (!Keys.unmarshalPublicKey(key).verify(data, sig)) {
      throw new NoiseException("signature does not verify");
    }
  };

  private final PrivateKey alice = Ed25519PrivateKey.generate(RANDOM);
  private final PrivateKey bob = Ed25519PrivateKey.generate(RANDOM);

  private static NoiseIdentitySigner signer(PrivateKey key) {
    byte[] pub = key.publicKey().marshal();
    return new NoiseIdentitySigner() {
      @Override
      public byte[] publicKeyProtobuf() {
        return pub;
      }

      @Override
      public byte[] sign(byte[] data) {
        return key.sign(data);
      }
    };
  }

  private static NoiseConfig inline(PrivateKey key, List<String> early) {
    return NoiseConfig.builder(signer(key), VERIFY).streamMuxers(early).random(RANDOM).build();
  }

  private static NoiseConfig deferred(PrivateKey key, List<String> early) {
    return NoiseConfig.deferredBuilder(signer(key)).streamMuxers(early).random(RANDOM).build();
  }

  /** Delivers each side's output to the other, {@code chunk} bytes at a time, until quiet. */
  private static void pump(UpgradeEngine a, UpgradeEngine b, int chunk) {
    boolean moved = true;
    while (moved) {
      moved = deliver(a, b, chunk) | deliver(b, a, chunk);
    }
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

  private static byte[] roundTrip(NoiseSession from, NoiseSession to, byte[] ciphertextFirst,
      String text) {
    if (ciphertextFirst.length > 0) {
      to.receive(ciphertextFirst, 0, ciphertextFirst.length);
    }
    byte[] plain = text.getBytes(StandardCharsets.UTF_8);
    byte[] wire = from.encrypt(plain, 0, plain.length);
    to.receive(wire, 0, wire.length);
    return to.pollPlaintext();
  }

  @Test
  void theHandshakeCarriesTheMuxerWhenBothOfferOne() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of(YAMUX, MPLEX)),
        List.of(YAMUX, MPLEX));
    UpgradeEngine b = UpgradeEngine.responder(inline(bob, List.of(MPLEX, YAMUX)),
        List.of(MPLEX, YAMUX));
    pump(a, b, Integer.MAX_VALUE);

    assertTrue(a.isDone() && b.isDone(), a.stage() + " / " + b.stage());
    // libp2p noise spec, "stream_muxers": the initiator's preference wins
    assertEquals(YAMUX, a.muxer());
    assertEquals(YAMUX, b.muxer());
    assertArrayEquals(bob.publicKey().marshal(), a.remoteIdentityKey());
    assertArrayEquals(alice.publicKey().marshal(), b.remoteIdentityKey());
    assertArrayEquals("hi".getBytes(StandardCharsets.UTF_8),
        roundTrip(a.session(), b.session(), b.ciphertextLeftover(), "hi"));
  }

  @Test
  void withoutTheExtensionTheMuxerIsNegotiatedInsideTheChannelByteByByte() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of()), List.of(MPLEX, YAMUX));
    UpgradeEngine b = UpgradeEngine.responder(inline(bob, List.of(YAMUX, MPLEX)),
        List.of(YAMUX, MPLEX));
    pump(a, b, 1);

    assertTrue(a.isDone() && b.isDone(), a.stage() + " / " + b.stage());
    assertEquals(MPLEX, a.muxer());
    assertEquals(MPLEX, b.muxer());
    assertEquals(0, b.plaintextLeftover().length);
  }

  @Test
  void bytesThatFollowTheLastHandshakeMessageInTheSameChunkAreHandedOver() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of(YAMUX)), List.of(YAMUX));
    UpgradeEngine b = UpgradeEngine.responder(inline(bob, List.of(YAMUX)), List.of(YAMUX));
    // multistream and messages 1 and 2; then message 3 and the first transport frame together
    deliver(a, b, Integer.MAX_VALUE);
    deliver(b, a, Integer.MAX_VALUE);
    deliver(a, b, Integer.MAX_VALUE);
    deliver(b, a, Integer.MAX_VALUE);
    assertTrue(a.isDone(), "the initiator is done once it has written message 3");
    ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    for (byte[] m; (m = a.pollOutbound()) != null; ) {
      chunk.writeBytes(m);
    }
    byte[] first = "first frame".getBytes(StandardCharsets.UTF_8);
    chunk.writeBytes(a.session().encrypt(first, 0, first.length));
    byte[] all = chunk.toByteArray();
    b.receive(all, 0, all.length);

    assertTrue(b.isDone());
    byte[] rest = b.ciphertextLeftover();
    b.session().receive(rest, 0, rest.length);
    assertArrayEquals(first, b.session().pollPlaintext());
  }

  @Test
  void aDeferredProofHoldsTheUpgradeUntilTheVerdict() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of()), List.of(YAMUX));
    UpgradeEngine b = UpgradeEngine.responder(deferred(bob, List.of()), List.of(YAMUX));
    pump(a, b, Integer.MAX_VALUE);

    IdentityProof proof = b.pendingProof().orElseThrow();
    assertArrayEquals(alice.publicKey().marshal(), proof.identityKey());
    assertEquals(UpgradeEngine.Stage.HANDSHAKE, b.stage());
    assertFalse(a.isDone(), "the initiator waits for the muxer's negotiation");
    b.proofAccepted();
    pump(a, b, Integer.MAX_VALUE);

    assertTrue(a.isDone() && b.isDone(), a.stage() + " / " + b.stage());
    assertEquals(YAMUX, b.muxer());
    assertTrue(b.pendingProof().isEmpty());
    assertThrows(IllegalStateException.class, b::proofAccepted);
  }

  @Test
  void aRefusedProofFailsTheUpgradeForGood() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of(YAMUX)), List.of(YAMUX));
    UpgradeEngine b = UpgradeEngine.responder(deferred(bob, List.of(YAMUX)), List.of(YAMUX));
    pump(a, b, Integer.MAX_VALUE);
    NoiseException reason = new NoiseException("not welcome");

    NoiseException thrown = assertThrows(NoiseException.class, () -> b.proofRejected(reason));

    assertSame(reason, thrown);
    assertTrue(b.isFailed());
    assertThrows(IllegalStateException.class, () -> b.receive(new byte[1], 0, 1));
    assertThrows(IllegalStateException.class, b::session);
  }

  @Test
  void garbageInsteadOfMultistreamFailsWithATypedErrorAndNothingMoreIsRead() {
    UpgradeEngine b = UpgradeEngine.responder(inline(bob, List.of()), List.of(YAMUX));
    byte[] junk = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    ProtocolException e = assertThrows(ProtocolException.class,
        () -> b.receive(junk, 0, junk.length));

    assertInstanceOf(MultistreamException.class, e);
    assertTrue(b.isFailed());
    assertEquals(UpgradeEngine.Stage.SECURITY, b.lastStage());
    assertThrows(IllegalStateException.class, () -> b.receive(junk, 0, 1));
  }

  @Test
  void noMuxerInCommonInsideTheChannelFailsTheDialer() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of()), List.of(YAMUX));
    UpgradeEngine b = UpgradeEngine.responder(inline(bob, List.of()), List.of(MPLEX));

    assertThrows(NoProtocolSupportedException.class, () -> pump(a, b, Integer.MAX_VALUE));

    assertTrue(a.isFailed());
    assertTrue(a.sessionSoFar().isDestroyed(), "a failed upgrade wipes the session's keys");
    assertEquals(UpgradeEngine.Stage.MUXER, a.lastStage(), "the error can name the step");
    assertEquals(UpgradeEngine.Stage.MUXER, b.stage());
  }

  @Test
  void anUpgradeGivenUpByItsCallerWipesItsKeysAndTakesNothingMore() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of()), List.of(YAMUX));
    UpgradeEngine b = UpgradeEngine.responder(inline(bob, List.of()), List.of(YAMUX));
    deliver(a, b, Integer.MAX_VALUE);
    deliver(b, a, Integer.MAX_VALUE);
    deliver(a, b, Integer.MAX_VALUE);
    deliver(b, a, Integer.MAX_VALUE);
    assertEquals(UpgradeEngine.Stage.MUXER, a.stage(), "the handshake is over, the muxer not yet");

    a.destroy(); // the caller's timeout

    assertTrue(a.sessionSoFar().isDestroyed());
    assertTrue(a.isFailed());
    assertEquals(UpgradeEngine.Stage.MUXER, a.lastStage());
    assertThrows(IllegalStateException.class, () -> a.receive(new byte[1], 0, 1));
  }

  @Test
  void aFinishedUpgradeLeavesTheSessionToTheConnection() {
    UpgradeEngine a = UpgradeEngine.initiator(inline(alice, List.of(YAMUX)), List.of(YAMUX));
    UpgradeEngine b = UpgradeEngine.responder(inline(bob, List.of(YAMUX)), List.of(YAMUX));
    pump(a, b, Integer.MAX_VALUE);

    a.destroy();

    assertTrue(a.isDone());
    assertFalse(a.session().isDestroyed());
  }

  @Test
  void anUpgradeNeedsAMuxer() {
    assertThrows(IllegalArgumentException.class,
        () -> UpgradeEngine.initiator(inline(alice, List.of()), List.of()));
  }
}
