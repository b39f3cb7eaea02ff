package dev.vertxp2p.transport;

import dev.vertxp2p.util.Owner;
import io.vertx.core.json.JsonObject;

/**
 * One connection's share of the {@link BufferBudget}: the stream data it has received that the
 * application has not consumed yet. Every change goes to the node-wide count too, and the room
 * left (the smaller of this connection's and the node's) goes to the muxer: Yamux stops
 * reopening windows and refuses new inbound streams while it is spent, and for mplex the channel
 * pauses reading. Confined to the connection's loop.
 *
 * <p>When the node-wide budget is what is spent, this connection's own reads cannot bring room
 * back (the others' must), so while it is held for that it looks again every {@link
 * #NODE_RECHECK_MILLIS} ms: no list of waiting connections is shared between event loops.
 */
final class BufferAccount {
  /** How often a connection held by the node-wide budget looks whether room came back. */
  static final long NODE_RECHECK_MILLIS = 10;

  private final MuxedConnection conn;
  private final Owner owner;
  private final BufferBudget budget;
  private long used;
  private boolean spent;
  private long recheckTimer = -1;
  private boolean closed;

  BufferAccount(MuxedConnection conn, BufferBudget budget) {
    this.conn = conn;
    this.owner = conn.owner();
    this.budget = budget;
  }

  BufferBudget budget() {
    return budget;
  }

  /** Bytes handed to streams (positive) or taken by the application (negative). */
  void delta(long delta) {
    owner.check();
    if (closed || delta == 0) {
      return;
    }
    used += delta;
    budget.add(delta);
    refresh();
  }

  /** This connection's buffered bytes now. */
  long used() {
    owner.check();
    return used;
  }

  /** The room left: the smaller of this connection's and the node's. */
  private long room() {
    return Math.min(budget.perConnectionLimit() - used, budget.room());
  }

  /** Tells the muxer and the channel the room there is now. */
  void refresh() {
    owner.check();
    if (closed) {
      return;
    }
    long room = room();
    conn.engine().bufferRoom(room);
    boolean nowSpent = room <= 0;
    if (nowSpent != spent) {
      spent = nowSpent;
      conn.secure().budgetHold(nowSpent);
      if (!nowSpent) {
        // credit held back goes out now, not with the next read
        conn.flush();
      }
    }
    if (nowSpent && nodeHeld()) {
      startRecheck();
    } else {
      stopRecheck();
    }
  }

  private void startRecheck() {
    if (recheckTimer >= 0) {
      return;
    }
    recheckTimer = owner.context().owner().setPeriodic(NODE_RECHECK_MILLIS,
        id -> owner.run(this::refresh));
  }

  private void stopRecheck() {
    if (recheckTimer >= 0) {
      owner.context().owner().cancelTimer(recheckTimer);
      recheckTimer = -1;
    }
  }

  /** Whether the budget is spent for this connection now. */
  boolean isSpent() {
    owner.check();
    return spent;
  }

  /** Whether the node-wide room, not this connection's, is the smaller. */
  private boolean nodeHeld() {
    return budget.room() < budget.perConnectionLimit() - used;
  }

  /** The refusal a stream refused for the budget names: the scope whose room ran out. */
  JsonObject refusal() {
    owner.check();
    boolean node = nodeHeld();
    return new JsonObject().put("scope", "buffer")
        .put("limit", node ? budget.limit() : budget.perConnectionLimit())
        .put("current", node ? budget.used() : used);
  }

  /** The connection closed: what it still counted leaves the node-wide count. */
  void close() {
    owner.check();
    if (closed) {
      return;
    }
    closed = true;
    stopRecheck();
    budget.add(-used);
    used = 0;
  }
}
