package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Connection timelines (issue "Dial policy and gating", point 7): the close reason for each way a
 * connection ends, the attempts of a dial over a dead and a live address, and the bounded ring of
 * closed connections. Nodes over loopback, their connections spread over several event loops.
 */
class ConnectionTimelineTest extends SwarmFixture {

  private static SwarmOptions options() {
    SwarmOptions o = loopbackOptions().setHealth(new HealthOptions().setEnabled(false));
    o.getTransport().setShutdownGracePeriod(Duration.ZERO);
    return o;
  }

  /** Completes with the first {@code connection.closed} of connection {@code id} on {@code swarm}. */
  private static Future<SwarmEvent> closedEvent(Swarm swarm, String id) {
    return nextEvent(swarm, e -> SwarmEvent.CONNECTION_CLOSED.equals(e.type())
        && id.equals(e.fields().getJsonObject("connection").getString("id")));
  }

  /**
   * The closed connection of {@code peer} on {@code swarm} matching {@code match}, asked again
   * after each answer (every ask is a turn of the swarm's owner) until one is there or the bound
   * passes: for a connection that closed without an event of its own (refused at admission).
   */
  private static JsonObject closedOne(Swarm swarm, PeerId peer, Predicate<JsonObject> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonObject c : await(swarm.closedConnections(peer))) {
        if (match.test(c)) {
          return c;
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no closed connection of " + peer + " matched within 30 s");
  }

  @Test
  void closingAConnectionIsLocalOnThisSideAndRemoteOnTheOther() {
    Swarm b = started(options());
    Swarm a = started(options());
    Future<Void> bSees = connectionsReach(b, a.peerId(), 1);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    await(bSees);
    String bSide = b.getConnections(a.peerId()).get(0).id();
    Future<SwarmEvent> aClosed = closedEvent(a, c.id());
    Future<SwarmEvent> bClosed = closedEvent(b, bSide);

    assertEquals(1, await(a.closeConnection(c.id())));

    assertEquals("local", await(aClosed).fields().getString("closeReason"));
    assertEquals("remote", await(bClosed).fields().getString("closeReason"));
    JsonObject mine = await(a.timeline(c.id()));
    assertEquals("closed", mine.getString("state"));
    assertEquals("local", mine.getString("closeReason"));
    assertNotNull(mine.getString("closedAt"));
    JsonObject theirs = await(b.timeline(bSide));
    assertEquals("remote", theirs.getString("closeReason"));
    assertEquals(List.of(c.id()), ids(await(a.closedConnections(b.peerId()))));
    assertEquals("local", await(a.closedConnections(null)).get(0).getString("closeReason"));
  }

  @Test
  void aHangUpIsLocal() {
    Swarm b = started(options());
    Swarm a = started(options());
    List<Connection> two =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)));
    List<Future<SwarmEvent>> closed = new ArrayList<>();
    for (Connection c : two) {
      closed.add(closedEvent(a, c.id()));
    }
    assertEquals(2, await(a.hangUp(b.peerId())));
    for (Future<SwarmEvent> e : closed) {
      assertEquals("local", await(e).fields().getString("closeReason"));
    }
  }

  @Test
  void anOpenConnectionHasItsDialAttemptsPhasesAndStreamsButNoCloseReason() {
    Swarm b = started(options());
    Swarm a = started(options());
    b.handle("/hold/1.0.0", st -> st.handler(x -> { }));
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    await(c.newStream("/hold/1.0.0"));
    JsonObject t = await(a.timeline(c.id()));
    assertEquals("open", t.getString("state"));
    assertEquals("outbound", t.getString("direction"));
    assertNull(t.getValue("closeReason"));
    JsonArray attempts = t.getJsonArray("attempts");
    assertEquals(1, attempts.size(), t.encode());
    assertNull(attempts.getJsonObject(0).getValue("error"));
    JsonObject phases = t.getJsonObject("phases");
    for (String p : List.of("tcpMs", "securityMs", "muxerMs", "handshakeMs")) {
      assertTrue(phases.getDouble(p) >= 0, p + " in " + t.encode());
    }
    assertTrue(t.getJsonObject("streams").getInteger("open") >= 1, t.encode());
    assertTrue(t.getJsonObject("streams").getLong("total") >= 1, t.encode());
    assertNull(await(a.timeline("c-unknown")));
  }

  @Test
  void aDialOverADeadAddressThenALiveOneShowsBothAttempts() throws Exception {
    Swarm b = started(options());
    SwarmOptions o = options();
    o.getServices().setIdentify(false);
    o.getRetry().setMaxRetries(0);
    Swarm a = started(o);
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort(); // closed again: a connect is refused
    }
    Multiaddr dead = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + deadPort);
    Multiaddr live = b.listenAddrs().get(0).withoutPeerId();
    a.addAddresses(b.peerId(), List.of(dead, live));

    Connection c = await(a.dialPeer(b.peerId())).get(0);

    JsonObject t = await(a.timeline(c.id()));
    JsonArray attempts = t.getJsonArray("attempts");
    assertEquals(2, attempts.size(), t.encode());
    JsonObject first = attempts.getJsonObject(0);
    JsonObject second = attempts.getJsonObject(1);
    assertEquals(dead.toString(), first.getString("addr"));
    assertNotNull(first.getString("error"), t.encode());
    assertTrue(first.getDouble("durationMs") >= 0, t.encode());
    assertEquals(live.toString(), second.getString("addr"));
    assertNull(second.getValue("error"), t.encode());
    assertTrue(second.getDouble("durationMs") > 0, t.encode());
    assertTrue(second.getDouble("startMs") >= first.getDouble("startMs")
        + first.getDouble("durationMs"), "the live address is tried after the dead one failed: "
        + t.encode());
    assertTrue(t.getDouble("dialMs") >= second.getDouble("durationMs"), t.encode());
  }

  @Test
  void aRetriedDeadAddressShowsEachAttemptByNumberBeforeTheLiveOne() throws Exception {
    Swarm b = started(options());
    SwarmOptions o = options();
    o.getServices().setIdentify(false);
    o.getRetry().setMaxRetries(1).setDelays(0.01, 0.02);
    Swarm a = started(o);
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    Multiaddr dead = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + deadPort);
    Multiaddr live = b.listenAddrs().get(0).withoutPeerId();
    a.addAddresses(b.peerId(), List.of(dead, live));

    Connection c = await(a.dialPeer(b.peerId())).get(0);

    JsonArray attempts = await(a.timeline(c.id())).getJsonArray("attempts");
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < attempts.size(); i++) {
      JsonObject at = attempts.getJsonObject(i);
      seen.add(at.getString("addr") + "#" + at.getInteger("attempt") + " "
          + (at.getValue("error") == null ? "ok" : "failed"));
    }
    assertEquals(List.of(dead + "#1 failed", dead + "#2 failed", live + "#1 ok"), seen);
  }

  @Test
  void trimmedConnectionsSayTrimmed() {
    SwarmOptions ob = options();
    ob.getConnection().setMaxConnectionsPerPeer(3);
    ob.getConnectionManager().setWatermarks(1, 2).setGracePeriod(0);
    Swarm b = started(ob);
    SwarmOptions oa = options();
    oa.getConnection().setMaxConnectionsPerPeer(3);
    Swarm a = started(oa);
    List<SwarmEvent> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.core.Promise<Void> twoClosed = io.vertx.core.Promise.promise();
    b.eventHandler(e -> {
      if (SwarmEvent.CONNECTION_CLOSED.equals(e.type())) {
        closed.add(e);
        if (closed.size() == 2) {
          twoClosed.tryComplete();
        }
      }
    });
    await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    await(twoClosed.future());
    for (SwarmEvent e : closed) {
      assertEquals("trimmed", e.fields().getString("closeReason"), e.fields().encode());
      String id = e.fields().getJsonObject("connection").getString("id");
      assertEquals("trimmed", await(b.timeline(id)).getString("closeReason"));
    }
  }

  @Test
  void aConnectionRefusedAtThePerPeerLimitIsListedClosedWithReasonLimit() {
    SwarmOptions ob = options();
    ob.getConnection().setMaxConnectionsPerPeer(1);
    Swarm b = started(ob);
    SwarmOptions oa = options();
    oa.getConnection().setMaxConnectionsPerPeer(2);
    Swarm a = started(oa);
    Future<Void> bSees = connectionsReach(b, a.peerId(), 1);
    Connection kept = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    await(bSees);
    Future<SwarmEvent> rejected =
        nextEvent(b, e -> SwarmEvent.CONNECTION_REJECTED.equals(e.type()));

    a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(2)); // b decides its outcome

    String refusedId = await(rejected).fields().getJsonObject("connection").getString("id");
    JsonObject c = closedOne(b, a.peerId(), x -> refusedId.equals(x.getString("id")));
    assertEquals("limit", c.getString("closeReason"), c.encode());
    JsonObject t = await(b.timeline(refusedId));
    assertEquals("limit", t.getString("closeReason"));
    assertEquals("inbound", t.getString("direction"));
    assertTrue(kept.isOpen(), "the live connection stays");
  }

  @Test
  void theClosedRingKeepsTheLast256() {
    SwarmOptions o = options();
    o.getServices().setIdentify(false);
    o.getConnection().setMaxConnectionsPerPeer(8);
    Swarm b = started(o);
    Swarm a = started(o);
    List<String> all = new ArrayList<>();
    for (int round = 0; all.size() < ConnectionTimelines.MAX_CLOSED + 8; round++) {
      List<Connection> batch =
          await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(8)));
      for (Connection c : batch) {
        all.add(c.id());
      }
      assertEquals(batch.size(), await(a.hangUp(b.peerId())));
    }
    List<JsonObject> closed = await(a.closedConnections(null));
    assertEquals(ConnectionTimelines.MAX_CLOSED, closed.size());
    // Newest first: the last one closed leads, and the oldest are gone.
    List<String> ids = ids(closed);
    assertTrue(ids.containsAll(all.subList(all.size() - ConnectionTimelines.MAX_CLOSED,
        all.size())), "the last 256 are kept");
    assertTrue(all.subList(all.size() - 8, all.size()).contains(ids.get(0)),
        "the newest leads: " + ids.get(0));
    assertNull(await(a.timeline(all.get(0))), "the oldest has left the ring");
    for (JsonObject c : closed) {
      assertEquals("local", c.getString("closeReason"), c.encode());
    }
  }

  private static List<String> ids(List<JsonObject> conns) {
    List<String> out = new ArrayList<>();
    for (JsonObject c : conns) {
      out.add(c.getString("id"));
    }
    return out;
  }
}
