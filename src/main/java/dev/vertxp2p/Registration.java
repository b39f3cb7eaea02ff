package dev.vertxp2p;

/**
 * A handler registration that can be removed, as {@link Swarm#eventHandler} and {@link
 * Swarm#streamOpenedHandler} return: meters, test fixtures and applications unsubscribe with it.
 */
@FunctionalInterface
public interface Registration {

  /** Removes the handler; no further calls reach it once this returns. Idempotent. */
  void unregister();
}
