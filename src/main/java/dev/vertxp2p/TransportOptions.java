package dev.vertxp2p;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How connections are upgraded: which muxers we offer and in what order, and the time bounds of
 * the handshake and of stream negotiation.
 */
public class TransportOptions {
  public static final String NOISE_PROTOCOL = "/noise";
  /** libp2p TLS 1.3 (libp2p TLS spec, "Handshake Protocol"). */
  public static final String TLS_PROTOCOL = "/tls/1.0.0";
  public static final String YAMUX_PROTOCOL = "/yamux/1.0.0";
  public static final String MPLEX_PROTOCOL = "/mplex/6.7.0";

  /** Yamux first: it has flow control, mplex does not. */
  public static final List<String> DEFAULT_MUXERS = List.of(YAMUX_PROTOCOL, MPLEX_PROTOCOL);
  /**
   * The security protocols offered on TCP and WebSocket, in order: the dialer proposes them in
   * this order with multistream-select, the listener accepts any of them. Noise first: every
   * libp2p implementation speaks it, and its handshake is the cheaper.
   */
  public static final List<String> DEFAULT_SECURITY = List.of(NOISE_PROTOCOL, TLS_PROTOCOL);
  /** The security protocols this node implements. */
  public static final List<String> SUPPORTED_SECURITY = List.of(NOISE_PROTOCOL, TLS_PROTOCOL);
  /** Bounds an inbound upgrade (slow or silent peers); dials are bounded by connectionTimeout. */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_STREAM_NEGOTIATION_TIMEOUT = Duration.ofSeconds(10);
  /**
   * Muxers without flow control (mplex): unconsumed bytes per connection above which the socket
   * is paused. Below mplex's per-stream reset limit, so a slow reader is slowed, not reset.
   */
  public static final long UNCONSUMED_HIGH_WATER = 2L * 1024 * 1024;
  /**
   * A connection silent this long gets a muxer ping (Yamux spec, "Ping type": keep-alives are
   * pings; the interval is go-yamux's default, the spec names none).
   */
  public static final Duration DEFAULT_KEEP_ALIVE_INTERVAL = Duration.ofSeconds(30);
  /**
   * Silence after a keep-alive ping past this closes the connection, failing its streams instead
   * of leaving them hung on a stalled peer (go-yamux's connection write timeout).
   */
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(10);
  /**
   * On a graceful close, how long open streams may run on after GOAWAY before they are reset.
   * A few seconds: long enough for a request in flight, short enough for a SIGTERM deadline.
   */
  public static final Duration DEFAULT_SHUTDOWN_GRACE_PERIOD = Duration.ofSeconds(5);

  private List<String> muxers = DEFAULT_MUXERS;
  private List<String> security = DEFAULT_SECURITY;
  private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  private Duration streamNegotiationTimeout = DEFAULT_STREAM_NEGOTIATION_TIMEOUT;
  private Duration keepAliveInterval = DEFAULT_KEEP_ALIVE_INTERVAL;
  private Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
  private Duration shutdownGracePeriod = DEFAULT_SHUTDOWN_GRACE_PERIOD;
  private int maxStreamsInbound = Integer.MAX_VALUE;
  private int maxStreamsOutbound = Integer.MAX_VALUE;
  private boolean spreadEventLoops = DEFAULT_SPREAD_EVENT_LOOPS;

  /**
   * Connections are spread over every event loop of the Vert.x instance (one listener per loop,
   * dials dealt in turn), so many connections use every core.
   */
  public static final boolean DEFAULT_SPREAD_EVENT_LOOPS = true;

  public TransportOptions() {}

  static final java.util.Set<String> KEYS =
      java.util.Set.of("muxers", "security", "handshakeTimeout", "streamNegotiationTimeout",
          "keepAliveInterval", "keepAliveTimeout", "shutdownGracePeriod", "spreadEventLoops");

