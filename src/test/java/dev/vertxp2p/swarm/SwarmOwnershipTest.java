package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A swarm's state lives on the context it was created on, and its events arrive there. A worker
 * context as the owner makes any slip deterministic: no event loop (where listeners, dials and
 * connections complete) is ever that context.
 */
class SwarmOwnershipTest extends SwarmFixture {

  private static <T> T on(Context ctx, java.util.function.Supplier<T> task) {
    Promise<T> p = Promise.promise();
    ctx.runOnContext(v -> p.complete(task.get()));
    return await(p.future());
  }

  private static boolean isOn(Context owner) {
    Context current = Vertx.currentContext();
    return current != null
        && ((ContextInternal) current).unwrap() == ((ContextInternal) owner).unwrap();
  }

  /**
   * The connection manager's periodic check trims on the owner: its {@code connection.trimmed}
   * events (and every other event) are published there, though the listeners that the check is
   * started after complete on other loops.
   */
  @Test
  void periodicTrimmingRunsOnTheOwnerContext() {
    Context worker = ((VertxInternal) vertx).createWorkerContext();
    SwarmOptions o = loopbackOptions();
    o.getConnection().setMaxConnectionsPerPeer(4);
    o.getServices().setIdentify(false);
    // Nothing is trimmed when a connection opens (all are in their grace period), only by the
    // periodic check once the grace period is over.
    o.getConnectionManager().setEnabled(true).setWatermarks(1, 2)
        .setGracePeriod(0.3).setCheckInterval(0.05);
    Swarm a = on(worker, () -> Swarm.create(vertx, o));
    track(a);
    SwarmOptions ob = loopbackOptions();
    ob.getConnection().setMaxConnectionsPerPeer(4);
    Swarm b = started(ob);

    List<String> offOwner = new CopyOnWriteArrayList<>();
    List<SwarmEvent> trimmed = new CopyOnWriteArrayList<>();
    Promise<Void> twoTrimmed = Promise.promise();
    a.eventHandler(e -> {
      if (!isOn(worker)) {
        offOwner.add(e.type() + " on " + Thread.currentThread().getName());
      }
      if (e.type().equals(SwarmEvent.CONNECTION_TRIMMED)) {
        trimmed.add(e);
        if (trimmed.size() == 2) {
          twoTrimmed.tryComplete();
        }
      }
    });
    List<Connection> conns = await(a.dial(b.listenAddrs().get(0),
        new DialOptions().setConnections(4)));
    assertEquals(4, conns.size());
    // 4 connections over highWater 2: whichever leave their grace period first, the checks go on
    // trimming until at most 2 are left.
    await(twoTrimmed.future());

    assertEquals(List.of(), offOwner, "events published off the swarm's context");
  }

  /** Every future of the API answers on the caller's context, and the swarm works from one. */
  @Test
  void aSwarmOwnedByAWorkerContextDialsAndAnswersThere() {
    Context worker = ((VertxInternal) vertx).createWorkerContext();
    SwarmOptions o = loopbackOptions();
    o.getConnection().setMaxConnectionsPerPeer(3);
    o.getServices().setEcho(true);
    Swarm a = on(worker, () -> Swarm.create(vertx, o));
    track(a);
    Swarm b = started(loopbackOptions().setServices(
        new dev.vertxp2p.ServicesOptions().setEcho(true)));
    List<String> offOwner = new CopyOnWriteArrayList<>();
    a.eventHandler(e -> {
      if (!isOn(worker)) {
        offOwner.add(e.type() + " on " + Thread.currentThread().getName());
      }
    });
    Promise<List<Boolean>> answeredOnWorker = Promise.promise();
    worker.runOnContext(v -> {
      List<Boolean> where = new ArrayList<>();
      a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3))
          .compose(list -> {
            where.add(isOn(worker));
            return a.newStream(b.peerId(), "/echo/1.0.0");
          })
          .compose(stream -> {
            where.add(isOn(worker));
            stream.reset();
            return a.ping(b.peerId());
          })
          .onComplete(ar -> {
            where.add(isOn(worker));
            if (ar.failed()) {
              answeredOnWorker.fail(ar.cause());
            } else {
              answeredOnWorker.complete(where);
            }
          });
    });
    assertEquals(List.of(true, true, true), await(answeredOnWorker.future()));
    assertEquals(3, a.getConnections(b.peerId()).size());
    assertTrue(offOwner.isEmpty(), "events published off the swarm's context: " + offOwner);
  }
}
