package dev.vertxp2p;

import java.util.List;
import java.util.Objects;

/**
 * Chooses which of a peer's connections carries a new stream.
 *
 * <p>Users may implement their own. The contract: {@link #pick} returns one of the
 * {@code candidates} that {@link SelectableConnection#isOpen() is open}, or null when none is;
 * never a closed one. The swarm calls it on its own context only, so implementations need no
 * locking, and calls {@link #forget} when a peer's last connection closes so per-peer state does
 * not grow without bound.
 */
public interface ConnectionSelector {

  /**
   * Picks a connection to {@code peer}.
   *
   * @param peer the peer's id (base58 text), the key of any per-peer state
   * @param candidates the peer's connections, oldest first; closed ones may be among them
   * @return an open one of {@code candidates}, or null when none is open
   */
  <C extends SelectableConnection> C pick(String peer, List<? extends C> candidates);

  /**
   * Picks again for the same stream, among the connections it has not tried yet (failover, a
   * hedge). A selector that takes turns should not count this as a turn: the stream already took
   * one, and counting it again would hand the next stream back to the connection that just
   * failed. The default is {@link #pick}.
   */
  default <C extends SelectableConnection> C pickAgain(String peer, List<? extends C> candidates) {
    return pick(peer, candidates);
  }

  /** Drops any state kept for {@code peer}: it has no connections left. */
  default void forget(String peer) {}

  /** The built-in selector for {@code strategy}; each call returns a new, independent one. */
  static ConnectionSelector create(LoadBalancingStrategy strategy) {
    Objects.requireNonNull(strategy, "strategy");
    switch (strategy) {
      case ROUND_ROBIN:
        return roundRobin();
      case LEAST_LOADED:
        return leastLoaded();
      case BEST:
        return best();
      case LOWEST_LATENCY:
      case LATENCY_BASED:
        return lowestLatency();
      case HEALTH_BASED:
        return healthBased();
      case LEAST_BUSY:
        return leastBusy();
      default:
        throw new IllegalArgumentException("no selector for strategy " + strategy);
    }
  }

  /** Each open connection in turn, with a cursor per peer. */
  static ConnectionSelector roundRobin() {
    return new ComparingSelector("round_robin", (a, b) -> 0, true);
  }

  /**
   * The open connection with the fewest open streams; among equally loaded ones, each in turn, so
   * a burst of new streams spreads instead of piling on the oldest connection.
   */
  static ConnectionSelector leastLoaded() {
    return new ComparingSelector(
        "least_loaded", (a, b) -> Integer.compare(a.openStreams(), b.openStreams()), true);
  }

  /**
   * go-libp2p's "best connection": the most open streams; among equal ones QUIC before the other
   * transports (its streams do not wait behind each other's lost packets, where every stream of a
   * TCP connection does), then the newest; among full ties, the later in the candidate list.
   * Deterministic, no per-peer state.
   */
  static ConnectionSelector best() {
    return new ComparingSelector(
        "best",
        (a, b) -> {
          int byStreams = Integer.compare(b.openStreams(), a.openStreams());
          if (byStreams != 0) {
            return byStreams;
          }
          int byQuic = Boolean.compare(isQuic(b), isQuic(a));
          if (byQuic != 0) {
            return byQuic;
          }
          // Compare nanoTime stamps by their difference: it stays right across wrap-around.
          return Long.signum(b.openedAtNanos() - a.openedAtNanos());
        },
        false);
  }

  /**
   * The lowest smoothed ping round-trip time; connections with unknown latency (NaN) after every
   * known one; among equal ones, each in turn.
   */
  static ConnectionSelector lowestLatency() {
    // Double.compare orders NaN above every number, which is exactly "unknown sorts last".
    return new ComparingSelector(
        "lowest_latency", (a, b) -> Double.compare(a.latencyMillis(), b.latencyMillis()), true);
  }

  /**
   * Healthy first, then unknown, degraded, unhealthy and draining in that order; among equally
   * healthy ones the lowest smoothed round trip (unknown last), then the fewest open streams; among
   * full ties, each in turn.
   */
  static ConnectionSelector healthBased() {
    return new ComparingSelector(
        "health_based",
        (a, b) -> {
          int byHealth = Integer.compare(healthRank(a.health()), healthRank(b.health()));
          if (byHealth != 0) {
            return byHealth;
          }
          int byLatency = Double.compare(a.latencyMillis(), b.latencyMillis());
          if (byLatency != 0) {
            return byLatency;
          }
          return Integer.compare(a.openStreams(), b.openStreams());
        },
        true);
  }

  /**
   * The fewest bytes queued or in flight ({@link SelectableConnection#bytesInFlight()}); among
   * equal ones, each in turn.
   */
  static ConnectionSelector leastBusy() {
    return new ComparingSelector(
        "least_busy", (a, b) -> Long.compare(a.bytesInFlight(), b.bytesInFlight()), true);
  }

  private static boolean isQuic(SelectableConnection c) {
    return "quic-v1".equals(c.transport());
  }

  private static int healthRank(ConnectionHealth health) {
    switch (health) {
      case HEALTHY:
        return 0;
      case UNKNOWN:
        return 1;
      case DEGRADED:
        return 2;
      case UNHEALTHY:
        return 3;
      default:
        return 4;
    }
  }
}
