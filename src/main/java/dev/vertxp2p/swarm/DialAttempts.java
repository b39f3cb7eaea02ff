package dev.vertxp2p.swarm;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.util.Owner;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The attempts of one dial (one connection's worth of the {@link RetryingDialer}): for each, its
 * address, when it started relative to the dial, how long it took and its error. What a
 * connection's timeline shows of how it came to be.
 *
 * <p>Bounded: the first {@link #MAX_ATTEMPTS} attempts are kept and the rest only counted (a dial
 * over many addresses with many retries must not grow a record without end). Owner-confined
 * (checked): the attempts complete on the owner, where the retrying dialer settles them.
 */
final class DialAttempts {
  /** Attempts kept per dial; later ones are counted in {@link #dropped()}. */
  static final int MAX_ATTEMPTS = 16;
  /** Longest error text kept per attempt, in characters. */
  static final int MAX_ERROR_CHARS = 300;

  /** One attempt; {@code durationNanos} is -1 while it runs. */
  static final class Attempt {
    final String addr;
    final int number;
    final long startNanos;
    long durationNanos = -1;
    String error;

    Attempt(String addr, int number, long startNanos) {
      this.addr = addr;
      this.number = number;
      this.startNanos = startNanos;
    }

    JsonObject toJson() {
      return new JsonObject()
          .put("addr", addr)
          .put("attempt", number)
          .put("startMs", startNanos / 1e6)
          .put("durationMs", durationNanos < 0 ? null : durationNanos / 1e6)
          .put("error", error);
    }
  }

  private final Owner owner;
  private final LongSupplier nanoClock;
  private final long dialStart;
  private final List<Attempt> attempts = new ArrayList<>();
  private int dropped;

  DialAttempts(Owner owner, LongSupplier nanoClock) {
    this.owner = owner;
    this.nanoClock = nanoClock;
    this.dialStart = nanoClock.getAsLong();
  }

  /** An attempt starts; null when over the cap (then {@link #ended} ignores it). */
  Attempt started(Multiaddr addr, int number) {
    owner.check();
    if (attempts.size() >= MAX_ATTEMPTS) {
      dropped++;
      return null;
    }
    Attempt a = new Attempt(addr.toString(), number, nanoClock.getAsLong() - dialStart);
    attempts.add(a);
    return a;
  }

  /**
   * The attempt ended, with {@code error} or (null) a connection. The first end counts: an
   * attempt the dialer abandoned at its timeout may still complete later.
   */
  void ended(Attempt a, Throwable error) {
    ended(a, error == null ? null
        : error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage());
  }

  /** As {@link #ended(Attempt, Throwable)}, with the error in words (null: it succeeded). */
  void ended(Attempt a, String error) {
    owner.check();
    if (a == null || a.durationNanos >= 0) {
      return;
    }
    a.durationNanos = Math.max(0, nanoClock.getAsLong() - dialStart - a.startNanos);
    if (error != null) {
      a.error = error.length() > MAX_ERROR_CHARS
          ? error.substring(0, MAX_ERROR_CHARS) + "…" : error;
    }
  }

  /** Attempts beyond {@link #MAX_ATTEMPTS}, not kept. */
  int dropped() {
    return dropped;
  }

  /** The attempts so far, oldest first, as JSON. */
  JsonArray toJson() {
    owner.check();
    JsonArray out = new JsonArray();
    for (Attempt a : attempts) {
      out.add(a.toJson());
    }
    return out;
  }
}
