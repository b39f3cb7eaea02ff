package dev.vertxp2p.swarm;

import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import io.vertx.core.Vertx;

/**
 * What {@link Swarm#create} builds on: the one edge from the API packages to the implementation
 * (as Vert.x's {@code Vertx.vertx()} reaches its own {@code impl}). ArchitectureTest allows this
 * edge and no other.
 */
public final class SwarmFactory {
  private SwarmFactory() {}

  /**
   * A new, unstarted swarm.
   *
   * @param selector the user's connection selector, or null for the configured strategy
   */
  public static Swarm create(Vertx vertx, SwarmOptions options, ConnectionSelector selector) {
    return new SwarmImpl(vertx, options, selector);
  }
}
