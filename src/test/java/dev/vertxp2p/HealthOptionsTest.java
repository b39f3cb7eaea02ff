package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code health} config section: the contract's defaults, JSON round trip, named errors. */
class HealthOptionsTest {

  /** The {@code "health"} line of CONTRACT.md's "Connection health and kept peers" block. */
  static final String CONTRACT_HEALTH =
      "{ \"enabled\": true, \"checkInterval\": 10.0, \"pingTimeout\": 5.0, \"unhealthyAfter\": 3,\n"
          + "  \"maxPingLatency\": 1.0, \"replaceUnhealthy\": true, \"drainTimeout\": 10.0 }";

  @Test
  void defaultsAreTheContracts() {
    HealthOptions d = new HealthOptions();
    assertEquals(new JsonObject(CONTRACT_HEALTH), d.toJson());
    assertEquals(d, new HealthOptions(new JsonObject(CONTRACT_HEALTH)));
    assertEquals(d, new HealthOptions(new JsonObject()));
    assertEquals(Duration.ofSeconds(10), d.getCheckIntervalDuration());
    assertEquals(Duration.ofSeconds(5), d.getPingTimeoutDuration());
    assertEquals(new JsonObject(CONTRACT_HEALTH), new SwarmOptions().toJson().getJsonObject("health"));
  }

  @Test
  void roundTripsThroughJsonAndTheWholeConfig() {
    JsonObject json = new JsonObject().put("enabled", false).put("checkInterval", 0.05)
        .put("pingTimeout", 0.02).put("unhealthyAfter", 2).put("maxPingLatency", 0.25)
        .put("replaceUnhealthy", false).put("drainTimeout", 1.5);
    HealthOptions h = new HealthOptions(json);
    assertFalse(h.isEnabled());
    assertEquals(Duration.ofMillis(50), h.getCheckIntervalDuration());
    assertEquals(2, h.getUnhealthyAfter());
    assertFalse(h.isReplaceUnhealthy());
    assertEquals(Duration.ofMillis(1500), h.getDrainTimeoutDuration());
    assertEquals(json, h.toJson());
    assertEquals(h, new HealthOptions(h));
    SwarmOptions whole = new SwarmOptions(new JsonObject().put("health", json));
    assertEquals(json, whole.getHealth().toJson());
    assertEquals(whole, new SwarmOptions(whole.toJson()));
    assertEquals(whole, new SwarmOptions(whole));
  }

  @Test
  void badValuesNameTheirPathAndTheRule() {
    assertRefused(new JsonObject().put("checkIntervall", 1.0), "health.checkIntervall");
    assertRefused(new JsonObject().put("checkInterval", 0), "health.checkInterval");
    assertRefused(new JsonObject().put("pingTimeout", 0.0001), "health.pingTimeout");
    assertRefused(new JsonObject().put("pingTimeout", "5s"), "health.pingTimeout");
    assertRefused(new JsonObject().put("unhealthyAfter", 0), "health.unhealthyAfter");
    assertRefused(new JsonObject().put("unhealthyAfter", 1.5), "health.unhealthyAfter");
    assertRefused(new JsonObject().put("maxPingLatency", -1.0), "health.maxPingLatency");
    assertRefused(new JsonObject().put("drainTimeout", Double.NaN), "health.drainTimeout");
    assertRefused(new JsonObject().put("enabled", "yes"), "health.enabled");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SwarmOptions(new JsonObject().put("health", "on")));
    assertTrue(e.getMessage().contains("health"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new SwarmOptions().setHealth(null));
    assertTrue(e.getMessage().contains("health"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new HealthOptions().setUnhealthyAfter(HealthOptions.MAX_UNHEALTHY_AFTER + 1));
    assertTrue(e.getMessage().contains("between 1 and"), e.getMessage());
  }

  private static void assertRefused(JsonObject json, String path) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new HealthOptions(json));
    assertTrue(e.getMessage().contains(path), "expected " + path + " in: " + e.getMessage());
  }
}
