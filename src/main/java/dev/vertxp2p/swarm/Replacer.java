package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.ConnectionReplacedException;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.transport.ManagedConnection;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Replaces unhealthy connections ({@code health.replaceUnhealthy}). The order, step by step:
 *
 * <ol>
 *   <li>A health check finds the connection {@code unhealthy}. From then on it takes no new stream
 *       while another connection can, and top-ups no longer count it as usable.
 *   <li><b>Below {@code maxConnectionsPerPeer}: make-before-break.</b> One more connection is
 *       dialled into the free slot. Once it is registered, {@code connection.replaced} is published
 *       ({@code "order": "make-before-break"}) and the old connection drains ({@code
 *       health.drainTimeout}). It holds its slot until it has closed, so the limit holds at every
 *       moment.
 *   <li><b>At the limit: break-before-make.</b> The old connection closes at once, without a drain
 *       (nothing moves on it): its open streams fail with a {@link ConnectionReplacedException}
 *       that says why. Once it is unregistered and its slot is free, the replacement is dialled at
 *       once, and {@code connection.replaced} ({@code "order": "break-before-make"}) follows when it
 *       opens.
 *   <li>At most one replacement starts per peer per {@code checkInterval}. A connection found
 *       unhealthy sooner waits for the rest of the interval, and is replaced then if it is still
 *       unhealthy. A replacement dial that fails is tried again after one interval for as long as
 *       the old connection stays unhealthy.
 *   <li><b>Races.</b> A close of the old connection by anything else (its keep-alive, the remote)
 *       while its replacement dial runs leaves that dial running, so the peer is not left short. A
 *       kept peer's own re-dial asks the dialer for the same target, so the two merge rather than
 *       overshoot.
 *   <li>Only connections this node dialled, or to a peer it keeps, are replaced. The listening end
 *       often cannot dial back (NAT), and both ends replacing one connection would open two. An
 *       unhealthy inbound connection takes no new streams and is left to its dialer; should it be
 *       dead on this side only, admission closes it when the peer dials again.
 * </ol>
 *
 * <p>Owner-confined (checked): health changes hop to the owner before they arrive here, and the
 * dialer's and the connections' futures are re-homed there.
 */
final class Replacer {
  private static final Log LOG = Log.get(Replacer.class);
  /** Beyond this many remembered peers, entries older than one interval are swept. */
  private static final int SWEEP_ABOVE = 256;

  /** Tops a peer up to a number of usable connections: the swarm's {@link PeerDialer#dialPeer}. */
  @FunctionalInterface
  interface TopUp {
    Future<List<Connection>> dial(PeerId peer, int target);
  }

  private final Owner owner;
  private final HealthOptions health;
  private final long intervalNanos;
  private final int maxPerPeer;
  private final ConnectionRegistry registry;
  private final TopUp topUp;
  private final Predicate<PeerId> kept;
  private final SwarmEvents events;
  private final Scheduler scheduler;
  private final LongSupplier nanoClock;
  private final BooleanSupplier closing;
  /** When the last replacement of each peer started (nanoClock). */
  private final Map<PeerId, Long> lastStarted = new HashMap<>();
  /** Connections being replaced, or waiting for their turn: one replacement each at a time. */
  private final Set<String> underway = new HashSet<>();

  Replacer(Owner owner, HealthOptions health, int maxPerPeer, ConnectionRegistry registry,
      TopUp topUp, Predicate<PeerId> kept, SwarmEvents events, Scheduler scheduler,
      LongSupplier nanoClock, BooleanSupplier closing) {
    this.owner = owner;
    this.health = new HealthOptions(health);
    this.intervalNanos = this.health.getCheckIntervalDuration().toNanos();
    this.maxPerPeer = maxPerPeer;
    this.registry = registry;
    this.topUp = topUp;
    this.kept = kept;
    this.events = events;
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
    this.closing = closing;
  }

  /** A connection's health changed to {@code to}; an unhealthy one is replaced when it may be. */
  void healthChanged(ManagedConnection conn, ConnectionHealth to) {
    owner.check();
    if (to == ConnectionHealth.UNHEALTHY) {
      consider(conn);
    }
  }

