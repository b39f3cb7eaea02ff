package dev.vertxp2p.util;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/**
 * Promises for futures handed to application code. Their callbacks run on the caller's Vert.x
 * context when it has one (the Vert.x rule: a verticle's callbacks come back on its own thread),
 * else on the given fallback context; never on whichever thread attaches them once the promise is
 * complete, as a plain {@link Promise#promise()} would.
 */
public final class CallerPromises {
  private CallerPromises() {}

  /** A promise bound to the calling thread's context, or to {@code fallback} off any context. */
  public static <T> Promise<T> promise(Context fallback) {
    Context current = Vertx.currentContext();
    return ((ContextInternal) (current != null ? current : fallback)).promise();
  }
}
