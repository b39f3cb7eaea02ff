package dev.vertxp2p.cluster;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A node's swarm as a {@link ClusterKeeper} sees it, in memory: records every call and keeps the
 * targets it was given, each with all its connections open. Thread-safe, for a test thread to
 * read and wait on while the keeper calls it on its event loop.
 */
final class FakeLocalKeeps implements LocalKeeps {
  /** One call: "keep" with its target, or "unkeep" with 0. */
  record Call(String op, PeerId peer, int connections) {}

  private final List<Call> calls = new ArrayList<>();
  private final Map<PeerId, Integer> kept = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();
  /** Per peer, the keep calls still to fail before the fake keeps it again. */
  private final Map<PeerId, Integer> failKeeps = new HashMap<>();

  private record Waiter(Predicate<FakeLocalKeeps> condition, Promise<Void> promise) {}

  @Override
  public Future<Void> keep(PeerId peer, Multiaddr addr, int connections) {
    if (!addr.peerId().orElseThrow().equals(peer)) {
      return Future.failedFuture(new AssertionError("addr " + addr + " is not " + peer + "'s"));
    }
    boolean fail;
    synchronized (this) {
      calls.add(new Call("keep", peer, connections));
      int left = failKeeps.getOrDefault(peer, 0);
      fail = left > 0;
      if (fail) {
        failKeeps.put(peer, left - 1);
      } else {
        kept.put(peer, connections);
      }
    }
    wake();
    return fail ? Future.failedFuture(new IllegalStateException("no address known for " + peer))
        : Future.succeededFuture();
  }

  @Override
  public Future<Void> unkeep(PeerId peer) {
    synchronized (this) {
      calls.add(new Call("unkeep", peer, 0));
      kept.remove(peer);
    }
    wake();
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Map<PeerId, Integer>> openCounts() {
    return Future.succeededFuture(new HashMap<>(kept));
  }

  /** The next {@code n} keeps of {@code peer} fail and keep nothing. */
  synchronized void failNextKeeps(PeerId peer, int n) {
    failKeeps.put(peer, n);
  }

  /** Forgets {@code peer} as if someone un-kept it on this node behind the keeper's back. */
  synchronized void drop(PeerId peer) {
    kept.remove(peer);
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  synchronized void clearCalls() {
    calls.clear();
  }

  /** The target this node keeps {@code peer} with now; 0 when it does not keep it. */
  synchronized int target(PeerId peer) {
    return kept.getOrDefault(peer, 0);
  }

  /** Completes once {@code condition} holds (checked now and after every call). */
  Future<Void> when(Predicate<FakeLocalKeeps> condition) {
    Promise<Void> p = Promise.promise();
    synchronized (this) {
      waiters.add(new Waiter(condition, p));
    }
    wake();
    return p.future();
  }

  private void wake() {
    List<Promise<Void>> ready = new ArrayList<>();
    synchronized (this) {
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (w.condition().test(this)) {
          it.remove();
          ready.add(w.promise());
        }
      }
    }
    ready.forEach(Promise::tryComplete);
  }
}
