package dev.vertxp2p.swarm;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Paces dials: at most {@code maxParallel} run at once node-wide and {@code maxPerPeer} per peer;
 * the rest wait, first come first served (a dial waiting for its peer's turn does not hold up
 * other peers' dials). A dial holds its place from its first attempt to its outcome, backoffs
 * included, as js-libp2p's dial queue does.
 *
 * <p>Without it a top-up of thousands started every dial at once: the listener's handshake slots
 * ({@code limits.maxPendingInbound}) filled, it refused or evicted handshakes that were only queued
 * behind the others, and most dials went into retries.
 *
 * <p>The queue is bounded by what feeds it: each queued dial holds a slot of {@code
 * limits.maxConnections} and of its peer's limit. Owner-confined (checked); every task's future is
 * re-homed to the owner before the queue moves on.
 */
final class DialQueue {
  private final Owner owner;
  private final int maxParallel;
  private final int maxPerPeer;
  /** Each peer's waiting dials, oldest first; a peer is here only while it has some. */
  private final Map<PeerId, ArrayDeque<Waiting<?>>> waiting = new HashMap<>();
  /** Peers with a waiting dial and a free per-peer place, in turn (round robin). */
  private final ArrayDeque<PeerId> ready = new ArrayDeque<>();
  private final Set<PeerId> inReady = new HashSet<>();
  private final Map<PeerId, Integer> runningPerPeer = new HashMap<>();
  private int running;
  private int waitingCount;

  private record Waiting<T>(PeerId peer, Supplier<Future<T>> task, Promise<T> promise) {}

  DialQueue(Owner owner, int maxParallel, int maxPerPeer) {
    if (maxParallel < 1 || maxPerPeer < 1) {
      throw new IllegalArgumentException("dial limits must be >= 1, got " + maxParallel + " and "
          + maxPerPeer);
    }
    this.owner = owner;
    this.maxParallel = maxParallel;
    this.maxPerPeer = maxPerPeer;
  }

  /** Runs {@code task} (a dial to {@code peer}) once a place is free; its outcome is returned. */
  <T> Future<T> run(PeerId peer, Supplier<Future<T>> task) {
    owner.check();
    Promise<T> promise = Promise.promise();
    waiting.computeIfAbsent(peer, p -> new ArrayDeque<>()).add(new Waiting<>(peer, task, promise));
    waitingCount++;
    markReady(peer);
    pump();
    return promise.future();
  }

  /** Fails every waiting dial with {@code cause} (the swarm closes); running ones go on. */
  void failWaiting(Throwable cause) {
    owner.check();
    java.util.List<Waiting<?>> all = new java.util.ArrayList<>();
    for (ArrayDeque<Waiting<?>> q : waiting.values()) {
      all.addAll(q);
    }
    waiting.clear();
    ready.clear();
    inReady.clear();
    waitingCount = 0;
    for (Waiting<?> w : all) {
      w.promise().tryFail(cause);
    }
  }

  private void markReady(PeerId peer) {
    if (waiting.containsKey(peer) && runningPerPeer.getOrDefault(peer, 0) < maxPerPeer
        && inReady.add(peer)) {
      ready.add(peer);
    }
  }

  private void pump() {
    while (running < maxParallel && !ready.isEmpty()) {
      PeerId peer = ready.poll();
      inReady.remove(peer);
      ArrayDeque<Waiting<?>> q = waiting.get(peer);
      Waiting<?> w = q.poll();
      if (q.isEmpty()) {
        waiting.remove(peer);
      }
      waitingCount--;
      start(w);
      markReady(peer); // its next dial, if any, goes behind the other peers' turns
    }
  }

  private <T> void start(Waiting<T> w) {
    running++;
    runningPerPeer.merge(w.peer(), 1, Integer::sum);
    Future<T> f;
    try {
      f = w.task().get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    owner.rehome(f).onComplete(ar -> {
      running--;
      runningPerPeer.computeIfPresent(w.peer(), (p, n) -> n <= 1 ? null : n - 1);
      w.promise().handle(ar);
      markReady(w.peer());
      pump();
    });
  }

  /** Dials running and waiting now, with the limits: for {@code swarm.limits}. */
  JsonObject toJson() {
    owner.check();
    return new JsonObject().put("running", running).put("waiting", waitingCount)
        .put("maxParallelDials", maxParallel).put("maxParallelDialsPerPeer", maxPerPeer);
  }
}
