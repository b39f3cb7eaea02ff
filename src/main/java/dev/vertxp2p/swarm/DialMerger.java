package dev.vertxp2p.swarm;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Merges concurrent dials to the same key (a peer): while one is in flight every request shares
 * its {@link Future}; once it completes, the next request starts a fresh one.
 *
 * <p>Without it, N streams opened at once to an unconnected peer would start N dials and, with
 * the per-peer limit, most would be refused. Not thread-safe: one context owns it.
 *
 * @param <K> the key, e.g. the peer id
 * @param <T> the dial's result
 */
public final class DialMerger<K, T> {

  private final Map<K, Future<T>> inFlight = new HashMap<>();

  /**
   * Joins the dial in flight for {@code key}, or starts one with {@code start}.
   *
   * @return the shared future
   */
  public Future<T> dial(K key, Supplier<? extends Future<T>> start) {
    Objects.requireNonNull(key, "key");
    Future<T> running = inFlight.get(key);
    if (running != null) {
      return running;
    }
    Future<T> f;
    try {
      f = start.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    if (f == null) {
      return Future.failedFuture(new NullPointerException("dial returned no future"));
    }
    if (f.isComplete()) {
      // Done already: nothing to share, and recording it would outlive its completion.
      return f;
    }
    Future<T> started = f;
    inFlight.put(key, started);
    started.onComplete(ar -> inFlight.remove(key, started));
    return started;
  }

  /** Whether a dial for {@code key} is in flight. */
  public boolean isInFlight(K key) {
    return inFlight.containsKey(key);
  }

  /** Dials in flight. */
  public int size() {
    return inFlight.size();
  }
}
