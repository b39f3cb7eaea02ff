package dev.vertxp2p.transport;

import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerException;
import dev.vertxp2p.util.Owner;

/**
 * A stalled peer sends nothing and closes nothing, so its streams would wait forever: when the
 * connection has been silent for {@code keepAliveInterval} we ping, and when still nothing at all
 * arrives within {@code keepAliveTimeout} the connection is closed and its streams fail. Muxers
 * without a ping frame (mplex) are not probed. On the connection's loop only.
 */
final class KeepAlive {
  private final MuxedConnection conn;
  private final Owner owner;
  private final MuxerEngine muxer;
  private final NoiseChannel channel;
  private final long intervalNanos;
  private final long timeoutNanos;
  private final long tickMillis;

  /** When the outstanding ping went out, or 0 when none is. */
  private long probeSentNanos;
  private long timer = -1;

  KeepAlive(MuxedConnection conn, MuxerEngine muxer, NoiseChannel channel,
      TransportOptions options) {
    this.conn = conn;
    this.owner = conn.owner();
    this.muxer = muxer;
    this.channel = channel;
    this.intervalNanos = options.getKeepAliveInterval().toNanos();
    this.timeoutNanos = options.getKeepAliveTimeout().toNanos();
    long interval = options.getKeepAliveInterval().toMillis();
    // Tick at a fraction of the shorter bound so detection is late by at most that fraction.
    this.tickMillis = Math.max(1, Math.min(interval, options.getKeepAliveTimeout().toMillis()) / 4);
  }

  void start() {
    owner.check();
    if (timer < 0) {
      timer = owner.context().owner().setPeriodic(tickMillis, t -> owner.run(this::tick));
    }
  }

  void stop() {
    owner.check();
    if (timer >= 0) {
      owner.context().owner().cancelTimer(timer);
      timer = -1;
    }
  }

  private void tick() {
    owner.check();
    if (timer < 0 || conn.shutdown().isClosing()) {
      return;
    }
    long now = System.nanoTime();
    long lastRead = channel.lastReadNanos();
    if (probeSentNanos != 0) {
      if (lastRead - probeSentNanos >= 0) {
        probeSentNanos = 0; // the remote spoke: alive
      } else if (now - probeSentNanos >= timeoutNanos) {
        conn.shutdown().keepAliveExpired((now - probeSentNanos) / 1_000_000);
      }
      return;
    }
    if (now - lastRead >= intervalNanos) {
      long pingId;
      try {
        pingId = muxer.ping();
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
