package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Registration;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Handler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Handlers on the swarm come off again with the registration they were given. */
class RegistrationTest extends SwarmFixture {

  @Test
  void anUnregisteredEventHandlerHearsNothingMoreAndTheOtherAdditionStays() {
    SwarmOptions o = loopbackOptions();
    o.getServices().setIdentify(false);
    Swarm a = started(o);
    Swarm b = started(loopbackOptions());
    List<String> heard = new CopyOnWriteArrayList<>();
    Handler<SwarmEvent> h = e -> heard.add(e.type());
    Registration first = a.eventHandler(h);
    Registration second = a.eventHandler(h);
    List<String> streams = new CopyOnWriteArrayList<>();
    Registration onStream = a.streamOpenedHandler(s -> streams.add(s.protocol()));

    await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    assertEquals(List.of(SwarmEvent.CONNECTION_OPENED, SwarmEvent.CONNECTION_OPENED,
        SwarmEvent.PEER_CONNECTED, SwarmEvent.PEER_CONNECTED), heard.stream().sorted().toList());
    P2pStream s = await(a.newStream(b.peerId(), "/ipfs/ping/1.0.0"));
    s.reset();
    assertEquals(List.of("/ipfs/ping/1.0.0"), streams);

    heard.clear();
    first.unregister();
    first.unregister(); // idempotent: the other addition of the same handler stays
    onStream.unregister();
    await(a.hangUp(b.peerId()));
    await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    await(a.newStream(b.peerId(), "/ipfs/ping/1.0.0")).reset();

    assertEquals(List.of(SwarmEvent.CONNECTION_CLOSED, SwarmEvent.PEER_DISCONNECTED,
        SwarmEvent.CONNECTION_OPENED, SwarmEvent.PEER_CONNECTED), heard);
    assertEquals(List.of("/ipfs/ping/1.0.0"), streams, "no stream after unregister");
    second.unregister();
  }
}
