package dev.vertxp2p.transport;

import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.mux.MuxerException;

/**
 * A stalled peer sends nothing and closes nothing, so its streams would wait forever: when the
 * connection has been silent for {@code keepAliveInterval} we ping, and when still nothing at all
 * arrives within {@code keepAliveTimeout} the connection is closed and its streams fail. A
 * remote that takes our writes counts as alive too (reading pauses while our socket's write
 * queue is full, and then nothing arrives however alive it is). Muxers
 * without a ping frame (mplex) are not probed. On the connection's loop only.
 */
final class KeepAlive {
  private final MuxedConnection conn;

  /** When the outstanding ping went out, or 0 when none is. */
  private long probeSentNanos;
  /** Its place in the loop's shared ticker while started, else null. */
  private LoopTicker.Member ticking;

  KeepAlive(MuxedConnection conn) {
    this.conn = conn;
  }

  /** Ticks at a fraction of the shorter bound, so detection is late by at most that fraction. */
  private long tickMillis() {
    TransportOptions options = conn.options();
    return Math.max(1, Math.min(options.getKeepAliveInterval().toMillis(),
        options.getKeepAliveTimeout().toMillis()) / 4);
  }

  /** Starts ticking with the other connections of this loop ({@link LoopTicker}). */
  void start() {
    conn.owner().check();
    if (ticking == null) {
      ticking = LoopTicker.of(conn.owner(), tickMillis()).join(this::tick);
    }
  }

  void stop() {
    conn.owner().check();
    if (ticking != null) {
      ticking.leave();
      ticking = null;
    }
  }

  private void tick() {
    conn.owner().check();
    if (ticking == null || conn.shutdown().isClosing()) {
      return;
    }
    long now = System.nanoTime();
    // reads, or while reading is paused for a full write queue, the remote taking our writes
    long lastRead = conn.secure().lastAliveNanos();
    if (probeSentNanos != 0) {
      if (lastRead - probeSentNanos >= 0) {
        probeSentNanos = 0; // the remote spoke: alive
      } else if (now - probeSentNanos >= conn.options().getKeepAliveTimeout().toNanos()) {
        conn.shutdown().keepAliveExpired((now - probeSentNanos) / 1_000_000);
      }
      return;
    }
    if (now - lastRead >= conn.options().getKeepAliveInterval().toNanos()) {
      long pingId;
      try {
        pingId = conn.engine().ping();
      } catch (MuxerException e) {
        return; // the session failed; the connection is closing
      }
      if (pingId < 0) {
        return; // no ping frame in this muxer
      }
      probeSentNanos = now;
      conn.flush();
    }
  }
}
