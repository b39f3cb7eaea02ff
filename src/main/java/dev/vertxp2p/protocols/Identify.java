package dev.vertxp2p.protocols;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code /ipfs/id/1.0.0} (libp2p identify spec): the listener writes one varint-length-prefixed
 * {@link IdentifyMessage} describing itself and closes; the dialer reads until the stream ends.
 */
public final class Identify {
  public static final String PROTOCOL = "/ipfs/id/1.0.0";
  public static final String PROTOCOL_VERSION = "ipfs/0.1.0";
  /** Identify push: the remote sends us an updated message unasked. */
  public static final String PUSH_PROTOCOL = "/ipfs/id/push/1.0.0";

  private Identify() {}

  /**
   * Serves one identify request: {@code describe} builds our message for the stream's connection
   * (its observedAddr is that connection's remote address).
   */
  public static void serve(P2pStream stream, Function<Connection, IdentifyMessage> describe) {
    byte[] body = IdentifyCodec.encode(describe.apply(stream.connection()));
    stream.handler(buf -> { }); // the dialer sends nothing; drain whatever comes
    stream.write(Buffer.buffer(LengthPrefixed.frame(body)));
    stream.end();
  }

  /** Asks the remote of {@code connection} to identify itself. */
  public static Future<IdentifyMessage> identify(Connection connection) {
    return connection.newStream(PROTOCOL).compose(Identify::read);
  }

  /** Serves one identify push: reads the remote's message and hands it to {@code sink}. */
  public static void servePush(P2pStream stream, Consumer<IdentifyMessage> sink) {
    read(stream).onSuccess(sink::accept);
  }

  private static Future<IdentifyMessage> read(P2pStream stream) {
    Promise<IdentifyMessage> promise = Promise.promise();
    LengthPrefixed.Reader reader = new LengthPrefixed.Reader(IdentifyMessage.MAX_MESSAGE_SIZE);
    IdentifyMessage[] merged = new IdentifyMessage[1];
    stream.exceptionHandler(promise::tryFail);
    stream.handler(buf -> {
      try {
        reader.feed(buf.getBytes());
        byte[] msg;
        while ((msg = reader.next()) != null) {
          IdentifyMessage m = IdentifyCodec.decode(msg);
          merged[0] = merged[0] == null ? m : merged[0].merge(m);
        }
      } catch (RuntimeException e) {
        promise.tryFail(e);
        stream.reset();
      }
    });
    stream.endHandler(v -> {
      if (reader.hasPartial()) {
        promise.tryFail(new IdentifyMessage.IdentifyException(
            "identify stream ended inside a message"));
      } else if (merged[0] == null) {
        promise.tryFail(new IdentifyMessage.IdentifyException(
            "identify stream ended without a message"));
      } else {
        promise.tryComplete(merged[0]);
      }
      stream.end();
    });
    return promise.future();
  }
}
