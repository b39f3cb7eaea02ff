package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.NoConnectionException;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One stream open with a hedge ({@code connection.hedgeDelay}): the stream is opened on the
 * strategy's pick as {@link StreamFailover} does; if its protocol negotiation has not finished
 * after the delay, the same stream is also opened on another connection, picked by the same
 * strategy among those not tried yet. The first to negotiate wins; the other, if it negotiates
 * later, is reset. A silently stalled connection so costs the hedge delay, not the stream
 * negotiation timeout.
 *
 * <p>Rules:
 * <ul>
 *   <li>At most one hedge per open, never a cascade: a hedge that fails or stalls too is not
 *       hedged again. The first attempt goes on meanwhile, bounded by the negotiation timeout.
 *   <li>The first attempt keeps failover: when its connection cannot open the stream (closed,
 *       GOAWAY, stream limit, negotiation timeout) the next pick is tried and the delay starts
 *       again for it, unless the hedge is already out.
 *   <li>"Protocol not supported", from either, is the remote's definitive answer: the open fails
 *       with it, and the other attempt is reset if it negotiates after all.
 *   <li>A failed hedge is ignored while the first attempt runs; the open fails only when neither
 *       has an attempt left, with {@link NoConnectionException} and the last failure as cause.
 *   <li>A loser still negotiating when the open is decided is reset at once (its open is
 *       cancelled), so it holds no stream on a stalled connection until the negotiation timeout;
 *       one that negotiated in the meantime is reset when its stream arrives.
 * </ul>
 *
 * <p>Owner-confined: created and driven on the swarm's context; connection futures complete on
 * their connections' loops and are rehomed before they touch this state, and the hedge timer is
 * set there too.
 */
final class HedgedOpen {
  private static final Log LOG = Log.get(HedgedOpen.class);

  /** Where the open as a whole stands. */
  private enum State {
    /** Neither attempt has negotiated, and the open has not failed. */
    OPENING,
    /** Completed: a stream won, or the open failed. Late streams are reset. */
    DONE
  }

  /** Where one of the two attempts (the first, with its failover, or the hedge) stands. */
  private enum Attempt {
    /** Not started (the hedge before its delay), or over without a stream. */
    IDLE,
    /** A newStream is in flight on a connection. */
    IN_FLIGHT
  }

  private final Owner owner;
  private final ConnectionSelector selector;
  private final String peer;
  private final Supplier<List<Connection>> open;
  private final String[] protocols;
  private final Scheduler scheduler;
  private final long delayMillis;
  /** Ids of connections either attempt has tried: the hedge never goes where the first went. */
  private final Set<String> tried = new HashSet<>();
  private final Promise<P2pStream> result = Promise.promise();
  /** Completed once the open is decided: cancels whichever attempt is still negotiating. */
  private final Promise<Void> decided = Promise.promise();

  private State state = State.OPENING;
  private Attempt first = Attempt.IDLE;
  private Attempt hedge = Attempt.IDLE;
  /** True once the one hedge of this open has been sent out. */
  private boolean hedged;
  /** The pending hedge timer, or null. */
  private Scheduler.Cancellable timer;
  private Throwable lastFailure;

  private HedgedOpen(Owner owner, ConnectionSelector selector, String peer,
      Supplier<List<Connection>> open, String[] protocols, Scheduler scheduler, long delayMillis) {
    this.owner = owner;
    this.selector = selector;
    this.peer = peer;
    this.open = open;
    this.protocols = protocols;
    this.scheduler = scheduler;
    this.delayMillis = delayMillis;
  }

  /**
   * Opens a stream to {@code peer}, hedged after {@code delay}. On the owner only.
   *
   * @param open the peer's open connections now (read again before every pick)
   * @param scheduler the hedge timer; called on the owner, its tasks run there
   * @param delay the hedge delay, at least 1 ms
   * @return the winning stream, completed on the owner
   */
  static Future<P2pStream> open(Owner owner, ConnectionSelector selector, String peer,
      Supplier<List<Connection>> open, String[] protocols, Scheduler scheduler, Duration delay) {
    owner.check();
    long ms = delay.toMillis();
    if (ms < 1) {
      throw new IllegalArgumentException("hedge delay must be at least 1 ms, got " + delay);
    }
    HedgedOpen h = new HedgedOpen(owner, selector, peer, open, protocols, scheduler, ms);
    h.tryFirst();
    return h.result.future();
  }

