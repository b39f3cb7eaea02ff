package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.gating.Refusal.Scope;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RefusalTest {

  @Test
  void scopesAreTheContractsNames() {
    assertEquals(List.of("peer", "ip", "system", "pending", "streams", "buffer", "rate", "cluster",
            "gating", "backoff"),
        Stream.of(Scope.values()).map(Scope::jsonName).collect(Collectors.toList()));
    for (Scope s : Scope.values()) {
      assertEquals(s, Scope.fromJson(s.jsonName()));
    }
    assertThrows(IllegalArgumentException.class, () -> Scope.fromJson("IP"));
  }

  @Test
  void countRefusalHasExactlyTheContractsKeysAndSaysItInWords() {
    Refusal r = Refusal.count(Scope.IP, "maxConnectionsPerIp", 4, 4, "127.0.0.5", "open");
    assertEquals(new JsonObject().put("scope", "ip").put("limit", 4L).put("current", 4L),
        r.toJson());
    assertEquals("maxConnectionsPerIp (4) reached for 127.0.0.5: 4 open", r.message());
    assertEquals(r.message(), r.toString());
    assertEquals("maxConnections (1024) reached: 1024 open",
        Refusal.count(Scope.SYSTEM, "maxConnections", 1024, 1024, null, "open").message());
    assertThrows(IllegalArgumentException.class,
        () -> Refusal.count(Scope.GATING, "x", 1, 1, null, "open"));
    assertThrows(IllegalArgumentException.class,
        () -> Refusal.count(Scope.PEER, "x", -1, 1, null, "open"));
  }

  @Test
  void gatingAndBackoffShapes() {
    Refusal g = Refusal.gating("denyAddrs 10.0.0.0/8", "/ip4/10.0.0.1/tcp/1");
    assertEquals(new JsonObject().put("scope", "gating").put("rule", "denyAddrs 10.0.0.0/8"),
        g.toJson());
    assertEquals("refused by gating rule denyAddrs 10.0.0.0/8 for /ip4/10.0.0.1/tcp/1",
        g.message());
    Instant until = Instant.parse("2026-12-06T00:10:07.500Z");
    Refusal b = Refusal.backoff(until, "/ip4/10.0.0.7/tcp/4001");
    assertEquals(new JsonObject().put("scope", "backoff").put("until", "2026-12-06T00:10:07.500Z"),
        b.toJson());
    assertEquals("/ip4/10.0.0.7/tcp/4001 is in dial backoff until 2026-12-06T00:10:07.500Z",
        b.message());
  }

  @Test
  void jsonReadsBackToAnEqualRefusal() {
    for (Refusal r : List.of(
        Refusal.count(Scope.STREAMS, "maxStreamsInbound", 512, 512, "conn 7", "open"),
        Refusal.gating("denyPeers 12D3KooWx", null),
        Refusal.backoff(Instant.parse("2026-12-06T00:00:00Z"), "/ip4/1.2.3.4/tcp/1"))) {
      Refusal back = Refusal.fromJson(r.toJson());
      assertEquals(r, back);
      assertEquals(r.hashCode(), back.hashCode());
      assertEquals(r.toJson(), back.toJson());
    }
    assertFalse(Refusal.gating("a", null).equals(Refusal.gating("b", null)));
    assertThrows(IllegalArgumentException.class, () -> Refusal.fromJson(new JsonObject()));
    assertThrows(IllegalArgumentException.class,
        () -> Refusal.fromJson(new JsonObject().put("scope", "ip").put("limit", "x")));
    assertThrows(IllegalArgumentException.class,
        () -> Refusal.fromJson(new JsonObject().put("scope", "backoff").put("until", "soon")));
    assertTrue(Refusal.fromJson(new JsonObject().put("scope", "rate").put("limit", 16)
        .put("current", 16)).message().contains("16"));
  }
}
