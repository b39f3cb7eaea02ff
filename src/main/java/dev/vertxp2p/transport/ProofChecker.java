package dev.vertxp2p.transport;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.UpgradeException;
import dev.vertxp2p.crypto.KeyFormatException;
import dev.vertxp2p.crypto.KeyType;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.util.Log;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;

/**
 * Checks the identity proofs of an {@link Upgrader}'s handshakes, so that no proof, however its
 * key is shaped, holds an event loop for long.
 *
 * <ul>
 *   <li>A proof seen before is answered from {@link VerifiedIdentities}, good or bad.
 *   <li>The key is decoded on the caller's loop: the parsers bound every size first and compute
 *       nothing costly.
 *   <li>Ed25519 and secp256k1 signatures verify on the loop (a fraction of a millisecond to about
 *       one; {@code bench/.../jmh/IdentityVerifyBench}).
 *   <li>RSA and ECDSA verify on a worker pool of {@code threads} threads (RSA-8192 takes
 *       milliseconds, ECDSA with BouncyCastle's named-curve parameters more than two). At most
 *       {@code maxPending} such checks run or wait at once; one more is refused at once with a
 *       {@link ResourceLimitException}, so the pool's queue is bounded.
 * </ul>
 *
 * <p>Shared by the handshakes of every event loop: its state is atomics and the concurrent
 * cache, with no lock. A future it returns for a worker check completes off the loop; the caller
 * brings the outcome back to its owner before touching handshake state.
 */
final class ProofChecker {
  private static final Log LOG = Log.get(ProofChecker.class);
  private static final AtomicLong POOLS = new AtomicLong();

  /**
   * Key types verified on a worker: those whose proof costs over 2 ms on this project's reference
   * machine (see {@code IdentityVerifyBench}).
   */
  static final Set<KeyType> OFF_LOOP = EnumSet.of(KeyType.RSA, KeyType.ECDSA);

  /** The configuration-style name of the limit a full pool reports. */
  static final String LIMIT_NAME = "Upgrader.MAX_PENDING_IDENTITY_CHECKS";

  private final int threads;
  private final int maxPending;
  private final VerifiedIdentities cache;
  private final BiPredicate<PublicKey, IdentityProof> verify;
  private final AtomicInteger pending = new AtomicInteger();
  /** TLS handshake tasks running or waiting ({@link #offload}). */
  private final AtomicInteger pendingTasks = new AtomicInteger();

  /** Bound on {@link #offload}ed tasks running or waiting at once. */
  static final int MAX_PENDING_TASKS = 512;

  /** The name of that bound in a refusal. */
  static final String TASKS_LIMIT_NAME = "ProofChecker.MAX_PENDING_TASKS";
  /** Set by the first refusal of a full pool, cleared once it drains: one warning per episode. */
  private final AtomicBoolean fullWarned = new AtomicBoolean();
  private final AtomicReference<WorkerExecutor> pool = new AtomicReference<>();
  private volatile boolean closed;

  ProofChecker(int threads, int maxPending, VerifiedIdentities cache) {
    this(threads, maxPending, cache,
        (key, proof) -> key.verify(proof.signedData(), proof.signature()));
  }

