package dev.vertxp2p.transport;

import dev.vertxp2p.LimitsOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's memory budget for buffered stream data ({@code limits.maxBufferedBytes} node-wide,
 * {@code limits.maxBufferedBytesPerConnection} per connection). "Buffered" is inbound stream data
 * received and not yet consumed by the application; outbound data is not counted (each stream's
 * write queue bounds it, and the socket's write queue pauses reading).
 *
 * <p>Each connection keeps its own count on its event loop ({@link BufferAccount}) and adds every
 * change to the node-wide count here. That count is the one piece of state all event loops share:
 * every connection must see the node's total to decide whether it may let its remote send more,
 * and a lock-free counter lets them do so without a lock on the data path or a hop to another
 * loop. Nothing else about a connection's buffers leaves its loop.
 */
public final class BufferBudget {
  private final long perConnection;
  private final long limit;
  /** Bytes buffered on all connections together; see the class comment for why it is shared. */
  private final AtomicLong used = new AtomicLong();

  /**
   * @param perConnection bytes one connection may buffer
   * @param limit bytes all connections together may buffer
   */
  public BufferBudget(long perConnection, long limit) {
    if (perConnection < 1 || limit < 1) {
      throw new IllegalArgumentException("buffer budgets must be positive, got " + perConnection
          + " per connection and " + limit + " in all");
    }
    this.perConnection = perConnection;
    this.limit = limit;
  }

  /** The budget the {@code limits} section sets. */
  public static BufferBudget of(LimitsOptions limits) {
    return new BufferBudget(limits.getMaxBufferedBytesPerConnection(),
        limits.getMaxBufferedBytes());
  }

  /** A budget of the default limits shared with nobody: for hosts that keep no node-wide one. */
  public static BufferBudget unshared() {
    return of(new LimitsOptions());
  }

  /** Bytes one connection may buffer. */
  public long perConnectionLimit() {
    return perConnection;
  }

  /** Bytes all connections together may buffer. */
  public long limit() {
    return limit;
  }

  /** Bytes buffered on all connections now; from any thread. */
  public long used() {
    return used.get();
  }

  /** Room left node-wide; 0 or less when the budget is spent. */
  long room() {
    return limit - used.get();
  }

  void add(long delta) {
    used.addAndGet(delta);
  }

  /** The node-wide budget as a refusal's count limit: {@code {"scope": "buffer", ...}}. */
  public JsonObject toJson() {
    return new JsonObject().put("scope", "buffer").put("limit", limit).put("current", used())
        .put("perConnection", perConnection);
  }
}
