package dev.vertxp2p;

/**
 * What a {@link ConnectionSelector} may know of a connection: a socket-free view the swarm's
 * connections implement, so selection is testable with plain objects.
 */
public interface SelectableConnection {

  /** Unique id of the connection within this node. */
  String id();

  /** False once the connection is closing, closed, or going away (GOAWAY sent or received). */
  boolean isOpen();

  /** Streams open on it now. */
  int openStreams();

  /** When it was opened, from a monotonic clock ({@link System#nanoTime()}): larger is newer. */
  long openedAtNanos();

  /**
   * Smoothed ping round-trip time in milliseconds (an exponentially weighted moving average,
   * weight 0.25 for the newest sample), NaN when unknown.
   */
  double latencyMillis();

  /** What health checks found; {@link ConnectionHealth#UNKNOWN} when nobody checks. */
  default ConnectionHealth health() {
    return ConnectionHealth.UNKNOWN;
  }

  /**
   * The transport under it by the contract's names ({@code "tcp"}, {@code "ws"}, {@code
   * "quic-v1"}); {@code "tcp"} when a view does not say.
   */
  default String transport() {
    return "tcp";
  }

  /**
   * Bytes written to the connection and not yet out of this node: queued on its streams, held by
   * the muxer, or handed to the socket and not yet written out. 0 when unknown.
   */
  default long bytesInFlight() {
    return 0;
  }
}
