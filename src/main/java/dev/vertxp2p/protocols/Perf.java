package dev.vertxp2p.protocols;

import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * {@code /perf/1.0.0} (libp2p perf spec): the client sends the number of bytes it wants back as a
 * big-endian u64, then uploads its bytes and closes its write side; the server discards the upload
 * and, once it has all of it, sends the requested number of bytes and closes.
 */
public final class Perf {
  public static final String PROTOCOL = "/perf/1.0.0";
  /** Chunk size for generated payload: large enough for few frames, small enough to pool well. */
  static final int CHUNK = 64 * 1024;
  private static final Buffer ZEROS = Buffer.buffer(new byte[CHUNK]);

  private Perf() {}

  /** The outcome of one perf run, in nanoseconds. */
  public record Result(long uploadBytes, long downloadBytes, long uploadNanos, long totalNanos) {}

  /** Serves one perf stream. */
  public static void serve(P2pStream stream) {
    Buffer header = Buffer.buffer(8);
    long[] toSend = {-1};
    stream.handler(buf -> {
      if (toSend[0] < 0) {
        int need = 8 - header.length();
        header.appendBuffer(buf, 0, Math.min(need, buf.length()));
        if (header.length() == 8) {
          toSend[0] = header.getLong(0);
          if (toSend[0] < 0) {
            stream.reset(); // a u64 over 2^63 is no sane request
          }
        }
      }
      // the upload is discarded
    });
    stream.endHandler(v -> {
      if (toSend[0] < 0) {
        stream.reset();
        return;
      }
      Promise<Void> sent = Promise.promise();
      stream.exceptionHandler(sent::tryFail);
      send(stream, toSend[0], sent);
      sent.future().onSuccess(x -> stream.end());
    });
  }

  /**
   * Writes {@code n} bytes with back-pressure and completes {@code done} once all are written.
   * The stream's exception handler is the caller's: it must fail {@code done} as well as whatever
   * else waits on the stream.
   */
  public static void send(P2pStream stream, long n, Promise<Void> done) {
    long[] left = {n};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (left[0] > 0 && !stream.writeQueueFull()) {
        int len = (int) Math.min(CHUNK, left[0]);
        left[0] -= len;
        stream.write(len == CHUNK ? ZEROS : ZEROS.slice(0, len));
      }
      if (left[0] == 0) {
        stream.drainHandler(null);
        done.tryComplete();
      }
    };
    stream.drainHandler(v -> pump[0].run());
    pump[0].run();
  }

  /** Runs perf against the remote of {@code connection}. */
  public static Future<Result> run(Connection connection, long upload, long download) {
    if (upload < 0 || download < 0) {
      return Future.failedFuture(new IllegalArgumentException(
          "perf sizes must be >= 0, got upload " + upload + " download " + download));
    }
    return connection.newStream(PROTOCOL).compose(stream -> {
      Promise<Result> promise = Promise.promise();
      long start = System.nanoTime();
      long[] received = {0};
      long[] uploadDone = {0};
      Promise<Void> sent = Promise.promise();
      // one handler for the whole run: a reset while downloading must fail the run too
      stream.exceptionHandler(e -> {
        sent.tryFail(e);
        promise.tryFail(e);
      });
      stream.handler(buf -> received[0] += buf.length());
      stream.endHandler(v -> {
        long end = System.nanoTime();
        if (received[0] != download) {
          promise.tryFail(new IllegalStateException(
              "perf server sent " + received[0] + " bytes, expected " + download));
        } else {
          promise.tryComplete(new Result(upload, download, uploadDone[0] - start, end - start));
        }
      });
      stream.write(Buffer.buffer(8).appendLong(download));
      send(stream, upload, sent);
      sent.future().compose(v -> {
        uploadDone[0] = System.nanoTime();
        return stream.end();
      }).onFailure(promise::tryFail);
      return promise.future();
    });
  }
}
