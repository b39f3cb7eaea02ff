package dev.vertxp2p.transport;

import dev.vertxp2p.P2pStream;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;

/**
 * The inbound half of a stream, the same on a muxed TCP connection ({@link StreamImpl}) and on
 * QUIC ({@link QuicStream}): received data waits here as pending chunks and is handed to the
 * handler while there is demand; after the remote's end the end handler runs once, and the
 * stream's failure goes to the exception handler once. Pending bytes count towards the
 * connection's buffered bytes until the stream is over.
 *
 * <p>Everything here runs on the stream's owner (its connection's event loop); the public read
 * methods called from elsewhere hop there first. What differs between the transports is in the
 * stream's subclass: what handing a chunk over means to flow control ({@link #taking}), what
 * follows a round of delivery ({@link #delivered}), and how a throwing handler is dealt with.
 */
abstract class StreamInbound {

  /**
   * A stream whose read side is a {@link StreamInbound}: the {@link P2pStream} read methods, and
   * what the dashboard shows of a stream, written once for both transports.
   */
  interface Host extends P2pStream {
    StreamInbound inbound();

    /**
     * What the dashboard shows of this stream; on the loop only. {@code queued} counts bytes
     * written and not yet taken by the transport, {@code buffered} bytes received and not yet
     * handed to the application; a window the transport does not show is -1.
     */
    default JsonObject describe(long queued, boolean localEnded, long sendWindow,
        long receiveWindow) {
      StreamInbound in = inbound();
      return new JsonObject()
          .put("id", streamId())
          .put("protocol", protocol())
          .put("direction", isOutbound() ? "outbound" : "inbound")
          .put("queued", queued)
          .put("buffered", in.buffered())
          .put("paused", in.paused())
          .put("localEnded", localEnded)
          .put("remoteEnded", in.remoteEnded())
          .put("sendWindow", sendWindow)
          .put("receiveWindow", receiveWindow);
    }

    @Override
    default P2pStream handler(Handler<Buffer> handler) {
      inbound().handler(handler);
      return this;
    }

    @Override
    default P2pStream pause() {
      inbound().pause();
      return this;
    }

    @Override
    default P2pStream resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    default P2pStream fetch(long amount) {
      inbound().fetch(amount);
      return this;
    }

    @Override
    default P2pStream endHandler(Handler<Void> endHandler) {
      inbound().endHandler(endHandler);
      return this;
    }

    @Override
    default P2pStream exceptionHandler(Handler<Throwable> handler) {
      inbound().exceptionHandler(handler);
      return this;
    }
  }

  private final Host stream;
  private final Owner owner;
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
  /** Bytes in {@link #pending}. */
  private long pendingBytes;
  /** Whether {@link #pending} counts towards the connection's buffered bytes (until closed). */
  private boolean pendingCounted = true;
  private long demand = Long.MAX_VALUE;
  private boolean delivering;
  private boolean remoteEnded;
  private boolean endDelivered;
  private Handler<Buffer> handler;
  private Handler<Void> endHandler;
  private Handler<Throwable> exceptionHandler;
  private Throwable failure;
  private boolean failureReported;

  StreamInbound(Host stream, Owner owner) {
    this.stream = stream;
    this.owner = owner;
  }

  // ---- what the stream says --------------------------------------------------------------------

  /** Bytes received (positive) or handed over or dropped (negative): the connection counts them. */
  abstract void bufferedDelta(long delta);

  /** A chunk of {@code size} bytes is about to go to the handler; the flow control may learn it. */
  abstract void taking(int size);

  /** A round of delivery is over (nothing is delivered at the moment). */
  abstract void delivered();

  /** One of the application's handlers threw {@code e}. */
  abstract void applicationFailed(String which, Throwable e);

  /** Whether a protocol is agreed: only then are the end and a failure the application's. */
  private boolean negotiated() {
    return stream.protocol() != null;
  }

  // ---- events ----------------------------------------------------------------------------------

