package dev.vertxp2p.gating;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.gating.Refusal.Scope;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpLimiterTest {
  private static final long S = 1_000_000_000L;
  private static final List<Cidr> LOOPBACK = List.of(Cidr.parse("127.0.0.0/8"),
      Cidr.parse("::1/128"));

  private static byte[] v4(String s) {
    return IpText.parseIp4(s);
  }

  private static IpLimiter limiter(int maxConn, int maxPending, double rate, int burst) {
    return new IpLimiter(maxConn, maxPending, rate, burst, LOOPBACK);
  }

  @Test
  void connectionsPerIpCountOpenAndPending() {
    IpLimiter l = limiter(4, 8, 1000, 1000);
    byte[] ip = v4("10.0.0.5");
    for (int i = 0; i < 4; i++) {
      assertNull(l.tryAdmit(ip, 0));
    }
    l.established(ip);
    l.established(ip);
    Refusal r = l.tryAdmit(ip, 0);
    assertEquals(Scope.IP, r.scope());
    assertEquals(4, r.limit());
    assertEquals(4, r.current());
    assertEquals("maxConnectionsPerIp (4) reached for 10.0.0.5: 4 open or in the upgrade",
        r.message());
    l.established(ip);
    l.established(ip);
    assertEquals("maxConnectionsPerIp (4) reached for 10.0.0.5: 4 open",
        l.tryAdmit(ip, 0).message());
    // Another address is counted apart.
    assertNull(l.tryAdmit(v4("10.0.0.6"), 0));
    l.closed(ip);
    assertNull(l.tryAdmit(ip, 0));
    assertEquals(3, l.open(ip));
    assertEquals(1, l.pending(ip));
  }

  @Test
  void pendingPerIpIsItsOwnLimit() {
    IpLimiter l = limiter(16, 2, 1000, 1000);
    byte[] ip = v4("10.0.0.5");
    assertNull(l.tryAdmit(ip, 0));
    assertNull(l.tryAdmit(ip, 0));
    Refusal r = l.tryAdmit(ip, 0);
    assertEquals(new JsonObject().put("scope", "pending").put("limit", 2L).put("current", 2L),
        r.toJson());
    l.failed(ip);
    assertNull(l.tryAdmit(ip, 0));
  }

  @Test
  void ipv6SourcesShareTheirSlash56() {
    IpLimiter l = limiter(2, 8, 1000, 1000);
    assertNull(l.tryAdmit(IpText.parseIp6("2001:db8:0:1::1"), 0));
    assertNull(l.tryAdmit(IpText.parseIp6("2001:db8:0:2::2"), 0));
    Refusal r = l.tryAdmit(IpText.parseIp6("2001:db8:0:ff::3"), 0);
    assertEquals(Scope.IP, r.scope());
    assertEquals("maxConnectionsPerIp (2) reached for 2001:db8::/56: 2 open or in the upgrade",
        r.message());
    assertNull(l.tryAdmit(IpText.parseIp6("2001:db8:0:100::1"), 0));
  }

  @Test
  void tokenBucketRefusesBeyondTheBurstAndRefillsAtTheRate() {
    IpLimiter l = limiter(1000, 1000, 5.0, 3);
    byte[] ip = v4("10.0.0.5");
    for (int i = 0; i < 3; i++) {
      assertNull(l.tryAdmit(ip, 0));
    }
    Refusal r = l.tryAdmit(ip, 0);
    assertEquals(Scope.RATE, r.scope());
    assertEquals(3, r.limit());
    // 0.1 s gives half a token: still refused; 0.2 s gives one.
    assertNotNull(l.tryAdmit(ip, S / 10));
    assertNull(l.tryAdmit(ip, S / 5));
    assertNotNull(l.tryAdmit(ip, S / 5));
    // A long pause refills to the burst, no more.
    assertEquals(3.0, l.tokens(ip, 100 * S));
    for (int i = 0; i < 3; i++) {
      assertNull(l.tryAdmit(ip, 100 * S));
    }
    assertNotNull(l.tryAdmit(ip, 100 * S));
  }

  @Test
  void anAttemptRefusedByACountStillSpendsAToken() {
    IpLimiter l = limiter(1, 1, 1.0, 3);
    byte[] ip = v4("10.0.0.5");
    assertNull(l.tryAdmit(ip, 0));
    assertEquals(Scope.IP, l.tryAdmit(ip, 0).scope());
    assertEquals(Scope.IP, l.tryAdmit(ip, 0).scope());
    assertEquals(Scope.RATE, l.tryAdmit(ip, 0).scope());
  }

  @Test
  void exemptSourcesBypassEverythingAndAreNotCounted() {
    IpLimiter l = limiter(1, 1, 0.001, 1);
    byte[] lo = v4("127.0.0.5");
    for (int i = 0; i < 100; i++) {
      assertNull(l.tryAdmit(lo, 0));
      assertNull(l.tryAdmit(IpText.parseIp6("::1"), 0));
      assertNull(l.tryAdmit(IpText.parseIp6("::ffff:127.0.0.1"), 0));
    }
    l.established(lo);
    l.closed(lo);
    l.failed(lo);
    assertEquals(0, l.sources());
    assertFalse(l.tracks(lo));
    assertEquals(0, l.open(lo));
    // ::2 is not exempt.
    assertNull(l.tryAdmit(IpText.parseIp6("::2"), 0));
    assertNotNull(l.tryAdmit(IpText.parseIp6("::2"), 0));
  }

  @Test
  void wrongTransitionsThrowAndChangeNothing() {
    IpLimiter l = limiter(4, 4, 100, 100);
    byte[] ip = v4("10.0.0.5");
    assertThrows(IllegalStateException.class, () -> l.established(ip));
    assertThrows(IllegalStateException.class, () -> l.failed(ip));
    assertThrows(IllegalStateException.class, () -> l.closed(ip));
    assertNull(l.tryAdmit(ip, 0));
    assertThrows(IllegalStateException.class, () -> l.closed(ip));
    assertEquals(1, l.pending(ip));
    assertEquals(0, l.open(ip));
    assertThrows(IllegalArgumentException.class, () -> l.tryAdmit(new byte[3], 0));
  }

  @Test
  void theTableIsBoundedAndDropsOnlyIdleRefilledSources() {
    IpLimiter l = new IpLimiter(4, 4, 1.0, 2, List.of(), 2);
    byte[] a = v4("10.0.0.1");
    byte[] b = v4("10.0.0.2");
    byte[] c = v4("10.0.0.3");
    assertNull(l.tryAdmit(a, 0));
    assertNull(l.tryAdmit(b, 0));
    // Both busy: a third source is refused, scope system.
    Refusal r = l.tryAdmit(c, 0);
    assertEquals(Scope.SYSTEM, r.scope());
    assertEquals(2, r.limit());
    assertEquals(2, r.current());
    // a idle but its bucket not refilled (1 of 2 tokens): still kept, still refused.
    l.failed(a);
    assertEquals(Scope.SYSTEM, l.tryAdmit(c, S / 2).scope());
    // After a second a's bucket is full again: a is dropped, c admitted.
    assertNull(l.tryAdmit(c, S));
    assertEquals(2, l.sources());
    assertEquals(0, l.pending(a));
    assertEquals(1, l.pending(c));
    assertEquals(1, l.pending(b));
  }

  @Test
  void theLongestIdleSourceIsDroppedFirst() {
    IpLimiter l = new IpLimiter(4, 4, 1.0, 1, List.of(), 2);
    byte[] a = v4("10.0.0.1");
    byte[] b = v4("10.0.0.2");
    assertNull(l.tryAdmit(a, 0));
    assertNull(l.tryAdmit(b, 0));
    l.failed(b);
    l.failed(a);
    // Both refilled by now; b went idle first, so b goes.
    assertNull(l.tryAdmit(v4("10.0.0.3"), 10 * S));
    assertEquals(2, l.sources());
    assertTrue(l.tracks(a));
    assertFalse(l.tracks(b));
    // Admitted again, a is busy and moves out of the idle order: the next newcomer finds none.
    assertNull(l.tryAdmit(a, 20 * S));
    assertEquals(Scope.SYSTEM, l.tryAdmit(b, 20 * S).scope());
  }

  @Test
  void toJsonShowsLimitsAndTheBusiestSources() {
    IpLimiter l = limiter(16, 8, 5.0, 16);
    byte[] a = v4("10.0.0.5");
    for (int i = 0; i < 3; i++) {
      assertNull(l.tryAdmit(a, 0));
    }
    l.established(a);
    assertNull(l.tryAdmit(v4("10.0.0.6"), 0));
    JsonObject j = l.toJson(0);
    assertEquals(16, j.getInteger("maxConnectionsPerIp"));
    assertEquals(8, j.getInteger("maxPendingInboundPerIp"));
    assertEquals(5.0, j.getDouble("inboundRatePerIp"));
    assertEquals(16, j.getInteger("inboundBurstPerIp"));
    assertEquals(new JsonArray().add("127.0.0.0/8").add("::1/128"), j.getJsonArray("exemptAddrs"));
    assertEquals(new JsonObject().put("limit", 16L).put("current", 3L).put("source", "10.0.0.5"),
        j.getJsonObject("ip"));
    assertEquals(new JsonObject().put("limit", 8L).put("current", 2L).put("source", "10.0.0.5"),
        j.getJsonObject("pending"));
    assertEquals(3L, j.getJsonObject("rate").getLong("current"));
    assertEquals(0, j.getJsonObject("rate").getInteger("limitedSources"));
    assertEquals(new JsonObject().put("limit", IpLimiter.DEFAULT_MAX_SOURCES).put("current", 2),
        j.getJsonObject("sources"));
    assertEquals(1L, j.getLong("open"));
    assertEquals(3L, j.getLong("inUpgrade"));
    // Refilled a second later: 5 tokens back.
    assertEquals(0L, l.toJson(S).getJsonObject("rate").getLong("current"));
  }

  @Test
  void configurationIsChecked() {
    assertThrows(IllegalArgumentException.class, () -> limiter(0, 1, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> limiter(1, 0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> limiter(1, 1, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> limiter(1, 1, Double.NaN, 1));
    assertThrows(IllegalArgumentException.class, () -> limiter(1, 1, 1, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new IpLimiter(1, 1, 1, 1, List.of(), 0));
  }
}
