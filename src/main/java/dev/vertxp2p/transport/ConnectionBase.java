package dev.vertxp2p.transport;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.util.CallerPromises;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a connection the swarm manages fixes when it opens, whatever its transport ({@link
 * MuxedConnection}, {@link QuicConnection}): its id, the event loop that owns it, the remote peer,
 * which side dialed, both addresses, its host and when it opened; and what follows from those
 * alone. How it opens streams, checks its health, drains and closes is each connection's own.
 */
abstract class ConnectionBase implements ManagedConnection {
  final String id;
  final Owner owner;
  final PeerId peer;
  final Direction direction;
  final Multiaddr localAddr;
  final Multiaddr remoteAddr;
  final ConnectionHost host;
  /** Wall-clock time of opening, in epoch milliseconds (an Instant is made when asked). */
  private final long openedAtMillis = System.currentTimeMillis();
  private final long openedAtNanos = System.nanoTime();

  /** On the loop of {@code context}, which owns the connection from now on. */
  ConnectionBase(String id, Context context, PeerId peer, Direction direction,
      Multiaddr localAddr, Multiaddr remoteAddr, ConnectionHost host) {
    this.id = id;
    this.owner = Owner.of(context);
    owner.check();
    this.peer = peer;
    this.direction = direction;
    this.localAddr = localAddr;
    this.remoteAddr = remoteAddr;
    this.host = host;
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  Owner owner() {
    return owner;
  }

  ConnectionHost host() {
    return host;
  }

  /** The connection's own log. */
  abstract Log log();

  /** The health checks, on the connection's loop. */
  abstract HealthMonitor healthMonitor();

  /** The round-trip average that {@code lowest_latency} compares. */
  abstract HealthMonitor.Latency latency();

  /**
   * A promise for a future this connection hands to application code: its callbacks run on the
   * caller's context, else on this connection's loop ({@link CallerPromises}).
   */
  <T> Promise<T> callerPromise() {
    return CallerPromises.promise(owner.context());
  }

  /** The outcome of {@code future}, its callbacks on the caller's context ({@link #callerPromise}). */
  <T> Future<T> forCaller(Future<T> future) {
    Promise<T> promise = callerPromise();
    future.onComplete(promise);
    return promise.future();
  }

  /** What {@code read} answers on this connection's loop, for the caller ({@link #callerPromise}). */
  <T> Future<T> readOnLoop(Supplier<T> read) {
    Promise<T> promise = callerPromise();
    owner.run(() -> promise.complete(read.get()));
    return promise.future();
  }

  /** Tells the host the connection drains for {@code reason}; on the loop. A host's fault is logged. */
  void tellDraining(String reason) {
    try {
      host.onConnectionDraining(this, reason);
    } catch (RuntimeException e) {
      log().warn("connection " + id + ": the host failed on its draining: " + e);
    }
  }

  // ---- streams ----------------------------------------------------------------------------------

  @Override
  public Future<P2pStream> newStream(String... protocols) {
    return newStream(null, protocols);
  }

  /** Checks and copies {@code protocols}, then {@link #openStream opens} the stream. */
  @Override
  public Future<P2pStream> newStream(Future<?> cancel, String... protocols) {
    if (protocols == null || protocols.length == 0) {
      return Future.failedFuture(new IllegalArgumentException("newStream needs at least one protocol"));
    }
    for (String p : protocols) {
      if (p == null || p.isEmpty()) {
        return Future.failedFuture(new IllegalArgumentException("protocol ids must be non-empty"));
      }
    }
    return openStream(cancel, Arrays.asList(protocols.clone()));
  }

  /**
   * Opens a stream for {@link #newStream(Future, String...)}, its protocols checked (at least one,
   * none empty) and copied; from any thread.
   */
  abstract Future<P2pStream> openStream(Future<?> cancel, List<String> protocols);

  // ---- closing ----------------------------------------------------------------------------------

  /** With {@code drain}, {@link #drain} for the host's {@code drainTimeout}; else {@link #close()}. */
  @Override
  public Future<Void> close(boolean drain) {
    return drain ? drain(host.drainTimeout(), "application") : close();
  }

  // ---- health -----------------------------------------------------------------------------------

  /** Checks answered so far on this connection (each one a round-trip sample); any thread. */
  @Override
  public long healthSamples() {
    return healthMonitor().samples();
  }

  /** Health checks in a row that went unanswered; any thread. */
  @Override
  public int failedHealthChecks() {
    return healthMonitor().failedChecks();
  }

  /**
   * Records a measured round trip into the latency average used by {@code lowest_latency}. From
   * any thread: the average is updated on this connection's loop, one measurement after another,
   * and published to readers on any thread.
   */
  @Override
  public void recordRtt(double millis) {
    owner.run(() -> latency().record(millis));
  }

  @Override
  public double latencyMillis() {
    return latency().latencyMillis();
  }

  // ---- accessors --------------------------------------------------------------------------------

  @Override
  public String id() {
    return id;
  }

  @Override
  public PeerId peerId() {
    return peer;
  }

  @Override
  public Direction direction() {
    return direction;
  }

  @Override
  public Multiaddr localAddr() {
    return localAddr;
  }

  @Override
  public Multiaddr remoteAddr() {
    return remoteAddr;
  }

  @Override
  public Instant openedAt() {
    return Instant.ofEpochMilli(openedAtMillis);
  }

  @Override
  public long openedAtNanos() {
    return openedAtNanos;
  }
}
