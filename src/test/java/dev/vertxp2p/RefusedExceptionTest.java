package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.gating.Refusal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RefusedExceptionTest {

  @Test
  void backoffIs503AndEveryOtherScope409() {
    Refusal backoff = Refusal.backoff(Instant.parse("2026-12-06T00:00:05Z"), "/ip4/1.2.3.4/tcp/1");
    RefusedException e = new RefusedException(backoff);
    assertEquals(P2pException.UNAVAILABLE, e.code());
    assertSame(backoff, e.refusal());
    assertEquals(backoff.message(), e.getMessage());
    assertTrue(e.getMessage().contains("/ip4/1.2.3.4/tcp/1"));
    assertTrue(e.getMessage().contains("2026-12-06T00:00:05Z"));
    for (Refusal.Scope s : Refusal.Scope.values()) {
      Refusal r = s == Refusal.Scope.BACKOFF ? backoff
          : s == Refusal.Scope.GATING ? Refusal.gating("denyAddrs 10.0.0.0/8", null)
          : Refusal.count(s, "limit", 1, 1, null, "in use");
      assertEquals(s == Refusal.Scope.BACKOFF ? 503 : 409, new RefusedException(r).code(),
          s.jsonName());
    }
  }

  @Test
  void retryingCannotHelp() {
    assertTrue(NonRetryable.isNonRetryable(new RefusedException(
        Refusal.gating("denyAddrs 10.0.0.0/8", null))));
  }
}