  /**
   * From the {@code transport} config section.
   *
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public TransportOptions(JsonObject json) {
    ConfigCheck.rejectUnknownKeys(json, "transport", KEYS);
    if (json.containsKey("muxers")) {
      Object v = json.getValue("muxers");
      if (!(v instanceof JsonArray array)) {
        throw ConfigCheck.invalid("transport.muxers", v, "must be an array of muxer protocol ids");
      }
      List<String> list = new java.util.ArrayList<>();
      for (int i = 0; i < array.size(); i++) {
        Object m = array.getValue(i);
        if (!(m instanceof String)) {
          throw ConfigCheck.invalid("transport.muxers[" + i + "]", m, "must be a string");
        }
        list.add((String) m);
      }
      setMuxers(list);
    }
    if (json.containsKey("security")) {
      setSecurity(stringList(json.getValue("security"), "transport.security",
          "security protocol ids"));
    }
    setHandshakeTimeout(ConfigCheck.toDuration(ConfigCheck.positiveSeconds("transport.handshakeTimeout",
        ConfigCheck.readNumber(json, "handshakeTimeout", "transport.handshakeTimeout",
            DEFAULT_HANDSHAKE_TIMEOUT.toMillis() / 1000.0))));
    setStreamNegotiationTimeout(ConfigCheck.toDuration(ConfigCheck.positiveSeconds(
        "transport.streamNegotiationTimeout",
        ConfigCheck.readNumber(json, "streamNegotiationTimeout", "transport.streamNegotiationTimeout",
            DEFAULT_STREAM_NEGOTIATION_TIMEOUT.toMillis() / 1000.0))));
    setKeepAliveInterval(seconds(json, "keepAliveInterval", DEFAULT_KEEP_ALIVE_INTERVAL));
    setKeepAliveTimeout(seconds(json, "keepAliveTimeout", DEFAULT_KEEP_ALIVE_TIMEOUT));
    double grace = ConfigCheck.readNumber(json, "shutdownGracePeriod",
        "transport.shutdownGracePeriod", DEFAULT_SHUTDOWN_GRACE_PERIOD.toMillis() / 1000.0);
    if (grace != 0) {
      ConfigCheck.positiveSeconds("transport.shutdownGracePeriod", grace);
    }
    setShutdownGracePeriod(ConfigCheck.toDuration(grace));
    setSpreadEventLoops(ConfigCheck.readBoolean(json, "spreadEventLoops",
        "transport.spreadEventLoops", DEFAULT_SPREAD_EVENT_LOOPS));
  }

  private static List<String> stringList(Object v, String path, String what) {
    if (!(v instanceof JsonArray array)) {
      throw ConfigCheck.invalid(path, v, "must be an array of " + what);
    }
    List<String> list = new java.util.ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      Object m = array.getValue(i);
      if (!(m instanceof String)) {
        throw ConfigCheck.invalid(path + "[" + i + "]", m, "must be a string");
      }
      list.add((String) m);
    }
    return list;
  }

  private static Duration seconds(JsonObject json, String key, Duration dflt) {
    String path = "transport." + key;
    return ConfigCheck.toDuration(ConfigCheck.positiveSeconds(path,
        ConfigCheck.readNumber(json, key, path, dflt.toMillis() / 1000.0)));
  }

  public TransportOptions(TransportOptions other) {
    this.muxers = other.muxers;
    this.security = other.security;
    this.handshakeTimeout = other.handshakeTimeout;
    this.streamNegotiationTimeout = other.streamNegotiationTimeout;
    this.keepAliveInterval = other.keepAliveInterval;
    this.keepAliveTimeout = other.keepAliveTimeout;
    this.shutdownGracePeriod = other.shutdownGracePeriod;
    this.maxStreamsInbound = other.maxStreamsInbound;
    this.maxStreamsOutbound = other.maxStreamsOutbound;
    this.spreadEventLoops = other.spreadEventLoops;
  }

  /**
   * Whether connections are spread over every event loop (the default) rather than all kept on
   * the swarm's own. The swarm's state stays on its own context either way.
   */
  public boolean isSpreadEventLoops() {
    return spreadEventLoops;
  }

  public TransportOptions setSpreadEventLoops(boolean spread) {
    this.spreadEventLoops = spread;
    return this;
  }

  /** How long streams may finish after GOAWAY on a graceful close; zero resets them at once. */
  public Duration getShutdownGracePeriod() {
    return shutdownGracePeriod;
  }

  public TransportOptions setShutdownGracePeriod(Duration grace) {
    Objects.requireNonNull(grace, "transport.shutdownGracePeriod");
    if (grace.isNegative()) {
      throw new IllegalArgumentException("transport.shutdownGracePeriod = " + grace
          + ": must be >= 0");
    }
    this.shutdownGracePeriod = grace;
    return this;
  }

  /**
   * Streams the remote may have open at once per connection; beyond it a new one is reset. Set by
   * the swarm from {@code limits.maxStreamsInbound}; not a key of this section.
   */
  public int getMaxStreamsInbound() {
    return maxStreamsInbound;
  }

