package dev.vertxp2p;

import static dev.vertxp2p.ConfigAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionConfigTest {

  @Test
  void defaultsAreTheSeeds() {
    ConnectionConfig c = new ConnectionConfig();
    assertEquals(3, c.getMaxConnectionsPerPeer());
    assertEquals(30.0, c.getConnectionTimeout());
    assertEquals(Duration.ofSeconds(30), c.getConnectionTimeoutDuration());
    assertEquals(LoadBalancingStrategy.ROUND_ROBIN, c.getLoadBalancingStrategy());
    assertEquals(
        new JsonObject(
            "{\"maxConnectionsPerPeer\":3,\"connectionTimeout\":30.0,"
                + "\"loadBalancingStrategy\":\"round_robin\"}"),
        c.toJson());
    assertEquals(c, new ConnectionConfig(new JsonObject()));
  }

  @Test
  void jsonRoundTripAndCopy() {
    ConnectionConfig c =
        new ConnectionConfig(
            new JsonObject()
                .put("maxConnectionsPerPeer", 5)
                .put("connectionTimeout", 2.5)
                .put("loadBalancingStrategy", "least_loaded"));
    assertEquals(5, c.getMaxConnectionsPerPeer());
    assertEquals(Duration.ofMillis(2500), c.getConnectionTimeoutDuration());
    assertEquals(LoadBalancingStrategy.LEAST_LOADED, c.getLoadBalancingStrategy());
    assertEquals(c, new ConnectionConfig(c.toJson()));
    ConnectionConfig copy = new ConnectionConfig(c);
    assertNotSame(c, copy);
    assertEquals(c, copy);
    copy.setMaxConnectionsPerPeer(1);
    assertEquals(5, c.getMaxConnectionsPerPeer());
  }

  @Test
  void integerTimeoutInJsonIsSeconds() {
    assertEquals(
        Duration.ofSeconds(7),
        new ConnectionConfig(new JsonObject().put("connectionTimeout", 7))
            .getConnectionTimeoutDuration());
  }

  @Test
  void settersAreFluentAndAcceptDurations() {
    ConnectionConfig c =
        new ConnectionConfig()
            .setMaxConnectionsPerPeer(1)
            .setConnectionTimeout(Duration.ofMillis(1500))
            .setLoadBalancingStrategy("lowest_latency");
    assertEquals(1.5, c.getConnectionTimeout());
    assertEquals(LoadBalancingStrategy.LOWEST_LATENCY, c.getLoadBalancingStrategy());
  }

  @Test
  void maxConnectionsPerPeerMustBeAtLeastOne() {
    assertInvalid(
        () -> new ConnectionConfig().setMaxConnectionsPerPeer(0),
        "connection.maxConnectionsPerPeer",
        "0",
        ">= 1");
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().put("maxConnectionsPerPeer", -2)),
        "connection.maxConnectionsPerPeer",
        "-2",
        ">= 1");
  }

  @Test
  void maxConnectionsPerPeerMustBeAnInteger() {
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().put("maxConnectionsPerPeer", 2.5)),
        "connection.maxConnectionsPerPeer",
        "2.5",
        "integer");
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().put("maxConnectionsPerPeer", "3")),
        "connection.maxConnectionsPerPeer",
        "\"3\"",
        "a string",
        "must be a number");
  }

  @Test
  void connectionTimeoutMustBePositiveAndFinite() {
    assertInvalid(
        () -> new ConnectionConfig().setConnectionTimeout(0.0),
        "connection.connectionTimeout",
        "0.0",
        "> 0");
    assertInvalid(
        () -> new ConnectionConfig().setConnectionTimeout(-1.0),
        "connection.connectionTimeout",
        "-1.0",
        "> 0");
    assertInvalid(
        () -> new ConnectionConfig().setConnectionTimeout(Double.NaN),
        "connection.connectionTimeout",
        "NaN",
        "finite");
    assertInvalid(
        () -> new ConnectionConfig().setConnectionTimeout(Duration.ZERO),
        "connection.connectionTimeout",
        "PT0S",
        "> 0");
    assertInvalid(
        () -> new ConnectionConfig().setConnectionTimeout(1e12),
        "connection.connectionTimeout",
        "1.0E12",
        "at most");
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().put("connectionTimeout", true)),
        "connection.connectionTimeout",
        "true",
        "must be a number");
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().putNull("connectionTimeout")),
        "connection.connectionTimeout",
        "null",
        "must be a number");
  }

  @Test
  void strategyMustBeKnown() {
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().put("loadBalancingStrategy", "random")),
        "connection.loadBalancingStrategy",
        "\"random\"",
        "round_robin, least_loaded, best, lowest_latency, latency_based, health_based, least_busy");
    assertInvalid(
        () -> new ConnectionConfig().setLoadBalancingStrategy("ROUND_ROBIN"),
        "connection.loadBalancingStrategy",
        "ROUND_ROBIN",
        "must be one of");
    assertInvalid(
        () -> new ConnectionConfig().setLoadBalancingStrategy((LoadBalancingStrategy) null),
        "connection.loadBalancingStrategy",
        "null");
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().put("loadBalancingStrategy", 1)),
        "connection.loadBalancingStrategy",
        "1",
        "must be a string");
  }

  @Test
  void strategyNamesAreLowerSnake() {
    for (LoadBalancingStrategy s : LoadBalancingStrategy.values()) {
      assertEquals(s.name().toLowerCase(java.util.Locale.ROOT), s.jsonName());
      assertEquals(s, LoadBalancingStrategy.parse(s.jsonName()));
    }
  }

  @Test
  void unknownKeyIsRejectedByName() {
    assertInvalid(
        () -> new ConnectionConfig(new JsonObject().put("maxConnectionPerPeer", 2)),
        "connection.maxConnectionPerPeer",
        "unknown",
        "maxConnectionsPerPeer");
  }

  /** A timer fires no sooner than 1 ms: a shorter timeout would fail every dial at once. */
  @Test
  void aConnectionTimeoutUnderOneMillisecondIsRefused() {
    assertInvalid(() -> new ConnectionConfig().setConnectionTimeout(0.0005),
        "connection.connectionTimeout", "5.0E-4", "at least 0.001 seconds");
    assertInvalid(() -> new ConnectionConfig().setConnectionTimeout(Duration.ofNanos(999_999)),
        "connection.connectionTimeout", "at least 0.001 seconds");
    assertInvalid(() -> new ConnectionConfig(new JsonObject().put("connectionTimeout", 0.0001)),
        "connection.connectionTimeout", "at least 0.001 seconds");
    assertEquals(Duration.ofMillis(1),
        new ConnectionConfig().setConnectionTimeout(0.001).getConnectionTimeoutDuration());
  }

  @Test
  void hedgingIsOffByDefaultAndAbsentFromTheJson() {
    ConnectionConfig c = new ConnectionConfig();
    assertNull(c.getHedgeDelay());
    assertNull(c.getHedgeDelaySeconds());
    assertFalse(c.toJson().containsKey("hedgeDelay"));
    assertEquals(c, new ConnectionConfig(new JsonObject().putNull("hedgeDelay")));
    assertNull(new ConnectionConfig(new JsonObject().putNull("hedgeDelay")).getHedgeDelay());
  }

  @Test
  void hedgeDelayIsSecondsAndRoundTrips() {
    ConnectionConfig c = new ConnectionConfig(new JsonObject().put("hedgeDelay", 0.2));
    assertEquals(Duration.ofMillis(200), c.getHedgeDelay());
    assertEquals(0.2, c.getHedgeDelaySeconds());
    assertEquals(0.2, c.toJson().getDouble("hedgeDelay"));
    assertEquals(c, new ConnectionConfig(c.toJson()));
    assertEquals(c.hashCode(), new ConnectionConfig(c.toJson()).hashCode());
    ConnectionConfig copy = new ConnectionConfig(c);
    assertEquals(c, copy);
    copy.setHedgeDelay((Duration) null);
    assertNull(copy.getHedgeDelay());
    assertEquals(Duration.ofMillis(200), c.getHedgeDelay());
    assertNotEquals(c, copy);
    assertEquals(Duration.ofSeconds(2),
        new ConnectionConfig(new JsonObject().put("hedgeDelay", 2)).getHedgeDelay());
    assertEquals(1.5, new ConnectionConfig().setHedgeDelay(Duration.ofMillis(1500))
        .getHedgeDelaySeconds());
    assertEquals(Duration.ofMillis(50), new ConnectionConfig().setHedgeDelay(0.05).getHedgeDelay());
  }

  @Test
  void hedgeDelayMustBePositiveFiniteAndANumber() {
    assertInvalid(() -> new ConnectionConfig().setHedgeDelay(0.0),
        "connection.hedgeDelay", "0.0", "> 0");
    assertInvalid(() -> new ConnectionConfig().setHedgeDelay(-0.5),
        "connection.hedgeDelay", "-0.5", "> 0");
    assertInvalid(() -> new ConnectionConfig().setHedgeDelay(Double.POSITIVE_INFINITY),
        "connection.hedgeDelay", "Infinity", "finite");
    assertInvalid(() -> new ConnectionConfig().setHedgeDelay(Double.NaN),
        "connection.hedgeDelay", "NaN", "finite");
    assertInvalid(() -> new ConnectionConfig().setHedgeDelay(Duration.ZERO),
        "connection.hedgeDelay", "PT0S", "> 0");
    assertInvalid(() -> new ConnectionConfig().setHedgeDelay(Duration.ofMillis(-1)),
        "connection.hedgeDelay", "> 0");
    assertInvalid(() -> new ConnectionConfig().setHedgeDelay(0.0001),
        "connection.hedgeDelay", "at least 0.001 seconds");
    assertInvalid(() -> new ConnectionConfig(new JsonObject().put("hedgeDelay", 0)),
        "connection.hedgeDelay", "0", "> 0");
    assertInvalid(() -> new ConnectionConfig(new JsonObject().put("hedgeDelay", "0.2")),
        "connection.hedgeDelay", "\"0.2\" (a string)", "must be a number of seconds or null");
    assertInvalid(() -> new ConnectionConfig(new JsonObject().put("hedgeDelay", false)),
        "connection.hedgeDelay", "false", "must be a number of seconds or null");
  }
}
