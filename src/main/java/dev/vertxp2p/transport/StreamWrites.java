package dev.vertxp2p.transport;

import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.proto.mux.MuxerException;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stream's outbound queue, as Vert.x builds its HTTP/2 stream on an outbound message queue: the
 * muxer takes what its send window allows, the rest waits here until the remote opens the window
 * again ({@link #pump()}); back-pressure ({@link #full()}), drain and half-close live here too.
 * Changed on the connection's loop only; {@link #full()} is safe from any thread.
 */
final class StreamWrites {
  private final StreamImpl stream;
  private final MuxedConnection conn;
  private final Owner owner;
  private final long id;

  private final ArrayDeque<PendingWrite> queue = new ArrayDeque<>();
  /** Bytes in {@link #queue}; changed on the loop only, read from any thread by {@link #full()}. */
  private volatile long queuedBytes;
  /**
   * Bytes written from other threads and not yet on the loop (in {@link #queue}): counted at
   * once, so that a writer off the loop meets back-pressure rather than queueing without bound.
   */
  private final AtomicLong inTransit = new AtomicLong();
  private volatile int max = StreamImpl.DEFAULT_WRITE_QUEUE_MAX;
  private final StreamEnd end = new StreamEnd();
  private boolean writeClosed;
  private Handler<Void> drainHandler;
  /** Set by whichever thread found the queue full; cleared on the loop as the drain fires. */
  private volatile boolean needDrain;

  private static final class PendingWrite {
    final byte[] data;
    int offset;
    final Promise<Void> promise;

    PendingWrite(byte[] data, Promise<Void> promise) {
      this.data = data;
      this.promise = promise;
    }
  }

  StreamWrites(StreamImpl stream, MuxedConnection conn, long id) {
    this.stream = stream;
    this.conn = conn;
    this.owner = conn.owner();
    this.id = id;
  }

  /** Bytes joined (or, negative, left) the queue; the connection's total follows. On the loop. */
  private void queued(long delta) {
    queuedBytes += delta;
    conn.streamBytesQueued(delta);
  }

  /** Negotiation bytes: queued ahead of anything the application writes. */
  void writeRaw(byte[] data) {
    owner.check();
    queue.add(new PendingWrite(data, Promise.promise()));
    queued(data.length);
    pump();
  }

  Future<Void> write(Buffer data) {
    boolean onLoop = owner.isCurrent();
    if (onLoop && queue.isEmpty() && !writeClosed && !end.requested()
        && data instanceof BufferInternal internal) {
      io.netty.buffer.ByteBuf buf = internal.getByteBuf();
      if (buf.hasArray()) {
        return writeDirect(buf);
      }
    }
    Promise<Void> promise = conn.callerPromise();
    byte[] bytes = data.getBytes();
    boolean offLoop = !onLoop;
    if (offLoop) {
      inTransit.addAndGet(bytes.length);
      conn.streamBytesQueued(bytes.length);
    }
    owner.run(() -> {
      owner.check();
      if (offLoop) {
        inTransit.addAndGet(-bytes.length);
        conn.streamBytesQueued(-bytes.length);
      }
      if (writeClosed || end.requested()) {
        promise.fail(StreamEnd.writeRefused(stream.failure(), id));
        return;
      }
      if (bytes.length == 0) {
        promise.complete();
        return;
      }
      queue.add(new PendingWrite(bytes, promise));
      queued(bytes.length);
      pump();
    });
    return promise.future();
  }

  /**
   * A write on the loop with nothing queued ahead: the muxer copies straight from the caller's
   * array (one copy, not two); only what the window cannot take now is copied aside to wait, as
   * the caller may reuse its buffer once this returns.
   */
  private Future<Void> writeDirect(io.netty.buffer.ByteBuf buf) {
    owner.check();
    int len = buf.readableBytes();
    if (len == 0) {
      return Future.succeededFuture();
    }
    byte[] array = buf.array();
    int off = buf.arrayOffset() + buf.readerIndex();
    int n = muxerWrite(array, off, len);
    if (n < 0) {
      Throwable failure = stream.failure();
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
    queue.add(new PendingWrite(rest, promise));
    queued(rest.length);
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
      stream.fail(new StreamClosedException(
          "cannot write on stream " + id + ": " + e.getMessage(), e));
      return -1;
    }
    if (n > 0) {
      conn.countStreamBytesOut(n);
    }
    return n;
  }

  /** Hands the muxer what its window takes now; half-closes once all is sent after end(). */
  void pump() {
    owner.check();
    if (stream.isFailed()) {
      return;
    }
    boolean wrote = false;
    PendingWrite w;
    while ((w = queue.peek()) != null) {
      int n = muxerWrite(w.data, w.offset, w.data.length - w.offset);
      if (n < 0) {
        return;
      }
      if (n > 0) {
        wrote = true;
        w.offset += n;
        queued(-n);
      }
      if (w.offset < w.data.length) {
        break; // the window is full: wait for the muxer's StreamWritable
      }
      queue.poll();
      w.promise.tryComplete();
    }
    if (queue.isEmpty() && end.requested() && !writeClosed) {
      writeClosed = true;
      try {
        conn.engine().closeWrite(id);
      } catch (MuxerException e) {
        // the stream is already gone; end() is still satisfied
      }
      wrote = true;
      end.complete();
    }
    if (wrote) {
      conn.flush();
    }
    fireDrainIfDue();
  }

  Future<Void> end() {
    Promise<Void> promise = conn.callerPromise();
    owner.run(() -> {
      owner.check();
      if (!end.request(promise)) {
        return;
      }
      Throwable failure = stream.failure();
      if (failure != null) {
        promise.tryFail(failure);
        return;
      }
      pump();
    });
    return promise.future();
  }

  /** No more writes: those waiting fail with {@code cause}. */
  void close(Throwable cause) {
    owner.check();
    writeClosed = true;
    PendingWrite w;
    while ((w = queue.poll()) != null) {
      w.promise.tryFail(cause);
    }
    queued(-queuedBytes);
  }

  /** The stream failed: a pending end() fails too. */
  void failEnd(Throwable cause) {
    owner.check();
    end.fail(cause);
  }

  void setMax(int maxSize) {
    owner.run(() -> max = maxSize);
  }

  boolean full() {
    boolean full = queuedBytes + inTransit.get() >= max || conn.socketWriteQueueFull();
    if (full) {
      needDrain = true;
    }
    return full;
  }

  void drainHandler(Handler<Void> handler) {
    owner.run(() -> {
      owner.check();
      this.drainHandler = handler;
      // Set from another thread, the handler lands here a moment later: the queue may have been
      // found full and drained in between, with no handler to tell. Tell this one now.
      fireDrainIfDue();
    });
  }

  /**
   * On the loop: once a writer found the queue full and it no longer is, the drain handler runs.
   * With no handler set yet the drain stays due, for the handler still on its way.
   */
  void fireDrainIfDue() {
    owner.check();
    Handler<Void> h = drainHandler;
    if (needDrain && h != null && !full()) {
      needDrain = false;
      h.handle(null);
    }
  }

  /** Bytes written and not yet taken by the muxer, from any thread. */
  long queued() {
    return queuedBytes + inTransit.get();
  }

  boolean localEnded() {
    return end.requested() || writeClosed;
  }
}
