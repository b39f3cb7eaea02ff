package dev.vertxp2p;

import static dev.vertxp2p.ConfigAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwarmOptionsTest {

  /** The configuration block of CONTRACT.md, verbatim. */
  static final String CONTRACT_DEFAULTS =
      "{\n"
          + "  \"identity\": { \"keyFile\": null },\n"
          + "  \"listen\": [\"/ip4/127.0.0.1/tcp/4001\"],\n"
          + "  \"connection\": { \"maxConnectionsPerPeer\": 3, \"connectionTimeout\": 30.0,\n"
          + "                  \"loadBalancingStrategy\": \"round_robin\" },\n"
          + "  \"retry\": { \"maxRetries\": 3, \"initialDelay\": 0.1, \"maxDelay\": 30.0,\n"
          + "             \"backoffMultiplier\": 2.0, \"jitterFactor\": 0.1 },\n"
          + "  \"services\": { \"ping\": true, \"identify\": true, \"echo\": false, \"perf\": false },\n"
          + "  \"http\": { \"enabled\": true, \"host\": \"127.0.0.1\", \"port\": 8080, \"token\": null }\n"
          + "}";

  /** This project's extensions of the contract's config, as README.md documents their defaults. */
  static final String EXTENSION_DEFAULTS =
      "{\n"
          + "  \"transport\": { \"muxers\": [\"/yamux/1.0.0\", \"/mplex/6.7.0\"],\n"
          + "                 \"security\": [\"/noise\", \"/tls/1.0.0\"],\n"
          + "                 \"handshakeTimeout\": 10.0, \"streamNegotiationTimeout\": 10.0,\n"
          + "                 \"keepAliveInterval\": 30.0, \"keepAliveTimeout\": 10.0,\n"
          + "                 \"shutdownGracePeriod\": 5.0, \"spreadEventLoops\": true },\n"
          + "  \"limits\": { \"maxConnections\": 1024, \"maxPendingInbound\": 64,\n"
          + "              \"evictPendingAfter\": 1.0, \"maxStreamsInbound\": 512,\n"
          + "              \"maxStreamsOutbound\": 512, \"yamuxStreamWindow\": 262144,\n"
          + "              \"yamuxMaxStreamWindow\": 16777216, \"mplexStreamBuffer\": 4194304,\n"
          + "              \"maxBufferedBytesPerConnection\": 33554432,\n"
          + "              \"maxBufferedBytes\": 268435456, \"maxParallelDials\": 100,\n"
          + "              \"maxParallelDialsPerPeer\": 8 },\n"
          + "  \"connectionManager\": { \"enabled\": true, \"lowWater\": 160, \"highWater\": 192,\n"
          + "                         \"gracePeriod\": 60.0, \"checkInterval\": 10.0 }\n"
          + "}";

  @Test
  void defaultsMatchTheContractBlock() {
    JsonObject contract = new JsonObject(CONTRACT_DEFAULTS);
    SwarmOptions defaults = new SwarmOptions();
    JsonObject json = defaults.toJson();
    // `health` is the contract's "Connection health and kept peers" block (HealthOptionsTest).
    assertEquals(new JsonObject(HealthOptionsTest.CONTRACT_HEALTH), json.remove("health"));
    // `transport`, `limits` and `connectionManager` are this project's extensions of the
    // contract's config, each against the literal defaults README.md documents; the rest is the
    // contract.
    // The contract's "Dial policy, gating, per-IP limits" block adds `gating` and keys of
    // `limits` and `retry` (GatingOptionsTest).
    JsonObject gatingBlock = new JsonObject(GatingOptionsTest.CONTRACT_GATING);
    assertEquals(gatingBlock.getJsonObject("gating"), json.remove("gating"));
    for (String section : List.of("limits", "retry")) {
      for (String key : gatingBlock.getJsonObject(section).fieldNames()) {
        assertEquals(gatingBlock.getJsonObject(section).getValue(key),
            json.getJsonObject(section).remove(key), section + "." + key);
      }
    }
    JsonObject extensions = new JsonObject(EXTENSION_DEFAULTS);
    for (String section : List.of("transport", "limits", "connectionManager")) {
      assertEquals(extensions.getJsonObject(section), json.remove(section), section);
    }
    // `http.allowedHosts` extends the contract's http section too (README documents it).
    assertEquals(new JsonArray(), json.getJsonObject("http").remove("allowedHosts"));
    // `cluster` is the contract's "Cluster" block (ClusterOptionsTest).
    assertEquals(new JsonObject(ClusterOptionsTest.CONTRACT_CLUSTER).getJsonObject("cluster"),
        json.remove("cluster"));
    // `keep` comes from the contract's "Connection health and kept peers" section: none by default.
    assertEquals(new JsonArray(), json.remove("keep"));
    assertEquals(contract, json);
    assertEquals(defaults, SwarmOptions.fromJson(contract));
    assertEquals(defaults, SwarmOptions.fromJson(new JsonObject()));
    assertNull(defaults.getIdentityKeyFile());
    assertEquals(List.of("/ip4/127.0.0.1/tcp/4001"), defaults.getListen());
    ServicesOptions s = defaults.getServices();
    assertTrue(s.isPing());
    assertTrue(s.isIdentify());
    assertFalse(s.isEcho());
    assertFalse(s.isPerf());
    HttpOptions h = defaults.getHttp();
    assertTrue(h.isEnabled());
    assertEquals("127.0.0.1", h.getHost());
    assertEquals(8080, h.getPort());
    assertNull(h.getToken());
  }

  @Test
  void fullConfigRoundTrips() {
    JsonObject json =
        new JsonObject()
            .put("identity", new JsonObject().put("keyFile", "conf/identity.key"))
            .put("listen", new JsonArray().add("/ip4/0.0.0.0/tcp/0").add("/ip6/::1/tcp/0"))
            .put(
                "connection",
                new JsonObject().put("maxConnectionsPerPeer", 8).put("connectionTimeout", 5))
            .put("retry", new JsonObject().put("maxRetries", 1))
            .put("services", new JsonObject().put("echo", true).put("perf", true))
            .put("http", new JsonObject().put("port", 0).put("token", "s3cret"));
    SwarmOptions o = SwarmOptions.fromJson(json);
    assertEquals("conf/identity.key", o.getIdentityKeyFile());
    assertEquals(List.of("/ip4/0.0.0.0/tcp/0", "/ip6/::1/tcp/0"), o.getListen());
    assertEquals(8, o.getConnection().getMaxConnectionsPerPeer());
    assertEquals(5.0, o.getConnection().getConnectionTimeout());
    assertEquals(1, o.getRetry().getMaxRetries());
    assertTrue(o.getServices().isEcho());
    assertEquals(0, o.getHttp().getPort());
    assertEquals("s3cret", o.getHttp().getToken());
    assertEquals(o, SwarmOptions.fromJson(o.toJson()));
    SwarmOptions copy = new SwarmOptions(o);
    assertEquals(o, copy);
    assertNotSame(o.getRetry(), copy.getRetry());
    copy.getRetry().setMaxRetries(9);
    assertEquals(1, o.getRetry().getMaxRetries());
  }

  @Test
  void publicJsonAndToStringHideTheToken() {
    SwarmOptions o = new SwarmOptions();
    o.getHttp().setToken("s3cret");
    assertEquals("***", o.toPublicJson().getJsonObject("http").getString("token"));
    assertEquals("s3cret", o.toJson().getJsonObject("http").getString("token"));
    assertFalse(o.toString().contains("s3cret"));
    assertFalse(o.getHttp().toString().contains("s3cret"));
    assertNull(new SwarmOptions().toPublicJson().getJsonObject("http").getString("token"));
  }

  @Test
  void unknownKeysAreRejectedAtEveryLevel() {
    assertInvalid(
        () -> SwarmOptions.fromJson(new JsonObject().put("listenAddrs", new JsonArray())),
        "unknown",
        "listenAddrs",
        "listen");
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject().put("identity", new JsonObject().put("key", "x"))),
        "identity.key",
        "unknown");
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject().put("services", new JsonObject().put("pings", true))),
        "services.pings",
        "unknown");
    assertInvalid(
        () ->
            SwarmOptions.fromJson(new JsonObject().put("http", new JsonObject().put("bind", "x"))),
        "http.bind",
        "unknown");
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject().put("retry", new JsonObject().put("maxDelays", 1.0))),
        "retry.maxDelays",
        "unknown");
  }

  @Test
  void nestedValuesNameTheirFullPath() {
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject()
                    .put("connection", new JsonObject().put("maxConnectionsPerPeer", 0))),
        "connection.maxConnectionsPerPeer",
        "0",
        ">= 1");
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject().put("retry", new JsonObject().put("jitterFactor", 2))),
        "retry.jitterFactor",
        "2",
        "[0.0, 1.0]");
    assertInvalid(
        () -> SwarmOptions.fromJson(new JsonObject().put("retry", 3)),
        "retry",
        "3",
        "must be an object");
    assertInvalid(
        () -> SwarmOptions.fromJson(new JsonObject().putNull("connection")),
        "connection",
        "null",
        "must be an object");
  }

  @Test
  void identityKeyFile() {
    assertInvalid(
        () -> new SwarmOptions().setIdentityKeyFile(" "), "identity.keyFile", "non-empty");
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject().put("identity", new JsonObject().put("keyFile", 42))),
        "identity.keyFile",
        "42",
        "string or null");
    assertNull(new SwarmOptions().setIdentityKeyFile("a").setIdentityKeyFile(null).getIdentityKeyFile());
  }

  @Test
  void listenMustBeAnArrayOfMultiaddrStrings() {
    assertInvalid(
        () -> SwarmOptions.fromJson(new JsonObject().put("listen", "/ip4/0.0.0.0/tcp/1")),
        "listen",
        "/ip4/0.0.0.0/tcp/1",
        "array");
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject().put("listen", new JsonArray().add("/ip4/0.0.0.0/tcp/1").add(7))),
        "listen[1]",
        "7",
        "multiaddr");
    assertInvalid(
        () -> new SwarmOptions().setListen(List.of("127.0.0.1:4001")),
        "listen[0]",
        "127.0.0.1:4001",
        "starting with '/'");
    assertInvalid(() -> new SwarmOptions().addListen("x"), "listen[1]", "\"x\"");
    assertEquals(List.of(), SwarmOptions.fromJson(new JsonObject().put("listen", new JsonArray())).getListen());
    SwarmOptions o = new SwarmOptions().addListen("/ip4/0.0.0.0/tcp/0");
    assertEquals(2, o.getListen().size());
    assertThrows(UnsupportedOperationException.class, () -> o.getListen().clear());
  }

  @Test
  void servicesMustBeBooleans() {
    assertInvalid(
        () ->
            SwarmOptions.fromJson(
                new JsonObject().put("services", new JsonObject().put("echo", "yes"))),
        "services.echo",
        "\"yes\"",
        "boolean");
  }

  @Test
  void httpValues() {
    assertInvalid(() -> new HttpOptions().setPort(65536), "http.port", "65536", "[0, 65535]");
    assertInvalid(() -> new HttpOptions().setPort(-1), "http.port", "-1", "[0, 65535]");
    assertInvalid(
        () -> new HttpOptions(new JsonObject().put("port", "8080")),
        "http.port",
        "\"8080\"",
        "must be a number");
    assertInvalid(() -> new HttpOptions().setHost(""), "http.host", "non-empty");
    assertInvalid(() -> new HttpOptions().setHost(null), "http.host", "null");
    assertInvalid(() -> new HttpOptions().setToken(""), "http.token", "non-empty string or null");
    assertInvalid(
        () -> new HttpOptions(new JsonObject().put("enabled", 1)), "http.enabled", "1", "boolean");
    assertEquals(0, new HttpOptions().setPort(0).getPort());
  }

  @Test
  void sectionsMayNotBeNull() {
    assertInvalid(() -> new SwarmOptions().setRetry(null), "retry", "null");
    assertInvalid(() -> new SwarmOptions().setConnection(null), "connection", "null");
  }
}
