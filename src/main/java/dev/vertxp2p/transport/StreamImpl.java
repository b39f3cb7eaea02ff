package dev.vertxp2p.transport;

import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.proto.mux.MuxerException;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A muxed stream as a Vert.x read and write stream. Everything here runs on the connection's event
 * loop; public methods called from elsewhere hop there first.
 *
 * <p>Its first bytes belong to the protocol negotiation ({@link StreamNegotiation}), which hands
 * the stream over once a protocol is agreed. Read side ({@link StreamInbound}): data from the
 * muxer is handed to the handler while there is demand, and only then reported as consumed, so a
 * paused stream stops the remote through the muxer's window. Write side: {@link StreamWrites}.
 */
final class StreamImpl implements StreamInbound.Host {

  /** Default bound on bytes queued by {@link #write} before {@link #writeQueueFull()} says so. */
  static final int DEFAULT_WRITE_QUEUE_MAX = 256 * 1024;

  private final MuxedConnection conn;
  private final Owner owner;
  private final long id;
  private final boolean outbound;
  private final StreamWrites writes;
  private final Inbound in;

  /** Non-null while the stream's protocol is being negotiated. */
  private StreamNegotiation negotiation;
  private volatile String protocol;

  /** Bytes at the head of the pending data already reported as consumed to the muxer. */
  private long preAcked;

  private boolean closed;

  StreamImpl(MuxedConnection conn, long id, boolean outbound) {
    this.conn = conn;
    this.owner = conn.owner();
    this.id = id;
    this.outbound = outbound;
    this.writes = new StreamWrites(this, conn, id);
    this.in = new Inbound();
  }

  @Override
  public StreamInbound inbound() {
    return in;
  }

  MuxedConnection conn() {
    return conn;
  }

  // ---- negotiation -------------------------------------------------------------------------

  /** Starts negotiating as the opener: propose {@code protocols} in order. */
  void startOutbound(List<String> protocols, Promise<P2pStream> promise) {
    owner.check();
    negotiation = StreamNegotiation.outbound(this, protocols, promise);
    negotiation.start();
  }

  /** Starts negotiating as the acceptor: answer the remote's proposals. */
  void startInbound() {
    owner.check();
    negotiation = StreamNegotiation.inbound(this);
    negotiation.start();
  }

  /**
   * The protocol is agreed: the stream is the application's from here.
   *
   * @param leftover bytes pipelined behind the protocol line, the application's
   * @param openPromise the opener's future (null on the accepting side)
   */
  void negotiated(String selected, byte[] leftover, Promise<P2pStream> openPromise) {
    owner.check();
    negotiation = null;
    protocol = selected;
    conn.streamNegotiated(this);
    try {
      if (outbound) {
        openPromise.complete(this);
      } else {
        conn.host().onInboundStream(this);
      }
    } catch (RuntimeException | Error e) {
      applicationFailed(outbound ? "open callback" : "protocol handler", e);
      return;
    }
    if (leftover != null && leftover.length > 0) {
      // They were already acknowledged with the negotiation bytes, so not acknowledged again.
      preAcked += leftover.length;
      in.add(Unpooled.wrappedBuffer(leftover));
    }
  }

  /** Bytes for the stream's first writes: the negotiation's, ahead of the application's. */
  void writeRaw(byte[] data) {
    writes.writeRaw(data);
  }

  // ---- events from the muxer ----------------------------------------------------------------

  /** Data from the muxer: {@code data[off, off+len)} is this stream's alone. */
  void onData(byte[] data, int off, int len) {
    owner.check();
    if (closed) {
      return;
    }
    StreamNegotiation n = negotiation;
    if (n != null) {
      n.onData(data, off, len);
      return;
    }
    // the range is ours alone (the muxer handed it over), so the buffer wraps it, no copy
    in.add(Unpooled.wrappedBuffer(data, off, len));
  }

  void onRemoteEnd() {
    owner.check();
    StreamNegotiation n = negotiation;
    if (n != null) {
      n.onRemoteEnd();
      return;
    }
    in.remoteEnd();
    in.drain();
  }

  void onReset() {
    fail(new StreamClosedException("stream " + id + " was reset by the remote"));
  }

  void onConnectionClosed(Throwable cause) {
    fail(new StreamClosedException(cause == null || cause.getMessage() == null
        ? "connection closed" : "connection closed: " + cause.getMessage(), cause));
  }

  /** The muxer forgot the stream: both directions are over. */
  void onClosed() {
    owner.check();
    if (!closed) {
      closed = true;
      StreamClosedException cause = new StreamClosedException("stream closed");
      abandonNegotiation(cause);
      writes.close(cause);
      in.uncount();
      conn.streamClosed(this);
    }
  }

