package dev.vertxp2p.protocols;

import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * {@code /ipfs/ping/1.0.0} (libp2p ping spec): the dialer sends 32 random bytes, the listener
 * sends the same 32 bytes back, the dialer measures the round trip.
 */
public final class Ping {
  public static final String PROTOCOL = "/ipfs/ping/1.0.0";
  /** Spec: a ping payload is 32 bytes. */
  public static final int PAYLOAD_SIZE = 32;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Ping() {}

  /** Serves one ping stream: the payloads come straight back, for as long as the remote sends. */
  public static void serve(P2pStream stream) {
    stream.pipeTo(stream);
  }

  /**
   * Pings once over a new stream on {@code connection}.
   *
   * @return the round trip in nanoseconds
   */
  public static Future<Long> ping(Connection connection) {
    return connection.newStream(PROTOCOL).compose(Ping::pingOn);
  }

  /**
   * Pings once over an already negotiated ping stream, then half-closes it.
   *
   * @return the round trip in nanoseconds
   */
  public static Future<Long> pingOn(P2pStream stream) {
    Promise<Long> promise = Promise.promise();
    byte[] payload = new byte[PAYLOAD_SIZE];
    RANDOM.nextBytes(payload);
    Buffer received = Buffer.buffer(PAYLOAD_SIZE);
    long[] start = new long[1];
    stream.exceptionHandler(promise::tryFail);
    stream.endHandler(v -> promise.tryFail(new PingException(
        "remote closed the ping stream after " + received.length() + " of " + PAYLOAD_SIZE
            + " bytes")));
    stream.handler(buf -> {
      received.appendBuffer(buf);
      if (received.length() >= PAYLOAD_SIZE) {
        long rtt = System.nanoTime() - start[0];
        if (received.length() != PAYLOAD_SIZE
            || !Arrays.equals(received.getBytes(), payload)) {
          promise.tryFail(new PingException("ping answer differs from the payload sent"));
          stream.reset();
          return;
        }
        promise.tryComplete(rtt);
        stream.end();
      }
    });
    start[0] = System.nanoTime();
    stream.write(Buffer.buffer(payload));
    return promise.future();
  }

  /** The remote answered a ping wrongly or not at all. */
  public static final class PingException extends dev.vertxp2p.P2pException {
    private static final long serialVersionUID = 1L;

    public PingException(String message) {
      super(REMOTE_FAILED, message);
    }
  }
}
