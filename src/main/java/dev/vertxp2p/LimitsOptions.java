package dev.vertxp2p;

import dev.vertxp2p.gating.Cidr;
import dev.vertxp2p.gating.SourceKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Resource limits: the {@code "limits"} section of the configuration.
 *
 * <pre>{@code
 * "limits": { "maxConnections": 1024, "maxPendingInbound": 64,
 *             "maxStreamsInbound": 512, "maxStreamsOutbound": 512,
 *             "yamuxStreamWindow": 262144, "yamuxMaxStreamWindow": 16777216,
 *             "mplexStreamBuffer": 4194304,
 *             "maxBufferedBytesPerConnection": 33554432, "maxBufferedBytes": 268435456,
 *             "maxConnectionsPerIp": 16, "maxPendingInboundPerIp": 8, "inboundRatePerIp": 5.0,
 *             "inboundBurstPerIp": 16, "exemptAddrs": ["127.0.0.0/8", "::1/128"],
 *             "maxParallelDials": 100, "maxParallelDialsPerPeer": 8 }
 * }</pre>
 *
 * <p>{@code maxParallelDials} and {@code maxParallelDialsPerPeer} pace outgoing dials: at most
 * that many connection dials run at once node-wide (js-libp2p's {@code maxParallelDials}, 100)
 * and per peer (go-libp2p's per-peer dial limit, 8); the others wait their turn.
 *
 * <p>The per-IP limits (the contract's "Dial policy, gating, per-IP limits") count inbound
 * connections per source, an IPv4 address or an IPv6 /56 ({@link SourceKey}); sources in {@code
 * exemptAddrs} are not limited. {@code inboundRatePerIp} and {@code inboundBurstPerIp} are a token
 * bucket of connection attempts per source.
 *
 * <p>These are hard limits, unlike the connection manager's watermarks: beyond {@code
 * maxConnections} an inbound connection is refused (event {@code connection.rejected}) and a dial
 * fails with {@link dev.vertxp2p.swarm.ConnectionLimitException} (409 on the bus).
 */
public class LimitsOptions {

  /** The window a Yamux stream starts with (yamux spec.md, "Flow Control": 256 KiB). */
  public static final int SPEC_YAMUX_WINDOW = 256 * 1024;
  /** The largest window a Yamux stream may be granted here. */
  public static final int MAX_YAMUX_WINDOW = 16 * 1024 * 1024;
  /** The largest mplex message (the mplex spec's 1 MiB). */
  public static final int MPLEX_MAX_MESSAGE = 1 << 20;

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "limits";

  /** Open connections plus outbound dials in flight, all peers together. */
  public static final int DEFAULT_MAX_CONNECTIONS = 1024;

  /**
   * Inbound sockets still in the upgrade (multistream, Noise, muxer). Each holds handshake state
   * for up to {@code transport.handshakeTimeout}; beyond this many, new sockets are closed at once
   * so that a flood of silent sockets cannot hold memory.
   */
  public static final int DEFAULT_MAX_PENDING_INBOUND = 64;

  /** Streams the remote may have open at once on one connection. */
  public static final int DEFAULT_MAX_STREAMS_INBOUND = 512;

  /** Streams we may have open at once on one connection. */
  public static final int DEFAULT_MAX_STREAMS_OUTBOUND = 512;

  /**
   * Bytes a remote may make us buffer per Yamux stream: the receive window we grant. The spec's
   * initial window (256 KiB) is also the least we may grant (yamux spec.md "Flow Control").
   */
  public static final int DEFAULT_YAMUX_STREAM_WINDOW = SPEC_YAMUX_WINDOW;

  /**
   * What auto-tuning may grow a Yamux stream's window to while the stream is read as fast as it
   * arrives (go-yamux's cap); at or below {@link #DEFAULT_YAMUX_STREAM_WINDOW} windows never grow.
   */
  public static final int DEFAULT_YAMUX_MAX_STREAM_WINDOW = MAX_YAMUX_WINDOW;

  /**
   * Bytes buffered per mplex stream before it is reset (mplex has no flow control; spec
   * "Implementation notes" allows resetting a stream whose reader is too slow).
   */
  public static final int DEFAULT_MPLEX_STREAM_BUFFER = 4 * MPLEX_MAX_MESSAGE;

  /**
   * Stream data one connection may hold received and not yet consumed by the application. Room
   * for two streams at the largest auto-tuned window (16 MiB) read at full speed, while a slow
   * reader stops the remote here rather than at the about 160 MiB that 512 streams of 256 KiB
   * plus 32 MiB of window growth would allow.
   */
  public static final long DEFAULT_MAX_BUFFERED_BYTES_PER_CONNECTION = 32L * 1024 * 1024;

  /**
   * Stream data all connections together may hold unconsumed: eight connections at their whole
   * budget, a share a JVM of a few GiB of heap can spare however many peers read slowly.
   */
  public static final long DEFAULT_MAX_BUFFERED_BYTES = 256L * 1024 * 1024;

  /** Upper bound of the buffer budgets (1 TiB): far above any heap, so surely a typo. */
  public static final long MAX_BUFFERED_BYTES = 1L << 40;

  /** Upper bound of any count limit: far above what one process can hold, so surely a typo. */
  public static final int MAX_COUNT = 1_000_000;

  /**
   * When every handshake slot is taken, a pending handshake at least this old (seconds) is closed
   * to admit a newcomer: real peers finish in milliseconds, slowloris sockets never do.
   */
  public static final double DEFAULT_EVICT_PENDING_AFTER = 1.0;

  /** Open plus in-upgrade inbound connections per source (the contract's default). */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 16;

  /** Inbound connections in the upgrade per source (the contract's default). */
  public static final int DEFAULT_MAX_PENDING_INBOUND_PER_IP = 8;

  /** Inbound connection attempts per second per source, sustained (the contract's default). */
  public static final double DEFAULT_INBOUND_RATE_PER_IP = 5.0;

  /** Inbound connection attempts per source in a burst (the contract's default). */
  public static final int DEFAULT_INBOUND_BURST_PER_IP = 16;

  /** Connection dials running at once node-wide: js-libp2p's {@code maxParallelDials}. */
  public static final int DEFAULT_MAX_PARALLEL_DIALS = 100;

  /** Connection dials running at once to one peer: go-libp2p's per-peer dial limit. */
  public static final int DEFAULT_MAX_PARALLEL_DIALS_PER_PEER = 8;

  /** Sources the per-IP limits leave alone: loopback (the contract's default). */
  public static final List<String> DEFAULT_EXEMPT_ADDRS = List.of("127.0.0.0/8", "::1/128");

  /** Most attempts per second {@code inboundRatePerIp} may allow: above it, surely a typo. */
  public static final double MAX_RATE = 1_000_000.0;

  /** Most entries {@code exemptAddrs} may hold. */
  public static final int MAX_EXEMPT_ADDRS = dev.vertxp2p.gating.AddressFilter.MAX_RULES;

  static final Set<String> KEYS = Set.of("maxConnections", "maxPendingInbound",
      "maxStreamsInbound", "maxStreamsOutbound", "yamuxStreamWindow", "yamuxMaxStreamWindow",
      "mplexStreamBuffer", "maxBufferedBytesPerConnection", "maxBufferedBytes",
      "evictPendingAfter", "maxConnectionsPerIp", "maxPendingInboundPerIp", "inboundRatePerIp",
      "inboundBurstPerIp", "exemptAddrs", "maxParallelDials", "maxParallelDialsPerPeer");

  private int maxConnections;
  private int maxPendingInbound;
  private int maxStreamsInbound;
  private int maxStreamsOutbound;
  private int yamuxStreamWindow;
  private int yamuxMaxStreamWindow = DEFAULT_YAMUX_MAX_STREAM_WINDOW;
  private int mplexStreamBuffer;
  private long maxBufferedBytesPerConnection = DEFAULT_MAX_BUFFERED_BYTES_PER_CONNECTION;
  private long maxBufferedBytes = DEFAULT_MAX_BUFFERED_BYTES;
  private double evictPendingAfter = DEFAULT_EVICT_PENDING_AFTER;
  private int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
  private int maxPendingInboundPerIp = DEFAULT_MAX_PENDING_INBOUND_PER_IP;
  private double inboundRatePerIp = DEFAULT_INBOUND_RATE_PER_IP;
  private int inboundBurstPerIp = DEFAULT_INBOUND_BURST_PER_IP;
  private List<String> exemptAddrs = DEFAULT_EXEMPT_ADDRS;
  private int maxParallelDials = DEFAULT_MAX_PARALLEL_DIALS;
  private int maxParallelDialsPerPeer = DEFAULT_MAX_PARALLEL_DIALS_PER_PEER;

  /** The defaults. */
  public LimitsOptions() {
    maxConnections = DEFAULT_MAX_CONNECTIONS;
    maxPendingInbound = DEFAULT_MAX_PENDING_INBOUND;
    maxStreamsInbound = DEFAULT_MAX_STREAMS_INBOUND;
    maxStreamsOutbound = DEFAULT_MAX_STREAMS_OUTBOUND;
    yamuxStreamWindow = DEFAULT_YAMUX_STREAM_WINDOW;
    mplexStreamBuffer = DEFAULT_MPLEX_STREAM_BUFFER;
  }

  /** A copy of {@code other}. */
  public LimitsOptions(LimitsOptions other) {
    maxConnections = other.maxConnections;
    maxPendingInbound = other.maxPendingInbound;
    maxStreamsInbound = other.maxStreamsInbound;
    maxStreamsOutbound = other.maxStreamsOutbound;
    yamuxStreamWindow = other.yamuxStreamWindow;
    yamuxMaxStreamWindow = other.yamuxMaxStreamWindow;
    mplexStreamBuffer = other.mplexStreamBuffer;
    maxBufferedBytesPerConnection = other.maxBufferedBytesPerConnection;
    maxBufferedBytes = other.maxBufferedBytes;
    evictPendingAfter = other.evictPendingAfter;
    maxConnectionsPerIp = other.maxConnectionsPerIp;
    maxPendingInboundPerIp = other.maxPendingInboundPerIp;
    inboundRatePerIp = other.inboundRatePerIp;
    inboundBurstPerIp = other.inboundBurstPerIp;
    exemptAddrs = other.exemptAddrs;
    maxParallelDials = other.maxParallelDials;
    maxParallelDialsPerPeer = other.maxParallelDialsPerPeer;
  }

  /**
   * From the {@code "limits"} JSON object.
   *
   * @throws IllegalArgumentException for an unknown key or an invalid value, naming its path
   */
  public LimitsOptions(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setMaxConnections(read(json, "maxConnections", maxConnections));
    setMaxPendingInbound(read(json, "maxPendingInbound", maxPendingInbound));
    setMaxStreamsInbound(read(json, "maxStreamsInbound", maxStreamsInbound));
    setMaxStreamsOutbound(read(json, "maxStreamsOutbound", maxStreamsOutbound));
    setYamuxStreamWindow(read(json, "yamuxStreamWindow", yamuxStreamWindow));
    setYamuxMaxStreamWindow(read(json, "yamuxMaxStreamWindow", yamuxMaxStreamWindow));
    setMplexStreamBuffer(read(json, "mplexStreamBuffer", mplexStreamBuffer));
    setMaxBufferedBytesPerConnection(readBytes(json, "maxBufferedBytesPerConnection",
        maxBufferedBytesPerConnection));
    setMaxBufferedBytes(readBytes(json, "maxBufferedBytes", maxBufferedBytes));
    setEvictPendingAfter(ConfigCheck.readNumber(json, "evictPendingAfter",
        SECTION + ".evictPendingAfter", evictPendingAfter));
    setMaxConnectionsPerIp(read(json, "maxConnectionsPerIp", maxConnectionsPerIp));
    setMaxPendingInboundPerIp(read(json, "maxPendingInboundPerIp", maxPendingInboundPerIp));
    setInboundRatePerIp(ConfigCheck.readNumber(json, "inboundRatePerIp",
        SECTION + ".inboundRatePerIp", inboundRatePerIp));
    setInboundBurstPerIp(read(json, "inboundBurstPerIp", inboundBurstPerIp));
    setExemptAddrs(ConfigCheck.readStrings(json, "exemptAddrs", SECTION + ".exemptAddrs",
        exemptAddrs, "CIDR strings"));
    setMaxParallelDials(read(json, "maxParallelDials", maxParallelDials));
    setMaxParallelDialsPerPeer(read(json, "maxParallelDialsPerPeer", maxParallelDialsPerPeer));
  }

  /** Most connection dials running at once, all peers together; the rest wait their turn. */
  public int getMaxParallelDials() {
    return maxParallelDials;
  }

  public LimitsOptions setMaxParallelDials(int n) {
    this.maxParallelDials = count("maxParallelDials", n);
    return this;
  }

  /** Most connection dials running at once to one peer; the rest wait their turn. */
  public int getMaxParallelDialsPerPeer() {
    return maxParallelDialsPerPeer;
  }

  public LimitsOptions setMaxParallelDialsPerPeer(int n) {
    this.maxParallelDialsPerPeer = count("maxParallelDialsPerPeer", n);
    return this;
  }

  /**
   * Most inbound connections per source, open or in the upgrade together; beyond it a new one is
   * refused (scope {@code ip}).
   */
  public int getMaxConnectionsPerIp() {
    return maxConnectionsPerIp;
  }

  public LimitsOptions setMaxConnectionsPerIp(int n) {
    this.maxConnectionsPerIp = count("maxConnectionsPerIp", n);
    return this;
  }

  /** Most inbound connections per source in the upgrade at once (scope {@code pending}). */
  public int getMaxPendingInboundPerIp() {
    return maxPendingInboundPerIp;
  }

  public LimitsOptions setMaxPendingInboundPerIp(int n) {
    this.maxPendingInboundPerIp = count("maxPendingInboundPerIp", n);
    return this;
  }

  /** Inbound connection attempts per second a source may keep up (scope {@code rate}). */
  public double getInboundRatePerIp() {
    return inboundRatePerIp;
  }

  /**
   * Sets the sustained attempt rate per source.
   *
   * @throws IllegalArgumentException unless finite, &gt; 0 and at most {@link #MAX_RATE}
   */
  public LimitsOptions setInboundRatePerIp(double perSecond) {
    // The negated form also rejects NaN.
    if (!(perSecond > 0 && perSecond <= MAX_RATE)) {
      throw ConfigCheck.invalid(SECTION + ".inboundRatePerIp", perSecond,
          "must be a number of attempts per second > 0 and <= " + MAX_RATE);
    }
    this.inboundRatePerIp = perSecond;
    return this;
  }

  /** Inbound connection attempts a source may make at once before its rate applies. */
  public int getInboundBurstPerIp() {
    return inboundBurstPerIp;
  }

  public LimitsOptions setInboundBurstPerIp(int n) {
    this.inboundBurstPerIp = count("inboundBurstPerIp", n);
    return this;
  }

  /** CIDRs of sources the per-IP limits leave alone (unmodifiable). */
  public List<String> getExemptAddrs() {
    return exemptAddrs;
  }

  /**
   * Sets the exempt sources; an empty list limits every source, loopback included.
   *
   * @throws IllegalArgumentException naming {@code limits.exemptAddrs[i]} for an entry that is not
   *     a CIDR, or when there are more than {@link #MAX_EXEMPT_ADDRS}
   */
  public LimitsOptions setExemptAddrs(List<String> cidrs) {
    ConfigCheck.cidrs(SECTION + ".exemptAddrs", cidrs, MAX_EXEMPT_ADDRS);
    this.exemptAddrs = List.copyOf(cidrs);
    return this;
  }

  /** {@link #getExemptAddrs()} parsed, as {@link dev.vertxp2p.gating.IpLimiter} takes them. */
  public List<Cidr> exemptCidrs() {
    return ConfigCheck.cidrs(SECTION + ".exemptAddrs", exemptAddrs, MAX_EXEMPT_ADDRS);
  }

  /** Seconds a pending inbound handshake must have stalled before it may be evicted. */
  public double getEvictPendingAfter() {
    return evictPendingAfter;
  }

  public LimitsOptions setEvictPendingAfter(double seconds) {
    this.evictPendingAfter =
        ConfigCheck.positiveSeconds(SECTION + ".evictPendingAfter", seconds);
    return this;
  }

  private static int read(JsonObject json, String key, int dflt) {
    return ConfigCheck.readInt(json, key, SECTION + "." + key, dflt);
  }

  private static long readBytes(JsonObject json, String key, long dflt) {
    String path = SECTION + "." + key;
    double d = ConfigCheck.readNumber(json, key, path, dflt);
    if (d != Math.rint(d)) {
      throw ConfigCheck.invalid(path, json.getValue(key), "must be an integer (bytes)");
    }
    if (d < SPEC_YAMUX_WINDOW || d > MAX_BUFFERED_BYTES) {
      throw ConfigCheck.invalid(path, json.getValue(key), BUFFER_RULE);
    }
    return (long) d;
  }

  /**
   * A buffer budget: at least the 256 KiB window a Yamux stream starts with (yamux spec.md "Flow
   * Control"), since a smaller budget would refuse every inbound stream; at most {@link
   * #MAX_BUFFERED_BYTES}.
   */
  private static long bufferBytes(String key, long bytes) {
    if (bytes < SPEC_YAMUX_WINDOW || bytes > MAX_BUFFERED_BYTES) {
      throw ConfigCheck.invalid(SECTION + "." + key, bytes, BUFFER_RULE);
    }
    return bytes;
  }

  private static final String BUFFER_RULE = "must be between " + SPEC_YAMUX_WINDOW
      + " (the window a Yamux stream starts with) and " + MAX_BUFFERED_BYTES + " bytes";

  private static int count(String key, int value) {
    if (value < 1 || value > MAX_COUNT) {
      throw ConfigCheck.invalid(SECTION + "." + key, value, "must be between 1 and " + MAX_COUNT);
    }
    return value;
  }

  /** Most connections open (or dialing) at once, all peers together. */
  public int getMaxConnections() {
    return maxConnections;
  }

  public LimitsOptions setMaxConnections(int n) {
    this.maxConnections = count("maxConnections", n);
    return this;
  }

  /** Most inbound sockets in the upgrade at once. */
  public int getMaxPendingInbound() {
    return maxPendingInbound;
  }

  public LimitsOptions setMaxPendingInbound(int n) {
    this.maxPendingInbound = count("maxPendingInbound", n);
    return this;
  }

  /** Most streams the remote may have open at once on one connection. */
  public int getMaxStreamsInbound() {
    return maxStreamsInbound;
  }

  public LimitsOptions setMaxStreamsInbound(int n) {
    this.maxStreamsInbound = count("maxStreamsInbound", n);
    return this;
  }

  /** Most streams we may have open at once on one connection. */
  public int getMaxStreamsOutbound() {
    return maxStreamsOutbound;
  }

  public LimitsOptions setMaxStreamsOutbound(int n) {
    this.maxStreamsOutbound = count("maxStreamsOutbound", n);
    return this;
  }

  /** The receive window granted per Yamux stream when it opens. */
  public int getYamuxStreamWindow() {
    return yamuxStreamWindow;
  }

  public LimitsOptions setYamuxStreamWindow(int bytes) {
    this.yamuxStreamWindow = yamuxWindow("yamuxStreamWindow", bytes);
    return this;
  }

  /**
   * A Yamux window setting: yamux spec.md "Flow Control" has the remote assume 256 KiB, and a
   * window can only grow from there; 16 MiB is the most any window is granted.
   */
  private static int yamuxWindow(String key, int bytes) {
    if (bytes < SPEC_YAMUX_WINDOW || bytes > MAX_YAMUX_WINDOW) {
      throw ConfigCheck.invalid(SECTION + "." + key, bytes, "must be between "
          + SPEC_YAMUX_WINDOW + " (the spec's initial window) and "
          + MAX_YAMUX_WINDOW + " bytes");
    }
    return bytes;
  }

  /**
   * What one Yamux stream may make us buffer at most: auto-tuning grows a stream's window up to
   * this (never below {@link #getYamuxStreamWindow()}) while the stream is read as fast as it
   * arrives.
   */
  public int getYamuxMaxStreamWindow() {
    return yamuxMaxStreamWindow;
  }

  public LimitsOptions setYamuxMaxStreamWindow(int bytes) {
    this.yamuxMaxStreamWindow = yamuxWindow("yamuxMaxStreamWindow", bytes);
    return this;
  }

  /** Bytes buffered per mplex stream for a slow reader before the stream is reset. */
  public int getMplexStreamBuffer() {
    return mplexStreamBuffer;
  }

  public LimitsOptions setMplexStreamBuffer(int bytes) {
    // One whole message must fit, or every maximum-size message would reset its stream.
    if (bytes < MPLEX_MAX_MESSAGE) {
      throw ConfigCheck.invalid(SECTION + ".mplexStreamBuffer", bytes, "must be at least "
          + MPLEX_MAX_MESSAGE + " bytes (one maximum-size mplex message)");
    }
    this.mplexStreamBuffer = bytes;
    return this;
  }

  /**
   * Stream data one connection may hold received and not yet consumed by the application. At the
   * budget a Yamux connection stops reopening windows and refuses new inbound streams, an mplex
   * connection stops reading; no open stream is reset. Outbound data does not count.
   */
  public long getMaxBufferedBytesPerConnection() {
    return maxBufferedBytesPerConnection;
  }

  public LimitsOptions setMaxBufferedBytesPerConnection(long bytes) {
    this.maxBufferedBytesPerConnection = bufferBytes("maxBufferedBytesPerConnection", bytes);
    return this;
  }

  /**
   * Stream data all connections together may hold unconsumed; at the budget every connection acts
   * as at its own (see {@link #getMaxBufferedBytesPerConnection()}).
   */
  public long getMaxBufferedBytes() {
    return maxBufferedBytes;
  }

  public LimitsOptions setMaxBufferedBytes(long bytes) {
    this.maxBufferedBytes = bufferBytes("maxBufferedBytes", bytes);
    return this;
  }

  /** The {@code "limits"} JSON object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("maxConnections", maxConnections)
        .put("maxPendingInbound", maxPendingInbound)
        .put("maxStreamsInbound", maxStreamsInbound)
        .put("maxStreamsOutbound", maxStreamsOutbound)
        .put("yamuxStreamWindow", yamuxStreamWindow)
        .put("yamuxMaxStreamWindow", yamuxMaxStreamWindow)
        .put("mplexStreamBuffer", mplexStreamBuffer)
        .put("maxBufferedBytesPerConnection", maxBufferedBytesPerConnection)
        .put("maxBufferedBytes", maxBufferedBytes)
        .put("evictPendingAfter", evictPendingAfter)
        .put("maxConnectionsPerIp", maxConnectionsPerIp)
        .put("maxPendingInboundPerIp", maxPendingInboundPerIp)
        .put("inboundRatePerIp", inboundRatePerIp)
        .put("inboundBurstPerIp", inboundBurstPerIp)
        .put("exemptAddrs", new JsonArray(new ArrayList<>(exemptAddrs)))
        .put("maxParallelDials", maxParallelDials)
        .put("maxParallelDialsPerPeer", maxParallelDialsPerPeer);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LimitsOptions that && toJson().equals(that.toJson());
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxConnections, maxPendingInbound, maxStreamsInbound, maxStreamsOutbound,
        yamuxStreamWindow, mplexStreamBuffer, maxBufferedBytesPerConnection, maxBufferedBytes,
        evictPendingAfter, maxConnectionsPerIp, maxPendingInboundPerIp, inboundRatePerIp,
        inboundBurstPerIp, exemptAddrs, maxParallelDials, maxParallelDialsPerPeer);
  }

  @Override
  public String toString() {
    return "LimitsOptions" + toJson().encode();
  }
}