  void onWritable() {
    writes.pump();
  }

  /** The socket drained: streams that reported full may now be writable. */
  void onSocketDrained() {
    writes.fireDrainIfDue();
  }

  /** Ends the stream with {@code cause}: the opener's future, writes and end() fail with it. */
  void fail(Throwable cause) {
    owner.check();
    if (closed) {
      return;
    }
    in.failed(cause);
    closed = true;
    abandonNegotiation(cause);
    writes.close(cause);
    in.discard();
    writes.failEnd(cause);
    conn.streamClosed(this);
    in.reportFailure();
  }

  /**
   * One of the application's handlers threw: that resets this stream only. The throw is logged
   * with the protocol, the connection and its other streams go on, and the muxer events queued
   * behind this one are still dispatched and flushed.
   */
  private void applicationFailed(String which, Throwable e) {
    if (e instanceof VirtualMachineError fatal) {
      throw fatal;
    }
    conn.log().warn("stream " + id + " (" + protocol + ") on connection " + conn.id()
        + ": the application's " + which + " threw " + e + "; resetting the stream", e);
    if (!closed) {
      resetQuietly();
      fail(new StreamClosedException("stream " + id + " was reset: the application's " + which
          + " threw " + e, e));
    }
  }

  private void abandonNegotiation(Throwable cause) {
    StreamNegotiation n = negotiation;
    if (n != null) {
      negotiation = null;
      n.abandon(cause);
    }
  }

  /** Resets the stream in the muxer (when it still knows it) and sends the reset. */
  void resetQuietly() {
    owner.check();
    try {
      conn.engine().reset(id);
    } catch (MuxerException ignored) {
      // already gone
    }
    conn.flush();
  }

  /** Why the stream failed, or null. */
  Throwable failure() {
    return in.failure();
  }

  boolean isFailed() {
    return in.failure() != null;
  }

  // ---- read side ----------------------------------------------------------------------------

  /** The muxer's side of the read path: acknowledgements, buffered bytes and flushes. */
  private final class Inbound extends StreamInbound {
    Inbound() {
      super(StreamImpl.this, owner);
    }

    @Override
    void bufferedDelta(long delta) {
      conn.bufferedDelta(delta);
    }

    /** Only what the application takes is reported as consumed (less what was already). */
    @Override
    void taking(int size) {
      int ack = size;
      if (preAcked > 0) {
        long skip = Math.min(preAcked, ack);
        preAcked -= skip;
        ack -= (int) skip;
      }
      if (!closed && ack > 0) {
        try {
          conn.engine().consumed(id, ack);
        } catch (MuxerException e) {
          // the muxer already forgot the stream; nothing left to acknowledge
        }
      }
    }

    @Override
    void delivered() {
      conn.flush();
    }

    @Override
    void applicationFailed(String which, Throwable e) {
      StreamImpl.this.applicationFailed(which, e);
    }
  }

  // ---- write side ---------------------------------------------------------------------------

  @Override
  public Future<Void> write(Buffer data) {
    return writes.write(data);
  }

  @Override
  public Future<Void> end() {
    return writes.end();
  }

  @Override
  public P2pStream setWriteQueueMaxSize(int maxSize) {
    if (maxSize < 1) {
      throw new IllegalArgumentException("write queue max size must be >= 1, got " + maxSize);
    }
    writes.setMax(maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return writes.full();
  }

  @Override
  public P2pStream drainHandler(Handler<Void> handler) {
    writes.drainHandler(handler);
    return this;
  }

  @Override
  public void reset() {
    owner.run(() -> {
      if (closed) {
        return;
      }
      resetQuietly();
      fail(new StreamClosedException("stream " + id + " was reset locally"));
    });
  }

  // ---- accessors ----------------------------------------------------------------------------

  /**
   * What the dashboard shows of this stream ({@link StreamInbound.Host#describe}); on the loop
   * only. {@code queued} counts bytes not yet taken by the muxer; the windows are the muxer's, -1
   * for a muxer without flow control (mplex).
   */
  JsonObject toJson() {
    owner.check();
    return describe(writes.queued(), writes.localEnded(), conn.engine().sendWindow(id),
        conn.engine().receiveWindow(id));
  }

  /** The negotiation timeout still pending, or -1 (tests: none outlives negotiation). */
  long negotiationTimer() {
    owner.check();
    StreamNegotiation n = negotiation;
    return n == null ? -1 : n.timer();
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public Connection connection() {
    return conn;
  }

  @Override
  public long streamId() {
    return id;
  }

  @Override
  public boolean isOutbound() {
    return outbound;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public String toString() {
    return "P2pStream[" + id + " " + protocol + " on " + conn.id() + "]";
  }
}
