package dev.vertxp2p.transport;

import dev.vertxp2p.StreamClosedException;
import io.vertx.core.Promise;

/**
 * The half-close the application asks for with {@code end()}, the same on a muxed TCP stream
 * ({@link StreamWrites}) and on QUIC ({@link QuicStream}): asked once, and a second {@code end()}
 * follows the first one's outcome. Changed on the stream's loop only; how the end is sent is the
 * transport's.
 */
final class StreamEnd {
  private boolean requested;
  private Promise<Void> promise;

  /**
   * Records {@code end()}'s {@code promise}.
   *
   * @return false when {@code end()} was asked before: {@code promise} then follows that one
   */
  boolean request(Promise<Void> promise) {
    if (requested) {
      if (this.promise != null) {
        this.promise.future().onComplete(promise);
      } else {
        promise.complete();
      }
      return false;
    }
    requested = true;
    this.promise = promise;
    return true;
  }

  /** Whether {@code end()} was asked: no write is taken after it. */
  boolean requested() {
    return requested;
  }

  /** The end is sent: {@code end()} succeeds. */
  void complete() {
    if (promise != null) {
      promise.tryComplete();
    }
  }

  /** The end cannot be sent: {@code end()} fails with {@code cause}. */
  void fail(Throwable cause) {
    if (promise != null) {
      promise.tryFail(cause);
    }
  }

  /**
   * Why a write on stream {@code id} is refused once the stream is closed or {@code end()} was
   * asked: the stream's {@code failure} when it failed, else the write came after {@code end()}.
   */
  static StreamClosedException writeRefused(Throwable failure, long id) {
    return failure != null
        ? new StreamClosedException("stream is closed", failure)
        : new StreamClosedException("write after end() on stream " + id);
  }
}
