package dev.vertxp2p.web;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WebSocket tickets: single use, short-lived, bounded in number; time from a fake clock. */
class EventTicketsTest {
  private static final Duration TTL = Duration.ofSeconds(30);

  private Vertx vertx;
  private Context context;
  /** The fake monotonic clock, in nanoseconds; starts near the wrap to check the arithmetic. */
  private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - TTL.toNanos() / 2);

  @BeforeEach
  void setUp() {
    vertx = MetricsRegistries.createVertx(new VertxOptions());
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private <T> T on(Supplier<T> task) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(task.get());
      } catch (RuntimeException | AssertionError e) {
        p.fail(e);
      }
    });
    return await(p.future());
  }

  private Tickets tickets(int max) {
    return new Tickets(new Owner(context, "tickets under test"), now::get, new SecureRandom(),
        TTL, max);
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void aTicketOpensOnceAndIsRandom() {
    Tickets t = tickets(200);
    String first = on(t::issue);
    assertEquals(Tickets.TICKET_BYTES, Base64.getUrlDecoder().decode(first).length);
    assertTrue(on(() -> t.redeem(first)));
    assertFalse(on(() -> t.redeem(first)), "a ticket works once");
    assertFalse(on(() -> t.redeem(null)));
    assertFalse(on(() -> t.redeem("")));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 150; i++) {
      assertTrue(seen.add(on(t::issue)));
    }
    String one = seen.iterator().next();
    assertFalse(on(() -> t.redeem(one.substring(1))));
    assertFalse(on(() -> t.redeem(one + "A")));
    assertTrue(on(() -> t.redeem(one)));
    assertEquals(149, (int) on(t::outstanding));
  }

  @Test
  void aTicketExpiresAfterItsLifetime() {
    Tickets t = tickets(10);
    String early = on(t::issue);
    String late = on(t::issue);
    advance(TTL.minusNanos(1));
    assertTrue(on(() -> t.redeem(early)), "good until the last nanosecond");
    advance(Duration.ofNanos(1));
    assertFalse(on(() -> t.redeem(late)), "expired at its lifetime");
    assertEquals(0, (int) on(t::outstanding));
  }

  @Test
  void outstandingTicketsAreCappedAndExpiredOnesMakeRoom() {
    Tickets t = tickets(3);
    List<String> three = List.of(on(t::issue), on(t::issue), on(t::issue));
    assertNull(on(t::issue), "a fourth while three are outstanding");
    assertTrue(on(() -> t.redeem(three.get(0))));
    assertNotNull(on(t::issue), "a used ticket frees its slot");
    assertNull(on(t::issue));
    advance(TTL);
    assertEquals(0, (int) on(t::outstanding));
    assertNotNull(on(t::issue), "expired tickets free theirs");
  }

  @Test
  void ticketsAreOwnedByOneContext() {
    Tickets t = tickets(3);
    assertThrows(Owner.ConfinementError.class, t::issue);
    assertThrows(Owner.ConfinementError.class, () -> t.redeem("x"));
    assertEquals(2, Owner.drainViolations().size());
  }

  @Test
  void theDashboardExpiresTicketsByItsClockAndCapsThem() {
    deploy(vertx, config("swarm"));
    JsonObject conf = config("swarm");
    conf.getJsonObject("http").put("enabled", true).put("port", 0).put("token", "t0ken");
    DashboardVerticle dash = new DashboardVerticle(now::get);
    await(vertx.deployVerticle(dash, new DeploymentOptions().setConfig(conf)));
    int port = dash.actualPort();
    WebClient c = WebClient.create(vertx);
    WebSocketClient ws = vertx.createWebSocketClient();
    Supplier<HttpResponse<Buffer>> ask = () -> await(c.post(port, "127.0.0.1",
        "/api/events/ticket").bearerTokenAuthentication("t0ken").send());

    String stale = ask.get().bodyAsJsonObject().getString("ticket");
    String fresh = ask.get().bodyAsJsonObject().getString("ticket");
    advance(TTL.minusSeconds(1));
    await(ws.connect(port, "127.0.0.1", "/api/events?ticket=" + fresh)).close();
    advance(Duration.ofSeconds(1));
    Throwable t = failure(ws.connect(port, "127.0.0.1", "/api/events?ticket=" + stale));
    assertEquals(401, assertInstanceOf(UpgradeRejectedException.class, t).getStatus());

    for (int i = 0; i < DashboardVerticle.MAX_OUTSTANDING_TICKETS; i++) {
      assertEquals(200, ask.get().statusCode());
    }
    HttpResponse<Buffer> refused = ask.get();
    assertEquals(429, refused.statusCode(), refused.bodyAsString());
    assertEquals(429, refused.bodyAsJsonObject().getInteger("code"));
    assertTrue(refused.bodyAsJsonObject().getString("error")
        .contains(DashboardVerticle.MAX_OUTSTANDING_TICKETS + " WebSocket tickets"),
        refused.bodyAsString());
    advance(TTL);
    assertEquals(200, ask.get().statusCode(), "expired tickets make room");
  }
}