  private void consider(ManagedConnection conn) {
    if (!health.isReplaceUnhealthy() || closing.getAsBoolean() || underway.contains(conn.id())
        || !conn.isOpen() || conn.health() != ConnectionHealth.UNHEALTHY) {
      return;
    }
    PeerId peer = conn.peerId();
    if (conn.direction() != Connection.Direction.OUTBOUND && !kept.test(peer)) {
      LOG.debug(() -> "connection " + conn.id() + " to " + peer
          + " is unhealthy; inbound, so its dialer replaces it");
      return;
    }
    long now = nanoClock.getAsLong();
    Long last = lastStarted.get(peer);
    if (last != null && now - last < intervalNanos) {
      long waitMs = Math.max(1, (last + intervalNanos - now + 999_999) / 1_000_000);
      retryIn(conn, waitMs);
      return;
    }
    remember(peer, now);
    underway.add(conn.id());
    if (registry.limiter().available(peer.toString()) > 0) {
      makeBeforeBreak(conn);
    } else {
      breakBeforeMake(conn);
    }
  }

  /** Considers {@code conn} again in {@code ms}, holding its place meanwhile. */
  private void retryIn(ManagedConnection conn, long ms) {
    underway.add(conn.id());
    scheduler.schedule(ms, () -> owner.run(() -> {
      underway.remove(conn.id());
      consider(conn);
    }));
  }

  private void makeBeforeBreak(ManagedConnection old) {
    PeerId peer = old.peerId();
    Set<String> before = ids(peer);
    owner.rehome(dial(peer, registry.usable(peer) + 1)).onComplete(ar -> {
      ManagedConnection fresh = newcomer(peer, before);
      if (fresh == null) {
        underway.remove(old.id());
        LOG.info("connection " + old.id() + " to " + peer + " is unhealthy and its replacement "
            + "did not open (" + (ar.failed() ? ar.cause().getMessage() : "no free slot")
            + "); trying again in " + health.getCheckInterval() + " s");
        retryIn(old, Math.max(1, intervalNanos / 1_000_000));
        return;
      }
      replaced(old, fresh, "make-before-break");
      old.drain(health.getDrainTimeoutDuration(), "replaced")
          .onComplete(v -> owner.run(() -> underway.remove(old.id())));
    });
  }

  private void breakBeforeMake(ManagedConnection old) {
    PeerId peer = old.peerId();
    ConnectionReplacedException why = new ConnectionReplacedException("connection " + old.id()
        + " to " + peer + " is unhealthy (" + old.failedHealthChecks() + " health checks"
        + " in a row unanswered within " + health.getPingTimeout() + " s); closed at once to make"
        + " room for its replacement, as the peer is at connection.maxConnectionsPerPeer ("
        + maxPerPeer + ")");
    owner.rehome(old.closeFor(why, dev.vertxp2p.CloseReason.REPLACED)).onComplete(closed -> {
      // closeFuture completes once the swarm has unregistered it: its slot is free now.
      underway.remove(old.id());
      if (closing.getAsBoolean()) {
        return;
      }
      Set<String> before = ids(peer);
      owner.rehome(dial(peer, registry.usable(peer) + 1)).onComplete(ar -> {
        ManagedConnection fresh = newcomer(peer, before);
        if (fresh != null) {
          replaced(old, fresh, "break-before-make");
        } else {
          LOG.info("connection " + old.id() + " to " + peer + " was closed as unhealthy and its "
              + "replacement did not open: " + (ar.failed() ? ar.cause().getMessage()
              : "no free slot"));
        }
      });
    });
  }

  private Future<List<Connection>> dial(PeerId peer, int target) {
    try {
      return topUp.dial(peer, Math.min(target, maxPerPeer));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void replaced(ManagedConnection old, ManagedConnection fresh, String order) {
    LOG.info("connection " + old.id() + " to " + old.peerId() + " replaced by " + fresh.id()
        + " (" + order + ")");
    events.emit(SwarmEvent.CONNECTION_REPLACED, old.peerId(), new JsonObject()
        .put("old", old.id())
        .put("new", fresh.id())
        .put("order", order)
        .put("connection", fresh.toJson()));
  }

  private Set<String> ids(PeerId peer) {
    Set<String> out = new HashSet<>();
    for (ManagedConnection c : registry.list(peer)) {
      out.add(c.id());
    }
    return out;
  }

  /** A connection to {@code peer} registered since {@code before} that can take streams. */
  private ManagedConnection newcomer(PeerId peer, Set<String> before) {
    for (ManagedConnection c : registry.list(peer)) {
      if (!before.contains(c.id()) && c.isOpen() && c.health().takesStreams()) {
        return c;
      }
    }
    return null;
  }

  private void remember(PeerId peer, long now) {
    if (lastStarted.size() >= SWEEP_ABOVE) {
      Iterator<Map.Entry<PeerId, Long>> it = lastStarted.entrySet().iterator();
      while (it.hasNext()) {
        if (now - it.next().getValue() >= intervalNanos) {
          it.remove();
        }
      }
    }
    lastStarted.put(peer, now);
  }
}
