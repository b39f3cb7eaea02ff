package dev.vertxp2p.swarm;

import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.NoConnectionException;
import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolNotSupportedException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Opens a stream on a connection picked by the strategy; when that connection cannot open it
 * (closed meanwhile, GOAWAY, stream limit) the next pick among the others is tried, until none is
 * left. "Protocol not supported" is the remote's answer, not the connection's fault, so it is
 * never retried.
 */
final class StreamFailover {
  private StreamFailover() {}

  /**
   * @param open the peer's open connections now (read again before every pick)
   * @param tried ids of connections already tried; grows as picks fail
   * @param owner where the next pick runs (the swarm's context)
   */
  static Future<P2pStream> open(ConnectionSelector selector, String peer,
      Supplier<List<Connection>> open, String[] protocols, Set<String> tried, Executor owner) {
    return open(selector, peer, open, protocols, tried, owner, null);
  }

  private static Future<P2pStream> open(ConnectionSelector selector, String peer,
      Supplier<List<Connection>> open, String[] protocols, Set<String> tried, Executor owner,
      Throwable lastFailure) {
    List<Connection> candidates = new ArrayList<>();
    for (Connection c : open.get()) {
      if (!tried.contains(c.id())) {
        candidates.add(c);
      }
    }
    // An unhealthy or draining connection takes no new stream while another one can.
    if (candidates.stream().anyMatch(c -> c.isOpen() && c.health().takesStreams())) {
      candidates.removeIf(c -> !c.health().takesStreams());
    }
    Connection pick = selector.pick(peer, candidates);
    if (pick == null) {
      return Future.failedFuture(
          new NoConnectionException(PeerId.parse(peer), tried.size(), lastFailure));
    }
    tried.add(pick.id());
    return pick.newStream(protocols).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(ar.result());
      }
      if (ar.cause() instanceof ProtocolNotSupportedException) {
        return Future.failedFuture(ar.cause());
      }
      Promise<P2pStream> next = Promise.promise();
      owner.execute(() -> open(selector, peer, open, protocols, tried, owner, ar.cause())
          .onComplete(next));
      return next.future();
    });
  }
}
