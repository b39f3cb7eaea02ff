package dev.vertxp2p.transport;

import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import java.util.function.Predicate;

/**
 * What a connection needs from the node that owns it: which protocols it serves and where to send
 * inbound streams. Calls happen on the connection's event loop.
 */
public interface ConnectionHost {

  /** Whether an inbound stream may negotiate this protocol. */
  Predicate<String> supportedProtocols();

  /** The protocols listed to a remote that asks with multistream {@code ls}. */
  java.util.List<String> protocolList();

  /** A stream of either direction finished protocol negotiation (for accounting). */
  default void onStreamNegotiated(P2pStream stream) {}

  /** A remote opened a stream and negotiated a protocol we support. */
  void onInboundStream(P2pStream stream);

  /**
   * The connection closed (any cause). The connection's {@code closeFuture()} completes once the
   * returned future does, so whoever awaits it sees the host's books already updated.
   */
  io.vertx.core.Future<Void> onConnectionClosed(Connection connection, Throwable cause);

  /**
   * The node-wide memory budget for buffered stream data that this host's connections share;
   * read once per connection. The default is a budget of the default limits shared with nobody.
   */
  default BufferBudget bufferBudget() {
    return BufferBudget.unshared();
  }

  /**
   * How long a draining connection's open streams may run on ({@link
   * MuxedConnection#drain}); the {@code health.drainTimeout} of the node.
   */
  default java.time.Duration drainTimeout() {
    return new dev.vertxp2p.HealthOptions().getDrainTimeoutDuration();
  }

  /**
   * A connection starts draining, for {@code reason} (a word: {@code trimmed}, {@code replaced},
   * {@code hang-up}, {@code application}). Called on the connection's loop, once.
   */
  default void onConnectionDraining(Connection connection, String reason) {}
}
