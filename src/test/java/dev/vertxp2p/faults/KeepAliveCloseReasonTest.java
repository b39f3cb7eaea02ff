package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.faults.FaultProxy.Fault;
import dev.vertxp2p.faults.FaultProxy.Link;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stalled link ends in the keep-alive: the dialer's connection, whose pings go unanswered,
 * closes with {@code closeReason} {@code keepalive-timeout}, on its event and in its timeline.
 * Health checks are off, so nothing but the keep-alive can close it.
 */
class KeepAliveCloseReasonTest extends SwarmFixture {
  private static final Duration KEEP_ALIVE = Duration.ofMillis(300);
  private FaultProxy proxy;

  @AfterEach
  void closeProxy() throws Exception {
    if (proxy != null) {
      proxy.close(); // before the swarms: a stalled link would hold a graceful close
    }
  }

  private static SwarmOptions options(Duration keepAlive) {
    SwarmOptions o = loopbackOptions().setHealth(new HealthOptions().setEnabled(false))
        .setTransport(new TransportOptions().setKeepAliveInterval(keepAlive)
            .setKeepAliveTimeout(keepAlive).setShutdownGracePeriod(Duration.ZERO));
    o.getServices().setIdentify(false);
    return o;
  }

  @Test
  void aStalledLinkClosesWithKeepaliveTimeout() throws Exception {
    // The listener's keep-alive is long: only the dialer's may fire.
    Swarm b = started(options(Duration.ofSeconds(60)));
    Swarm a = started(options(KEEP_ALIVE));
    proxy = new FaultProxy(b.listenAddrs().get(0).port().getAsInt());
    Multiaddr viaProxy =
        Multiaddr.parse("/ip4/127.0.0.1/tcp/" + proxy.port() + "/p2p/" + b.peerId());
    Connection c = await(a.dial(viaProxy, new DialOptions())).get(0);
    Future<SwarmEvent> closed = nextEvent(a, e -> SwarmEvent.CONNECTION_CLOSED.equals(e.type())
        && c.id().equals(e.fields().getJsonObject("connection").getString("id")));
    Link link = proxy.byClientPort(c.localAddr().port().getAsInt());

    assertTrue(link.inject(Fault.STALL), "the link was flowing");

    SwarmEvent e = await(closed);
    assertEquals("keepalive-timeout", e.fields().getString("closeReason"), e.fields().encode());
    JsonObject t = await(a.timeline(c.id()));
    assertEquals("keepalive-timeout", t.getString("closeReason"), t.encode());
    assertTrue(t.getString("closeCause").contains("keep-alive"), t.encode());
    assertEquals("keepalive-timeout",
        await(a.closedConnections(b.peerId())).get(0).getString("closeReason"));
  }
}
