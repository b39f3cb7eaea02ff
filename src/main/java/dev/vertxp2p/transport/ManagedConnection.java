package dev.vertxp2p.transport;

import dev.vertxp2p.CloseReason;
import dev.vertxp2p.Connection;
import dev.vertxp2p.HealthOptions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;

/**
 * What the swarm manages of a connection, whatever its transport: a {@link MuxedConnection} (TCP
 * or WebSocket, Noise, Yamux or mplex) or a {@link QuicConnection}. Activation after admission,
 * the closes with their reasons, draining, health checks and the upgrade's timings.
 */
public interface ManagedConnection extends Connection {

  /** Starts serving the remote's streams once the swarm admitted the connection; idempotent. */
  void activate();

  /** How long the handshake took, in nanoseconds; -1 when unknown. */
  long handshakeNanos();

  /** The TCP connect of a dialled connection, in nanoseconds; -1 when unknown or not TCP. */
  default long tcpConnectNanos() {
    return -1;
  }

  /** Set by the dialer: how long the TCP connect took. Ignored where there is none. */
  default void tcpConnectNanos(long nanos) {}

  /** The security phase of the upgrade, in nanoseconds; -1 when unknown or not separate. */
  default long securityNanos() {
    return -1;
  }

  /** The muxer negotiation, in nanoseconds; -1 when unknown or not separate. */
  default long muxerNanos() {
    return -1;
  }

  /** Why the connection closed or is closing; null while it is open. */
  CloseReason closeReason();

  /** The error it closed with, or null. */
  Throwable closeCause();

  boolean isClosed();

  /**
   * Whether the remote still answers within {@code timeout}; true when it cannot be asked.
   * See {@link MuxedConnection#probeAlive}.
   */
  Future<Boolean> probeAlive(Duration timeout);

  /** Starts health checks; see {@link MuxedConnection#startHealthChecks}. */
  void startHealthChecks(HealthOptions options, Supplier<Future<Long>> streamPing,
      HealthCheck.Transitions onChange, DoubleConsumer onSample);

  /** True once health checks stopped for lack of any ping the remote serves. */
  default boolean healthCheckUnsupported() {
    return false;
  }

  /** Checks answered so far. */
  long healthSamples();

  /** Records a measured round trip into the latency average; any thread. */
  void recordRtt(double millis);

  /** Health checks in a row that went unanswered. */
  int failedHealthChecks();

  /**
   * The Conn JSON's {@code "health"}: {@code state} (draining once a drain began), {@code rttMs}
   * (the latency average, or null before the first sample) and {@code failedChecks}.
   */
  default JsonObject healthJson() {
    double rtt = latencyMillis();
    return new JsonObject()
        .put("state", health().jsonName())
        .put("rttMs", Double.isNaN(rtt) ? null : rtt)
        .put("failedChecks", failedHealthChecks());
  }

  /** Drains for {@code reason}; see {@link MuxedConnection#drain}. */
  Future<Void> drain(Duration timeout, String reason);

  /** Closes at once, every open stream failing with {@code cause}. */
  default Future<Void> closeFor(Throwable cause) {
    return closeFor(cause, CloseReason.LOCAL);
  }

  /** As {@link #closeFor(Throwable)}, naming why. */
  Future<Void> closeFor(Throwable cause, CloseReason reason);

  /** Closes at once, naming why. */
  Future<Void> close(CloseReason reason);

  /** Closes after open streams finish, for at most {@code grace}. */
  default Future<Void> closeGracefully(Duration grace) {
    return closeGracefully(grace, CloseReason.LOCAL);
  }

  /** As {@link #closeGracefully(Duration)}, naming why. */
  Future<Void> closeGracefully(Duration grace, CloseReason reason);

  /** The connection's flow state for {@code swarm.limits} and tests. */
  Future<JsonObject> flowJson();

  /** The contract's {@code Conn} JSON, its {@code "health"} from {@link #healthJson()}. */
  @Override
  default JsonObject toJson() {
    return new JsonObject()
        .put("id", id())
        .put("peer", peerId().toString())
        .put("direction", direction().jsonName())
        .put("localAddr", localAddr().toString())
        .put("remoteAddr", remoteAddr().toString())
        .put("security", security())
        .put("muxer", muxer())
        .put("transport", transport())
        .put("streams", openStreams())
        .put("streamsTotal", streamsTotal())
        .put("openedAt", openedAt().toString())
        .put("bytesIn", bytesIn())
        .put("bytesOut", bytesOut())
        .put("health", healthJson());
  }
}
