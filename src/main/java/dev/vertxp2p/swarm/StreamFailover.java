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

  /**
   * The strategy's pick among {@code open} minus {@code tried}, added to {@code tried}; null
   * when none is left. An unhealthy or draining connection is left out while another can take
   * the stream.
   */
  static Connection pick(ConnectionSelector selector, String peer, List<Connection> open,
      Set<String> tried) {
    List<Connection> candidates = new ArrayList<>();
    for (Connection c : open) {
      if (!tried.contains(c.id())) {
        candidates.add(c);
      }
    }
    if (candidates.stream().anyMatch(c -> c.isOpen() && c.health().takesStreams())) {
      candidates.removeIf(c -> !c.health().takesStreams());
    }
    // The stream's first pick takes a turn; its failover and hedge picks do not.
    Connection pick = tried.isEmpty() ? selector.pick(peer, candidates)
        : selector.pickAgain(peer, candidates);
    if (pick != null) {
      tried.add(pick.id());
    }
    return pick;
  }

  private static Future<P2pStream> open(ConnectionSelector selector, String peer,
      Supplier<List<Connection>> open, String[] protocols, Set<String> tried, Executor owner,
      Throwable lastFailure) {
    Connection pick = pick(selector, peer, open.get(), tried);
    if (pick == null) {
      return Future.failedFuture(
          new NoConnectionException(PeerId.parse(peer), tried.size(), lastFailure));
    }
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
