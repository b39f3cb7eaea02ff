package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection.Direction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.swarm.PeerConnectionLimiter.Reservation;
import dev.vertxp2p.swarm.PeerConnectionLimiter.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random interleavings of reserve / commit / cancel / close over several peers, checked against a
 * simple model: the per-peer limit always holds, refusals happen exactly at the limit, and every
 * count returns to zero once everything is released.
 */
class PeerConnectionLimiterProperties {

  private static final String[] PEERS = {"A", "B", "C"};

  @Property(tries = 500)
  void limitHoldsUnderAnyInterleaving(
      @ForAll @IntRange(min = 1, max = 4) int max,
      @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 1_000_000) Integer> script) {
    PeerConnectionLimiter limiter = new PeerConnectionLimiter(max);
    List<Reservation> live = new ArrayList<>();
    for (int step : script) {
      int op = step % 4;
      String peer = PEERS[(step / 4) % PEERS.length];
      Direction dir = Direction.values()[(step / 12) % 2];
      int pick = step / 24;
      if (op == 0 || live.isEmpty()) {
        long modelCount = live.stream().filter(r -> r.peer().equals(peer)).count();
        Optional<Reservation> r = limiter.tryReserve(peer, dir);
        // Refused exactly when the model says the peer is full.
        assertEquals(modelCount >= max, r.isEmpty(), "reserve for " + peer + " at " + modelCount);
        r.ifPresent(live::add);
      } else {
        Reservation r = live.get(pick % live.size());
        if (op == 1 && r.state() == State.RESERVED) {
          r.commit();
        } else if (op == 2 && r.state() == State.RESERVED) {
          r.cancel();
          live.remove(r);
        } else {
          r.release(); // close, or cancel after commit: release covers both
          live.remove(r);
        }
      }
      for (String p : PEERS) {
        long modelCount = live.stream().filter(r -> r.peer().equals(p)).count();
        long modelOpen =
            live.stream().filter(r -> r.peer().equals(p) && r.state() == State.OPEN).count();
        assertTrue(limiter.count(p) <= max, "over the limit for " + p);
        assertEquals(modelCount, limiter.count(p));
        assertEquals(modelOpen, limiter.openCount(p));
        assertEquals(modelCount - modelOpen, limiter.inFlightCount(p));
        assertEquals(
            modelCount,
            limiter.count(p, Direction.INBOUND) + limiter.count(p, Direction.OUTBOUND));
      }
    }
    for (Reservation r : new ArrayList<>(live)) {
      r.release();
    }
    for (String p : PEERS) {
      assertEquals(0, limiter.count(p));
      assertEquals(max, limiter.available(p));
    }
    assertEquals(0, limiter.trackedPeers());
  }
}
