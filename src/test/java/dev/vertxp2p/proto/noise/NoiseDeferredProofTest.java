package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A handshake built with {@link NoiseConfig#deferredBuilder}: it stops at the remote's identity
 * proof, hands it out, holds what arrives meanwhile, and goes on only on the caller's verdict.
 */
class NoiseDeferredProofTest {
  static final String YAMUX = "/yamux/1.0.0";
  static final String MPLEX = "/mplex/6.7.0";

  final SecureRandom random = new SecureRandom();
  final TestIdentity alice = new TestIdentity(random);
  final TestIdentity bob = new TestIdentity(random);

  NoiseHandshake deferred(boolean initiator, TestIdentity self, List<String> muxers) {
    NoiseConfig c = NoiseConfig.deferredBuilder(self).streamMuxers(muxers).random(random).build();
    return initiator ? NoiseHandshake.initiator(c) : NoiseHandshake.responder(c);
  }

  NoiseHandshake inline(boolean initiator, TestIdentity self, List<String> muxers) {
    NoiseConfig c = NoiseConfig.builder(self, TestIdentity.verifier(null)).streamMuxers(muxers)
        .random(random).build();
    return initiator ? NoiseHandshake.initiator(c) : NoiseHandshake.responder(c);
  }

  /** Moves every queued message from {@code from} to {@code to}; returns how many. */
  static int deliver(NoiseHandshake from, NoiseHandshake to) {
    int n = 0;
    for (byte[] m; (m = from.pollOutbound()) != null; n++) {
      to.receive(m, 0, m.length);
    }
    return n;
  }

  /** What the caller does with a pending proof: the verifier the inline mode would use. */
  static boolean check(IdentityProof p) {
    try {
      TestIdentity.verifier(null).verify(p.identityKey(), p.signature(), p.signedData());
      return true;
    } catch (NoiseException e) {
      return false;
    }
  }

  @Test
  void responderStopsAtMessage3UntilTheProofIsAccepted() {
    NoiseHandshake init = inline(true, alice, List.of(YAMUX));
    NoiseHandshake resp = deferred(false, bob, List.of(YAMUX));
    deliver(init, resp); // message 1
    assertTrue(resp.pendingProof().isEmpty(), "message 1 carries no identity");
    deliver(resp, init); // message 2: the inline initiator verifies bob and completes
    assertTrue(init.isComplete());
    deliver(init, resp); // message 3
    assertTrue(resp.isAwaitingProof());
    assertFalse(resp.isComplete());
    IdentityProof proof = resp.pendingProof().orElseThrow();
    assertArrayEquals(alice.publicKeyProtobuf(), proof.identityKey());
    byte[] prefix = NoiseHandshake.STATIC_KEY_SIGNATURE_PREFIX.getBytes(StandardCharsets.UTF_8);
    assertEquals(prefix.length + 32, proof.signedData().length);
    assertTrue(check(proof));
    assertThrows(IllegalStateException.class, resp::session, "no session before the verdict");

    resp.proofAccepted();
    assertTrue(resp.isComplete());
    assertTrue(resp.pendingProof().isEmpty());
    assertArrayEquals(alice.publicKeyProtobuf(), resp.remoteIdentityKey());
    assertEquals(Optional.of(YAMUX), resp.selectedMuxer());
    assertArrayEquals(init.handshakeHash(), resp.handshakeHash());
    byte[] hi = "hi".getBytes(StandardCharsets.UTF_8);
    byte[] wire = resp.session().encrypt(hi, 0, hi.length);
    init.session().receive(wire, 0, wire.length);
    assertArrayEquals(hi, init.session().pollPlaintext());
  }

  @Test
  void initiatorWritesNoMessage3BeforeTheVerdict() {
    NoiseHandshake init = deferred(true, alice, List.of(YAMUX, MPLEX));
    NoiseHandshake resp = inline(false, bob, List.of(MPLEX));
    deliver(init, resp);
    deliver(resp, init); // message 2 carries bob's proof
    assertTrue(init.isAwaitingProof());
    assertNull(init.pollOutbound(), "message 3 went out before the responder was checked");
    assertArrayEquals(bob.publicKeyProtobuf(), init.pendingProof().orElseThrow().identityKey());

    init.proofAccepted();
    assertTrue(init.isComplete());
    assertEquals(1, deliver(init, resp), "message 3 follows the verdict");
    assertTrue(resp.isComplete());
    assertEquals(Optional.of(MPLEX), init.selectedMuxer());
    assertEquals(Optional.of(MPLEX), resp.selectedMuxer());
  }

  /** Input arriving while the proof is pending is held, in order, and becomes the leftover. */
  @Test
  void inputWhileTheProofIsPendingIsHeldNotLost() {
    NoiseHandshake init = inline(true, alice, List.of(YAMUX));
    NoiseHandshake resp = deferred(false, bob, List.of(YAMUX));
    deliver(init, resp);
    deliver(resp, init);
    byte[] message3 = init.pollOutbound();
    NoiseSession out = init.session();
    byte[] first = out.encrypt(bytes("first"), 0, 5);
    byte[] second = out.encrypt(bytes("second"), 0, 6);
    byte[] third = out.encrypt(bytes("third"), 0, 5);
    // message 3 and the first transport message in one read, then the rest split awkwardly
    ByteArrayOutputStream chunk = new ByteArrayOutputStream();
    chunk.writeBytes(message3);
    chunk.writeBytes(first);
    chunk.write(second, 0, 3);
    resp.receive(chunk.toByteArray(), 0, chunk.size());
    assertTrue(resp.isAwaitingProof());
    resp.receive(second, 3, second.length - 3);
    resp.receive(third, 0, third.length);
    assertTrue(resp.isAwaitingProof(), "held bytes are not parsed");

    resp.proofAccepted();
    byte[] leftover = resp.leftover();
    assertEquals(first.length + second.length + third.length, leftover.length);
    NoiseSession in = resp.session();
    in.receive(leftover, 0, leftover.length);
    assertArrayEquals(bytes("first"), in.pollPlaintext());
    assertArrayEquals(bytes("second"), in.pollPlaintext());
    assertArrayEquals(bytes("third"), in.pollPlaintext());
    assertNull(in.pollPlaintext());
  }

  @Test
  void aRejectedProofFailsTheHandshakeWithATypedError() {
    NoiseHandshake init = deferred(true, alice, List.of(YAMUX));
    NoiseHandshake resp = inline(false, bob, List.of(YAMUX));
    deliver(init, resp);
    deliver(resp, init);
    assertTrue(init.isAwaitingProof());
    NoiseException reason = new NoiseException("expected a valid signature, got a bad one");
    NoiseException thrown = assertThrows(NoiseException.class, () -> init.proofRejected(reason));
    assertSame(reason, thrown);
    assertTrue(init.isFailed());
    assertTrue(init.pendingProof().isEmpty());
    assertNull(init.pollOutbound(), "a rejected responder never gets message 3");
    IllegalStateException after = assertThrows(IllegalStateException.class,
        () -> init.receive(new byte[1], 0, 1));
    assertTrue(after.getMessage().contains("expected a valid signature"), after.getMessage());
    assertThrows(IllegalStateException.class, init::proofAccepted);
  }

  @Test
  void aVerdictWithoutAPendingProofIsTheCallersError() {
    NoiseHandshake init = deferred(true, alice, List.of());
    IllegalStateException e = assertThrows(IllegalStateException.class, init::proofAccepted);
    assertTrue(e.getMessage().contains("no identity proof is pending (RUNNING)"), e.getMessage());
    assertThrows(IllegalStateException.class,
        () -> init.proofRejected(new NoiseException("no")));
    assertFalse(init.isFailed());
  }

  @Test
  void holdingMoreThanTheBoundFailsTheHandshake() {
    NoiseHandshake init = inline(true, alice, List.of());
    NoiseHandshake resp = deferred(false, bob, List.of());
    deliver(init, resp);
    deliver(resp, init);
    deliver(init, resp);
    assertTrue(resp.isAwaitingProof());
    byte[] block = new byte[64 * 1024];
    for (int i = 0; i < NoiseHandshake.MAX_HELD_BYTES / block.length; i++) {
      resp.receive(block, 0, block.length);
    }
    NoiseException e = assertThrows(NoiseException.class, () -> resp.receive(block, 0, 1));
    assertTrue(e.getMessage().contains("expected at most " + NoiseHandshake.MAX_HELD_BYTES
        + " bytes while the remote identity proof is checked, got "
        + (NoiseHandshake.MAX_HELD_BYTES + 1)), e.getMessage());
    assertTrue(resp.isFailed());
  }

  /** No muxer in common shows at the verdict, as it would inline: the handshake fails. */
  @Test
  void noCommonMuxerFailsTheDeferredInitiatorAtAcceptance() {
    NoiseHandshake init = deferred(true, alice, List.of(YAMUX));
    NoiseHandshake resp = inline(false, bob, List.of(MPLEX));
    deliver(init, resp);
    deliver(resp, init);
    assertTrue(init.isAwaitingProof());
    assertThrows(NoCommonMuxerException.class, init::proofAccepted);
    assertTrue(init.isFailed());
    assertNull(init.pollOutbound());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
