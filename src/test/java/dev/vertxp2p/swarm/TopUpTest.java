package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.NoAddressException;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.testing.SwarmFixture;
import dev.vertxp2p.transport.MuxedConnection;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Top-ups, {@code newStream} and the legacy accessors with connections that can no longer carry
 * streams: a draining connection keeps its slot until it closes, but only usable connections
 * count toward a target.
 */
class TopUpTest extends SwarmFixture {
  private static final String HOLD = "/hold/1.0.0";

  private Swarm node(int maxPerPeer) {
    SwarmOptions o = loopbackOptions();
    o.getConnection().setMaxConnectionsPerPeer(maxPerPeer);
    o.getServices().setEcho(true).setIdentify(false);
    o.getTransport().setShutdownGracePeriod(Duration.ofMillis(100));
    Swarm s = started(o);
    s.handle(HOLD, st -> st.handler(b -> { }));
    return s;
  }

  /**
   * Makes {@code c} drain: a held stream keeps it open while our GOAWAY stops new streams, so it
   * stays listed, not open, for the rest of the test.
   */
  private void drain(Connection c) {
    held.add(await(c.newStream(HOLD)));
    ((MuxedConnection) c).closeGracefully(Duration.ofSeconds(30));
    // The GOAWAY is sent on the connection's loop; a call queued there after it sees it done.
    await(c.streamsJson());
    assertFalse(c.isOpen(), "draining");
  }

  private final List<P2pStream> held = new CopyOnWriteArrayList<>();

  /** Ends the held streams, so the draining connections close before the swarms do. */
  @AfterEach
  void releaseHeldStreams() {
    for (P2pStream s : held) {
      s.reset();
    }
  }

  @Test
  void newStreamDialsAFreshConnectionWhenTheOnlyOneIsDraining() {
    Swarm a = node(3);
    Swarm b = node(3);
    Connection first = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    drain(first);

    P2pStream s = await(a.newStream(b.peerId(), "/echo/1.0.0"));

    assertNotEquals(first.id(), s.connection().id());
    assertTrue(s.connection().isOpen());
    assertEquals(2, a.getConnections(b.peerId()).size(), "the draining one keeps its slot");
    s.reset();
  }

  @Test
  void aTopUpCountsOnlyUsableConnectionsTowardItsTarget() {
    Swarm a = node(3);
    Swarm b = node(3);
    Connection first = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    drain(first);

    List<Connection> got = await(a.dialPeer(b.peerId(), new DialOptions().setConnections(2)));

    assertEquals(2, got.size(), "two usable connections: " + got);
    for (Connection c : got) {
      assertTrue(c.isOpen(), c + " is usable");
      assertNotEquals(first.id(), c.id());
    }
    assertEquals(3, a.getConnections(b.peerId()).size(), "2 usable + 1 draining, the limit");
  }

  @Test
  void aTopUpDialsOnlyIntoFreeSlots() {
    Swarm a = node(2);
    Swarm b = node(2);
    AtomicInteger most = new AtomicInteger();
    a.eventHandler(e -> most.accumulateAndGet(a.getConnections(b.peerId()).size(), Math::max));
    Connection first = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    drain(first);

    List<Connection> got = await(a.dialPeer(b.peerId(), new DialOptions().setConnections(2)));

    assertEquals(1, got.size(), "one slot was free: " + got);
    assertEquals(2, most.get(), "never over maxConnectionsPerPeer");
  }

  @Test
  void theLegacyAccessorsGiveTheFirstAvailableConnection() {
    Swarm a = node(3);
    Swarm b = node(3);
    List<Connection> two = await(a.dial(b.listenAddrs().get(0),
        new DialOptions().setConnections(2)));
    List<Connection> listed = a.getConnections(b.peerId());
    assertEquals(2, listed.size());
    drain(listed.get(0));

    assertSame(listed.get(1), a.getConnection(b.peerId()));
    assertSame(listed.get(1), a.connectionsLegacy().get(b.peerId()));
    assertEquals(2, two.size());
  }

  @Test
  void dialFailedIsPublishedWhenThePeerHasNoAddress() {
    Swarm a = node(3);
    PeerId stranger =
        PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    List<SwarmEvent> events = new CopyOnWriteArrayList<>();
    a.eventHandler(events::add);

    Throwable e = failure(a.dialPeer(stranger));

    assertInstanceOf(NoAddressException.class, e);
    List<SwarmEvent> failed = new ArrayList<>();
    for (SwarmEvent ev : events) {
      if (ev.type().equals(SwarmEvent.DIAL_FAILED)) {
        failed.add(ev);
      }
    }
    assertEquals(1, failed.size(), "events: " + events);
    assertEquals(stranger, failed.get(0).peer());
    assertEquals(e.getMessage(), failed.get(0).fields().getString("error"));
  }

  @Test
  void dialFailedIsPublishedForADialToOurselves() {
    Swarm a = node(3);
    List<SwarmEvent> events = new CopyOnWriteArrayList<>();
    a.eventHandler(events::add);

    Throwable e = failure(a.dialPeer(a.peerId()));

    assertTrue(e.getMessage().startsWith("cannot dial ourselves"), e.getMessage());
    assertEquals(1, events.stream().filter(ev -> ev.type().equals(SwarmEvent.DIAL_FAILED)
        && a.peerId().equals(ev.peer())).count(), "events: " + events);
  }
}
