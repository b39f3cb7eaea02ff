package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.RetryConfig;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {

  @Test
  void delaysStayWithinJitterBoundsAndTheCap() {
    RetryConfig config = new RetryConfig(); // 0.1 s, x2, cap 30 s, jitter 0.1
    SplittableRandom rnd = new SplittableRandom(42);
    Backoff backoff = new Backoff(config, rnd::nextDouble);
    for (int k = 0; k <= 12; k++) {
      double base = Math.min(0.1 * Math.pow(2.0, k), 30.0);
      double lo = base * 0.9;
      double hi = Math.min(base * 1.1, 30.0);
      double min = Double.MAX_VALUE;
      double max = -1;
      for (int i = 0; i < 10_000; i++) {
        double d = backoff.delaySeconds(k);
        assertTrue(d >= lo - 1e-12 && d <= hi + 1e-12, "k=" + k + " delay " + d);
        assertTrue(d >= 0.0 && d <= 30.0, "k=" + k + " delay " + d);
        min = Math.min(min, d);
        max = Math.max(max, d);
      }
      // The jitter really spreads: both ends of the band are approached.
      double band = hi - lo;
      assertTrue(min < lo + band * 0.02, "k=" + k + " min " + min);
      assertTrue(max > hi - band * 0.02, "k=" + k + " max " + max);
    }
  }

  @Test
  void baseDelayIsExponentialThenCapped() {
    Backoff b = new Backoff(new RetryConfig(), () -> 0.5);
    assertEquals(0.1, b.baseDelaySeconds(0), 1e-12);
    assertEquals(0.2, b.baseDelaySeconds(1), 1e-12);
    assertEquals(0.8, b.baseDelaySeconds(3), 1e-12);
    assertEquals(25.6, b.baseDelaySeconds(8), 1e-9);
    assertEquals(30.0, b.baseDelaySeconds(9), 0.0);
    // u = 0.5 is the middle of the jitter band: no jitter.
    assertEquals(0.4, b.delaySeconds(2), 1e-12);
    assertEquals(400, b.delayMillis(2));
    assertEquals(Duration.ofMillis(400), b.delay(2));
  }

  @Test
  void jitterExtremesAreClampedToTheCap() {
    RetryConfig config = new RetryConfig().setJitterFactor(1.0);
    Backoff high = new Backoff(config, () -> Math.nextDown(1.0));
    Backoff low = new Backoff(config, () -> 0.0);
    for (int k = 0; k < 20; k++) {
      assertTrue(high.delaySeconds(k) <= 30.0);
      assertEquals(0.0, low.delaySeconds(k), 0.0);
    }
    assertEquals(30.0, high.delaySeconds(15), 0.0);
  }

  @Test
  void hugeRetryIndexDoesNotOverflow() {
    Backoff b = new Backoff(new RetryConfig().setBackoffMultiplier(10.0), () -> 0.999);
    for (int k : new int[] {100, 400, 1_000, Integer.MAX_VALUE}) {
      double d = b.delaySeconds(k);
      assertTrue(d > 0 && d <= 30.0, "k=" + k + " " + d);
      assertTrue(b.delayMillis(k) <= 30_000);
    }
  }

  @Test
  void multiplierOneKeepsTheDelayConstant() {
    Backoff b =
        new Backoff(new RetryConfig().setBackoffMultiplier(1.0).setJitterFactor(0.0), () -> 0.3);
    for (int k = 0; k < 50; k++) {
      assertEquals(0.1, b.delaySeconds(k), 0.0);
    }
  }

  @Test
  void rejectsBadInput() {
    Backoff b = new Backoff(new RetryConfig(), () -> 0.5);
    assertThrows(IllegalArgumentException.class, () -> b.delaySeconds(-1));
    Backoff broken = new Backoff(new RetryConfig(), () -> 1.0);
    assertThrows(IllegalStateException.class, () -> broken.delaySeconds(0));
  }

  @Test
  void snapshotsTheConfig() {
    RetryConfig config = new RetryConfig();
    Backoff b = new Backoff(config, () -> 0.5);
    config.setDelays(5.0, 60.0);
    assertEquals(0.1, b.baseDelaySeconds(0), 1e-12);
  }
}
