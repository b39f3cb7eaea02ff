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
}
