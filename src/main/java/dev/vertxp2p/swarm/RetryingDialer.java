package dev.vertxp2p.swarm;

import dev.vertxp2p.DialAbortedException;
import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.DialTimeoutException;
import dev.vertxp2p.NonRetryable;
import dev.vertxp2p.ConnectionConfig;
import dev.vertxp2p.RetryConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Dials a list of addresses in order with retries, backoff and a per-attempt timeout, owning no
 * socket: the attempt itself is a function, time comes only from a {@link Scheduler}.
 *
 * <p>Each address gets {@code retry.maxRetries + 1} attempts, separated by {@link Backoff}
 * delays, unless an attempt fails with an error retrying cannot fix (by default one that is
 * {@link NonRetryable}); then the next address is tried at once. An attempt not done within the
 * timeout fails with {@link DialTimeoutException}; the attempt is told through its
 * {@code abandoned} future, and if it still succeeds later its result is handed to the
 * {@code lateResultCloser} rather than leaked. When every address is exhausted the dial fails with
 * {@link DialFailedException} listing each address's last error.
 *
 * <p>Not thread-safe: call it, complete the attempts and run the scheduler on one context.
 */
public final class RetryingDialer {

  /**
   * Starts one attempt on one address.
   *
   * @param <A> the address type
   * @param <T> the result, e.g. an upgraded connection
   */
  @FunctionalInterface
  public interface DialAttempt<A, T> {
    /**
     * Starts the attempt.
     *
     * @param address the address to dial
     * @param attempt 1-based attempt number on this address
     * @param abandoned completes when the dialer gives up on this attempt (timeout), so the
     *     attempt may abort its socket early
     * @return the result, or a failure
     */
    Future<T> start(A address, int attempt, Future<Void> abandoned);
  }

  /**
   * Told before each retry: where the {@code dial.retry} event comes from.
   *
   * @param <A> the address type
   */
  @FunctionalInterface
  public interface RetryListener<A> {
    /**
     * An attempt failed and another one on the same address will follow.
     *
     * @param address the address
     * @param failedAttempt 1-based number of the attempt that failed; the next is one more
     * @param delay the wait before the next attempt
     * @param cause why the attempt failed
     */
    void onRetry(A address, int failedAttempt, Duration delay, Throwable cause);

    /** A listener that ignores everything. */
    static <A> RetryListener<A> none() {
      return (address, failedAttempt, delay, cause) -> {};
    }
  }

  /**
   * Told how each address of a {@linkplain #dialStaggered staggered dial} ended: where the
   * per-address dial backoff learns of failures and successes.
   *
   * @param <A> the address type
   */
  public interface AddressOutcome<A> {
    /** Every attempt on {@code address} failed; {@code cause} is the last attempt's error. */
    void exhausted(A address, Throwable cause);

    /** An attempt on {@code address} succeeded (even one whose result came too late to win). */
    void succeeded(A address);

    /** An outcome listener that ignores everything. */
    static <A> AddressOutcome<A> none() {
      return new AddressOutcome<>() {
        @Override
        public void exhausted(A address, Throwable cause) {}

        @Override
        public void succeeded(A address) {}
      };
    }
  }

  private final Scheduler scheduler;
  private final int attemptsPerAddress;
  private final Backoff backoff;
  private final Duration attemptTimeout;
  private final long attemptTimeoutMillis;
  private final Predicate<Throwable> retryable;

  /**
   * A dialer using {@code retry} for attempts and backoff and {@code connection} for the
   * per-attempt timeout; {@link NonRetryable} errors are not retried.
   */
  public RetryingDialer(
      Scheduler scheduler, RetryConfig retry, ConnectionConfig connection, Backoff backoff) {
    this(
        scheduler,
        retry,
        connection.getConnectionTimeoutDuration(),
        backoff,
        e -> !NonRetryable.isNonRetryable(e));
  }