  /** The first attempt on the next pick: at the start, and after each failover. */
  private void tryFirst() {
    owner.check();
    Connection pick = StreamFailover.pick(selector, peer, open.get(), tried);
    if (pick == null) {
      first = Attempt.IDLE;
      cancelTimer();
      if (hedge == Attempt.IDLE) {
        fail(new NoConnectionException(PeerId.parse(peer), tried.size(), lastFailure));
      }
      return; // else the hedge decides
    }
    first = Attempt.IN_FLIGHT;
    if (!hedged) {
      cancelTimer();
      timer = scheduler.schedule(delayMillis, () -> owner.run(this::onDelay));
    }
    owner.rehome(pick.newStream(decided.future(), protocols))
        .onComplete(ar -> onFirst(pick, ar));
  }

  private void onFirst(Connection conn, AsyncResult<P2pStream> ar) {
    owner.check();
    first = Attempt.IDLE;
    cancelTimer();
    if (!decides(conn, ar)) {
      tryFirst(); // failover, with the hedge (if out) still running
    }
  }

  /** The delay passed with the first attempt still negotiating: send the one hedge. */
  private void onDelay() {
    owner.check();
    timer = null;
    if (state == State.DONE || hedged || first != Attempt.IN_FLIGHT) {
      return;
    }
    Connection pick = StreamFailover.pick(selector, peer, open.get(), tried);
    if (pick == null) {
      return; // nowhere to hedge to: the first attempt goes on alone
    }
    hedged = true;
    hedge = Attempt.IN_FLIGHT;
    LOG.debug(() -> "stream to " + peer + " not negotiated after " + delayMillis
        + " ms: hedging on connection " + pick.id());
    owner.rehome(pick.newStream(decided.future(), protocols))
        .onComplete(ar -> onHedge(pick, ar));
  }

  private void onHedge(Connection conn, AsyncResult<P2pStream> ar) {
    owner.check();
    hedge = Attempt.IDLE;
    if (!decides(conn, ar) && first == Attempt.IDLE) {
      // The first attempt ran out of connections while the hedge was out.
      fail(new NoConnectionException(PeerId.parse(peer), tried.size(), lastFailure));
    }
  }

  /**
   * What either attempt's outcome does to the open: after the open is decided, a late stream is
   * the loser and is reset; a stream wins; "protocol not supported" fails the open. True in those
   * cases; false for a failure that leaves the open to the other attempt or to failover (it is
   * kept as the last failure).
   */
  private boolean decides(Connection conn, AsyncResult<P2pStream> ar) {
    if (state == State.DONE) {
      discard(conn, ar);
    } else if (ar.succeeded()) {
      win(ar.result());
    } else if (ar.cause() instanceof ProtocolNotSupportedException) {
      fail(ar.cause());
    } else {
      lastFailure = ar.cause();
      return false;
    }
    return true;
  }

  // The loser's cancel goes out before the caller hears the outcome: by the time the caller
  // looks at the loser's connection, its reset is queued there ahead of anything it asks.
  private void win(P2pStream stream) {
    state = State.DONE;
    cancelTimer();
    decided.tryComplete();
    result.complete(stream);
  }

  private void fail(Throwable cause) {
    state = State.DONE;
    cancelTimer();
    decided.tryComplete();
    result.fail(cause);
  }

  /** An attempt that ended after the open did: a stream is the loser and is reset. */
  private static void discard(Connection conn, AsyncResult<P2pStream> ar) {
    if (ar.succeeded()) {
      LOG.debug(() -> "hedged stream on connection " + conn.id() + " lost the race: reset");
      ar.result().reset();
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }
}
