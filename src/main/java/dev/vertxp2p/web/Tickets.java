package dev.vertxp2p.web;

import dev.vertxp2p.util.Owner;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Single-use, short-lived tickets for the event WebSocket.
 *
 * <p>A browser cannot put a header on a WebSocket, and a token in the URL stays in history and in
 * logs. So the page asks for a ticket with its bearer token ({@code POST /api/events/ticket}) and
 * passes the ticket in the URL instead: it opens one socket, once, within {@link #ttl()}.
 *
 * <p>At most {@code maxOutstanding} tickets are outstanding: expired ones are dropped on every
 * call, and past the cap {@link #issue()} refuses. A ticket is compared with every outstanding
 * one in constant time, so timing tells nothing of its value. Confined to one owner; time comes
 * from the clock it is given.
 */
final class Tickets {
  /** Random bytes per ticket: 256 bits. */
  static final int TICKET_BYTES = 32;

  private final Owner owner;
  private final LongSupplier nanos;
  private final SecureRandom random;
  private final Duration ttl;
  private final int maxOutstanding;
  /** Oldest first: the order they expire in. */
  private final List<Entry> outstanding = new ArrayList<>();

  private record Entry(byte[] ticket, long expiresAtNanos) { }

  /**
   * @param owner the context every call comes from
   * @param nanos a monotonic clock in nanoseconds
   * @param ttl how long a ticket stays good
   * @param maxOutstanding the most tickets issued and not yet used or expired
   */
  Tickets(Owner owner, LongSupplier nanos, SecureRandom random, Duration ttl, int maxOutstanding) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ticket lifetime must be > 0, got " + ttl);
    }
    if (maxOutstanding < 1) {
      throw new IllegalArgumentException("maxOutstanding must be >= 1, got " + maxOutstanding);
    }
    this.owner = owner;
    this.nanos = nanos;
    this.random = random;
    this.ttl = ttl;
    this.maxOutstanding = maxOutstanding;
  }

  /** How long a ticket stays good. */
  Duration ttl() {
    return ttl;
  }

  /** The most tickets outstanding at once. */
  int maxOutstanding() {
    return maxOutstanding;
  }

  /** A fresh ticket (URL-safe base64), or null when {@link #maxOutstanding()} are out. */
  String issue() {
    owner.check();
    long now = nanos.getAsLong();
    purge(now);
    if (outstanding.size() >= maxOutstanding) {
      return null;
    }
    byte[] raw = new byte[TICKET_BYTES];
    random.nextBytes(raw);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    outstanding.add(new Entry(ticket.getBytes(StandardCharsets.US_ASCII),
        now + ttl.toNanos()));
    return ticket;
  }

  /** Whether {@code ticket} is outstanding and unexpired; if so it is used up. */
  boolean redeem(String ticket) {
    owner.check();
    purge(nanos.getAsLong());
    if (ticket == null) {
      return false;
    }
    byte[] given = ticket.getBytes(StandardCharsets.UTF_8);
    int match = -1;
    // Every entry is compared, with no early exit, so the time taken says nothing of which
    // entry (or how much of one) matched.
    for (int i = 0; i < outstanding.size(); i++) {
      if (MessageDigest.isEqual(outstanding.get(i).ticket(), given)) {
        match = i;
      }
    }
    if (match < 0) {
      return false;
    }
    outstanding.remove(match);
    return true;
  }

  /** Tickets issued and neither used nor expired. */
  int outstanding() {
    owner.check();
    purge(nanos.getAsLong());
    return outstanding.size();
  }

  private void purge(long now) {
    for (Iterator<Entry> it = outstanding.iterator(); it.hasNext(); ) {
      // Compared by difference, as System.nanoTime values must be (they may wrap).
      if (now - it.next().expiresAtNanos() >= 0) {
        it.remove();
      } else {
        break; // the rest expire later
      }
    }
  }
}
