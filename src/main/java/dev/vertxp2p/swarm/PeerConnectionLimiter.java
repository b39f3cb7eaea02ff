package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection.Direction;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the per-peer connection limit ({@code connection.maxConnectionsPerPeer}) as an invariant.
 *
 * <p>A slot is taken <em>before</em> a dial starts or an inbound upgrade begins
 * ({@link #tryReserve}), and is held while the connection is in flight, then while it is open,
 * until the connection closes. Counting in-flight connections is what makes the limit hold under
 * any interleaving: two dials started together cannot both see "2 of 3" and both proceed past 3.
 *
 * <p>Owned by the swarm's context: not thread-safe, no locks.
 */
public final class PeerConnectionLimiter {

  /** Where a {@link Reservation} is in its life. */
  public enum State {
    /** A slot is held for a connection being dialed or upgraded. */
    RESERVED,
    /** The connection is open and holds its slot. */
    OPEN,
    /** The slot was given back; terminal. */
    RELEASED
  }

  /**
   * One held slot. {@link #commit()} when the connection is up, {@link #cancel()} when the attempt
   * failed, {@link #release()} when the connection closes. Giving back is idempotent, so every
   * close path may call it.
   */
  public final class Reservation {
    private final String peer;
    private final Direction direction;
    private State state = State.RESERVED;
    private Runnable onRelease;

    private Reservation(String peer, Direction direction) {
      this.peer = peer;
      this.direction = direction;
    }

    /** The peer the slot is for. */
    public String peer() {
      return peer;
    }

    /** The connection's direction. */
    public Direction direction() {
      return direction;
    }

    /** Where it is in its life. */
    public State state() {
      return state;
    }

    /**
     * The attempt succeeded: the connection is open and keeps the slot.
     *
     * @throws IllegalStateException unless {@link State#RESERVED} (committing a cancelled slot
     *     would break the limit; close that connection instead)
     */
    public void commit() {
      if (state != State.RESERVED) {
        throw new IllegalStateException(
            "commit of a reservation for " + peer + " in state " + state + ", expected RESERVED");
      }
      Counts c = counts.get(peer);
      c.reserved[direction.ordinal()]--;
      c.open[direction.ordinal()]++;
      state = State.OPEN;
    }

    /**
     * The attempt failed or was abandoned: gives the slot back. A no-op once released.
     *
     * @throws IllegalStateException when the connection is already {@link State#OPEN}: use
     *     {@link #release()} on close
     */
    public void cancel() {
      if (state == State.OPEN) {
        throw new IllegalStateException(
            "cancel of an open connection's slot for " + peer + "; use release() on close");
      }
      release();
    }

    /**
     * Runs {@code action} once, when the slot is given back ({@link #release()} or {@link
     * #cancel()}): a slot held elsewhere too (a cluster-wide share) is given back with it.
     *
     * @throws IllegalStateException when already released, or when an action is set already
     */
    public void onRelease(Runnable action) {
      if (state == State.RELEASED || onRelease != null) {
        throw new IllegalStateException("onRelease on " + this
            + (onRelease != null ? " that has an action already" : ""));
      }
      onRelease = java.util.Objects.requireNonNull(action, "action");
    }

    /** The connection closed (or the attempt ended): gives the slot back; idempotent. */
    public void release() {
      if (state == State.RELEASED) {
        return;
      }
      Runnable action = onRelease;
      onRelease = null;
      Counts c = counts.get(peer);
      if (state == State.RESERVED) {
        c.reserved[direction.ordinal()]--;
      } else {
        c.open[direction.ordinal()]--;
      }
      state = State.RELEASED;
      if (c.total() == 0) {
        // Forget peers with nothing open or in flight, so the map stays bounded by live peers.
        counts.remove(peer);
      }
      if (action != null) {
        action.run();
      }
    }

    @Override
    public String toString() {
      return "Reservation[" + peer + ", " + direction + ", " + state + "]";
    }
  }

  private static final class Counts {
    final int[] reserved = new int[Direction.values().length];
    final int[] open = new int[Direction.values().length];

    int total() {
      int t = 0;
      for (int i = 0; i < reserved.length; i++) {
        t += reserved[i] + open[i];
      }
      return t;
    }
  }

  private final int maxPerPeer;
  private final Map<String, Counts> counts = new HashMap<>();

  /**
   * A limiter allowing {@code maxPerPeer} connections per peer, open plus in flight, both
   * directions together.
   *
   * @throws IllegalArgumentException when {@code maxPerPeer < 1}
   */
  public PeerConnectionLimiter(int maxPerPeer) {
    if (maxPerPeer < 1) {
      throw new IllegalArgumentException(
          "connection.maxConnectionsPerPeer: invalid value " + maxPerPeer + ": must be >= 1");
    }
    this.maxPerPeer = maxPerPeer;
  }

  /** The limit. */
  public int maxPerPeer() {
    return maxPerPeer;
  }

  /**
   * Takes a slot for a new connection to or from {@code peer}, or refuses when the peer already
   * has {@link #maxPerPeer()} connections open or in flight.
   *
   * @return the reservation, or empty when refused (the swarm answers 409 / emits
   *     {@code connection.rejected})
   */
  public Optional<Reservation> tryReserve(String peer, Direction direction) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(direction, "direction");
    Counts c = counts.get(peer);
    if (c != null && c.total() >= maxPerPeer) {
      return Optional.empty();
    }
    if (c == null) {
      c = new Counts();
      counts.put(peer, c);
    }
    c.reserved[direction.ordinal()]++;
    return Optional.of(new Reservation(peer, direction));
  }

  /** Connections to {@code peer} open or in flight. */
  public int count(String peer) {
    Counts c = counts.get(peer);
    return c == null ? 0 : c.total();
  }

  /** Connections to {@code peer} open now. */
  public int openCount(String peer) {
    Counts c = counts.get(peer);
    return c == null ? 0 : c.open[0] + c.open[1];
  }

  /** Connections to {@code peer} in flight (reserved, not yet committed). */
  public int inFlightCount(String peer) {
    Counts c = counts.get(peer);
    return c == null ? 0 : c.reserved[0] + c.reserved[1];
  }

  /** Connections to {@code peer} in one direction, open or in flight. */
  public int count(String peer, Direction direction) {
    Counts c = counts.get(peer);
    return c == null ? 0 : c.reserved[direction.ordinal()] + c.open[direction.ordinal()];
  }

  /** Slots still free for {@code peer}. */
  public int available(String peer) {
    return maxPerPeer - count(peer);
  }

  /** Peers with at least one connection open or in flight. */
  public int trackedPeers() {
    return counts.size();
  }
}
