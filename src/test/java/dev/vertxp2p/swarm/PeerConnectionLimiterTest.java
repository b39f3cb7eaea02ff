package dev.vertxp2p.swarm;

import dev.vertxp2p.Connection.Direction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.swarm.PeerConnectionLimiter.Reservation;
import dev.vertxp2p.swarm.PeerConnectionLimiter.State;
import org.junit.jupiter.api.Test;

class PeerConnectionLimiterTest {

  @Test
  void inFlightDialsCountAgainstTheLimit() {
    PeerConnectionLimiter limiter = new PeerConnectionLimiter(3);
    Reservation a = limiter.tryReserve("P", Direction.OUTBOUND).orElseThrow();
    Reservation b = limiter.tryReserve("P", Direction.OUTBOUND).orElseThrow();
    Reservation c = limiter.tryReserve("P", Direction.INBOUND).orElseThrow();
    // Nothing is open yet, but three are in flight: a fourth is refused.
    assertEquals(0, limiter.openCount("P"));
    assertEquals(3, limiter.inFlightCount("P"));
    assertTrue(limiter.tryReserve("P", Direction.OUTBOUND).isEmpty());
    assertTrue(limiter.tryReserve("P", Direction.INBOUND).isEmpty());
    assertEquals(0, limiter.available("P"));
    // Other peers are unaffected.
    assertTrue(limiter.tryReserve("Q", Direction.OUTBOUND).isPresent());

    a.commit();
    b.cancel();
    assertEquals(1, limiter.openCount("P"));
    assertEquals(1, limiter.inFlightCount("P"));
    assertEquals(1, limiter.count("P", Direction.OUTBOUND));
    assertEquals(1, limiter.count("P", Direction.INBOUND));
    assertEquals(1, limiter.available("P"));
    assertTrue(limiter.tryReserve("P", Direction.OUTBOUND).isPresent());
    assertTrue(limiter.tryReserve("P", Direction.OUTBOUND).isEmpty());
    assertEquals(State.RESERVED, c.state());
  }

  @Test
  void releaseIsIdempotentAndPeersAreForgotten() {
    PeerConnectionLimiter limiter = new PeerConnectionLimiter(1);
    Reservation r = limiter.tryReserve("P", Direction.INBOUND).orElseThrow();
    r.commit();
    assertEquals(State.OPEN, r.state());
    r.release();
    r.release();
    assertEquals(State.RELEASED, r.state());
    assertEquals(0, limiter.count("P"));
    assertEquals(0, limiter.trackedPeers());
    // The slot is really free again (a double release did not make room for two).
    assertTrue(limiter.tryReserve("P", Direction.OUTBOUND).isPresent());
    assertTrue(limiter.tryReserve("P", Direction.OUTBOUND).isEmpty());
  }

  @Test
  void misuseIsRefused() {
    PeerConnectionLimiter limiter = new PeerConnectionLimiter(2);
    Reservation r = limiter.tryReserve("P", Direction.OUTBOUND).orElseThrow();
    r.cancel();
    IllegalStateException late = assertThrows(IllegalStateException.class, r::commit);
    assertTrue(late.getMessage().contains("RELEASED"));
    Reservation open = limiter.tryReserve("P", Direction.OUTBOUND).orElseThrow();
    open.commit();
    assertThrows(IllegalStateException.class, open::commit);
    assertThrows(IllegalStateException.class, open::cancel);
    assertEquals(1, limiter.count("P"));
    assertThrows(IllegalArgumentException.class, () -> new PeerConnectionLimiter(0));
    assertThrows(NullPointerException.class, () -> limiter.tryReserve(null, Direction.INBOUND));
    assertFalse(limiter.tryReserve("P", Direction.INBOUND).isEmpty());
  }

  @Test
  void aReleaseActionRunsOnceWhenTheSlotGoesBack() {
    PeerConnectionLimiter limiter = new PeerConnectionLimiter(3);
    int[] ran = new int[1];
    // Given back after a failed attempt.
    Reservation failed = limiter.tryReserve("P", Direction.OUTBOUND).orElseThrow();
    failed.onRelease(() -> ran[0]++);
    failed.cancel();
    failed.release();
    assertEquals(1, ran[0]);
    // Given back when an open connection closes, and only then.
    Reservation open = limiter.tryReserve("P", Direction.INBOUND).orElseThrow();
    open.onRelease(() -> ran[0]++);
    open.commit();
    assertEquals(1, ran[0]);
    open.release();
    open.release();
    assertEquals(2, ran[0]);
    // One action per slot, and none on a slot already given back.
    Reservation r = limiter.tryReserve("P", Direction.INBOUND).orElseThrow();
    r.onRelease(() -> ran[0]++);
    assertThrows(IllegalStateException.class, () -> r.onRelease(() -> ran[0]++));
    r.release();
    assertThrows(IllegalStateException.class, () -> r.onRelease(() -> ran[0]++));
    assertEquals(3, ran[0]);
  }
}
