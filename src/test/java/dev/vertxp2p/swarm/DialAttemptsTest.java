package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A dial's attempt record with a fake clock: bounded, first end wins, errors cut short. */
class DialAttemptsTest {
  private Vertx vertx;
  private Context context;
  private Owner owner;
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    owner = Owner.of(context);
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  /** Runs {@code body} on the owner's context. */
  private <T> T onOwner(java.util.function.Supplier<T> body) {
    return await(Future.<T>future(p -> context.runOnContext(v -> p.complete(body.get()))));
  }

  @Test
  void keepsAtMostTheCapAndCountsTheRest() {
    JsonArray json = onOwner(() -> {
      DialAttempts d = new DialAttempts(owner, now::get);
      for (int i = 1; i <= DialAttempts.MAX_ATTEMPTS + 5; i++) {
        DialAttempts.Attempt a = d.started(Multiaddr.parse("/ip4/127.0.0.1/tcp/" + (1000 + i)), i);
        now.addAndGet(2_000_000);
        d.ended(a, new IOException("refused " + i));
      }
      assertEquals(5, d.dropped());
      return d.toJson();
    });
    assertEquals(DialAttempts.MAX_ATTEMPTS, json.size());
    assertEquals("/ip4/127.0.0.1/tcp/1001", json.getJsonObject(0).getString("addr"));
    assertEquals(2.0, json.getJsonObject(0).getDouble("durationMs"));
    assertEquals(2.0, json.getJsonObject(1).getDouble("startMs"));
    assertEquals("refused 1", json.getJsonObject(0).getString("error"));
  }

  @Test
  void theFirstEndCountsAndLongErrorsAreCut() {
    JsonArray json = onOwner(() -> {
      DialAttempts d = new DialAttempts(owner, now::get);
      DialAttempts.Attempt a = d.started(Multiaddr.parse("/ip4/127.0.0.1/tcp/1"), 1);
      now.addAndGet(5_000_000);
      d.ended(a, "x".repeat(DialAttempts.MAX_ERROR_CHARS * 3));
      now.addAndGet(5_000_000);
      d.ended(a, (Throwable) null); // a late success of an abandoned attempt changes nothing
      DialAttempts.Attempt running = d.started(Multiaddr.parse("/ip4/127.0.0.1/tcp/2"), 1);
      assertTrue(running != null);
      return d.toJson();
    });
    assertEquals(5.0, json.getJsonObject(0).getDouble("durationMs"));
    assertEquals(DialAttempts.MAX_ERROR_CHARS + 1, json.getJsonObject(0).getString("error").length());
    assertNull(json.getJsonObject(1).getValue("durationMs"), "still running");
  }
}
