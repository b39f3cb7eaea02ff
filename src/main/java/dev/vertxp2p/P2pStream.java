package dev.vertxp2p;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.core.streams.WriteStream;

/**
 * One multiplexed stream with its protocol already negotiated.
 *
 * <p>A Vert.x {@link ReadStream} and {@link WriteStream} of bytes, so {@code pipeTo} and
 * back-pressure work: pausing the read side stops acknowledging data, which closes the muxer's
 * flow-control window and makes the remote stop sending. {@link #end()} half-closes (the remote
 * may still send); {@link #reset()} aborts both directions.
 *
 * <p>Nothing is lost to late handlers: data that arrives before a {@link #handler} is set waits
 * (and counts against the flow-control window, as if paused), the remote's end is reported once an
 * {@link #endHandler} is set and all data was handed out, and a failure that came before an
 * {@link #exceptionHandler} is reported to it when it is set. Handlers may therefore be set from
 * any thread, or after a future completes.
 */
public interface P2pStream extends ReadStream<Buffer>, WriteStream<Buffer> {

  /** The negotiated protocol id. */
  String protocol();

  /** The connection carrying this stream. */
  Connection connection();

  /** The stream's id within its connection's muxer. */
  long streamId();

  /** True for streams this side opened. */
  boolean isOutbound();

  /** Aborts both directions (Yamux RST, mplex Reset). */
  void reset();

  @Override
  P2pStream exceptionHandler(Handler<Throwable> handler);

  @Override
  P2pStream handler(Handler<Buffer> handler);

  @Override
  P2pStream pause();

  @Override
  P2pStream resume();

  @Override
  P2pStream fetch(long amount);

  @Override
  P2pStream endHandler(Handler<Void> endHandler);

  @Override
  P2pStream setWriteQueueMaxSize(int maxSize);

  @Override
  P2pStream drainHandler(Handler<Void> handler);

  /** Half-closes our side after every queued write; the future completes when that is sent. */
  @Override
  Future<Void> end();
}
