package dev.vertxp2p.transport;

import dev.vertxp2p.ProtocolException;
import io.vertx.core.net.NetSocket;

/**
 * The secured byte channel under a {@link MuxedConnection}: the socket, the security protocol's
 * framing and encryption, and the muxer's bytes in and out, with back-pressure and byte counts.
 * {@link NoiseChannel} runs it over a Noise session, a TLS channel over a TLS one; the
 * connection above sees only this. Every method runs on the connection's event loop unless it
 * says otherwise.
 */
interface SecureChannel {

  /** What the connection learns from its channel; called on the connection's loop. */
  interface Listener {
    /** A socket read (or the held upgrade leftover) went to the muxer: dispatch its events. */
    void onMuxerInput();

    /** The remote broke the security protocol or the muxer's framing. */
    void onProtocolError(ProtocolException e);

    void onSocketError(Throwable cause);

    void onSocketClosed();

    void onSocketDrained();

    /** A socket read is about to go to the muxer (the connection refreshes its budget room). */
    default void beforeMuxerInput() {}
  }

  /**
   * Starts reading: feeds the held bytes to the muxer now, and resumes the socket on a later turn
   * of the loop. Once only.
   *
   * @return false when already active
   */
  boolean activate();

  /**
   * For muxers without flow control: bytes handed to streams (positive) or taken by the
   * application (negative); reading pauses above a high water mark.
   */
  void bufferedDelta(long delta);

  /** For muxers without flow control: the memory budget is spent, or has room again. */
  void budgetHold(boolean hold);

  boolean isReadPaused();

  /** Whether reading is paused because the socket's write queue is full. */
  boolean isWriteBlocked();

  /** As {@link #unsentBytes()}, from any thread. */
  long unsentBytesPublished();

  /** Bytes handed to the socket and not yet written out by it. */
  long unsentBytes();

  long lastReadNanos();

  /** When the remote last showed it is alive: it sent us bytes, or took ours. */
  long lastAliveNanos();

  /** Bytes read from the socket, the upgrade's included; any thread. */
  long bytesIn();

  /** Bytes written to the socket, the upgrade's included; any thread. */
  long bytesOut();

  boolean socketWriteQueueFull();

  /** The socket's Netty channel, when the socket is Vert.x's own; else null. */
  io.netty.channel.Channel nettyChannel();

  void close();

  /** The socket under the channel. */
  NetSocket socket();

  /**
   * Sends everything the muxer queued.
   *
   * @return false when a flush is already under way (or the socket closed): nothing was done
   */
  boolean flush();

  /**
   * A stream's write, handed to the muxer and sent before this returns when the socket can take
   * it.
   *
   * @return the bytes the muxer accepted
   */
  int writeThrough(long streamId, byte[] data, int off, int len);
}
