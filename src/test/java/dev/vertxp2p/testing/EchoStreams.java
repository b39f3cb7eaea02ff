package dev.vertxp2p.testing;

import dev.vertxp2p.P2pStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/** The client side of an echo exchange, as the tests that check echo by content run it. */
public final class EchoStreams {
  private static final int CHUNK = 64 * 1024;

  private EchoStreams() {}

  /**
   * Writes {@code payload} on {@code stream} in 64 KiB chunks and ends it; completes with all
   * that came back once the other side ends, or fails with the stream.
   */
  public static Future<byte[]> echo(P2pStream stream, byte[] payload) {
    Promise<byte[]> done = Promise.promise();
    Buffer got = Buffer.buffer(payload.length);
    stream.handler(got::appendBuffer);
    stream.exceptionHandler(done::tryFail);
    stream.endHandler(v -> done.tryComplete(got.getBytes()));
    Buffer all = Buffer.buffer(payload);
    for (int off = 0; off < payload.length; off += CHUNK) {
      stream.write(all.slice(off, Math.min(payload.length, off + CHUNK)));
    }
    stream.end();
    return done.future();
  }
}