  /** With {@code verify} standing in for the signature check: for tests that hold a worker. */
  ProofChecker(int threads, int maxPending, VerifiedIdentities cache,
      BiPredicate<PublicKey, IdentityProof> verify) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    if (maxPending < threads) {
      throw new IllegalArgumentException("maxPending must be >= threads (" + threads + "), got "
          + maxPending);
    }
    this.threads = threads;
    this.maxPending = maxPending;
    this.cache = cache;
    this.verify = verify;
  }

  /**
   * The peer id {@code proof} proves. Completed before it returns for a remembered proof, a
   * malformed key, and a key verified on the loop; otherwise it completes on a worker thread.
   *
   * @param vertx the instance whose worker threads verify, the first time one is needed
   * @return fails with a {@link NoiseException} naming what is wrong with the proof, a {@link
   *     ResourceLimitException} when {@code maxPending} checks are already running or waiting, or
   *     an {@link UpgradeException} once closed
   */
  Future<PeerId> check(Vertx vertx, IdentityProof proof) {
    byte[] identityKey = proof.identityKey();
    ByteBuffer cacheKey = VerifiedIdentities.key(identityKey, proof.signature(), proof.signedData());
    PeerId known = cache.get(cacheKey);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    String refusedBefore = cache.refusal(cacheKey);
    if (refusedBefore != null) {
      return Future.failedFuture(new NoiseException(refusedBefore + " (a proof refused before)"));
    }
    PublicKey key;
    try {
      key = Keys.unmarshalPublicKey(identityKey);
    } catch (KeyFormatException e) {
      return Future.failedFuture(refuse(cacheKey, "remote identity key is malformed: "
          + e.getMessage()));
    }
    if (!OFF_LOOP.contains(key.type())) {
      try {
        return Future.succeededFuture(verifyAndRemember(key, proof, cacheKey));
      } catch (NoiseException e) {
        return Future.failedFuture(e);
      }
    }
    return onWorkers(vertx, pending, maxPending, () -> "refused a " + key.type()
        + " identity check: " + maxPending + " checks already running or queued on " + threads
        + " threads (" + LIMIT_NAME + ")", () -> verifyAndRemember(key, proof, cacheKey));
  }

  /**
   * Runs {@code work} on the worker pool while {@code count} stays within {@code max}; past it,
   * fails with a {@link ResourceLimitException} saying {@code why} (warned once until the count
   * drains to 0, then logged by the caller at info).
   */
  private <T> Future<T> onWorkers(Vertx vertx, AtomicInteger count, int max,
      java.util.function.Supplier<String> why, java.util.concurrent.Callable<T> work) {
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      String message = why.get();
      if (fullWarned.compareAndSet(false, true)) {
        LOG.warn(message + "; until it drains, each refused handshake is logged at info level only");
      }
      return Future.failedFuture(new ResourceLimitException(LIMIT_NAME, message));
    }
    WorkerExecutor workers;
    try {
      workers = pool(vertx);
    } catch (RuntimeException e) {
      count.decrementAndGet();
      return Future.failedFuture(e);
    }
    return workers.executeBlocking(work, false).andThen(ar -> {
      if (count.decrementAndGet() == 0) {
        fullWarned.set(false);
      }
    });
  }

  /**
   * Runs {@code task} on the worker pool: for the TLS handshake's delegated tasks (key exchange,
   * signatures, the remote certificate's check), which come without saying what key they hold,
   * so every TLS handshake sends its costly steps here. At most {@link #MAX_PENDING_TASKS} run or
   * wait at once (apart from the proofs' bound: every TLS handshake uses the pool, and handshakes
   * in flight are bounded already by the inbound handshake slots and the parallel dials).
   * Completes on a worker thread.
   *
   * @param what names the task in a refusal
   * @return fails with a {@link ResourceLimitException} when the bound is reached, an {@link
   *     UpgradeException} once closed, or with what {@code task} threw
   */
  Future<Void> offload(Vertx vertx, Runnable task, String what) {
    return onWorkers(vertx, pendingTasks, MAX_PENDING_TASKS, () -> "refused " + what + ": "
        + MAX_PENDING_TASKS + " TLS handshake tasks already running or queued on " + threads
        + " threads (" + TASKS_LIMIT_NAME + ")", () -> {
          task.run();
          return null;
        });
  }

  /** Checks running or waiting for a worker now. */
  int pending() {
    return pending.get();
  }

  private PeerId verifyAndRemember(PublicKey key, IdentityProof proof, ByteBuffer cacheKey) {
    if (!verify.test(key, proof)) {
      throw refuse(cacheKey, "remote's " + key.type()
          + " signature over its Noise static key does not verify");
    }
    PeerId peer = PeerId.fromPublicKey(key);
    cache.put(cacheKey, peer);
    return peer;
  }

  private NoiseException refuse(ByteBuffer cacheKey, String reason) {
    cache.refuse(cacheKey, reason);
    return new NoiseException(reason);
  }

  private WorkerExecutor pool(Vertx vertx) {
    WorkerExecutor p = pool.get();
    if (p != null) {
      return p;
    }
    if (closed) {
      throw new UpgradeException("identity checks are closed: the upgrader was closed");
    }
    WorkerExecutor created = vertx.createSharedWorkerExecutor(
        "vertxp2p-identity-" + POOLS.incrementAndGet(), threads);
    if (!pool.compareAndSet(null, created)) {
      // another loop created one first: use that one
      created.close();
      return pool(vertx);
    }
    if (closed) {
      // close() ran between the check and the publication: it may have missed this pool
      pool.compareAndSet(created, null);
      created.close();
      throw new UpgradeException("identity checks are closed: the upgrader was closed");
    }
    return created;
  }

  /** Stops the worker threads; checks after this fail. Checks already running finish. */
  Future<Void> close() {
    closed = true;
    WorkerExecutor p = pool.getAndSet(null);
    return p == null ? Future.succeededFuture() : p.close();
  }
}
