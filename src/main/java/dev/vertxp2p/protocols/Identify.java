package dev.vertxp2p.protocols;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code /ipfs/id/1.0.0} (libp2p identify spec): the listener writes one varint-length-prefixed
 * {@link IdentifyMessage} describing itself and closes; the dialer reads until the stream ends.
 * Reading, with every bound, is {@link IdentifyReader}'s; this class is the stream glue.
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

  /**
   * Reads the stream with an {@link IdentifyReader}: glue only. The stream calls back on its
   * connection's event loop, which owns the reader; a bound broken or a malformed message resets
   * the stream and fails the future with the reader's {@link IdentifyMessage.IdentifyException}.
   * On success the future completes before our side ends, so the remote sees the end only after
   * whatever the future's callbacks queued.
   */
  private static Future<IdentifyMessage> read(P2pStream stream) {
    Promise<IdentifyMessage> promise = Promise.promise();
    IdentifyReader reader = new IdentifyReader();
    Owner[] owner = new Owner[1];
    stream.exceptionHandler(promise::tryFail);
    stream.handler(buf -> {
      onOwner(owner);
      if (reader.isFailed()) {
        return; // what follows an error is discarded
      }
      try {
        reader.feed(buf.getBytes());
      } catch (IdentifyMessage.IdentifyException e) {
        promise.tryFail(e);
        stream.reset();
      }
    });
    stream.endHandler(v -> {
      onOwner(owner);
      if (!reader.isFailed()) {
        try {
          promise.tryComplete(reader.finish());
        } catch (IdentifyMessage.IdentifyException e) {
          promise.tryFail(e);
        }
      }
      stream.end();
    });
    return promise.future();
  }

  /** The first callback names the owner (the stream's event loop); later ones are checked. */
  private static void onOwner(Owner[] owner) {
    if (owner[0] == null) {
      Context here = Vertx.currentContext();
      if (here != null) {
        owner[0] = Owner.of(here);
      }
    } else {
      owner[0].check();
    }
  }
}
