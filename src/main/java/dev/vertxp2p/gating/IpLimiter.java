package dev.vertxp2p.gating;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-source limits on inbound connections ({@code limits.maxConnectionsPerIp}, {@code
 * maxPendingInboundPerIp}, {@code inboundRatePerIp}, {@code inboundBurstPerIp}, {@code
 * exemptAddrs}), counted per {@link SourceKey} (IPv4 address, IPv6 /56). Sans-IO: time comes in as
 * monotonic nanoseconds ({@code System.nanoTime()} in production, a counter in tests), and
 * nothing here reads a clock, resolves a name or touches a socket.
 *
 * <p>Owner-confined: one thread (the swarm's context) calls it, so it has no locks.
 *
 * <p>The life of an inbound connection, as the swarm reports it:
 *
 * <pre>
 *   tryAdmit(ip, now) == null  → one pending slot and one token taken
 *     established(ip)          → pending slot becomes an open connection (the upgrade finished)
 *     or failed(ip)            → pending slot released (the upgrade failed or timed out)
 *   closed(ip)                 → open connection released
 * </pre>
 *
 * <p>Rules, in the order {@link #tryAdmit} applies them:
 *
 * <ol>
 *   <li>a source in {@code exemptAddrs} is admitted and not counted at all (its transitions are
 *       no-ops);
 *   <li>every attempt costs one token of the source's bucket (burst {@code inboundBurstPerIp},
 *       refilled at {@code inboundRatePerIp} per second); with less than one token the attempt is
 *       refused, scope {@code rate}, so a source that hammers a limit also spends its rate;
 *   <li>open plus pending connections stay at most {@code maxConnectionsPerIp} (scope {@code ip}),
 *       so an upgrade that finishes never takes a source past it;
 *   <li>pending connections stay at most {@code maxPendingInboundPerIp} (scope {@code pending}).
 * </ol>
 *
 * <p>The table of sources is bounded ({@code maxSources}). A source with no open or pending
 * connection is <em>idle</em>; idle sources are kept in the order they became idle, because their
 * bucket still remembers recent attempts. A new source that finds the table full evicts the
 * longest-idle source if its bucket has refilled (it then remembers nothing). If not, the table
 * is full of sources that are busy or were active within the last {@code burst / rate} seconds: a
 * flood from that many sources at once, and the newcomer is refused with scope {@code system}
 * (limit {@code maxSources}) rather than wiping a live bucket that would let a refused source in.
 */
public final class IpLimiter {

  /** Default bound on the sources tracked: 64 Ki, a few MiB at most. */
  public static final int DEFAULT_MAX_SOURCES = 65_536;

  /** The name refusals of the full table give as their limit. */
  public static final String SOURCES_LIMIT_NAME = "per-IP table size";

  private final int maxConnectionsPerIp;
  private final int maxPendingPerIp;
  private final double ratePerSecond;
  private final double ratePerNano;
  private final int burst;
  private final List<Cidr> exempt;
  private final int maxSources;

  private final Map<SourceKey, Entry> entries = new HashMap<>();
  /** Entries with no open or pending connection, longest idle first. */
  private final LinkedHashMap<SourceKey, Entry> idle = new LinkedHashMap<>();
  private long totalOpen;
  private long totalPending;

  private static final class Entry {
    int open;
    int pending;
    double tokens;
    long refilledAt;

    Entry(double tokens, long now) {
      this.tokens = tokens;
      this.refilledAt = now;
    }

    boolean isIdle() {
      return open == 0 && pending == 0;
    }
  }

  /**
   * A limiter with the default table bound.
   *
   * @see #IpLimiter(int, int, double, int, List, int)
   */
  public IpLimiter(int maxConnectionsPerIp, int maxPendingInboundPerIp, double inboundRatePerIp,
      int inboundBurstPerIp, List<Cidr> exemptAddrs) {
    this(maxConnectionsPerIp, maxPendingInboundPerIp, inboundRatePerIp, inboundBurstPerIp,
        exemptAddrs, DEFAULT_MAX_SOURCES);
  }

  /**
   * @param maxConnectionsPerIp open plus pending connections per source, at least 1
   * @param maxPendingInboundPerIp connections in the upgrade per source, at least 1
   * @param inboundRatePerIp tokens per second, finite and above 0
   * @param inboundBurstPerIp bucket size, at least 1
   * @param exemptAddrs sources never limited
   * @param maxSources bound on the table, at least 1
   * @throws IllegalArgumentException for a value out of range
   */
  public IpLimiter(int maxConnectionsPerIp, int maxPendingInboundPerIp, double inboundRatePerIp,
      int inboundBurstPerIp, List<Cidr> exemptAddrs, int maxSources) {
    this.maxConnectionsPerIp = atLeastOne("maxConnectionsPerIp", maxConnectionsPerIp);
    this.maxPendingPerIp = atLeastOne("maxPendingInboundPerIp", maxPendingInboundPerIp);
    if (!(Double.isFinite(inboundRatePerIp) && inboundRatePerIp > 0)) {
      throw new IllegalArgumentException("inboundRatePerIp must be finite and > 0, got "
          + inboundRatePerIp);
    }
    this.ratePerSecond = inboundRatePerIp;
    this.ratePerNano = inboundRatePerIp / 1e9;
    this.burst = atLeastOne("inboundBurstPerIp", inboundBurstPerIp);
    Objects.requireNonNull(exemptAddrs, "exemptAddrs");
    if (exemptAddrs.size() > AddressFilter.MAX_RULES) {
      throw new IllegalArgumentException("exemptAddrs holds " + exemptAddrs.size()
          + " CIDRs, more than " + AddressFilter.MAX_RULES);
    }
    this.exempt = List.copyOf(exemptAddrs);
    this.maxSources = atLeastOne("maxSources", maxSources);
  }

  private static int atLeastOne(String name, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }
    return v;
  }

  /** Whether {@code ip} is in {@code exemptAddrs}. */
  public boolean isExempt(byte[] ip) {
    byte[] a = Cidr.unmap(ip);
    for (Cidr c : exempt) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Asks to admit an inbound connection from {@code ip} at {@code nowNanos}.
   *
   * @return null when admitted (a pending slot and a token are taken: call {@link #established}
   *     or {@link #failed} later), else why not
   * @throws IllegalArgumentException unless {@code ip} is 4 or 16 bytes
   */
  public Refusal tryAdmit(byte[] ip, long nowNanos) {
    if (isExempt(ip)) {
      return null;
    }
    SourceKey key = SourceKey.of(ip);
    Entry e = entries.get(key);
    if (e == null) {
      if (entries.size() >= maxSources && !evictOne(nowNanos)) {
        return Refusal.count(Refusal.Scope.SYSTEM, SOURCES_LIMIT_NAME, maxSources,
            entries.size(), "new source " + key, "sources tracked, none idle long enough to drop");
      }
      e = new Entry(burst, nowNanos);
      entries.put(key, e);
      idle.put(key, e);
    }
    refill(e, nowNanos);
    if (e.tokens < 1.0) {
      return Refusal.count(Refusal.Scope.RATE, "inboundBurstPerIp", burst,
          burst - (long) Math.floor(e.tokens), key.toString(),
          "recent attempts (refilled at " + ratePerSecond + " per second)");
    }
    e.tokens -= 1.0;
    int inUse = e.open + e.pending;
    if (inUse >= maxConnectionsPerIp) {
      return Refusal.count(Refusal.Scope.IP, "maxConnectionsPerIp", maxConnectionsPerIp, inUse,
          key.toString(), e.pending == 0 ? "open" : "open or in the upgrade");
    }
    if (e.pending >= maxPendingPerIp) {
      return Refusal.count(Refusal.Scope.PENDING, "maxPendingInboundPerIp", maxPendingPerIp,
          e.pending, key.toString(), "in the upgrade");
    }
    if (e.isIdle()) {
      idle.remove(key);
    }
    e.pending++;
    totalPending++;
    return null;
  }

  /**
   * An admitted connection finished its upgrade: its pending slot becomes an open connection.
   *
   * @throws IllegalStateException when the source has no pending connection (a caller's bug;
   *     nothing changes)
   */
  public void established(byte[] ip) {
    Entry e = busy(ip, true);
    if (e != null) {
      e.pending--;
      e.open++;
      totalPending--;
      totalOpen++;
    }
  }

  /**
   * An admitted connection failed before it was established: its pending slot is released.
   *
   * @throws IllegalStateException when the source has no pending connection (nothing changes)
   */
  public void failed(byte[] ip) {
    Entry e = busy(ip, true);
    if (e != null) {
      e.pending--;
      totalPending--;
      becameIdleMaybe(ip, e);
    }
  }

  /**
   * An established connection closed: its slot is released.
   *
   * @throws IllegalStateException when the source has no open connection (nothing changes)
   */
  public void closed(byte[] ip) {
    Entry e = busy(ip, false);
    if (e != null) {
      e.open--;
      totalOpen--;
      becameIdleMaybe(ip, e);
    }
  }

  /** The entry to move a count of; null for an exempt source (not counted). */
  private Entry busy(byte[] ip, boolean pending) {
    if (isExempt(ip)) {
      return null;
    }
    SourceKey key = SourceKey.of(ip);
    Entry e = entries.get(key);
    if (e == null || (pending ? e.pending : e.open) == 0) {
      throw new IllegalStateException("no " + (pending ? "pending" : "open")
          + " inbound connection from " + key + " to release");
    }
    return e;
  }

  private void becameIdleMaybe(byte[] ip, Entry e) {
    if (e.isIdle()) {
      idle.put(SourceKey.of(ip), e);
    }
  }

  private void refill(Entry e, long now) {
    long dt = now - e.refilledAt;
    // A time before the last refill (a caller mixing clocks) refills nothing and is not kept.
    if (dt > 0) {
      e.tokens = Math.min(burst, e.tokens + dt * ratePerNano);
      e.refilledAt = now;
    }
  }

  private boolean isFull(Entry e, long now) {
    long dt = Math.max(0, now - e.refilledAt);
    return e.tokens + dt * ratePerNano >= burst;
  }

  /** Drops the longest-idle source if its bucket has refilled; whether one was dropped. */
  private boolean evictOne(long now) {
    Iterator<Map.Entry<SourceKey, Entry>> it = idle.entrySet().iterator();
    if (!it.hasNext()) {
      return false;
    }
    Map.Entry<SourceKey, Entry> oldest = it.next();
    if (!isFull(oldest.getValue(), now)) {
      return false;
    }
    it.remove();
    entries.remove(oldest.getKey());
    return true;
  }

  /** Open connections counted for {@code ip}'s source (0 when exempt or unknown). */
  public int open(byte[] ip) {
    Entry e = isExempt(ip) ? null : entries.get(SourceKey.of(ip));
    return e == null ? 0 : e.open;
  }

  /** Pending connections counted for {@code ip}'s source (0 when exempt or unknown). */
  public int pending(byte[] ip) {
    Entry e = isExempt(ip) ? null : entries.get(SourceKey.of(ip));
    return e == null ? 0 : e.pending;
  }

  /**
   * The tokens {@code ip}'s source would have at {@code nowNanos} (the burst when exempt or
   * unknown). Reads only: the bucket is not refilled by asking.
   */
  public double tokens(byte[] ip, long nowNanos) {
    Entry e = isExempt(ip) ? null : entries.get(SourceKey.of(ip));
    if (e == null) {
      return burst;
    }
    long dt = Math.max(0, nowNanos - e.refilledAt);
    return Math.min(burst, e.tokens + dt * ratePerNano);
  }

  /** Whether {@code ip}'s source is in the table (never for an exempt one). */
  public boolean tracks(byte[] ip) {
    return !isExempt(ip) && entries.containsKey(SourceKey.of(ip));
  }

  /** Sources in the table now. */
  public int sources() {
    return entries.size();
  }

  /** Open connections counted, all sources together. */
  public long totalOpen() {
    return totalOpen;
  }

  /** Pending connections counted, all sources together. */
  public long totalPending() {
    return totalPending;
  }

  /**
   * Limits and use now, for {@code swarm.limits}: the configuration, then per scope its limit and
   * the highest use of any one source ({@code "source"} names it, null when none).
   *
   * <pre>{@code
   * {"maxConnectionsPerIp": 16, "maxPendingInboundPerIp": 8, "inboundRatePerIp": 5.0,
   *  "inboundBurstPerIp": 16, "exemptAddrs": ["127.0.0.0/8", "::1/128"],
   *  "ip": {"limit": 16, "current": 3, "source": "10.0.0.5"},
   *  "pending": {"limit": 8, "current": 1, "source": "10.0.0.5"},
   *  "rate": {"limit": 16, "current": 16, "source": "10.0.0.9", "limitedSources": 1},
   *  "sources": {"limit": 65536, "current": 12}, "open": 7, "inUpgrade": 2}
   * }</pre>
   *
   * <p>For {@code rate}, {@code current} is the tokens spent from the fullest-spent bucket
   * (rounded up) and {@code limitedSources} counts the sources refused now for their rate. It
   * walks the table: an admin call, not one for a hot path.
   */
  public JsonObject toJson(long nowNanos) {
    SourceKey ipMax = null;
    SourceKey pendingMax = null;
    SourceKey rateMax = null;
    int ipUse = 0;
    int pendingUse = 0;
    long spentMax = 0;
    int limited = 0;
    for (Map.Entry<SourceKey, Entry> me : entries.entrySet()) {
      Entry e = me.getValue();
      if (e.open + e.pending > ipUse) {
        ipUse = e.open + e.pending;
        ipMax = me.getKey();
      }
      if (e.pending > pendingUse) {
        pendingUse = e.pending;
        pendingMax = me.getKey();
      }
      long dt = Math.max(0, nowNanos - e.refilledAt);
      double tokens = Math.min(burst, e.tokens + dt * ratePerNano);
      long spent = (long) Math.ceil(burst - tokens);
      if (spent > spentMax) {
        spentMax = spent;
        rateMax = me.getKey();
      }
      if (tokens < 1.0) {
        limited++;
      }
    }
    JsonArray ex = new JsonArray();
    exempt.forEach(c -> ex.add(c.toString()));
    return new JsonObject()
        .put("maxConnectionsPerIp", maxConnectionsPerIp)
        .put("maxPendingInboundPerIp", maxPendingPerIp)
        .put("inboundRatePerIp", ratePerSecond)
        .put("inboundBurstPerIp", burst)
        .put("exemptAddrs", ex)
        .put("ip", use(maxConnectionsPerIp, ipUse, ipMax))
        .put("pending", use(maxPendingPerIp, pendingUse, pendingMax))
        .put("rate", use(burst, spentMax, rateMax).put("limitedSources", limited))
        .put("sources", new JsonObject().put("limit", maxSources).put("current", entries.size()))
        .put("open", totalOpen)
        .put("inUpgrade", totalPending);
  }

  private static JsonObject use(long limit, long current, SourceKey source) {
    return new JsonObject().put("limit", limit).put("current", current)
        .put("source", source == null ? null : source.toString());
  }
}
