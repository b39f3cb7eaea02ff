package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A top-up that opens nothing new, its one dial failing every attempt: that dial runs the retry
 * schedule once ({@code maxRetries + 1} attempts), not a second time because the peer is still
 * short of the target.
 */
class PartialDialFailureTest extends SwarmFixture {

  @Test
  void aPartialFailureRunsTheRetryScheduleOnce() throws Exception {
    SwarmOptions ob = loopbackOptions();
    ob.getServices().setIdentify(false);
    Swarm b = started(ob);
    SwarmOptions o = loopbackOptions();
    o.getConnection().setMaxConnectionsPerPeer(3);
    o.getServices().setIdentify(false);
    o.getRetry().setMaxRetries(2).setDelays(0.01, 0.02);
    // A handshake through the proxy stalled once in a full suite run (not understood yet, see the
    // closing note of the redesign): a short attempt timeout lets the first dial retry it.
    o.getConnection().setConnectionTimeout(3.0);
    Swarm a = started(o);
    List<SwarmEvent> events = new CopyOnWriteArrayList<>();
    a.eventHandler(events::add);
    try (FaultProxy proxy = new FaultProxy(b.listenAddrs().get(0).port().getAsInt())) {
      Multiaddr viaProxy =
          Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
      // One connection through the proxy; then every further socket is reset at once.
      assertEquals(1, await(a.dial(viaProxy, new DialOptions())).size());
      int first = proxy.accepted();
      proxy.refuseAfter(first);
      events.clear();

      List<Connection> got =
          await(a.dialPeer(b.peerId(), new DialOptions().setConnections(2)));

      assertEquals(1, got.size(), "events " + events);
      assertEquals(first + 3, proxy.accepted(), "maxRetries + 1 attempts after the first");
      assertEquals(2, events.stream().filter(e -> e.type().equals(SwarmEvent.DIAL_RETRY))
          .count(), "events " + events);
    }
  }
}
