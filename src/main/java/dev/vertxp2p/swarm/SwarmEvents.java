package dev.vertxp2p.swarm;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.Registration;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The swarm's event handlers and their publication. Events are emitted on the owner context only
 * (checked), so every handler sees them in the order they happened; handlers may be added and
 * removed from any thread.
 */
final class SwarmEvents {
  private static final Log LOG = Log.get(SwarmEvents.class);

  private final Owner owner;
  /** Wall clock for event timestamps only. */
  private final Clock clock;
  private final List<Handler<SwarmEvent>> handlers = new CopyOnWriteArrayList<>();

  SwarmEvents(Owner owner, Clock clock) {
    this.owner = owner;
    this.clock = clock;
  }

  /** Adds {@code handler}; the registration removes exactly this addition. */
  Registration add(Handler<SwarmEvent> handler) {
    Objects.requireNonNull(handler, "handler");
    // A wrapper per registration, so the same handler added twice is removed once per unregister.
    Handler<SwarmEvent> entry = handler::handle;
    handlers.add(entry);
    return () -> handlers.remove(entry);
  }

  /** Publishes an event to every handler; a handler that throws is logged and skipped. */
  void emit(String type, PeerId peer, JsonObject fields) {
    owner.check();
    SwarmEvent event = new SwarmEvent(type, clock.instant(), peer, fields);
    for (Handler<SwarmEvent> h : handlers) {
      try {
        h.handle(event);
      } catch (RuntimeException e) {
        LOG.warn("event handler threw on " + type, e);
      }
    }
  }

  /** Handlers registered now. */
  int size() {
    return handlers.size();
  }
}
