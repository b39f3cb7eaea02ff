package dev.vertxp2p;

/**
 * Why a connection closed: the contract's fixed list ("Dial policy, gating, per-IP limits,
 * refusal reasons"). The first cause a connection meets is kept; what follows from it (the socket
 * closing, the streams failing) does not change it.
 *
 * <p>Causes that have no name of their own map to the closest one: a graceful hang-up, the
 * application's {@code close()} and a malformed identify are {@link #LOCAL}; the remote's GOAWAY
 * or its closing the socket are {@link #REMOTE}; a connection that stayed silent to the probe
 * made when its peer dialled again at the per-peer limit is {@link #UNHEALTHY}; a connection
 * refused at admission (a count limit, or once wired a gating rule) is {@link #LIMIT}; a protocol
 * fault or a socket error is {@link #ERROR}.
 */
public enum CloseReason {
  /** This node closed it: the application, a hang-up, a malformed message it would not take. */
  LOCAL("local"),
  /** The remote closed it, or sent GOAWAY and the connection drained. */
  REMOTE("remote"),
  /** The connection manager trimmed it over {@code highWater}. */
  TRIMMED("trimmed"),
  /** It was unhealthy and a replacement took its place. */
  REPLACED("replaced"),
  /** It stopped answering (a probe at the per-peer limit found it dead on our side). */
  UNHEALTHY("unhealthy"),
  /** Refused at admission: a connection limit, or a gating rule. */
  LIMIT("limit"),
  /** No answer to a keep-alive ping within {@code transport.keepAliveTimeout}. */
  KEEPALIVE_TIMEOUT("keepalive-timeout"),
  /** A protocol fault by the remote, or a socket error. */
  ERROR("error"),
  /** The node shut down. */
  SHUTDOWN("shutdown");

  private final String jsonName;

  CloseReason(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The contract's JSON name, e.g. {@code "keepalive-timeout"}. */
  public String jsonName() {
    return jsonName;
  }

  /**
   * The reason for a drain started with {@code reason} (as {@code connection.draining} names it):
   * {@code trimmed} and {@code replaced} keep their names, anything else is {@link #LOCAL}.
   */
  public static CloseReason ofDrain(String reason) {
    if ("trimmed".equals(reason)) {
      return TRIMMED;
    }
    if ("replaced".equals(reason)) {
      return REPLACED;
    }
    return LOCAL;
  }

  @Override
  public String toString() {
    return jsonName;
  }
}
