package dev.vertxp2p.swarm;

import dev.vertxp2p.LimitsOptions;

/**
 * The swarm-wide hard limits on connections: open plus dialing at most {@code
 * limits.maxConnections}, inbound sockets in the upgrade at most {@code limits.maxPendingInbound}.
 * Used only on the swarm's owner context, so plain counters suffice.
 */
final class ConnectionBudget {
  private final int maxConnections;
  private final int maxPendingInbound;
  private int open;
  private int dialing;
  private int pendingInbound;

  ConnectionBudget(LimitsOptions limits) {
    this.maxConnections = limits.getMaxConnections();
    this.maxPendingInbound = limits.getMaxPendingInbound();
  }

  int maxConnections() {
    return maxConnections;
  }

  int maxPendingInbound() {
    return maxPendingInbound;
  }

  /** Open connections plus dials in flight. */
  int used() {
    return open + dialing;
  }

  int pendingInbound() {
    return pendingInbound;
  }

  /** Claims a handshake slot for a new inbound socket; false when all are taken. */
  boolean tryStartHandshake() {
    if (pendingInbound >= maxPendingInbound) {
      return false;
    }
    pendingInbound++;
    return true;
  }

  void endHandshake() {
    pendingInbound--;
  }

  /** Claims a slot for an outbound dial; false at the limit. */
  boolean tryReserveDial() {
    if (used() >= maxConnections) {
      return false;
    }
    dialing++;
    return true;
  }

  /** A dial ended; {@code opened} when it became an open, registered connection. */
  void dialDone(boolean opened) {
    dialing--;
    if (opened) {
      open++;
    }
  }

  /** Admits an upgraded inbound connection; false at the limit. */
  boolean tryAdmitInbound() {
    if (used() >= maxConnections) {
      return false;
    }
    open++;
    return true;
  }

  /** A registered connection closed. */
  void closed() {
    open--;
  }
}
