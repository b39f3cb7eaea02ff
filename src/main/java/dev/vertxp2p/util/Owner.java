package dev.vertxp2p.util;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The one context that owns a piece of mutable state, and the check that code touching that
 * state runs there.
 *
 * <p>Every owner-confined class holds one and calls {@link #check()} at the top of each method
 * that reads or changes its state. Work arriving from another event loop goes through {@link
 * #run} or {@link #rehome} first. The check compares threads: an event-loop context's state is
 * safe on its loop's thread whichever (duplicated) context a callback carries.
 *
 * <p>Checks are on when assertions are enabled (every test run: Surefire enables them) or with
 * {@code -Dvertxp2p.checkOwner=true}, and cost one static branch otherwise. A failed check throws
 * {@link ConfinementError} and is also recorded, since a throw inside a Vert.x or Netty callback
 * is only logged; the test suite fails any test during which one was recorded.
 */
public final class Owner {
  /** Whether checks run: assertions on, or {@code vertxp2p.checkOwner=true}. */
  public static final boolean CHECKS = checksEnabled();

  private static final List<String> VIOLATIONS = new ArrayList<>();

  private final ContextInternal context;
  /** What is owned; its {@code toString()} names it in messages, built only when one is needed. */
  private final Object owned;

  /**
   * @param context the owning context
   * @param owned what is owned, named by its {@code toString()} in messages ("swarm", a
   *     connection): an object rather than a text, so that no text is built per connection
   */
  public Owner(Context context, Object owned) {
    this.context = (ContextInternal) Objects.requireNonNull(context, "context");
    this.owned = Objects.requireNonNull(owned, "owned");
  }

  /**
   * The owner of everything confined to {@code context}'s event loop, one per context: what many
   * small objects on one loop (the connections of a listener or a dialer's loop) share, so that
   * none of them pays for an owner of its own.
   */
  public static Owner of(Context context) {
    ContextInternal base = ((ContextInternal) context).unwrap();
    return (Owner) base.contextData().computeIfAbsent(Owner.class,
        k -> new Owner(base, "state of " + base));
  }

  /** The owner of state created now, on the caller's context (a fresh one off any context). */
  public static Owner current(Vertx vertx, Object owned) {
    return new Owner(vertx.getOrCreateContext(), owned);
  }

  @SuppressWarnings("AssertWithSideEffects")
  private static boolean checksEnabled() {
    if (Boolean.getBoolean("vertxp2p.checkOwner")) {
      return true;
    }
    boolean assertions = false;
    assert assertions = true;
    return assertions;
  }

  /** The owning context. */
  public Context context() {
    return context;
  }

  /** Whether the calling thread runs on the owner. */
  public boolean isCurrent() {
    if (context.isEventLoopContext()) {
      return context.nettyEventLoop().inEventLoop();
    }
    Context current = Vertx.currentContext();
    return current instanceof ContextInternal c && c.unwrap() == context.unwrap();
  }

  /** Throws (and records) when checks are on and the caller is not on the owner. */
  public void check() {
    if (CHECKS && !isCurrent()) {
      String what = owned + " touched on thread " + Thread.currentThread().getName()
          + ", off its owner context";
      synchronized (VIOLATIONS) {
        VIOLATIONS.add(what);
      }
      throw new ConfinementError(what);
    }
  }

  /** Runs {@code task} on the owner: now when already there, else queued to it. */
  public void run(Runnable task) {
    if (isCurrent()) {
      task.run();
    } else {
      context.runOnContext(v -> task.run());
    }
  }

  /**
   * Runs {@code task} on the owner; the future it returns calls back on the caller's context
   * when the caller has one, else on the owner ({@link CallerPromises}). A task that throws
   * fails the future.
   */
  public <T> Future<T> call(Supplier<Future<T>> task) {
    Promise<T> promise = CallerPromises.promise(context);
    run(() -> {
      Future<T> f;
      try {
        f = Objects.requireNonNull(task.get(), "task returned no future");
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      f.onComplete(promise);
    });
    return promise.future();
  }

  /**
   * The same outcome as {@code future}, delivered on the owner: callbacks attached to the
   * result run there, whichever loop completes {@code future}.
   */
  public <T> Future<T> rehome(Future<T> future) {
    Promise<T> promise = context.promise();
    future.onComplete(ar -> run(() -> deliver(promise, ar)));
    return promise.future();
  }

  private static <T> void deliver(Promise<T> promise, AsyncResult<T> ar) {
    if (ar.succeeded()) {
      promise.complete(ar.result());
    } else {
      promise.fail(ar.cause());
    }
  }

  /** Takes (and clears) the violations recorded so far: the test suite's after-each check. */
  public static List<String> drainViolations() {
    synchronized (VIOLATIONS) {
      List<String> out = List.copyOf(VIOLATIONS);
      VIOLATIONS.clear();
      return out;
    }
  }

  @Override
  public String toString() {
    return "Owner[" + owned + "]";
  }

  /** Owned state was touched off its owner. A bug of this node, never the remote's. */
  public static final class ConfinementError extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    ConfinementError(String message) {
      super(message);
    }
  }
}