  /** Received data for the application; {@code data} is this stream's alone. */
  void add(ByteBuf data) {
    int n = data.readableBytes();
    if (pendingCounted) {
      bufferedDelta(n);
    }
    pendingBytes += n;
    pending.add(data);
    drain();
  }

  /** The remote ended its direction; the end handler runs once the pending data is delivered. */
  void remoteEnd() {
    remoteEnded = true;
  }

  boolean remoteEnded() {
    return remoteEnded;
  }

  /** The stream failed with {@code cause}: from here on it is the stream's {@link #failure()}. */
  void failed(Throwable cause) {
    failure = cause;
  }

  /** Why the stream failed, or null. */
  Throwable failure() {
    return failure;
  }

  /**
   * A closed stream's unread data stays readable, but the remote can send no more on it, so it
   * no longer holds the connection's reads back.
   */
  void uncount() {
    if (pendingCounted) {
      pendingCounted = false;
      if (pendingBytes != 0) {
        bufferedDelta(-pendingBytes);
      }
    }
  }

  /** An aborted stream's undelivered data is dropped, and no longer counts as buffered. */
  void discard() {
    uncount();
    pending.clear();
    pendingBytes = 0;
  }

  /** Tells the exception handler of the failure, once a protocol is agreed. */
  void reportFailure() {
    Handler<Throwable> h = exceptionHandler;
    if (h != null && negotiated()) {
      failureReported = true;
      callApp("exception handler", h, failure);
    }
  }

  /** Bytes received and not yet handed to the application. */
  long buffered() {
    return pendingBytes;
  }

  boolean paused() {
    return demand == 0;
  }

  /**
   * Runs one of the application's handlers. One that throws is the stream's to deal with
   * ({@link #applicationFailed}): the connection and its other streams go on.
   */
  <T> void callApp(String which, Handler<T> h, T value) {
    try {
      h.handle(value);
    } catch (RuntimeException | Error e) {
      applicationFailed(which, e);
    }
  }

  /** Hands pending data to the handler while there is demand, then the end when it is due. */
  void drain() {
    owner.check();
    if (delivering) {
      return;
    }
    delivering = true;
    try {
      // Nothing is handed out before there is a handler to take it: a stream whose handlers are
      // set a moment after it opened (from another thread, or after a future) loses nothing.
      while (demand > 0 && handler != null && !pending.isEmpty()) {
        ByteBuf chunk = pending.poll();
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        int size = chunk.readableBytes();
        pendingBytes -= size;
        if (pendingCounted) {
          bufferedDelta(-size);
        }
        taking(size);
        // the chunk is ours alone, so the buffer wraps it, no copy
        callApp("data handler", handler, BufferInternal.buffer(chunk));
      }
      Handler<Void> end = endHandler;
      if (remoteEnded && pending.isEmpty() && !endDelivered && end != null && failure == null
          && negotiated()) {
        endDelivered = true;
        callApp("end handler", end, null);
      }
    } finally {
      delivering = false;
    }
    delivered();
  }

  // ---- the application's read methods ----------------------------------------------------------

  void handler(Handler<Buffer> handler) {
    owner.run(() -> {
      this.handler = handler;
      drain();
    });
  }

  void pause() {
    owner.run(() -> demand = 0);
  }

  void fetch(long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("fetch amount must be >= 0, got " + amount);
    }
    owner.run(() -> {
      long d = demand + amount;
      demand = d < 0 ? Long.MAX_VALUE : d;
      drain();
    });
  }

  void endHandler(Handler<Void> endHandler) {
    owner.run(() -> {
      this.endHandler = endHandler;
      drain();
    });
  }

  void exceptionHandler(Handler<Throwable> handler) {
    owner.run(() -> {
      owner.check();
      this.exceptionHandler = handler;
      // a failure that came before the handler is reported to it, once
      if (handler != null && failure != null && negotiated() && !failureReported) {
        failureReported = true;
        callApp("exception handler", handler, failure);
      }
    });
  }
}
