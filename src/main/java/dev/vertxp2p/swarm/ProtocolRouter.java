package dev.vertxp2p.swarm;

import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Registration;
import dev.vertxp2p.util.Log;
import io.vertx.core.Handler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which handler serves which protocol, and who hears of negotiated streams.
 *
 * <p>Not owner-confined on purpose: connections on every event loop ask it which protocols are
 * served and hand it their inbound streams, so it keeps its tables in concurrent collections, and
 * each call runs on the stream's own loop.
 */
final class ProtocolRouter {
  private static final Log LOG = Log.get(ProtocolRouter.class);
  /** The longest protocol id accepted (multistream lines are at most 1 KiB with the newline). */
  static final int MAX_PROTOCOL_LENGTH = 1000;

  private final Map<String, Handler<P2pStream>> handlers = new ConcurrentHashMap<>();
  private final List<Handler<P2pStream>> negotiated = new CopyOnWriteArrayList<>();

  /** Serves {@code protocol} with {@code handler}, or stops serving it when null. */
  void handle(String protocol, Handler<P2pStream> handler) {
    if (protocol == null || protocol.isEmpty() || protocol.length() > MAX_PROTOCOL_LENGTH) {
      throw new IllegalArgumentException("protocol id must be 1.." + MAX_PROTOCOL_LENGTH
          + " characters, got " + (protocol == null ? "null" : protocol.length() + " characters"));
    }
    if (handler == null) {
      handlers.remove(protocol);
    } else {
      handlers.put(protocol, handler);
    }
  }

  boolean serves(String protocol) {
    return handlers.containsKey(protocol);
  }

  /** Every protocol served, sorted. */
  List<String> protocols() {
    List<String> list = new ArrayList<>(handlers.keySet());
    Collections.sort(list);
    return list;
  }

  /** Hands an inbound stream to its protocol's handler; a handler that throws resets it. */
  void dispatch(P2pStream stream) {
    Handler<P2pStream> h = handlers.get(stream.protocol());
    if (h == null) {
      stream.reset(); // unregistered between negotiation and now
      return;
    }
    try {
      h.handle(stream);
    } catch (RuntimeException e) {
      LOG.warn("handler for " + stream.protocol() + " threw; resetting the stream", e);
      stream.reset();
    }
  }

  /** Told of every negotiated stream, on the stream's loop. */
  Registration onNegotiated(Handler<P2pStream> handler) {
    Objects.requireNonNull(handler, "handler");
    Handler<P2pStream> entry = handler::handle;
    negotiated.add(entry);
    return () -> negotiated.remove(entry);
  }

  void negotiated(P2pStream stream) {
    for (Handler<P2pStream> h : negotiated) {
      h.handle(stream);
    }
  }
}
