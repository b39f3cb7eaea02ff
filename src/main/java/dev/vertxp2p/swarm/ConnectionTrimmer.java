package dev.vertxp2p.swarm;

import dev.vertxp2p.ConnectionManagerOptions;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The connection manager at work: drains connections it picks when the node is over the high
 * watermark, on every new connection and on a periodic check, and keeps the protection table. A
 * trimmed connection takes no new stream at once; its open streams get {@code
 * health.drainTimeout} to finish.
 *
 * <p>Owner-confined (checked). The periodic check is set from the owner, so Vert.x runs every
 * tick there too, whichever loop asked for it to start.
 */
final class ConnectionTrimmer {
  private static final Log LOG = Log.get(ConnectionTrimmer.class);

  private final Owner owner;
  private final Vertx vertx;
  private final ConnectionManagerOptions options;
  private final ConnectionManager manager;
  private final ConnectionRegistry registry;
  private final SwarmEvents events;
  /** How long a trimmed connection's open streams may finish ({@code health.drainTimeout}). */
  private final java.time.Duration drainTimeout;
  /** Ids of connections chosen to close that have not finished closing. */
  private final Set<String> trimming = new HashSet<>();
  private long timer = -1;
  private boolean stopped;

  ConnectionTrimmer(Owner owner, Vertx vertx, ConnectionManagerOptions options,
      LongSupplier nanoClock, ConnectionRegistry registry, SwarmEvents events,
      java.time.Duration drainTimeout) {
    this.owner = owner;
    this.vertx = vertx;
    this.options = new ConnectionManagerOptions(options);
    this.manager = new ConnectionManager(this.options, nanoClock);
    this.registry = registry;
    this.events = events;
    this.drainTimeout = drainTimeout;
  }

  ConnectionManager manager() {
    return manager;
  }

  /** Starts the periodic check (when enabled); from any thread, the timer lives on the owner. */
  void start() {
    owner.run(() -> {
      if (!options.isEnabled() || stopped || timer >= 0) {
        return;
      }
      long ms = Math.max(1, options.getCheckIntervalDuration().toMillis());
      timer = vertx.setPeriodic(ms, id -> maybeTrim());
    });
  }

  /** Stops the periodic check; no trim happens after this. */
  void stop() {
    owner.check();
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** A trimmed (or any) connection closed: it is no longer being trimmed. */
  void closed(String connectionId) {
    owner.check();
    trimming.remove(connectionId);
  }

  /** Closes connections the manager picks when the total is over the high watermark. */
  void maybeTrim() {
    owner.check();
    // At or below the high watermark there is nothing to trim: said without a view of every
    // connection, which this runs on each new one (at 19,000 open, building that view was most
    // of an establishment's CPU).
    if (stopped || !options.isEnabled() || registry.size() <= options.getHighWater()) {
      return;
    }
    List<ConnectionManager.View> views = new ArrayList<>();
    Map<String, ManagedConnection> byId = new HashMap<>();
    for (ManagedConnection c : registry.all()) {
      if (!trimming.contains(c.id()) && !c.isClosed()) {
        views.add(new ConnectionManager.View(c.id(), c.peerId().toString(), c.openStreams(),
            c.streamsTotal(), c.openedAtNanos()));
        byId.put(c.id(), c);
      }
    }
    List<ConnectionManager.View> chosen = manager.select(views);
    if (chosen.isEmpty()) {
      return;
    }
    String reason = "connectionManager: " + views.size() + " connections exceed highWater "
        + options.getHighWater() + "; trimming toward lowWater " + options.getLowWater();
    LOG.info(reason + ": closing " + chosen.size());
    for (ConnectionManager.View v : chosen) {
      ManagedConnection c = byId.get(v.id());
      trimming.add(c.id());
      events.emit(SwarmEvent.CONNECTION_TRIMMED, c.peerId(), new JsonObject()
          .put("connection", c.toJson())
          .put("connectionsToPeer", registry.list(c.peerId()).size())
          .put("reason", reason));
      c.drain(drainTimeout, "trimmed");
    }
  }

  /** Protects {@code peer} under {@code tag}; the tags it holds now. */
  List<String> protect(PeerId peer, String tag) {
    owner.check();
    return published(SwarmEvent.PEER_PROTECTED, peer, tag,
        manager.protect(peer.toString(), tag));
  }

  /** Removes one protection tag; the tags left. */
  List<String> unprotect(PeerId peer, String tag) {
    owner.check();
    return published(SwarmEvent.PEER_UNPROTECTED, peer, tag,
        manager.unprotect(peer.toString(), tag));
  }

  private List<String> published(String type, PeerId peer, String tag, List<String> tags) {
    events.emit(type, peer, new JsonObject().put("tag", tag).put("tags", new JsonArray(tags)));
    return tags;
  }
}
