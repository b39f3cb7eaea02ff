package dev.vertxp2p.metrics;

/**
 * Names and tags of the swarm's meters, as Prometheus shows them. Tags are low-cardinality by
 * design: direction, muxer, node (the event-bus prefix) — never a peer id or an address.
 */
public final class MetricNames {
  /**
   * Upgrade latency, raw socket to ready muxer (timer with a histogram; tags direction, node);
   * Prometheus shows it as {@code libp2p_handshake_seconds_*}.
   */
  public static final String HANDSHAKE = "libp2p_handshake";
  /**
   * Outbound dial latency, first attempt to registered connection, retries and backoff included
   * (timer with a histogram; tag node); Prometheus: {@code libp2p_dial_seconds_*}.
   */
  public static final String DIAL = "libp2p_dial";
  /**
   * Streams opened (counter; tags protocol, direction, node). The protocol tag is bounded: a
   * stream only gets one we serve or the application chose to open.
   */
  public static final String STREAMS_OPENED = "libp2p_streams_opened";
  /** Tag: the negotiated protocol id of a stream. */
  public static final String TAG_PROTOCOL = "protocol";
  /** Connections open now (gauge; tags direction, muxer, node). */
  public static final String CONNECTIONS_OPEN = "libp2p_connections_open";
  /** Connections opened (counter; tags direction, muxer, node). */
  public static final String CONNECTIONS_OPENED = "libp2p_connections_opened";
  /** Connections closed (counter; tags direction, muxer, node). */
  public static final String CONNECTIONS_CLOSED = "libp2p_connections_closed";
  /** Connections refused by maxConnectionsPerPeer (counter; tags direction, node). */
  public static final String CONNECTIONS_REJECTED = "libp2p_connections_rejected";
  /** Peers with at least one connection (gauge; tag node). */
  public static final String PEERS_CONNECTED = "libp2p_peers_connected";
  /**
   * Dial attempts (counter; tags result = success | retry | failure, node): a successful attempt,
   * a failed one that was retried, and a dial whose every attempt failed.
   */
  public static final String DIAL_ATTEMPTS = "libp2p_dial_attempts";
  /** Failed dial attempts that were retried after a back-off (counter; tag node). */
  public static final String DIAL_RETRIES = "libp2p_dial_retries";
  /** Dials whose every attempt failed (counter; tag node). */
  public static final String DIAL_FAILURES = "libp2p_dial_failures";
  /** Streams open now over all connections (gauge; tag node). */
  public static final String STREAMS_OPEN = "libp2p_streams_open";
  /** Bytes read from peers' sockets, framing and encryption included (counter; tag node). */
  public static final String BYTES_IN = "libp2p_bytes_in";
  /** Bytes written to peers' sockets, framing and encryption included (counter; tag node). */
  public static final String BYTES_OUT = "libp2p_bytes_out";

  /** Tag: inbound or outbound. */
  public static final String TAG_DIRECTION = "direction";
  /** Tag: the muxer protocol id. */
  public static final String TAG_MUXER = "muxer";
  /** Tag: the swarm's event-bus prefix, which tells several swarms in one process apart. */
  public static final String TAG_NODE = "node";
  /** Tag: outcome of a dial attempt. */
  public static final String TAG_RESULT = "result";

  private MetricNames() {}
}
