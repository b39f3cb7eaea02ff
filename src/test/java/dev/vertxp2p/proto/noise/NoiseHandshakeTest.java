package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class NoiseHandshakeTest {
  static final String YAMUX = "/yamux/1.0.0";
  static final String MPLEX = "/mplex/6.7.0";

  final SecureRandom random = new SecureRandom();
  final TestIdentity alice = new TestIdentity(random);
  final TestIdentity bob = new TestIdentity(random);

  NoiseConfig.Builder config(TestIdentity self, RemoteIdentityVerifier verifier) {
    return NoiseConfig.builder(self, verifier).random(random);
  }

  /** Runs both sides to completion, delivering every outbound message whole. */
  static void pump(NoiseHandshake a, NoiseHandshake b) {
    boolean moved = true;
    while (moved) {
      moved = false;
      for (byte[] m; (m = a.pollOutbound()) != null; moved = true) {
        b.receive(m, 0, m.length);
      }
      for (byte[] m; (m = b.pollOutbound()) != null; moved = true) {
        a.receive(m, 0, m.length);
      }
    }
  }

  @Test
  void handshakeAuthenticatesBothSidesAndNegotiatesMuxer() {
    NoiseHandshake init =
        NoiseHandshake.initiator(
            config(alice, TestIdentity.verifier(bob)).streamMuxers(List.of(YAMUX, MPLEX)).build());
    NoiseHandshake resp =
        NoiseHandshake.responder(
            config(bob, TestIdentity.verifier(null)).streamMuxers(List.of(MPLEX, YAMUX)).build());
    pump(init, resp);
    assertTrue(init.isComplete());
    assertTrue(resp.isComplete());
    assertArrayEquals(bob.publicKeyProtobuf(), init.remoteIdentityKey());
    assertArrayEquals(alice.publicKeyProtobuf(), resp.remoteIdentityKey());
    assertEquals(List.of(MPLEX, YAMUX), init.remoteMuxers());
    assertEquals(List.of(YAMUX, MPLEX), resp.remoteMuxers());
    // inlined-muxer-negotiation.md: the initiator's preference wins on both sides.
    assertEquals(Optional.of(YAMUX), init.selectedMuxer());
    assertEquals(Optional.of(YAMUX), resp.selectedMuxer());
    assertArrayEquals(init.handshakeHash(), resp.handshakeHash());
    assertEquals(0, init.leftover().length);

    byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
    byte[] wire = init.session().encrypt(hello, 0, hello.length);
    resp.session().receive(wire, 0, wire.length);
    assertArrayEquals(hello, resp.session().pollPlaintext());
    wire = resp.session().encrypt(hello, 1, 3);
    init.session().receive(wire, 0, wire.length);
    assertArrayEquals(Arrays.copyOfRange(hello, 1, 4), init.session().pollPlaintext());
  }

  @Test
  void messageSizesMatchThePattern() {
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m1 = init.pollOutbound();
    // -> e with an empty payload: 32 bytes behind the 2-byte prefix.
    assertEquals(2 + 32, m1.length);
    assertEquals(0, m1[0]);
    assertEquals(32, m1[1]);
    assertNull(init.pollOutbound());
    assertNull(resp.pollOutbound());
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    int payload = NoiseHandshakePayload.of(bob.publicKeyProtobuf(), new byte[64], List.of()).encode().length;
    assertEquals(2 + 32 + 48 + payload + 16, m2.length);
  }

  @Test
  void noMuxerListsMeansMultistreamFallback() {
    NoiseHandshake init =
        NoiseHandshake.initiator(
            config(alice, TestIdentity.verifier(null)).streamMuxers(List.of(YAMUX)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    pump(init, resp);
    assertEquals(List.of(), init.remoteMuxers());
    assertEquals(Optional.empty(), init.selectedMuxer());
    assertEquals(Optional.empty(), resp.selectedMuxer());
  }

  @Test
  void disjointMuxerListsFailTheInitiatorBeforeMessage3() {
    NoiseHandshake init =
        NoiseHandshake.initiator(
            config(alice, TestIdentity.verifier(null)).streamMuxers(List.of(YAMUX)).build());
    NoiseHandshake resp =
        NoiseHandshake.responder(
            config(bob, TestIdentity.verifier(null)).streamMuxers(List.of(MPLEX)).build());
    byte[] m1 = init.pollOutbound();
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    NoiseException e = assertThrows(NoiseException.class, () -> init.receive(m2, 0, m2.length));
    assertTrue(e.getMessage().contains("in common"), e.getMessage());
    assertTrue(init.isFailed());
    assertNull(init.pollOutbound());
  }

  @Test
  void selectMuxerFollowsTheSpec() {
    // The spec's example: the client (initiator) prefers yamux, the server mplex.
    assertEquals(
        Optional.of(YAMUX),
        NoiseHandshake.selectMuxer(List.of(YAMUX, MPLEX), List.of(MPLEX, YAMUX)));
    // The initiator may send just its pick.
    assertEquals(
        Optional.of(MPLEX), NoiseHandshake.selectMuxer(List.of(MPLEX), List.of(YAMUX, MPLEX)));
    assertEquals(
        Optional.of(YAMUX), NoiseHandshake.selectMuxer(List.of("/x", YAMUX), List.of(YAMUX)));
    assertEquals(Optional.empty(), NoiseHandshake.selectMuxer(List.of(), List.of(YAMUX)));
    assertEquals(Optional.empty(), NoiseHandshake.selectMuxer(List.of(YAMUX), List.of()));
    assertThrows(
        NoiseException.class,
        () -> NoiseHandshake.selectMuxer(List.of(YAMUX), List.of(MPLEX)));
  }

  @Test
  void wrongResponderIsRejectedBeforeMessage3() {
    TestIdentity mallory = new TestIdentity(random);
    int[] calls = {0};
    RemoteIdentityVerifier expectMallory =
        (k, s, d) -> {
          calls[0]++;
          TestIdentity.verifier(mallory).verify(k, s, d);
        };
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, expectMallory).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m1 = init.pollOutbound();
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    NoiseException e = assertThrows(NoiseException.class, () -> init.receive(m2, 0, m2.length));
    assertTrue(e.getMessage().contains("dialled peer"), e.getMessage());
    assertEquals(1, calls[0]);
    assertTrue(init.isFailed());
    assertNull(init.pollOutbound(), "message 3 must not be sent to a rejected responder");
    assertThrows(IllegalStateException.class, init::session);
    assertThrows(IllegalStateException.class, () -> init.receive(m2, 0, 1));
  }

  @Test
  void verifierReceivesKeySignatureAndSignedStaticKey() {
    NoiseKeyPair bobStatic = NoiseKeyPair.generate(random);
    byte[][] seen = new byte[3][];
    NoiseHandshake init =
        NoiseHandshake.initiator(
            config(alice, (k, s, d) -> {
              seen[0] = k;
              seen[1] = s;
              seen[2] = d;
            }).build());
    NoiseHandshake resp =
        NoiseHandshake.responder(
            config(bob, TestIdentity.verifier(null)).staticKeyPair(bobStatic).build());
    pump(init, resp);
    assertArrayEquals(bob.publicKeyProtobuf(), seen[0]);
    byte[] prefix = "noise-libp2p-static-key:".getBytes(StandardCharsets.UTF_8);
    byte[] expected = new byte[prefix.length + 32];
    System.arraycopy(prefix, 0, expected, 0, prefix.length);
    System.arraycopy(bobStatic.publicKey(), 0, expected, prefix.length, 32);
    assertArrayEquals(expected, seen[2]);
    assertArrayEquals(bob.sign(expected), seen[1]); // Ed25519 is deterministic
    assertArrayEquals(bobStatic.publicKey(), init.remoteStaticKey());
  }

  @Test
  void badSignatureIsRejectedByTheResponder() {
    // Alice signs with a key other than the one she presents.
    TestIdentity other = new TestIdentity(random);
    NoiseIdentitySigner liar =
        new NoiseIdentitySigner() {
          @Override
          public byte[] publicKeyProtobuf() {
            return alice.publicKeyProtobuf();
          }

          @Override
          public byte[] sign(byte[] data) {
            return other.sign(data);
          }
        };
    NoiseHandshake init =
        NoiseHandshake.initiator(NoiseConfig.builder(liar, TestIdentity.verifier(null)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    NoiseException e = assertThrows(NoiseException.class, () -> pump(init, resp));
    assertTrue(e.getMessage().contains("identity_sig"), e.getMessage());
    assertTrue(resp.isFailed());
    assertTrue(init.isComplete(), "the initiator finished before the responder checked it");
  }

  @Test
  void verifierRuntimeErrorBecomesNoiseException() {
    NoiseHandshake init =
        NoiseHandshake.initiator(
            config(alice, (k, s, d) -> {
              throw new IllegalArgumentException("unsupported key type");
            }).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    NoiseException e = assertThrows(NoiseException.class, () -> pump(init, resp));
    assertTrue(e.getMessage().contains("unsupported key type"), e.getMessage());
    assertTrue(init.isFailed());
  }

  @Test
  void tamperedMessage2FailsTheInitiator() {
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m1 = init.pollOutbound();
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    byte[] tampered = m2.clone();
    tampered[2 + 40] ^= 1; // inside the encrypted static key
    NoiseException e =
        assertThrows(NoiseException.class, () -> init.receive(tampered, 0, tampered.length));
    assertTrue(e.getMessage().contains("tag"), e.getMessage());
    assertTrue(init.isFailed());
  }

  @Test
  void tamperedPayloadTagFails() {
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m1 = init.pollOutbound();
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    init.receive(m2, 0, m2.length);
    byte[] m3 = init.pollOutbound();
    m3[m3.length - 1] ^= (byte) 0x80;
    assertThrows(NoiseException.class, () -> resp.receive(m3, 0, m3.length));
    assertTrue(resp.isFailed());
  }

  @Test
  void message1ShorterThanAnEphemeralKeyIsRejected() {
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m = new byte[2 + 31];
    m[1] = 31;
    NoiseException e = assertThrows(NoiseException.class, () -> resp.receive(m, 0, 2));
    assertTrue(e.getMessage().contains("at least 32"), e.getMessage());
  }

  @Test
  void message2ShorterThanItsPatternIsRejectedOnItsLengthPrefix() {
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    // e (32) + encrypted s (48) + empty payload tag (16) = 96.
    byte[] prefix = {0, 95};
    NoiseException e = assertThrows(NoiseException.class, () -> init.receive(prefix, 0, 2));
    assertTrue(e.getMessage().contains("at least 96"), e.getMessage());
  }

  @Test
  void message3ShorterThanItsPatternIsRejected() {
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m1 = init.pollOutbound();
    resp.receive(m1, 0, m1.length);
    assertNotNull(resp.pollOutbound());
    // Replaying message 1 where message 3 (at least 48 + 16 bytes) is due.
    NoiseException e = assertThrows(NoiseException.class, () -> resp.receive(m1, 0, m1.length));
    assertTrue(e.getMessage().contains("at least 64"), e.getMessage());
  }

  @Test
  void replayedMessage2FromAnotherHandshakeFails() {
    NoiseHandshake init1 = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m1 = init1.pollOutbound();
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    NoiseHandshake init2 = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    assertNotNull(init2.pollOutbound());
    assertThrows(NoiseException.class, () -> init2.receive(m2, 0, m2.length));
  }

  @Test
  void lowOrderEphemeralKeyIsRejected() {
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m = new byte[2 + 32]; // e = 0: a low-order point, DH gives all zeros
    m[1] = 32;
    NoiseException e = assertThrows(NoiseException.class, () -> resp.receive(m, 0, m.length));
    assertTrue(e.getMessage().contains("all-zero"), e.getMessage());
    assertTrue(resp.isFailed());
  }

  @Test
  void payloadWithoutIdentityKeyIsRejected() {
    NoiseIdentitySigner anonymous =
        new NoiseIdentitySigner() {
          @Override
          public byte[] publicKeyProtobuf() {
            return new byte[0];
          }

          @Override
          public byte[] sign(byte[] data) {
            return alice.sign(data);
          }
        };
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    NoiseHandshake resp =
        NoiseHandshake.responder(NoiseConfig.builder(anonymous, TestIdentity.verifier(null)).build());
    NoiseException e = assertThrows(NoiseException.class, () -> pump(init, resp));
    assertTrue(e.getMessage().contains("identity_key"), e.getMessage());
  }

  @Test
  void leftoverCarriesTransportBytesSentWithMessage3() {
    NoiseHandshake init = NoiseHandshake.initiator(config(alice, TestIdentity.verifier(null)).build());
    NoiseHandshake resp = NoiseHandshake.responder(config(bob, TestIdentity.verifier(null)).build());
    byte[] m1 = init.pollOutbound();
    resp.receive(m1, 0, m1.length);
    byte[] m2 = resp.pollOutbound();
    init.receive(m2, 0, m2.length);
    byte[] m3 = init.pollOutbound();
    byte[] early = "early data".getBytes(StandardCharsets.UTF_8);
    byte[] t = init.session().encrypt(early, 0, early.length);
    byte[] chunk = new byte[m3.length + t.length];
    System.arraycopy(m3, 0, chunk, 0, m3.length);
    System.arraycopy(t, 0, chunk, m3.length, t.length);
    resp.receive(chunk, 0, chunk.length);
    assertTrue(resp.isComplete());
    assertArrayEquals(t, resp.leftover());
    resp.session().receive(resp.leftover(), 0, resp.leftover().length);
    assertArrayEquals(early, resp.session().pollPlaintext());
    assertThrows(IllegalStateException.class, () -> resp.receive(chunk, 0, 1));
  }

  @Test
  void bothAeadsInterworkOnTheWire() {
    NoiseHandshake init =
        NoiseHandshake.initiator(
            config(alice, TestIdentity.verifier(null)).aead(NoiseAeads.Kind.JDK).build());
    NoiseHandshake resp =
        NoiseHandshake.responder(
            config(bob, TestIdentity.verifier(null)).aead(NoiseAeads.Kind.BC).build());
    pump(init, resp);
    byte[] data = new byte[100_000];
    random.nextBytes(data);
    byte[] wire = resp.session().encrypt(data, 0, data.length);
    init.session().receive(wire, 0, wire.length);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (byte[] p; (p = init.session().pollPlaintext()) != null; ) {
      got.writeBytes(p);
    }
    assertArrayEquals(data, got.toByteArray());
  }

  /**
   * Two engines back to back; each direction's byte stream is cut at random points, and the
   * initiator appends transport data to message 3 the way a pipelining dialer would.
   */
  @Property(tries = 60)
  void randomChunkingCompletesTheHandshake(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int maxChunk) {
    Random rnd = new Random(seed);
    NoiseHandshake init =
        NoiseHandshake.initiator(
            config(alice, TestIdentity.verifier(bob)).streamMuxers(List.of(YAMUX)).build());
    NoiseHandshake resp =
        NoiseHandshake.responder(
            config(bob, TestIdentity.verifier(alice)).streamMuxers(List.of(YAMUX, MPLEX)).build());
    ByteArrayOutputStream toResp = new ByteArrayOutputStream();
    ByteArrayOutputStream toInit = new ByteArrayOutputStream();
    byte[] early = new byte[rnd.nextInt(2000)];
    rnd.nextBytes(early);
    boolean sentEarly = false;
    int respPos = 0;
    int initPos = 0;
    NoiseSession respSession = null;
    ByteArrayOutputStream respGot = new ByteArrayOutputStream();
    for (int round = 0; round < 100_000 && !(respSession != null && respPos == toResp.size()); round++) {
      for (byte[] m; (m = init.pollOutbound()) != null; ) {
        toResp.writeBytes(m);
      }
      if (init.isComplete() && !sentEarly) {
        toResp.writeBytes(init.session().encrypt(early, 0, early.length));
        sentEarly = true;
      }
      for (byte[] m; (m = resp.pollOutbound()) != null; ) {
        toInit.writeBytes(m);
      }
      byte[] r = toResp.toByteArray();
      if (respPos < r.length) {
        int n = Math.min(1 + rnd.nextInt(maxChunk), r.length - respPos);
        if (respSession == null) {
          resp.receive(r, respPos, n);
          if (resp.isComplete()) {
            respSession = resp.session();
            byte[] left = resp.leftover();
            respSession.receive(left, 0, left.length);
          }
        } else {
          respSession.receive(r, respPos, n);
        }
        respPos += n;
      }
      byte[] i = toInit.toByteArray();
      if (initPos < i.length && !init.isComplete()) {
        int n = Math.min(1 + rnd.nextInt(maxChunk), i.length - initPos);
        init.receive(i, initPos, n);
        initPos += n;
      }
      if (respSession != null) {
        for (byte[] p; (p = respSession.pollPlaintext()) != null; ) {
          respGot.writeBytes(p);
        }
      }
    }
    assertTrue(init.isComplete());
    assertTrue(resp.isComplete());
    assertEquals(Optional.of(YAMUX), init.selectedMuxer());
    assertEquals(Optional.of(YAMUX), resp.selectedMuxer());
    assertArrayEquals(early, respGot.toByteArray());
    assertFalse(respSession.hasPartialMessage());
  }
}
