package dev.vertxp2p.swarm;

import dev.vertxp2p.testing.SwarmFixture;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The connection manager wired into the swarm: trims over highWater, spares protected peers. */
class ConnectionTrimmingTest extends SwarmFixture {

  private Swarm node(int low, int high) {
    SwarmOptions o = loopbackOptions();
    o.getConnection().setMaxConnectionsPerPeer(3);
    o.getTransport().setShutdownGracePeriod(java.time.Duration.ZERO);
    o.getConnectionManager().setWatermarks(low, high).setGracePeriod(0);
    Swarm s = started(o);
    s.handle("/hold/1.0.0", st -> st.handler(b -> { }));
    return s;
  }

  /** Completes when {@code n} events of {@code type} were seen. */
  private static Future<List<SwarmEvent>> events(Swarm swarm, String type, int n) {
    Promise<List<SwarmEvent>> p = Promise.promise();
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    swarm.eventHandler(e -> {
      if (e.type().equals(type)) {
        seen.add(e);
        if (seen.size() == n) {
          p.tryComplete(List.copyOf(seen));
        }
      }
    });
    return p.future();
  }

  @Test
  void overHighWaterIdleConnectionsAreTrimmedAndTheBusyOneStays() {
    Swarm b = node(1, 2);
    Swarm a = node(100, 100);
    Future<List<SwarmEvent>> trimmed = events(b, SwarmEvent.CONNECTION_TRIMMED, 2);
    Future<List<SwarmEvent>> closed = events(b, SwarmEvent.CONNECTION_CLOSED, 2);
    List<Connection> two =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)));
    // Three streams held on the first connection make it the busiest: the new connection may
    // still carry its two identify streams (one each way) when the trim runs, so "busy" must mean
    // more than that.
    Connection busy = two.get(0);
    await(busy.newStream("/hold/1.0.0"));
    await(busy.newStream("/hold/1.0.0"));
    await(busy.newStream("/hold/1.0.0"));
    // The third connection takes b over highWater 2: it trims to lowWater 1.
    await(a.dialPeer(b.peerId(), new DialOptions().setConnections(3)));
    List<SwarmEvent> t = await(trimmed);
    for (SwarmEvent e : t) {
      assertTrue(e.fields().getString("reason").contains("highWater 2"), e.fields().encode());
      assertTrue(e.fields().getJsonObject("connection").getInteger("streams") < 3,
          e.fields().encode());
    }
    await(closed);
    List<Connection> left = b.getConnections(a.peerId());
    assertEquals(1, left.size());
    assertEquals(3, left.get(0).openStreams(), "the busiest connection survived");
  }

  @Test
  void protectedPeersAreNotTrimmed() {
    Swarm b = node(0, 1);
    Swarm a = node(100, 100);
    Swarm c = node(100, 100);
    assertEquals(List.of("keep"), await(b.protect(a.peerId(), "keep")));
    assertTrue(b.isProtected(a.peerId()));
    Future<List<SwarmEvent>> trimmed = events(b, SwarmEvent.CONNECTION_TRIMMED, 1);
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)));
    // Two connections of a protected peer over highWater 1: nothing may go.
    await(c.dial(b.listenAddrs().get(0), new DialOptions()));
    // c's connection is the only unprotected one: it goes.
    assertEquals(c.peerId(), await(trimmed).get(0).peer());
    assertEquals(List.of(), await(b.unprotect(a.peerId(), "keep")));
    assertFalse(b.isProtected(a.peerId()));
    assertTrue(b.connectionManagerState().getJsonObject("protected").isEmpty());
  }
}
