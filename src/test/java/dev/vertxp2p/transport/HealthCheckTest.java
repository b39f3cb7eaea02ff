package dev.vertxp2p.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.ConnectionHealth;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The health state machine, driven by a manual clock: the times are the options' arithmetic. */
class HealthCheckTest {
  private static final long MS = 1_000_000L;

  /** checkInterval 100 ms, pingTimeout 40 ms, unhealthyAfter 3, maxPingLatency 50 ms. */
  private final HealthOptions options = new HealthOptions().setCheckInterval(0.1)
      .setPingTimeout(0.04).setUnhealthyAfter(3).setMaxPingLatency(0.05);
  private final List<String> changes = new ArrayList<>();
  private long now = 5_000 * MS; // any origin: only differences count
  private final HealthCheck check =
      new HealthCheck(options, now, (from, to) -> changes.add(from + "->" + to));

  /** Runs the clock to {@code atMillis} past the start, polling at each deadline on the way. */
  private List<Long> runTo(long atMillis, long start) {
    List<Long> sent = new ArrayList<>();
    long target = start + atMillis * MS;
    while (check.nextDeadline() - target <= 0) {
      now = check.nextDeadline();
      long n = check.poll(now);
      if (n != 0) {
        sent.add(n);
      }
    }
    now = target;
    long n = check.poll(now);
    if (n != 0) {
      sent.add(n);
    }
    return sent;
  }

  @Test
  void startsUnknownAndAnAnsweredCheckMakesItHealthy() {
    long start = now;
    assertEquals(ConnectionHealth.UNKNOWN, check.state());
    assertEquals(start + 100 * MS, check.nextDeadline());
    assertEquals(0, check.poll(start + 99 * MS));
    long n = check.poll(start + 100 * MS);
    assertEquals(1, n);
    check.answered(n, start + 102 * MS, 2.0);
    assertEquals(ConnectionHealth.HEALTHY, check.state());
    assertEquals(2.0, check.rttMillis());
    assertEquals(0, check.failedChecks());
    assertEquals(List.of("unknown->healthy"), changes);
    // the next check goes out one interval after the previous one went out
    assertEquals(start + 200 * MS, check.nextDeadline());
  }

  @Test
  void aStalledConnectionIsUnhealthyByIntervalTimesChecksPlusTimeout() {
    long start = now;
    List<Long> sent = runTo(339, start);
    assertEquals(List.of(1L, 2L, 3L), sent);
    assertEquals(ConnectionHealth.DEGRADED, check.state());
    assertEquals(2, check.failedChecks());
    runTo(340, start); // 3 × 100 ms + 40 ms
    assertEquals(ConnectionHealth.UNHEALTHY, check.state());
    assertEquals(3, check.failedChecks());
    assertEquals(List.of("unknown->degraded", "degraded->unhealthy"), changes);
  }

  @Test
  void oneFailedCheckDegradesAndTheNextAnswerHeals() {
    long start = now;
    runTo(140, start); // check 1 timed out
    assertEquals(ConnectionHealth.DEGRADED, check.state());
    assertEquals(1, check.failedChecks());
    List<Long> sent = runTo(200, start);
    assertEquals(List.of(2L), sent);
    check.answered(2, now + MS, 3.0);
    assertEquals(ConnectionHealth.HEALTHY, check.state());
    assertEquals(0, check.failedChecks());
  }

  @Test
  void aLateAnswerDoesNotCountForTheCheckThatTimedOut() {
    long start = now;
    runTo(100, start);
    runTo(140, start);
    check.answered(1, now + MS, 45.0); // check 1 already failed
    assertEquals(ConnectionHealth.DEGRADED, check.state());
    assertEquals(1, check.failedChecks());
  }

  @Test
  void anUnhealthyConnectionThatAnswersAgainRecovers() {
    long start = now;
    runTo(340, start);
    assertEquals(ConnectionHealth.UNHEALTHY, check.state());
    List<Long> sent = runTo(400, start);
    assertEquals(List.of(4L), sent);
    check.answered(4, now, 1.0);
    assertEquals(ConnectionHealth.HEALTHY, check.state());
  }

  @Test
  void aSlowRoundTripDegradesButNeverMakesUnhealthy() {
    long start = now;
    for (int i = 1; i <= 10; i++) {
      List<Long> sent = runTo(100L * i, start);
      assertEquals(1, sent.size());
      check.answered(sent.get(0), now + 30 * MS, 900.0); // answered within pingTimeout, but slow
      assertEquals(ConnectionHealth.DEGRADED, check.state());
      assertEquals(0, check.failedChecks());
    }
    assertEquals(List.of("unknown->degraded"), changes);
  }

  @Test
  void atMostOneCheckIsOutWhenTheTimeoutIsLongerThanTheInterval() {
    HealthOptions slow = new HealthOptions().setCheckInterval(0.1).setPingTimeout(0.25)
        .setUnhealthyAfter(2);
    long start = now;
    HealthCheck c = new HealthCheck(slow, start, (a, b) -> {});
    assertEquals(1, c.poll(start + 100 * MS));
    assertEquals(0, c.poll(start + 200 * MS)); // check 1 is still out
    assertEquals(start + 350 * MS, c.nextDeadline());
    assertEquals(2, c.poll(start + 350 * MS)); // 1 timed out, 2 goes out at once
    assertEquals(ConnectionHealth.DEGRADED, c.state());
    assertEquals(0, c.poll(start + 599 * MS));
    c.poll(start + 600 * MS);
    assertEquals(ConnectionHealth.UNHEALTHY, c.state());
    assertEquals(3, c.checksSent());
  }

  @Test
  void aPeerWithoutPingStaysUnknownAndIsNotCheckedAgain() {
    long start = now;
    long n = check.poll(start + 100 * MS);
    assertEquals(1, n);
    check.unsupported();
    assertEquals(ConnectionHealth.UNKNOWN, check.state());
    assertEquals(Long.MAX_VALUE, check.nextDeadline());
    assertEquals(0, check.poll(start + 10_000 * MS));
    assertEquals(ConnectionHealth.UNKNOWN, check.state());
    assertTrue(changes.isEmpty(), changes.toString());
  }

  @Test
  void drainingIsTerminal() {
    long start = now;
    long n = check.poll(start + 100 * MS);
    check.drain();
    assertEquals(ConnectionHealth.DRAINING, check.state());
    check.answered(n, start + 101 * MS, 1.0);
    check.unsupported();
    assertEquals(0, check.poll(start + 10_000 * MS));
    assertEquals(ConnectionHealth.DRAINING, check.state());
    assertEquals(List.of("unknown->draining"), changes);
    assertEquals("draining", ConnectionHealth.DRAINING.jsonName());
  }
}
