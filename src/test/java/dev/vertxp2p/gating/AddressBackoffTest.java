package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AddressBackoffTest {
  private static final long S = 1_000_000_000L;
  private static final String A = "/ip4/10.0.0.7/tcp/4001";
  private static final String B = "/ip4/10.0.0.8/tcp/4001";

  private static AddressBackoff defaults() {
    return new AddressBackoff(5 * S, 300 * S);
  }

  @Test
  void doublesFromTheBaseUpToTheCap() {
    AddressBackoff b = defaults();
    long[] expected = {5, 10, 20, 40, 80, 160, 300, 300, 300};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i] * S, b.delayNanos(i + 1), "failure " + (i + 1));
    }
    assertEquals(300 * S, b.delayNanos(Integer.MAX_VALUE));
    assertThrows(IllegalArgumentException.class, () -> b.delayNanos(0));
  }

  @Test
  void aFailedAddressIsBackedOffUntilItsDelayPasses() {
    AddressBackoff b = defaults();
    assertFalse(b.isBackedOff(A, 0));
    assertEquals(105 * S, b.failed(A, 100 * S));
    assertEquals(OptionalLong.of(105 * S), b.until(A, 100 * S));
    assertTrue(b.isBackedOff(A, 105 * S - 1));
    assertFalse(b.isBackedOff(A, 105 * S));
    assertFalse(b.isBackedOff(B, 100 * S));
    // The next failure (after the backoff, the dial tried again) doubles it.
    assertEquals(116 * S, b.failed(A, 106 * S));
    assertEquals(2, b.failures(A));
  }

  @Test
  void successClearsIt() {
    AddressBackoff b = defaults();
    b.failed(A, 0);
    b.failed(A, 0);
    b.succeeded(A);
    assertFalse(b.isBackedOff(A, 0));
    assertEquals(0, b.failures(A));
    assertEquals(0, b.size());
    assertEquals(5 * S, b.failed(A, 0));
    b.succeeded(B); // unknown: nothing happens
  }

  @Test
  void aFailureLongAfterTheLastBackoffStartsOver() {
    AddressBackoff b = defaults();
    for (int i = 0; i < 7; i++) {
      b.failed(A, 0);
    }
    assertEquals(300 * S, b.until(A, 0).getAsLong());
    // Within maxAddressBackoff after the end: still counting.
    assertEquals(600 * S + 300 * S, b.failed(A, 600 * S));
    // More than maxAddressBackoff after the end (900 s): a first failure again.
    assertEquals(1201 * S + 5 * S, b.failed(A, 1201 * S));
    assertEquals(1, b.failures(A));
  }

  @Test
  void refusalSaysUntilWhenInWallClockTime() {
    AddressBackoff b = defaults();
    Instant wall = Instant.parse("2026-12-06T00:00:00Z");
    assertNull(b.refusal(A, 0, wall));
    b.failed(A, 0);
    Refusal r = b.refusal(A, 2 * S, wall);
    assertEquals(new JsonObject().put("scope", "backoff").put("until", "2026-12-06T00:00:03Z"),
        r.toJson());
    assertEquals(A + " is in dial backoff until 2026-12-06T00:00:03Z", r.message());
  }

  @Test
  void theTableIsBoundedAndDropsTheSoonestEndingFirst() {
    AddressBackoff b = new AddressBackoff(5 * S, 300 * S, 2);
    b.failed(A, 0);
    b.failed(A, 0); // ends at 10 s
    b.failed(B, 0); // ends at 5 s
    b.failed("/ip4/10.0.0.9/tcp/1", 1 * S); // full: B goes, ending first
    assertEquals(2, b.size());
    assertEquals(0, b.failures(B));
    assertEquals(2, b.failures(A));
    // The newcomer of 1 s ends at 6 s, before A at 10 s: it goes next, though A is older.
    b.failed("/ip4/10.0.0.10/tcp/1", 2 * S);
    assertEquals(0, b.failures("/ip4/10.0.0.9/tcp/1"));
    assertEquals(2, b.failures(A));
  }

  @Test
  void toJsonListsTheAddressesInBackoff() {
    AddressBackoff b = defaults();
    b.failed(A, 0);
    b.failed(A, 0);
    b.failed(B, 0);
    b.failed("/ip4/10.0.0.9/tcp/1", -10 * S); // ended at -5 s
    JsonObject j = b.toJson(S, Instant.parse("2026-12-06T00:00:00Z"));
    assertEquals(5.0, j.getDouble("addressBackoff"));
    assertEquals(300.0, j.getDouble("maxAddressBackoff"));
    assertEquals(new JsonObject().put("limit", 10_000).put("current", 3),
        j.getJsonObject("addresses"));
    assertEquals(2, j.getInteger("backedOff"));
    assertEquals(new JsonArray()
            .add(new JsonObject().put("addr", B).put("failures", 1).put("remaining", 4.0)
                .put("until", "2026-12-06T00:00:04Z"))
            .add(new JsonObject().put("addr", A).put("failures", 2).put("remaining", 9.0)
                .put("until", "2026-12-06T00:00:09Z")),
        j.getJsonArray("backoffs"));
    assertFalse(b.toJson(S).getJsonArray("backoffs").getJsonObject(0).containsKey("until"));
  }

  @Test
  void toJsonListsAtMostMaxListed() {
    AddressBackoff b = defaults();
    for (int i = 0; i < AddressBackoff.MAX_LISTED + 10; i++) {
      b.failed("/ip4/10.0.1." + i + "/tcp/1", i);
    }
    JsonObject j = b.toJson(0);
    assertEquals(AddressBackoff.MAX_LISTED + 10, j.getInteger("backedOff"));
    assertEquals(AddressBackoff.MAX_LISTED, j.getJsonArray("backoffs").size());
  }

  @Test
  void argumentsAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> new AddressBackoff(0, S));
    assertThrows(IllegalArgumentException.class, () -> new AddressBackoff(2 * S, S));
    assertThrows(IllegalArgumentException.class, () -> new AddressBackoff(S, S, 0));
    assertThrows(IllegalArgumentException.class, () -> new AddressBackoff(S, Long.MAX_VALUE));
    AddressBackoff b = defaults();
    assertThrows(IllegalArgumentException.class,
        () -> b.failed("/".repeat(AddressBackoff.MAX_ADDRESS_LENGTH + 1), 0));
    assertThrows(NullPointerException.class, () -> b.failed(null, 0));
  }
}
