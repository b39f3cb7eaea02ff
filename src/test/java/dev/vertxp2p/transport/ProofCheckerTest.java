package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.UpgradeException;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.KeyType;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.testing.HostileKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upgrader's identity checks: verdicts remembered both ways, cheap keys settled on the spot,
 * RSA on the worker pool, and a full pool refusing at once instead of queueing.
 */
class ProofCheckerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] SIGNED =
      "noise-libp2p-static-key:0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  private Vertx vertx;
  private final AtomicInteger verifications = new AtomicInteger();
  /** The real check, counted. */
  private final BiPredicate<PublicKey, IdentityProof> counting = (key, proof) -> {
    verifications.incrementAndGet();
    return key.verify(proof.signedData(), proof.signature());
  };

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private static IdentityProof ed25519Proof(PrivateKey key, byte[] signature) {
    return new IdentityProof(key.publicKey().marshal(), signature, SIGNED);
  }

  /** A fresh RSA-8192 "identity" with e = 65537 and a signature that cannot verify. */
  private static IdentityProof hostileRsaProof() {
    BigInteger n = HostileKeys.modulus(8192, RANDOM);
    return new IdentityProof(HostileKeys.marshaledRsa(n, BigInteger.valueOf(65537)),
        HostileKeys.garbageSignature(8192, RANDOM), SIGNED);
  }

  @Test
  void aGoodEd25519ProofIsSettledOnTheSpotAndRemembered() {
    ProofChecker checker = new ProofChecker(1, 4, new VerifiedIdentities(8), counting);
    PrivateKey key = Ed25519PrivateKey.generate(RANDOM);
    IdentityProof proof = ed25519Proof(key, key.sign(SIGNED));
    Future<PeerId> first = checker.check(vertx, proof);
    assertTrue(first.isComplete(), "an Ed25519 check runs on the caller's loop, not a worker");
    assertEquals(PeerId.fromPublicKey(key.publicKey()), first.result());
    assertEquals(PeerId.fromPublicKey(key.publicKey()), checker.check(vertx, proof).result());
    assertEquals(1, verifications.get(), "the second check was a lookup");
  }

  /** A bad proof, repeated, costs a lookup: for a cheap key and for an RSA one. */
  @Test
  void aRefusedProofIsRememberedSoRepeatingItCostsALookup() {
    ProofChecker checker = new ProofChecker(1, 4, new VerifiedIdentities(8), counting);
    PrivateKey key = Ed25519PrivateKey.generate(RANDOM);
    IdentityProof forged = ed25519Proof(key, new byte[64]);
    Future<PeerId> first = checker.check(vertx, forged);
    assertTrue(first.failed());
    assertInstanceOf(NoiseException.class, first.cause());
    assertTrue(first.cause().getMessage().contains(
        "remote's ED25519 signature over its Noise static key does not verify"),
        first.cause().getMessage());
    Future<PeerId> again = checker.check(vertx, forged);
    assertTrue(again.failed());
    assertInstanceOf(NoiseException.class, again.cause());
    assertTrue(again.cause().getMessage().contains("does not verify (a proof refused before)"),
        again.cause().getMessage());
    assertEquals(1, verifications.get());

    IdentityProof rsa = hostileRsaProof();
    Throwable onWorker = failure(checker.check(vertx, rsa));
    assertInstanceOf(NoiseException.class, onWorker);
    assertTrue(onWorker.getMessage().contains("RSA signature over its Noise static key does not"
        + " verify"), onWorker.getMessage());
    assertEquals(2, verifications.get());
    Future<PeerId> rsaAgain = checker.check(vertx, rsa);
    assertTrue(rsaAgain.failed(), "a refused RSA proof is answered before any worker is asked");
    assertEquals(2, verifications.get());
    assertEquals(0, checker.pending());
  }

  @Test
  void aMalformedKeyIsRefusedAndRemembered() {
    VerifiedIdentities cache = new VerifiedIdentities(8);
    ProofChecker checker = new ProofChecker(1, 4, cache, counting);
    IdentityProof hugeExponent = new IdentityProof(
        HostileKeys.marshaledRsa(HostileKeys.modulus(8192, RANDOM), HostileKeys.odd(7700, RANDOM)),
        HostileKeys.garbageSignature(8192, RANDOM), SIGNED);
    Future<PeerId> f = checker.check(vertx, hugeExponent);
    assertTrue(f.failed(), "refused at parse, on the spot");
    assertTrue(f.cause().getMessage().contains(
        "remote identity key is malformed: RSA public exponent must be less than 2^32"),
        f.cause().getMessage());
    assertEquals(0, verifications.get());
    assertEquals(1, cache.refusedSize());
  }

  @Test
  void rsaIsVerifiedOnAWorkerThreadNotTheCallersLoop() {
    AtomicReference<String> verifier = new AtomicReference<>();
    AtomicReference<String> caller = new AtomicReference<>();
    ProofChecker checker = new ProofChecker(1, 4, new VerifiedIdentities(8), (key, proof) -> {
      verifier.set(Thread.currentThread().getName());
      return false;
    });
    Promise<PeerId> verdict = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      caller.set(Thread.currentThread().getName());
      // Whether the future is complete here is a race with the worker (the upgrader handles
      // both); which thread verified is what matters, asserted below.
      checker.check(vertx, hostileRsaProof()).onComplete(verdict);
    });
    assertInstanceOf(NoiseException.class, failure(verdict.future()));
    assertTrue(caller.get().startsWith("vert.x-eventloop"), caller.get());
    assertTrue(verifier.get().startsWith("vertxp2p-identity-"), verifier.get());
  }

  /**
   * With every slot taken, one more check is refused at once, naming the limit; when a slot
   * frees, checks are taken again. Nothing waits beyond the bound.
   */
  @Test
  void aFullPoolRefusesAtOnceNamingTheLimit() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    ProofChecker checker = new ProofChecker(1, 2, new VerifiedIdentities(8), (key, proof) -> {
      if (key.type() != KeyType.RSA) {
        return counting.test(key, proof);
      }
      started.countDown();
      try {
        // a worker thread, held by the test to fill the pool; never an event loop
        assertTrue(release.await(20, TimeUnit.SECONDS), "never released");
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    });
    Future<PeerId> running = checker.check(vertx, hostileRsaProof());
    Future<PeerId> queued = checker.check(vertx, hostileRsaProof());
    assertTrue(started.await(10, TimeUnit.SECONDS));
    assertEquals(2, checker.pending());
    Future<PeerId> refused = checker.check(vertx, hostileRsaProof());
    assertTrue(refused.failed(), "a third check must be refused at once, not queued");
    ResourceLimitException e = assertInstanceOf(ResourceLimitException.class, refused.cause());
    assertEquals("Upgrader.MAX_PENDING_IDENTITY_CHECKS", e.limit());
    assertTrue(e.getMessage().contains("2 checks already running or queued on 1 threads"),
        e.getMessage());
    assertEquals(2, checker.pending());
    // a cheap key is not held up by the full pool
    PrivateKey ed = Ed25519PrivateKey.generate(RANDOM);
    assertTrue(checker.check(vertx, ed25519Proof(ed, new byte[64])).isComplete());

    release.countDown();
    assertInstanceOf(NoiseException.class, failure(running));
    assertInstanceOf(NoiseException.class, failure(queued));
    assertEquals(0, checker.pending());
    assertInstanceOf(NoiseException.class, failure(checker.check(vertx, hostileRsaProof())),
        "slots free again once the checks are done");
  }

  @Test
  void aClosedCheckerRefusesWorkerChecks() {
    ProofChecker checker = new ProofChecker(1, 2, new VerifiedIdentities(8), counting);
    assertInstanceOf(NoiseException.class, failure(checker.check(vertx, hostileRsaProof())));
    await(checker.close());
    Throwable t = failure(checker.check(vertx, hostileRsaProof()));
    assertInstanceOf(UpgradeException.class, t);
    assertTrue(t.getMessage().contains("closed"), t.getMessage());
    assertEquals(0, checker.pending());
  }

  @Test
  void goodAndRefusedProofsAreBoundedApart() {
    VerifiedIdentities cache = new VerifiedIdentities(2, 3);
    PeerId peer = PeerId.fromPublicKey(Ed25519PrivateKey.generate(RANDOM).publicKey());
    for (int i = 0; i < 10; i++) {
      cache.refuse(VerifiedIdentities.key(new byte[] {(byte) i}, new byte[0], new byte[0]), "bad");
    }
    cache.put(VerifiedIdentities.key(new byte[] {100}, new byte[0], new byte[0]), peer);
    assertEquals(3, cache.refusedSize());
    assertEquals(1, cache.size(), "a flood of refusals pushes no good proof out");
    assertEquals(peer, cache.get(VerifiedIdentities.key(new byte[] {100}, new byte[0],
        new byte[0])));
    assertEquals("bad", cache.refusal(VerifiedIdentities.key(new byte[] {9}, new byte[0],
        new byte[0])));
    assertEquals(null, cache.refusal(VerifiedIdentities.key(new byte[] {0}, new byte[0],
        new byte[0])), "the oldest refusal is forgotten");
    assertFalse(cache.refusedSize() > 3);
    assertNotEquals(VerifiedIdentities.key(new byte[] {1}, new byte[0], new byte[0]),
        VerifiedIdentities.key(new byte[0], new byte[] {1}, new byte[0]));
  }

  @Test
  void offloadedTlsTasksRunOnAWorkerAndReportWhatTheyThrew() {
    ProofChecker checker = new ProofChecker(2, 4, new VerifiedIdentities(8), counting);
    AtomicReference<String> thread = new AtomicReference<>();
    await(checker.offload(vertx, () -> thread.set(Thread.currentThread().getName()), "a test"));
    assertTrue(thread.get().startsWith("vertxp2p-identity-"), thread.get());
    Throwable t = failure(checker.offload(vertx, () -> {
      throw new IllegalStateException("task failed");
    }, "a test"));
    assertEquals("task failed", t.getMessage());
    await(checker.close());
    assertInstanceOf(UpgradeException.class, failure(checker.offload(vertx, () -> { }, "late")));
  }
}
