package dev.vertxp2p.metrics;

/**
 * Names and tags of the swarm's meters. Names are in Micrometer's dotted style, without units or
 * a {@code total} suffix: each registry's naming convention renders them. Prometheus (what
 * {@code /metrics} serves) turns dots into underscores, appends the base unit ({@code _seconds}
 * for timers, {@code _bytes} for the byte counters) and {@code _total} to counters; each constant
 * names what it becomes there, and those Prometheus names are the stable, user-facing ones. Tags
 * are low-cardinality by design: direction, muxer, protocol, result, node (the event-bus prefix) —
 * never a peer id or an address.
 */
public final class MetricNames {
  /**
   * Upgrade latency, raw socket to ready muxer (timer with a histogram; tags direction, node);
   * Prometheus shows it as {@code libp2p_handshake_seconds_*}.
   */
  public static final String HANDSHAKE = "libp2p.handshake";
  /**
   * Outbound dial latency, first attempt to registered connection, retries and backoff included
   * (timer with a histogram; tag node); Prometheus: {@code libp2p_dial_seconds_*}.
   */
  public static final String DIAL = "libp2p.dial";
  /**
   * Streams opened (counter; tags protocol, direction, node); Prometheus:
   * {@code libp2p_streams_opened_total}. The protocol tag is bounded: a stream only gets one we
   * serve or the application chose to open.
   */
  public static final String STREAMS_OPENED = "libp2p.streams.opened";
  /** Tag: the negotiated protocol id of a stream. */
  public static final String TAG_PROTOCOL = "protocol";
  /** Connections open now (gauge; tags direction, muxer, node): {@code libp2p_connections_open}. */
  public static final String CONNECTIONS_OPEN = "libp2p.connections.open";
  /**
   * Connections opened (counter; tags direction, muxer, node):
   * {@code libp2p_connections_opened_total}.
   */
  public static final String CONNECTIONS_OPENED = "libp2p.connections.opened";
  /**
   * Connections closed (counter; tags direction, muxer, node):
   * {@code libp2p_connections_closed_total}.
   */
  public static final String CONNECTIONS_CLOSED = "libp2p.connections.closed";
  /**
   * Connections refused by maxConnectionsPerPeer (counter; tags direction, node):
   * {@code libp2p_connections_rejected_total}.
   */
  public static final String CONNECTIONS_REJECTED = "libp2p.connections.rejected";
  /** Peers with at least one connection (gauge; tag node): {@code libp2p_peers_connected}. */
  public static final String PEERS_CONNECTED = "libp2p.peers.connected";
  /**
   * Dial attempts (counter; tags result = success | retry | failure, node): a successful attempt,
   * a failed one that was retried, and a dial whose every attempt failed;
   * {@code libp2p_dial_attempts_total}.
   */
  public static final String DIAL_ATTEMPTS = "libp2p.dial.attempts";
  /**
   * Failed dial attempts that were retried after a back-off (counter; tag node):
   * {@code libp2p_dial_retries_total}.
   */
  public static final String DIAL_RETRIES = "libp2p.dial.retries";
  /** Dials whose every attempt failed (counter; tag node): {@code libp2p_dial_failures_total}. */
  public static final String DIAL_FAILURES = "libp2p.dial.failures";
  /** Streams open now over all connections (gauge; tag node): {@code libp2p_streams_open}. */
  public static final String STREAMS_OPEN = "libp2p.streams.open";
  /**
   * Bytes read from peers' sockets, framing and encryption included (counter in base unit bytes;
   * tag node): {@code libp2p_bytes_in_bytes_total}.
   */
  public static final String BYTES_IN = "libp2p.bytes.in";
  /**
   * Bytes written to peers' sockets, framing and encryption included (counter in base unit bytes;
   * tag node): {@code libp2p_bytes_out_bytes_total}.
   */
  public static final String BYTES_OUT = "libp2p.bytes.out";

  /**
   * Round trips measured by connection health checks (timer with a histogram; tag node):
   * {@code libp2p_connection_rtt_seconds_*}.
   */
  public static final String CONNECTION_RTT = "libp2p.connection.rtt";
  /**
   * Connections whose health checks found them unhealthy now (gauge; tag node):
   * {@code libp2p_connections_unhealthy}.
   */
  public static final String CONNECTIONS_UNHEALTHY = "libp2p.connections.unhealthy";
  /**
   * Unhealthy connections replaced by a new one (counter; tag node):
   * {@code libp2p_connections_replaced_total}.
   */
  public static final String CONNECTIONS_REPLACED = "libp2p.connections.replaced";

  /** Tag: inbound or outbound. */
  public static final String TAG_DIRECTION = "direction";
  /** Tag: the muxer protocol id. */
  public static final String TAG_MUXER = "muxer";
  /** Tag: the connection's transport, {@code tcp} or {@code ws}. */
  public static final String TAG_TRANSPORT = "transport";
  /** Tag: the swarm's event-bus prefix, which tells several swarms in one process apart. */
  public static final String TAG_NODE = "node";
  /** Tag: outcome of a dial attempt. */
  public static final String TAG_RESULT = "result";

  private MetricNames() {}
}
