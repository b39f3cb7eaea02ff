package dev.vertxp2p;

import static dev.vertxp2p.ConfigAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryConfigTest {

  @Test
  void defaultsAreTheSeeds() {
    RetryConfig r = new RetryConfig();
    assertEquals(3, r.getMaxRetries());
    assertEquals(4, r.attemptsPerAddress());
    assertEquals(0.1, r.getInitialDelay());
    assertEquals(Duration.ofMillis(100), r.getInitialDelayDuration());
    assertEquals(30.0, r.getMaxDelay());
    assertEquals(Duration.ofSeconds(30), r.getMaxDelayDuration());
    assertEquals(2.0, r.getBackoffMultiplier());
    assertEquals(0.1, r.getJitterFactor());
    assertEquals(
        new JsonObject(
            "{\"maxRetries\":3,\"initialDelay\":0.1,\"maxDelay\":30.0,"
                + "\"backoffMultiplier\":2.0,\"jitterFactor\":0.1,"
                + "\"addressBackoff\":5.0,\"maxAddressBackoff\":300.0}"),
        r.toJson());
    assertEquals(r, new RetryConfig(new JsonObject()));
  }

  @Test
  void jsonRoundTripAndCopy() {
    RetryConfig r =
        new RetryConfig(
            new JsonObject()
                .put("maxRetries", 0)
                .put("initialDelay", 60)
                .put("maxDelay", 120.0)
                .put("backoffMultiplier", 1.0)
                .put("jitterFactor", 0.0));
    assertEquals(0, r.getMaxRetries());
    assertEquals(1, r.attemptsPerAddress());
    assertEquals(60.0, r.getInitialDelay());
    assertEquals(r, new RetryConfig(r.toJson()));
    assertEquals(r, new RetryConfig(r));
  }

  @Test
  void maxRetriesMustBeNonNegativeInteger() {
    assertInvalid(() -> new RetryConfig().setMaxRetries(-1), "retry.maxRetries", "-1", ">= 0");
    assertInvalid(
        () -> new RetryConfig(new JsonObject().put("maxRetries", 1.5)),
        "retry.maxRetries",
        "1.5",
        "integer");
    assertInvalid(
        () -> new RetryConfig(new JsonObject().put("maxRetries", 10_000_000_000L)),
        "retry.maxRetries",
        "10000000000",
        "at most 2147483647");
    assertInvalid(
        () -> new RetryConfig(new JsonObject().put("maxRetries", "three")),
        "retry.maxRetries",
        "\"three\"",
        "must be a number");
  }

  @Test
  void delaysMustBePositive() {
    assertInvalid(
        () -> new RetryConfig().setInitialDelay(0.0), "retry.initialDelay", "0.0", "> 0");
    assertInvalid(() -> new RetryConfig().setMaxDelay(-3.0), "retry.maxDelay", "-3.0", "> 0");
    assertInvalid(
        () -> new RetryConfig().setMaxDelay(Double.POSITIVE_INFINITY),
        "retry.maxDelay",
        "Infinity",
        "finite");
    assertInvalid(
        () -> new RetryConfig().setInitialDelay(Duration.ofSeconds(-1)),
        "retry.initialDelay",
        "PT-1S",
        "> 0");
    assertInvalid(
        () -> new RetryConfig(new JsonObject().put("initialDelay", "0.1")),
        "retry.initialDelay",
        "\"0.1\"",
        "must be a number");
  }

  @Test
  void initialDelayMustNotExceedMaxDelay() {
    assertInvalid(
        () -> new RetryConfig().setInitialDelay(31.0),
        "retry.initialDelay",
        "31.0",
        "<= retry.maxDelay",
        "30.0");
    assertInvalid(
        () -> new RetryConfig().setMaxDelay(0.05),
        "retry.initialDelay",
        "0.1",
        "<= retry.maxDelay",
        "0.05");
    assertInvalid(
        () -> new RetryConfig(new JsonObject().put("initialDelay", 5.0).put("maxDelay", 1.0)),
        "retry.initialDelay",
        "5.0",
        "<= retry.maxDelay",
        "1.0");
    // Both at once may move past each other's old values.
    RetryConfig r = new RetryConfig().setDelays(40.0, 50.0);
    assertEquals(40.0, r.getInitialDelay());
    assertEquals(50.0, r.getMaxDelay());
    // In JSON the order of the two keys does not matter.
    RetryConfig j =
        new RetryConfig(new JsonObject().put("initialDelay", 40.0).put("maxDelay", 50.0));
    assertEquals(r, j);
    // A rejected setter leaves the object as it was.
    assertInvalid(() -> r.setInitialDelay(51.0), "retry.initialDelay");
    assertEquals(40.0, r.getInitialDelay());
  }

  @Test
  void backoffMultiplierMustBeAtLeastOne() {
    assertInvalid(
        () -> new RetryConfig().setBackoffMultiplier(0.5),
        "retry.backoffMultiplier",
        "0.5",
        ">= 1.0");
    assertInvalid(
        () -> new RetryConfig().setBackoffMultiplier(Double.NaN),
        "retry.backoffMultiplier",
        "NaN");
  }

  @Test
  void jitterFactorMustBeInUnitInterval() {
    assertInvalid(
        () -> new RetryConfig().setJitterFactor(1.5),
        "retry.jitterFactor",
        "1.5",
        "[0.0, 1.0]");
    assertInvalid(
        () -> new RetryConfig().setJitterFactor(-0.1),
        "retry.jitterFactor",
        "-0.1",
        "[0.0, 1.0]");
    assertInvalid(
        () -> new RetryConfig().setJitterFactor(Double.NaN), "retry.jitterFactor", "NaN");
    assertEquals(1.0, new RetryConfig().setJitterFactor(1.0).getJitterFactor());
  }

  @Test
  void addressBackoffsHaveTheContractsDefaultsAndRoundTrip() {
    RetryConfig d = new RetryConfig();
    assertEquals(RetryConfig.DEFAULT_ADDRESS_BACKOFF, d.getAddressBackoff());
    assertEquals(Duration.ofSeconds(5), d.getAddressBackoffDuration());
    assertEquals(Duration.ofSeconds(300), d.getMaxAddressBackoffDuration());
    RetryConfig r = new RetryConfig(new JsonObject().put("addressBackoff", 0.5)
        .put("maxAddressBackoff", 60));
    assertEquals(0.5, r.getAddressBackoff());
    assertEquals(60.0, r.getMaxAddressBackoff());
    assertEquals(r, new RetryConfig(r.toJson()));
    assertEquals(r, new RetryConfig(r));
    assertEquals(r.hashCode(), new RetryConfig(r).hashCode());
    // Order in the file is free, and both may move past each other's old value.
    assertEquals(400.0, new RetryConfig(new JsonObject().put("addressBackoff", 400)
        .put("maxAddressBackoff", 500)).getAddressBackoff());
    assertEquals(1.0, new RetryConfig().setAddressBackoffs(1, 2).getAddressBackoff());
  }

  @Test
  void addressBackoffsAreChecked() {
    assertInvalid(() -> new RetryConfig().setAddressBackoff(0), "retry.addressBackoff", "0");
    assertInvalid(() -> new RetryConfig().setAddressBackoff(0.0001), "retry.addressBackoff",
        "0.001");
    assertInvalid(() -> new RetryConfig().setAddressBackoff(Double.NaN), "retry.addressBackoff");
    assertInvalid(() -> new RetryConfig().setAddressBackoff(301), "retry.addressBackoff",
        "retry.maxAddressBackoff (300.0)");
    assertInvalid(() -> new RetryConfig().setMaxAddressBackoff(4), "retry.addressBackoff",
        "retry.maxAddressBackoff (4.0)");
    assertInvalid(() -> new RetryConfig().setMaxAddressBackoff(2e9), "retry.maxAddressBackoff");
    assertInvalid(() -> new RetryConfig(new JsonObject().put("addressBackoff", "5")),
        "retry.addressBackoff", "number");
    assertInvalid(() -> new RetryConfig(new JsonObject().put("adressBackoff", 5)),
        "retry.adressBackoff");
  }

  @Test
  void unknownKeyIsRejectedByName() {
    assertInvalid(
        () -> new RetryConfig(new JsonObject().put("max_retries", 2).put("jitter", 0.2)),
        "retry.jitter",
        "retry.max_retries",
        "unknown",
        "maxRetries");
  }
}
