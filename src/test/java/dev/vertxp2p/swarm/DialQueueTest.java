package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dial queue: its two limits hold, peers take turns, and a close fails what waits. */
class DialQueueTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();
  private final Owner owner = new Owner(context, "test");

  @AfterEach
  void close() {
    await(vertx.close());
  }

  private <T> T on(Callable<T> body) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(body.call());
      } catch (Exception e) {
        p.fail(e);
      }
    });
    return await(p.future());
  }

  private static PeerId peer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
  }

  /** A started dial: which peer, and the promise the test completes. */
  private record Started(PeerId peer, Promise<String> promise) {}

  @Test
  void atMostMaxPerPeerRunForOnePeerAndMaxParallelInAll() {
    DialQueue q = new DialQueue(owner, 5, 2);
    PeerId a = peer();
    PeerId b = peer();
    PeerId c = peer();
    List<Started> started = new ArrayList<>();
    List<Future<String>> results = on(() -> {
      List<Future<String>> out = new ArrayList<>();
      for (PeerId p : List.of(a, a, a, a, b, b, b, c, c, c)) {
        out.add(q.run(p, () -> {
          Promise<String> pr = Promise.promise();
          started.add(new Started(p, pr));
          return pr.future();
        }));
      }
      return out;
    });
    // 2 of a, 2 of b, 1 of c: five in all, none over two per peer.
    assertEquals(5, started.size());
    assertEquals(2, started.stream().filter(s -> s.peer().equals(a)).count());
    assertEquals(2, started.stream().filter(s -> s.peer().equals(b)).count());
    assertEquals(1, started.stream().filter(s -> s.peer().equals(c)).count());
    JsonObject state = on(q::toJson);
    assertEquals(5, state.getInteger("running"));
    assertEquals(5, state.getInteger("waiting"));

    // One of a's ends: the free place goes to c (whose turn comes before a's third), not a.
    on(() -> started.get(0).promise().tryComplete("a0"));
    assertEquals("a0", await(results.get(0)));
    on(() -> 0); // the queue moved on the owner before this runs
    assertEquals(6, started.size());
    assertEquals(c, started.get(5).peer());

    // Everything finishes in the end, each with its own outcome.
    while (true) {
      List<Started> open = on(() -> started.stream()
          .filter(s -> !s.promise().future().isComplete()).toList());
      if (open.isEmpty()) {
        break;
      }
      for (Started s : open) {
        on(() -> s.promise().tryFail("failed " + s.peer()));
      }
    }
    assertEquals(10, started.size());
    for (int i = 1; i < results.size(); i++) {
      Future<String> f = results.get(i);
      await(f.transform(ar -> Future.succeededFuture()));
      assertTrue(f.failed() && f.cause().getMessage().startsWith("failed "), String.valueOf(f));
    }
    assertEquals(0, (int) on(() -> q.toJson().getInteger("running")));
  }

  @Test
  void failWaitingFailsTheQueuedAndLeavesTheRunning() {
    DialQueue q = new DialQueue(owner, 1, 1);
    PeerId a = peer();
    Promise<String> first = Promise.promise();
    List<Future<String>> fs = on(() -> List.of(
        q.run(a, first::future),
        q.run(a, () -> Future.succeededFuture("never"))));
    on(() -> {
      q.failWaiting(new IllegalStateException("closing"));
      return null;
    });
    assertEquals("closing", await(fs.get(1).transform(ar ->
        Future.succeededFuture(ar.cause().getMessage()))));
    assertTrue(!fs.get(0).isComplete());
    on(() -> first.tryComplete("done"));
    assertEquals("done", await(fs.get(0)));
  }

  @Test
  void limitsBelowOneAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new DialQueue(owner, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new DialQueue(owner, 1, 0));
  }
}