  /**
   * A dialer with every part given.
   *
   * @param retryable whether an attempt error may be helped by another attempt on the same address
   */
  public RetryingDialer(
      Scheduler scheduler,
      RetryConfig retry,
      Duration attemptTimeout,
      Backoff backoff,
      Predicate<Throwable> retryable) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.attemptsPerAddress = retry.attemptsPerAddress();
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.attemptTimeout = Objects.requireNonNull(attemptTimeout, "attemptTimeout");
    if (attemptTimeout.isNegative() || attemptTimeout.isZero()) {
      throw new IllegalArgumentException(
          "connection.connectionTimeout: invalid value " + attemptTimeout + ": must be > 0");
    }
    // Sub-millisecond timeouts round up: a timer cannot fire sooner than 1 ms anyway.
    this.attemptTimeoutMillis = Math.max(1L, attemptTimeout.toMillis());
    this.retryable = Objects.requireNonNull(retryable, "retryable");
  }

  /** Attempts made on each address: {@code maxRetries + 1}. */
  public int attemptsPerAddress() {
    return attemptsPerAddress;
  }

  /**
   * Dials {@code addresses} in order until one attempt succeeds.
   *
   * @param addresses at least one
   * @param attempt starts one attempt
   * @param lateResultCloser receives, to close, any result that arrives after its attempt timed
   *     out or the dial was aborted
   * @param listener told before each retry
   * @return the first success, or a {@link DialFailedException}
   */
  public <A, T> Future<T> dial(
      List<? extends A> addresses,
      DialAttempt<? super A, T> attempt,
      Consumer<? super T> lateResultCloser,
      RetryListener<? super A> listener) {
    return dial(addresses, attempt, lateResultCloser, listener, null);
  }

  /**
   * As {@link #dial(List, DialAttempt, Consumer, RetryListener)}, stopping early when {@code abort}
   * completes (the swarm closes, the user hangs up): no further attempt starts, the attempt in
   * flight is abandoned (its late result closed), and the dial fails with
   * {@link DialAbortedException}.
   *
   * @param abort completes to stop the dial; null for never
   */
  public <A, T> Future<T> dial(
      List<? extends A> addresses,
      DialAttempt<? super A, T> attempt,
      Consumer<? super T> lateResultCloser,
      RetryListener<? super A> listener,
      Future<?> abort) {
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(lateResultCloser, "lateResultCloser");
    Objects.requireNonNull(listener, "listener");
    if (addresses == null || addresses.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("no address to dial"));
    }
    Dial<A, T> dial = new Dial<>(List.copyOf(addresses), attempt, lateResultCloser, listener);
    if (abort != null) {
      abort.onComplete(ar -> dial.abort());
    }
    if (!dial.result.future().isComplete()) {
      dial.run(0, 1);
    }
    return dial.result.future();
  }

  /**
   * Dials {@code addresses} staggered, as Happy Eyeballs (RFC 8305) and go-libp2p's dial worker
   * do: the first address starts at once; each further one starts when the one before has not
   * succeeded within {@code staggerMillis}, or at once when every address started so far has
   * failed. Each address runs its own {@code retry} schedule (attempts, backoff, per-attempt
   * timeout) as {@link #dial} does for one address. The first success wins; the other addresses'
   * dials are aborted, their attempts in flight abandoned, and any result that still arrives goes
   * to {@code lateResultCloser}. When every address is exhausted the dial fails with a {@link
   * DialFailedException} listing each one's last error.
   *
   * <p>At most {@code addresses.size()} sockets are in flight at once; the caller bounds the list.
   *
   * @param staggerMillis the delay before the next address starts, at least 0
   * @param outcome told when an address is exhausted or succeeds
   */
  public <A, T> Future<T> dialStaggered(
      List<? extends A> addresses,
      long staggerMillis,
      DialAttempt<? super A, T> attempt,
      Consumer<? super T> lateResultCloser,
      RetryListener<? super A> listener,
      AddressOutcome<? super A> outcome) {
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(lateResultCloser, "lateResultCloser");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(outcome, "outcome");
    if (staggerMillis < 0) {
      throw new IllegalArgumentException("staggerMillis must be >= 0, got " + staggerMillis);
    }
    if (addresses == null || addresses.isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("no address to dial"));
    }
    Staggered<A, T> s = new Staggered<>(List.copyOf(addresses), staggerMillis, attempt,
        lateResultCloser, listener, outcome);
    s.startNext();
    return s.result.future();
  }

  /** The state of one {@link #dialStaggered} call. */
  private final class Staggered<A, T> {
    final List<A> addresses;
    final long staggerMillis;
    final DialAttempt<? super A, T> attempt;
    final Consumer<? super T> lateResultCloser;
    final RetryListener<? super A> listener;
    final AddressOutcome<? super A> outcome;
    final Promise<T> result = Promise.promise();
    /** Completes when the dial is decided: the addresses still dialling give up. */
    final Promise<Void> decided = Promise.promise();
    final List<DialFailedException.AddressFailure> failures = new ArrayList<>();
    int next;
    int running;
    Scheduler.Cancellable stagger;

    Staggered(List<A> addresses, long staggerMillis, DialAttempt<? super A, T> attempt,
        Consumer<? super T> lateResultCloser, RetryListener<? super A> listener,
        AddressOutcome<? super A> outcome) {
      this.addresses = addresses;
      this.staggerMillis = staggerMillis;
      this.attempt = attempt;
      this.lateResultCloser = lateResultCloser;
      this.listener = listener;
      this.outcome = outcome;
    }

    void cancelStagger() {
      if (stagger != null) {
        stagger.cancel();
        stagger = null;
      }
    }

    void startNext() {
      cancelStagger();
      if (result.future().isComplete() || next >= addresses.size()) {
        return;
      }
      A address = addresses.get(next++);
      running++;
      Future<T> f = dial(List.of(address), attempt, lateResultCloser, listener, decided.future());
      f.onComplete(ar -> settled(address, ar.succeeded() ? ar.result() : null, ar.cause()));
      if (!f.isComplete() && !result.future().isComplete() && next < addresses.size()) {
        cancelStagger();
        stagger = scheduler.schedule(staggerMillis, this::startNext);
      }
    }

    void settled(A address, T value, Throwable cause) {
      running--;
      if (cause == null) {
        outcome.succeeded(address);
        if (!result.tryComplete(value)) {
          if (value != null) {
            lateResultCloser.accept(value);
          }
          return;
        }
        cancelStagger();
        decided.tryComplete();
        return;
      }
      if (result.future().isComplete()) {
        return; // given up on when another address won
      }
      List<DialFailedException.AddressFailure> mine =
          cause instanceof DialFailedException d ? d.failures() : List.of();
      if (mine.isEmpty()) {
        failures.add(new DialFailedException.AddressFailure(String.valueOf(address), 0, cause));
        outcome.exhausted(address, cause);
      } else {
        failures.addAll(mine);
        outcome.exhausted(address, mine.get(mine.size() - 1).lastError());
      }
      if (next < addresses.size()) {
        startNext(); // nothing to wait for on this one: the next starts at once
      } else if (running == 0) {
        cancelStagger();
        result.fail(new DialFailedException(failures));
      }
    }
  }

  /** One attempt's bookkeeping. */
  private static final class AttemptState {
    /** The dialer has taken this attempt's outcome (result, timeout or abort). */
    boolean settled;

    final Promise<Void> abandoned = Promise.promise();
  }

  /** The state of one {@link #dial} call. */
  private final class Dial<A, T> {
    final List<A> addresses;
    final DialAttempt<? super A, T> attempt;
    final Consumer<? super T> lateResultCloser;
    final RetryListener<? super A> listener;
    final Promise<T> result = Promise.promise();
    final List<DialFailedException.AddressFailure> failures = new ArrayList<>();
    /** The attempt in flight, null while waiting out a backoff. */
    AttemptState current;
    /** The pending timeout or backoff timer. */
    Scheduler.Cancellable timer;

    Dial(
        List<A> addresses,
        DialAttempt<? super A, T> attempt,
        Consumer<? super T> lateResultCloser,
        RetryListener<? super A> listener) {
      this.addresses = addresses;
      this.attempt = attempt;
      this.lateResultCloser = lateResultCloser;
      this.listener = listener;
    }

    void abort() {
      if (result.future().isComplete()) {
        return;
      }
      cancelTimer();
      if (current != null) {
        current.settled = true;
        current.abandoned.tryComplete();
        current = null;
      }
      result.fail(new DialAbortedException(failures.size(), addresses.size()));
    }

    void cancelTimer() {
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
    }

    void run(int addressIndex, int attemptNo) {
      timer = null;
      if (result.future().isComplete()) {
        return;
      }
      A address = addresses.get(addressIndex);
      AttemptState state = new AttemptState();
      current = state;
      Future<T> f;
      try {
        f = attempt.start(address, attemptNo, state.abandoned.future());
        if (f == null) {
          f = Future.failedFuture(new NullPointerException("dial attempt returned no future"));
        }
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(
          ar -> {
            if (state.settled) {
              if (ar.succeeded() && ar.result() != null) {
                lateResultCloser.accept(ar.result());
              }
              return;
            }
            state.settled = true;
            current = null;
            cancelTimer();
            if (ar.succeeded()) {
              result.complete(ar.result());
            } else {
              failed(addressIndex, attemptNo, ar.cause());
            }
          });
      if (!state.settled) {
        timer =
            scheduler.schedule(
                attemptTimeoutMillis,
                () -> {
                  if (state.settled) {
                    return;
                  }
                  state.settled = true;
                  current = null;
                  timer = null;
                  state.abandoned.tryComplete();
                  failed(
                      addressIndex,
                      attemptNo,
                      new DialTimeoutException(String.valueOf(address), attemptTimeout));
                });
      }
    }

    void failed(int addressIndex, int attemptNo, Throwable cause) {
      A address = addresses.get(addressIndex);
      if (attemptNo < attemptsPerAddress && retryable.test(cause)) {
        // attemptNo 1 failed -> retry index 0 -> initialDelay.
        long delayMillis = backoff.delayMillis(attemptNo - 1);
        listener.onRetry(address, attemptNo, Duration.ofMillis(delayMillis), cause);
        timer = scheduler.schedule(delayMillis, () -> run(addressIndex, attemptNo + 1));
        return;
      }
      failures.add(
          new DialFailedException.AddressFailure(String.valueOf(address), attemptNo, cause));
      if (addressIndex + 1 < addresses.size()) {
        run(addressIndex + 1, 1);
      } else {
        result.fail(new DialFailedException(failures));
      }
    }
  }
}
