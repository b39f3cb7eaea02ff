package dev.vertxp2p.verticle;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The event-bus addresses a {@link SwarmVerticle} serves, under a prefix ({@code swarm} by
 * default). The {@code SWARM_*} constants are the full addresses for the default prefix; an
 * instance made with {@link #of(String)} gives them for any prefix, so that several swarms can
 * live in one Vert.x instance.
 */
public final class EventBusAddresses {

  /** The prefix used when the deployment config has no {@code eventBusPrefix}. */
  public static final String DEFAULT_PREFIX = "swarm";

  /** Suffix of the dial request address. */
  public static final String DIAL = "dial";
  /** Suffix of the "list connections" request address. */
  public static final String CONNECTIONS = "connections";
  /** Suffix of the "connections grouped by peer" request address. */
  public static final String CONNECTIONS_MAP = "connections.map";
  /** Suffix of the legacy single-connection request address. */
  public static final String CONNECTION = "connection";
  /** Suffix of the "streams of a connection" request address. */
  public static final String STREAMS = "streams";
  /** Suffix of the "timeline of a connection" request address. */
  public static final String TIMELINE = "timeline";
  /** Suffix of the hang-up request address. */
  public static final String HANGUP = "hangup";
  /** Suffix of the ping request address. */
  public static final String PING = "ping";
  /** Suffix of the node-information request address. */
  public static final String NODE = "node";
  /** Suffix of the protect request address (connection manager). */
  public static final String PROTECT = "protect";
  /** Suffix of the unprotect request address (connection manager). */
  public static final String UNPROTECT = "unprotect";
  /** Suffix of the keep request address (kept peers). */
  public static final String KEEP = "keep";
  /** Suffix of the unkeep request address (kept peers). */
  public static final String UNKEEP = "unkeep";
  /** Suffix of the kept-peers listing address. */
  public static final String KEPT = "kept";
  /** Suffix of the block request address (blocked peers). */
  public static final String BLOCK = "block";
  /** Suffix of the unblock request address (blocked peers). */
  public static final String UNBLOCK = "unblock";
  /** Suffix of the blocked-peers listing address. */
  public static final String BLOCKED = "blocked";
  /** Suffix of the address every swarm event is published on. */
  public static final String EVENTS = "events";
  /** Suffix of the limits address: every scope's limit and its use now. */
  public static final String LIMITS = "limits";

  /** {@code swarm.dial}. */
  public static final String SWARM_DIAL = DEFAULT_PREFIX + "." + DIAL;
  /** {@code swarm.connections}. */
  public static final String SWARM_CONNECTIONS = DEFAULT_PREFIX + "." + CONNECTIONS;
  /** {@code swarm.connections.map}. */
  public static final String SWARM_CONNECTIONS_MAP = DEFAULT_PREFIX + "." + CONNECTIONS_MAP;
  /** {@code swarm.connection}. */
  public static final String SWARM_CONNECTION = DEFAULT_PREFIX + "." + CONNECTION;
  /** {@code swarm.streams}. */
  public static final String SWARM_STREAMS = DEFAULT_PREFIX + "." + STREAMS;
  /** {@code swarm.timeline}. */
  public static final String SWARM_TIMELINE = DEFAULT_PREFIX + "." + TIMELINE;
  /** {@code swarm.hangup}. */
  public static final String SWARM_HANGUP = DEFAULT_PREFIX + "." + HANGUP;
  /** {@code swarm.ping}. */
  public static final String SWARM_PING = DEFAULT_PREFIX + "." + PING;
  /** {@code swarm.node}. */
  public static final String SWARM_NODE = DEFAULT_PREFIX + "." + NODE;
  /** {@code swarm.protect}. */
  public static final String SWARM_PROTECT = DEFAULT_PREFIX + "." + PROTECT;
  /** {@code swarm.unprotect}. */
  public static final String SWARM_UNPROTECT = DEFAULT_PREFIX + "." + UNPROTECT;
  /** {@code swarm.keep}. */
  public static final String SWARM_KEEP = DEFAULT_PREFIX + "." + KEEP;
  /** {@code swarm.unkeep}. */
  public static final String SWARM_UNKEEP = DEFAULT_PREFIX + "." + UNKEEP;
  /** {@code swarm.kept}. */
  public static final String SWARM_KEPT = DEFAULT_PREFIX + "." + KEPT;
  /** {@code swarm.limits}. */
  public static final String SWARM_LIMITS = DEFAULT_PREFIX + "." + LIMITS;
  /** {@code swarm.block}. */
  public static final String SWARM_BLOCK = DEFAULT_PREFIX + "." + BLOCK;
  /** {@code swarm.unblock}. */
  public static final String SWARM_UNBLOCK = DEFAULT_PREFIX + "." + UNBLOCK;
  /** {@code swarm.blocked}. */
  public static final String SWARM_BLOCKED = DEFAULT_PREFIX + "." + BLOCKED;
  /** {@code swarm.events}. */
  public static final String SWARM_EVENTS = DEFAULT_PREFIX + "." + EVENTS;

  /** Longest prefix accepted; addresses are map keys and log text, so keep them short. */
  public static final int MAX_PREFIX_LENGTH = 200;

  // Dotted words: what Vert.x addresses conventionally look like; no spaces or control chars.
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_\\-]+(\\.[A-Za-z0-9_\\-]+)*");

  private final String prefix;

  private EventBusAddresses(String prefix) {
    this.prefix = prefix;
  }

  /**
   * The addresses under {@code prefix}.
   *
   * @throws IllegalArgumentException unless {@code prefix} is dotted words of letters, digits,
   *     {@code _} and {@code -}, at most {@link #MAX_PREFIX_LENGTH} characters
   */
  public static EventBusAddresses of(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    if (prefix.length() > MAX_PREFIX_LENGTH || !PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException("eventBusPrefix: invalid value \"" + prefix
          + "\": must be dotted words of letters, digits, '_' and '-' (e.g. \"swarm\" or"
          + " \"app.node1\"), at most " + MAX_PREFIX_LENGTH + " characters");
    }
    return new EventBusAddresses(prefix);
  }

  /** The default addresses ({@code swarm.*}). */
  public static EventBusAddresses defaults() {
    return new EventBusAddresses(DEFAULT_PREFIX);
  }

  public String prefix() {
    return prefix;
  }

  public String dial() {
    return prefix + "." + DIAL;
  }

  public String connections() {
    return prefix + "." + CONNECTIONS;
  }

  public String connectionsMap() {
    return prefix + "." + CONNECTIONS_MAP;
  }

  public String connection() {
    return prefix + "." + CONNECTION;
  }

  public String streams() {
    return prefix + "." + STREAMS;
  }

  public String timeline() {
    return prefix + "." + TIMELINE;
  }

  public String hangup() {
    return prefix + "." + HANGUP;
  }

  public String ping() {
    return prefix + "." + PING;
  }

  public String node() {
    return prefix + "." + NODE;
  }

  public String protect() {
    return prefix + "." + PROTECT;
  }

  public String unprotect() {
    return prefix + "." + UNPROTECT;
  }

  public String keep() {
    return prefix + "." + KEEP;
  }

  public String unkeep() {
    return prefix + "." + UNKEEP;
  }

  public String kept() {
    return prefix + "." + KEPT;
  }

  public String block() {
    return prefix + "." + BLOCK;
  }

  public String unblock() {
    return prefix + "." + UNBLOCK;
  }

  public String blocked() {
    return prefix + "." + BLOCKED;
  }

  public String events() {
    return prefix + "." + EVENTS;
  }

  public String limits() {
    return prefix + "." + LIMITS;
  }

  /** Suffix of a node's summary address (cluster-wide, under its node name). */
  public static final String SUMMARY = "summary";
  /** Middle word of the cluster-wide views, {@code <prefix>.cluster.*}. */
  public static final String CLUSTER = "cluster";

  /** {@code swarm.cluster.nodes}. */
  public static final String SWARM_CLUSTER_NODES = DEFAULT_PREFIX + "." + CLUSTER + ".nodes";
  /** {@code swarm.cluster.peers}. */
  public static final String SWARM_CLUSTER_PEERS = DEFAULT_PREFIX + "." + CLUSTER + ".peers";

  /**
   * The addresses of the node named {@code nodeName}, reachable cluster-wide: {@code
   * <prefix>.<nodeName>.*}.
   */
  public EventBusAddresses forNode(String nodeName) {
    return of(prefix + "." + nodeName);
  }

  /** A node's summary, asked for by the cluster-wide views (under {@link #forNode}). */
  public String summary() {
    return prefix + "." + SUMMARY;
  }

  /** The cluster's nodes, as this node sees them. */
  public String clusterNodes() {
    return prefix + "." + CLUSTER + ".nodes";
  }

  /** The cluster's remote peers and which nodes hold them. */
  public String clusterPeers() {
    return prefix + "." + CLUSTER + ".peers";
  }

  /** Placement of a peer's connections on the cluster's nodes. */
  public String clusterDial() {
    return prefix + "." + CLUSTER + ".dial";
  }

  /** One request/response stream from whichever node holds the peer. */
  public String clusterRequest() {
    return prefix + "." + CLUSTER + ".request";
  }

  /** Cluster-kept peers: keep. */
  public String clusterKeep() {
    return prefix + "." + CLUSTER + ".keep";
  }

  /** Cluster-kept peers: unkeep. */
  public String clusterUnkeep() {
    return prefix + "." + CLUSTER + ".unkeep";
  }

  /** Cluster-kept peers: the list. */
  public String clusterKept() {
    return prefix + "." + CLUSTER + ".kept";
  }

  /** Where a node announces that it joined (published cluster-wide). */
  public String clusterAnnounce() {
    return prefix + "." + CLUSTER + ".announce";
  }

  /** Every request address (all but {@link #events()}). */
  public List<String> requestAddresses() {
    return List.of(dial(), connections(), connectionsMap(), connection(), streams(), timeline(),
        hangup(), ping(), node(), protect(), unprotect(), keep(), unkeep(), kept(), limits(),
        block(), unblock(), blocked());
  }

  @Override
  public String toString() {
    return prefix + ".*";
  }
}