  public TransportOptions setMaxStreamsInbound(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxStreamsInbound must be at least 1, got " + n);
    }
    this.maxStreamsInbound = n;
    return this;
  }

  /** Streams we may have open at once per connection; beyond it newStream fails (STREAM_LIMIT). */
  public int getMaxStreamsOutbound() {
    return maxStreamsOutbound;
  }

  public TransportOptions setMaxStreamsOutbound(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxStreamsOutbound must be at least 1, got " + n);
    }
    this.maxStreamsOutbound = n;
    return this;
  }

  public List<String> getMuxers() {
    return muxers;
  }

  /** The muxers offered, in order of preference; each must be Yamux or mplex. */
  public TransportOptions setMuxers(List<String> muxers) {
    Objects.requireNonNull(muxers, "muxers");
    if (muxers.isEmpty()) {
      throw new IllegalArgumentException("transport.muxers must name at least one muxer");
    }
    for (String m : muxers) {
      if (!YAMUX_PROTOCOL.equals(m) && !MPLEX_PROTOCOL.equals(m)) {
        throw new IllegalArgumentException("transport.muxers: unknown muxer '" + m
            + "', expected " + YAMUX_PROTOCOL + " or " + MPLEX_PROTOCOL);
      }
    }
    this.muxers = List.copyOf(muxers);
    return this;
  }

  /** The security protocols offered, in the order a dialer proposes them. */
  public List<String> getSecurity() {
    return security;
  }

  /**
   * The security protocols offered on TCP and WebSocket, in order: a dialer proposes them in this
   * order, a listener accepts any of them.
   *
   * @throws IllegalArgumentException for an empty list, an unknown id or one named twice
   */
  public TransportOptions setSecurity(List<String> security) {
    Objects.requireNonNull(security, "transport.security");
    if (security.isEmpty()) {
      throw new IllegalArgumentException("transport.security must name at least one security"
          + " protocol, e.g. " + DEFAULT_SECURITY);
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String s : security) {
      if (!SUPPORTED_SECURITY.contains(s)) {
        throw new IllegalArgumentException("transport.security: unknown security protocol '" + s
            + "', expected one of " + SUPPORTED_SECURITY);
      }
      if (!seen.add(s)) {
        throw new IllegalArgumentException("transport.security: '" + s + "' is named twice in "
            + security);
      }
    }
    this.security = List.copyOf(security);
    return this;
  }

  public Duration getHandshakeTimeout() {
    return handshakeTimeout;
  }

  public TransportOptions setHandshakeTimeout(Duration timeout) {
    this.handshakeTimeout = positive("transport.handshakeTimeout", timeout);
    return this;
  }

  public Duration getStreamNegotiationTimeout() {
    return streamNegotiationTimeout;
  }

  public TransportOptions setStreamNegotiationTimeout(Duration timeout) {
    this.streamNegotiationTimeout = positive("transport.streamNegotiationTimeout", timeout);
    return this;
  }

  public Duration getKeepAliveInterval() {
    return keepAliveInterval;
  }

  /** Silence on a connection after which a keep-alive ping is sent (muxers with ping only). */
  public TransportOptions setKeepAliveInterval(Duration interval) {
    this.keepAliveInterval = positive("transport.keepAliveInterval", interval);
    return this;
  }

  public Duration getKeepAliveTimeout() {
    return keepAliveTimeout;
  }

  /** How long a keep-alive ping may go unanswered (no byte at all) before the connection closes. */
  public TransportOptions setKeepAliveTimeout(Duration timeout) {
    this.keepAliveTimeout = positive("transport.keepAliveTimeout", timeout);
    return this;
  }

  private static Duration positive(String key, Duration d) {
    Objects.requireNonNull(d, key);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " = " + d + ": must be > 0");
    }
    return d;
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("muxers", new JsonArray(muxers))
        .put("security", new JsonArray(security))
        .put("handshakeTimeout", handshakeTimeout.toMillis() / 1000.0)
        .put("keepAliveInterval", keepAliveInterval.toMillis() / 1000.0)
        .put("keepAliveTimeout", keepAliveTimeout.toMillis() / 1000.0)
        .put("streamNegotiationTimeout", streamNegotiationTimeout.toMillis() / 1000.0)
        .put("shutdownGracePeriod", shutdownGracePeriod.toMillis() / 1000.0)
        .put("spreadEventLoops", spreadEventLoops);
  }
}
