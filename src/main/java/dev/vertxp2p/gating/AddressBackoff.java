package dev.vertxp2p.gating;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Per-address dial backoff ({@code retry.addressBackoff}, {@code retry.maxAddressBackoff}), keyed
 * by the address's text as dialled. Sans-IO: time comes in as monotonic nanoseconds; nothing here
 * reads a clock. Owner-confined (the swarm's context), so no locks.
 *
 * <p>After the {@code n}-th failure in a row ({@link #failed}: every attempt of a dial to the
 * address failed) the address is not dialled for {@code min(addressBackoff * 2^(n-1),
 * maxAddressBackoff)}: 5, 10, 20, 40, 80, 160, 300 s with the defaults. Why doubling rather than
 * go-libp2p's {@code 5 s + 1 s * tries^2}: it is built from the two configured numbers alone (the
 * quadratic needs a third, hidden coefficient), it is the same shape as {@code retry}'s own
 * backoff, and it reaches the cap after 7 failures instead of 17, so a dead address stops costing
 * dials sooner. No jitter: the delay only gates our own dials, it does not synchronise anyone.
 *
 * <p>A success ({@link #succeeded}) forgets the address. A failure that comes more than {@code
 * maxAddressBackoff} after the address's backoff ended counts as a first failure again: an
 * address that failed long ago and was fine since should not start at the cap.
 *
 * <p>The table holds at most {@code maxEntries} addresses. A new address that finds it full
 * evicts the one whose backoff ends first, which is an ended one whenever any has ended.
 */
public final class AddressBackoff {

  /** Default bound on the addresses remembered. */
  public static final int DEFAULT_MAX_ENTRIES = 10_000;

  /**
   * Longest address text accepted as a key. Dialable addresses are far shorter (about 100
   * characters with a peer id, 300 with certificate hashes); the bound caps the table's memory.
   */
  public static final int MAX_ADDRESS_LENGTH = 1024;

  /** Most addresses {@link #toJson} lists. */
  public static final int MAX_LISTED = 64;

  private final long baseNanos;
  private final long maxNanos;
  private final int maxEntries;
  private final Map<String, Entry> entries = new HashMap<>();
  private final TreeSet<Entry> byEnd = new TreeSet<>(
      Comparator.comparingLong((Entry e) -> e.until).thenComparingLong(e -> e.seq));
  private long seq;

  private static final class Entry {
    final String addr;
    int failures;
    long until;
    long seq;

    Entry(String addr) {
      this.addr = addr;
    }
  }

  /**
   * A table with the default bound.
   *
   * @see #AddressBackoff(long, long, int)
   */
  public AddressBackoff(long addressBackoffNanos, long maxAddressBackoffNanos) {
    this(addressBackoffNanos, maxAddressBackoffNanos, DEFAULT_MAX_ENTRIES);
  }

  /**
   * @param addressBackoffNanos the backoff after the first failure, above 0
   * @param maxAddressBackoffNanos the longest backoff, at least {@code addressBackoffNanos} and at
   *     most 1e18 (about 31 years, {@code retry}'s bound on any duration)
   * @param maxEntries bound on the addresses remembered, at least 1
   * @throws IllegalArgumentException for a value out of range
   */
  public AddressBackoff(long addressBackoffNanos, long maxAddressBackoffNanos, int maxEntries) {
    if (addressBackoffNanos <= 0 || maxAddressBackoffNanos < addressBackoffNanos
        || maxAddressBackoffNanos > 1_000_000_000_000_000_000L) {
      throw new IllegalArgumentException("need 0 < addressBackoff (" + addressBackoffNanos
          + " ns) <= maxAddressBackoff (" + maxAddressBackoffNanos + " ns) <= 1e18 ns");
    }
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be >= 1, got " + maxEntries);
    }
    this.baseNanos = addressBackoffNanos;
    this.maxNanos = maxAddressBackoffNanos;
    this.maxEntries = maxEntries;
  }

  /** The backoff after {@code failures} failures in a row (at least 1), in nanoseconds. */
  public long delayNanos(int failures) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be >= 1, got " + failures);
    }
    long d = baseNanos;
    // Doubling stops at the cap, and the cap is at most 1e18, so d * 2 never overflows.
    for (int i = 1; i < failures && d < maxNanos; i++) {
      d *= 2;
    }
    return Math.min(d, maxNanos);
  }

  private static String key(String addr) {
    Objects.requireNonNull(addr, "addr");
    if (addr.length() > MAX_ADDRESS_LENGTH) {
      throw new IllegalArgumentException("address of " + addr.length()
          + " characters, longer than " + MAX_ADDRESS_LENGTH + ": "
          + addr.substring(0, 64) + "...");
    }
    return addr;
  }

  /**
   * Every attempt of a dial to {@code addr} failed at {@code nowNanos}.
   *
   * @return when its backoff ends, in the same nanoseconds
   * @throws IllegalArgumentException for an address longer than {@link #MAX_ADDRESS_LENGTH}
   */
  public long failed(String addr, long nowNanos) {
    String k = key(addr);
    Entry e = entries.get(k);
    if (e == null) {
      if (entries.size() >= maxEntries) {
        Entry first = byEnd.pollFirst();
        entries.remove(first.addr);
      }
      e = new Entry(k);
      entries.put(k, e);
    } else {
      byEnd.remove(e);
      if (nowNanos - e.until > maxNanos) {
        e.failures = 0;
      }
    }
    if (e.failures < Integer.MAX_VALUE) {
      e.failures++;
    }
    e.until = nowNanos + delayNanos(e.failures);
    e.seq = seq++;
    byEnd.add(e);
    return e.until;
  }

  /** A dial to {@code addr} succeeded: its backoff and failure count are forgotten. */
  public void succeeded(String addr) {
    Entry e = entries.remove(key(addr));
    if (e != null) {
      byEnd.remove(e);
    }
  }

  /** When {@code addr}'s backoff ends, if it has not ended at {@code nowNanos}. */
  public OptionalLong until(String addr, long nowNanos) {
    Entry e = entries.get(key(addr));
    return e != null && e.until - nowNanos > 0 ? OptionalLong.of(e.until) : OptionalLong.empty();
  }

  /** Whether {@code addr} may not be dialled at {@code nowNanos}. */
  public boolean isBackedOff(String addr, long nowNanos) {
    return until(addr, nowNanos).isPresent();
  }

  /** Failures in a row remembered for {@code addr} (0 when none). */
  public int failures(String addr) {
    Entry e = entries.get(key(addr));
    return e == null ? 0 : e.failures;
  }

  /**
   * The refusal for a dial to {@code addr} now, or null when it may be dialled.
   *
   * @param nowNanos the monotonic time the backoff is kept in
   * @param wallNow the wall-clock time at {@code nowNanos}, to say when the backoff ends
   */
  public Refusal refusal(String addr, long nowNanos, Instant wallNow) {
    OptionalLong u = until(addr, nowNanos);
    return u.isEmpty() ? null
        : Refusal.backoff(wallNow.plusNanos(u.getAsLong() - nowNanos), addr);
  }

  /** Addresses remembered (in backoff or with failures remembered). */
  public int size() {
    return entries.size();
  }

  /**
   * Configuration and use, for {@code swarm.limits}, without wall-clock times.
   *
   * @see #toJson(long, Instant)
   */
  public JsonObject toJson(long nowNanos) {
    return toJson(nowNanos, null);
  }

  /**
   * Configuration and use, for {@code swarm.limits}:
   *
   * <pre>{@code
   * {"addressBackoff": 5.0, "maxAddressBackoff": 300.0,
   *  "addresses": {"limit": 10000, "current": 3}, "backedOff": 2,
   *  "backoffs": [{"addr": "/ip4/10.0.0.7/tcp/4001", "failures": 2, "remaining": 7.5,
   *                "until": "2026-12-06T00:10:07.500Z"}]}
   * }</pre>
   *
   * <p>{@code addresses} counts every address remembered, {@code backedOff} those in backoff now;
   * {@code backoffs} lists at most {@link #MAX_LISTED} of them, soonest-ending first, with {@code
   * until} only when {@code wallNow} is given. It walks the addresses in backoff: an admin call.
   */
  public JsonObject toJson(long nowNanos, Instant wallNow) {
    JsonArray listed = new JsonArray();
    int active = 0;
    // Ordered by end, so the ended entries come first and the rest are in backoff.
    for (Entry e : byEnd) {
      if (e.until - nowNanos <= 0) {
        continue;
      }
      active++;
      if (listed.size() >= MAX_LISTED) {
        continue;
      }
      long remaining = e.until - nowNanos;
      JsonObject item = new JsonObject().put("addr", e.addr).put("failures", e.failures)
          .put("remaining", remaining / 1e9);
      if (wallNow != null) {
        item.put("until", wallNow.plusNanos(remaining).toString());
      }
      listed.add(item);
    }
    return new JsonObject()
        .put("addressBackoff", baseNanos / 1e9)
        .put("maxAddressBackoff", maxNanos / 1e9)
        .put("addresses", new JsonObject().put("limit", maxEntries).put("current", entries.size()))
        .put("backedOff", active)
        .put("backoffs", listed);
  }
}
