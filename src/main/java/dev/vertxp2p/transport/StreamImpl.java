package dev.vertxp2p.transport;

import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.multistream.MultistreamNegotiator;
import dev.vertxp2p.proto.multistream.MultistreamResponder;
import dev.vertxp2p.proto.multistream.NoProtocolSupportedException;
import dev.vertxp2p.proto.mux.MuxerException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A muxed stream as a Vert.x read and write stream. Everything here runs on the connection's event
 * loop; public methods called from elsewhere hop there first.
 *
 * <p>Read side: data from the muxer is handed to the handler while there is demand, and only then
 * reported as consumed, so a paused stream stops the remote through the muxer's window. Write
 * side: the muxer takes what its send window allows; the rest waits here until the remote opens
 * the window again ({@link #onWritable()}).
 */
final class StreamImpl implements P2pStream {

  /** Default bound on bytes queued by {@link #write} before {@link #writeQueueFull()} says so. */
  static final int DEFAULT_WRITE_QUEUE_MAX = 256 * 1024;

  private final MuxedConnection conn;
  private final long id;
  private final boolean outbound;

  /** Non-null while the stream's protocol is being negotiated. */
  private MultistreamNegotiator negotiator;
  private Promise<P2pStream> openPromise;
  private List<String> proposed;
  private String protocol;

  // Read side
  private final ArrayDeque<io.netty.buffer.ByteBuf> pending = new ArrayDeque<>();
  private long demand = Long.MAX_VALUE;
  private boolean delivering;
  private boolean remoteEnded;
  /** Bytes at the head of {@link #pending} already reported as consumed to the muxer. */
  private long preAcked;
  private boolean endDelivered;
  /** Whether {@link #pending} counts towards the connection's unconsumed bytes (until closed). */
  private boolean pendingCounted = true;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;

  // Write side
  private final ArrayDeque<PendingWrite> writes = new ArrayDeque<>();
  /**
   * Bytes in {@link #writes}; changed on the loop only, read from any thread by {@link
   * #writeQueueFull()}.
   */
  private volatile long queuedBytes;
  /**
   * Bytes written from other threads and not yet on the loop (in {@link #writes}): counted at
   * once, so that a writer off the loop meets back-pressure rather than queueing without bound.
   */
  private final AtomicLong inTransit = new AtomicLong();
  private volatile int writeQueueMax = DEFAULT_WRITE_QUEUE_MAX;
  private boolean endRequested;
  private Promise<Void> endPromise;
  private boolean writeClosed;
  private Handler<Void> drainHandler;
  /** Set by whichever thread found the queue full; cleared on the loop as the drain fires. */
  private volatile boolean needDrain;

  /** The protocol negotiation's timeout while it runs, else -1; the connection keeps it. */
  long negotiationTimer = -1;

  private boolean closed;
  private Throwable failure;
  private boolean failureReported;

  private static final class PendingWrite {
    final byte[] data;
    int offset;
    final Promise<Void> promise;

    PendingWrite(byte[] data, Promise<Void> promise) {
      this.data = data;
      this.promise = promise;
    }
  }

  StreamImpl(MuxedConnection conn, long id, boolean outbound) {
    this.conn = conn;
    this.id = id;
    this.outbound = outbound;
  }

  // ---- negotiation -------------------------------------------------------------------------

  /** Starts negotiating as the opener: propose {@code protocols} in order. */
  void startOutbound(List<String> protocols, Promise<P2pStream> promise) {
    this.proposed = List.copyOf(protocols);
    this.openPromise = promise;
    this.negotiator = new MultistreamInitiator(proposed);
    pumpNegotiator();
  }

  /** Starts negotiating as the acceptor: answer the remote's proposals. */
  void startInbound() {
    this.negotiator =
        new MultistreamResponder(conn.host().supportedProtocols(), conn.host().protocolList());
    pumpNegotiator();
  }

  private void pumpNegotiator() {
    byte[] out;
    while ((out = negotiator.pollOutbound()) != null) {
      writeRaw(out);
    }
    if (negotiator.isDone()) {
      MultistreamNegotiator done = negotiator;
      negotiator = null;
      protocol = done.selected();
      byte[] leftover = done.leftover();
      conn.streamNegotiated(this);
      if (outbound) {
        Promise<P2pStream> p = openPromise;
        openPromise = null;
        p.complete(this);
      } else {
        conn.host().onInboundStream(this);
      }
      if (leftover != null && leftover.length > 0) {
        // Bytes pipelined behind the protocol line belong to the application; they were already
        // acknowledged with the negotiation bytes, so they are not acknowledged again.
        preAcked += leftover.length;
        deliver(Unpooled.wrappedBuffer(leftover));
      }
    }
  }

  // ---- events from the muxer ----------------------------------------------------------------

  /** Data from the muxer: {@code data[off, off+len)} is this stream's alone. */
  void onData(byte[] data, int off, int len) {
    if (closed) {
      return;
    }
    if (negotiator != null) {
      // Negotiation bytes are ours, not the application's: acknowledge them at once.
      conn.engine().consumed(id, len);
      try {
        negotiator.receive(data, off, len);
        pumpNegotiator();
      } catch (NoProtocolSupportedException e) {
        fail(new ProtocolNotSupportedException(proposed));
        resetQuietly();
      } catch (ProtocolException e) {
        conn.log().debug("stream " + id + ": negotiation failed: " + e.getMessage());
        fail(e);
        resetQuietly();
      }
      return;
    }
    deliver(Unpooled.wrappedBuffer(data, off, len));
  }

  void onRemoteEnd() {
    if (negotiator != null) {
      fail(new StreamClosedException("remote closed the stream during protocol negotiation"));
      resetQuietly();
      return;
    }
    remoteEnded = true;
    drainPending();
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
    if (!closed) {
      closed = true;
      writeClosed = true;
      failWrites(new StreamClosedException("stream closed"));
      uncountPending();
      conn.streamClosed(this);
    }
  }

  /**
   * A closed stream's unread data stays readable, but the remote can send no more on it, so it
   * no longer holds the connection's reads back.
   */
  private void uncountPending() {
    if (pendingCounted) {
      pendingCounted = false;
      long n = 0;
      for (io.netty.buffer.ByteBuf b : pending) {
        n += b.readableBytes();
      }
      if (n > 0) {
        conn.bufferedDelta(-n);
      }
    }
  }

  void onWritable() {
    pumpWrites();
  }

  private void fail(Throwable cause) {
    if (closed) {
      return;
    }
    failure = cause;
    closed = true;
    writeClosed = true;
    if (openPromise != null) {
      Promise<P2pStream> p = openPromise;
      openPromise = null;
      p.tryFail(cause);
    }
    failWrites(cause);
    discardPending();
    if (endPromise != null) {
      endPromise.tryFail(cause);
    }
    conn.streamClosed(this);
    Handler<Throwable> h = exceptionHandler;
    if (h != null && protocol != null) {
      failureReported = true;
      h.handle(cause);
    }
  }

  /** An aborted stream's undelivered data is dropped, and no longer counts as buffered. */
  private void discardPending() {
    uncountPending();
    pending.clear();
  }

  private void failWrites(Throwable cause) {
    PendingWrite w;
    while ((w = writes.poll()) != null) {
      w.promise.tryFail(cause);
    }
    queuedBytes = 0;
  }

  private void resetQuietly() {
    try {
      conn.engine().reset(id);
    } catch (MuxerException ignored) {
      // already gone
    }
    conn.flush();
  }

  // ---- read side ----------------------------------------------------------------------------

  private void deliver(io.netty.buffer.ByteBuf data) {
    if (pendingCounted) {
      conn.bufferedDelta(data.readableBytes());
    }
    pending.add(data);
    drainPending();
  }

  private void drainPending() {
    if (delivering) {
      return;
    }
    delivering = true;
    try {
      // Nothing is handed out before there is a handler to take it: a stream whose handlers are
      // set a moment after it opened (from another thread, or after a future) loses nothing.
      while (demand > 0 && handler != null && !pending.isEmpty()) {
        io.netty.buffer.ByteBuf chunk = pending.poll();
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        int size = chunk.readableBytes();
        int ack = size;
        if (preAcked > 0) {
          long skip = Math.min(preAcked, ack);
          preAcked -= skip;
          ack -= (int) skip;
        }
        if (pendingCounted) {
          conn.bufferedDelta(-size);
        }
        if (!closed && ack > 0) {
          try {
            conn.engine().consumed(id, ack);
          } catch (MuxerException e) {
            // the muxer already forgot the stream; nothing left to acknowledge
          }
        }
        // the range is ours alone (the muxer handed it over), so the buffer wraps it, no copy
        Handler<Buffer> h = handler;
        h.handle(BufferInternal.buffer(chunk));
      }
      Handler<Void> end = endHandler;
      if (remoteEnded && pending.isEmpty() && !endDelivered && end != null) {
        endDelivered = true;
        end.handle(null);
      }
    } finally {
      delivering = false;
    }
    conn.flush();
  }

  @Override
  public P2pStream handler(Handler<Buffer> handler) {
    conn.run(() -> {
      this.handler = handler;
      drainPending();
    });
    return this;
  }

  @Override
  public P2pStream pause() {
    conn.run(() -> demand = 0);
    return this;
  }

  @Override
  public P2pStream resume() {
    return fetch(Long.MAX_VALUE);
  }

  @Override
  public P2pStream fetch(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("fetch amount must be >= 0, got " + amount);
    }
    conn.run(() -> {
      long d = demand + amount;
      demand = d < 0 ? Long.MAX_VALUE : d;
      drainPending();
    });
    return this;
  }

  @Override
  public P2pStream endHandler(Handler<Void> endHandler) {
    conn.run(() -> {
      this.endHandler = endHandler;
      drainPending();
    });
    return this;
  }

  @Override
  public P2pStream exceptionHandler(Handler<Throwable> handler) {
    conn.run(() -> {
      this.exceptionHandler = handler;
      // a failure that came before the handler is reported to it, once
      if (handler != null && failure != null && protocol != null && !failureReported) {
        failureReported = true;
        handler.handle(failure);
      }
    });
    return this;
  }

  // ---- write side ---------------------------------------------------------------------------

  /** Negotiation bytes: queued ahead of anything the application writes. */
  private void writeRaw(byte[] data) {
    writes.add(new PendingWrite(data, Promise.promise()));
    queuedBytes += data.length;
    pumpWrites();
  }

  @Override
  public Future<Void> write(Buffer data) {
    if (conn.onLoop() && writes.isEmpty() && !writeClosed && !endRequested
        && data instanceof BufferInternal internal) {
      io.netty.buffer.ByteBuf buf = internal.getByteBuf();
      if (buf.hasArray()) {
        return writeDirect(buf);
      }
    }
    Promise<Void> promise = conn.callerPromise();
    byte[] bytes = data.getBytes();
    boolean offLoop = !conn.onLoop();
    if (offLoop) {
      inTransit.addAndGet(bytes.length);
    }
    conn.run(() -> {
      if (offLoop) {
        inTransit.addAndGet(-bytes.length);
      }
      if (writeClosed || endRequested) {
        promise.fail(failure != null
            ? new StreamClosedException("stream is closed", failure)
            : new StreamClosedException("write after end() on stream " + id));
        return;
      }
      if (bytes.length == 0) {
        promise.complete();
        return;
      }
      writes.add(new PendingWrite(bytes, promise));
      queuedBytes += bytes.length;
      pumpWrites();
    });
    return promise.future();
  }

  /**
   * A write on the loop with nothing queued ahead: the muxer copies straight from the caller's
   * array (one copy, not two); only what the window cannot take now is copied aside to wait, as
   * the caller may reuse its buffer once this returns.
   */
  private Future<Void> writeDirect(io.netty.buffer.ByteBuf buf) {
    int len = buf.readableBytes();
    if (len == 0) {
      return Future.succeededFuture();
    }
    byte[] array = buf.array();
    int off = buf.arrayOffset() + buf.readerIndex();
    int n = muxerWrite(array, off, len);
    if (n < 0) {
      return Future.failedFuture(failure != null
          ? failure : new StreamClosedException("stream " + id + " is closed"));
    }
    if (n > 0) {
      conn.flush();
    }
    if (n == len) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = conn.callerPromise();
    byte[] rest = java.util.Arrays.copyOfRange(array, off + n, off + len);
    writes.add(new PendingWrite(rest, promise));
    queuedBytes += rest.length;
    return promise.future();
  }

  /**
   * Hands what the muxer's window takes of {@code data[off, off+len)} to the muxer.
   *
   * @return the bytes taken, or -1 when the muxer refused the stream (it is then failed)
   */
  private int muxerWrite(byte[] data, int off, int len) {
    int n;
    try {
      n = conn.writeThrough(id, data, off, len);
    } catch (MuxerException e) {
      fail(new StreamClosedException("cannot write on stream " + id + ": " + e.getMessage(), e));
      return -1;
    }
    if (n > 0) {
      conn.countStreamBytesOut(n);
    }
    return n;
  }

  private void pumpWrites() {
    if (closed && failure != null) {
      return;
    }
    boolean wrote = false;
    PendingWrite w;
    while ((w = writes.peek()) != null) {
      int n = muxerWrite(w.data, w.offset, w.data.length - w.offset);
      if (n < 0) {
        return;
      }
      if (n > 0) {
        wrote = true;
        w.offset += n;
        queuedBytes -= n;
      }
      if (w.offset < w.data.length) {
        break; // the window is full: wait for onWritable
      }
      writes.poll();
      w.promise.tryComplete();
    }
    if (writes.isEmpty() && endRequested && !writeClosed) {
      writeClosed = true;
      try {
        conn.engine().closeWrite(id);
      } catch (MuxerException e) {
        // the stream is already gone; end() is still satisfied
      }
      wrote = true;
      if (endPromise != null) {
        endPromise.tryComplete();
      }
    }
    if (wrote) {
      conn.flush();
    }
    fireDrainIfDue();
  }

  /**
   * What the dashboard shows of this stream; on the loop only. {@code queued} counts bytes written
   * and not yet taken by the muxer, {@code buffered} bytes received and not yet handed to the
   * application; the windows are -1 for a muxer without flow control (mplex).
   */
  JsonObject toJson() {
    long buffered = 0;
    for (io.netty.buffer.ByteBuf b : pending) {
      buffered += b.readableBytes();
    }
    return new JsonObject()
        .put("id", id)
        .put("protocol", protocol)
        .put("direction", outbound ? "outbound" : "inbound")
        .put("queued", queuedBytes + inTransit.get())
        .put("buffered", buffered)
        .put("paused", demand == 0)
        .put("localEnded", endRequested || writeClosed)
        .put("remoteEnded", remoteEnded)
        .put("sendWindow", conn.engine().sendWindow(id))
        .put("receiveWindow", conn.engine().receiveWindow(id));
  }

  /** The socket drained: streams that reported full may now be writable. */
  void onSocketDrained() {
    fireDrainIfDue();
  }

  /**
   * On the loop: once a writer found the queue full and it no longer is, the drain handler runs.
   * With no handler set yet the drain stays due, for the handler still on its way.
   */
  private void fireDrainIfDue() {
    Handler<Void> h = drainHandler;
    if (needDrain && h != null && !writeQueueFull()) {
      needDrain = false;
      h.handle(null);
    }
  }

  @Override
  public Future<Void> end() {
    Promise<Void> promise = conn.callerPromise();
    conn.run(() -> {
      if (endRequested) {
        if (endPromise != null) {
          endPromise.future().onComplete(promise);
        } else {
          promise.complete();
        }
        return;
      }
      endRequested = true;
      endPromise = promise;
      if (closed && failure != null) {
        promise.tryFail(failure);
        return;
      }
      pumpWrites();
    });
    return promise.future();
  }

  @Override
  public P2pStream setWriteQueueMaxSize(int maxSize) {
    if (maxSize < 1) {
      throw new IllegalArgumentException("write queue max size must be >= 1, got " + maxSize);
    }
    conn.run(() -> writeQueueMax = maxSize);
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    boolean full = queuedBytes + inTransit.get() >= writeQueueMax || conn.socketWriteQueueFull();
    if (full) {
      needDrain = true;
    }
    return full;
  }

  @Override
  public P2pStream drainHandler(Handler<Void> handler) {
    conn.run(() -> {
      this.drainHandler = handler;
      // Set from another thread, the handler lands here a moment later: the queue may have been
      // found full and drained in between, with no handler to tell. Tell this one now.
      fireDrainIfDue();
    });
    return this;
  }

  @Override
  public void reset() {
    conn.run(() -> {
      if (closed) {
        return;
      }
      resetQuietly();
      fail(new StreamClosedException("stream " + id + " was reset locally"));
    });
  }

  // ---- accessors ----------------------------------------------------------------------------

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
