package dev.vertxp2p.transport;

import dev.vertxp2p.Connection;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/** Test-only reach into a connection's muxer, for faults the public API cannot cause. */
public final class TransportHooks {
  private TransportHooks() {}

  /**
   * Sends a muxer GOAWAY on {@code connection} and keeps it open (unlike {@link
   * Connection#close()}, which closes the socket right after).
   */
  public static Future<Void> goAwayOnly(Connection connection) {
    MuxedConnection c = (MuxedConnection) connection;
    Promise<Void> done = Promise.promise();
    c.run(() -> {
      c.engine().goAway();
      c.flush();
      done.complete();
    });
    return done.future();
  }
}
