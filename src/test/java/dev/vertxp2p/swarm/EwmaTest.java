package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EwmaTest {

  @Test
  void unknownUntilTheFirstSampleWhichIsTakenAsIs() {
    Ewma e = new Ewma();
    assertTrue(Double.isNaN(e.value()));
    assertEquals(0.1, e.alpha());
    assertEquals(100.0, e.update(100.0));
    assertEquals(1, e.samples());
  }

  @Test
  void weightsNewSamplesByAlpha() {
    Ewma e = new Ewma(0.25);
    e.update(100.0);
    assertEquals(0.25 * 20.0 + 0.75 * 100.0, e.update(20.0), 1e-12);
    // Repeated samples converge on them.
    for (int i = 0; i < 200; i++) {
      e.update(10.0);
    }
    assertEquals(10.0, e.value(), 1e-9);
  }

  @Test
  void rejectsBadAlphaAndSamples() {
    assertThrows(IllegalArgumentException.class, () -> new Ewma(0.0));
    assertThrows(IllegalArgumentException.class, () -> new Ewma(1.5));
    assertThrows(IllegalArgumentException.class, () -> new Ewma(Double.NaN));
    Ewma e = new Ewma(1.0);
    assertThrows(IllegalArgumentException.class, () -> e.update(-1.0));
    assertThrows(IllegalArgumentException.class, () -> e.update(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> e.update(Double.POSITIVE_INFINITY));
    assertEquals(5.0, e.update(5.0));
    assertEquals(7.0, e.update(7.0));
  }
}
