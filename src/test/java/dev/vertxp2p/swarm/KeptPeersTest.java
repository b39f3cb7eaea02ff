package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.KeepOptions;
import dev.vertxp2p.KeptPeer;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.NoAddressException;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kept peers over loopback: the node restores their connections without the application. */
class KeptPeersTest extends SwarmFixture {

  @TempDir
  Path dir;

  /** Short retry delays so restoring is quick; the cap is what the assertions check against. */
  private static SwarmOptions options(String listen) {
    SwarmOptions o = new SwarmOptions().setListen(List.of(listen));
    o.getRetry().setMaxRetries(2).setDelays(0.05, 0.2);
    o.getConnection().setMaxConnectionsPerPeer(4);
    o.getTransport().setShutdownGracePeriod(java.time.Duration.ZERO);
    return o;
  }

  private static SwarmOptions options() {
    return options("/ip4/127.0.0.1/tcp/0");
  }

  private static boolean keptRetry(SwarmEvent e) {
    return e.type().equals(SwarmEvent.DIAL_RETRY) && e.fields().getBoolean("kept", false);
  }

  /** Every kept-peer re-dial {@code swarm} schedules from now on. */
  private static List<SwarmEvent> keptRetries(Swarm swarm) {
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    swarm.eventHandler(e -> {
      if (keptRetry(e)) {
        seen.add(e);
      }
    });
    return seen;
  }

  @Test
  void aConnectionTheRemoteHangsUpIsRestoredAfterOneRetryStep() {
    Swarm a = started(options());
    Swarm b = started(options());
    a.addAddresses(b.peerId(), b.listenAddrs());
    Future<Void> bSees3 = connectionsReach(b, a.peerId(), 3);
    Future<SwarmEvent> keptEvent = nextEvent(a, e -> e.type().equals(SwarmEvent.PEER_KEPT));
    List<Connection> first = await(a.keep(b.peerId(), 3));
    assertEquals(3, first.size());
    assertEquals(3, await(keptEvent).fields().getInteger("target"));
    await(bSees3);
    assertTrue(a.isProtected(b.peerId()), "a kept peer is protected from trimming");

    List<SwarmEvent> retries = keptRetries(a);
    Future<SwarmEvent> retry = nextEvent(a, KeptPeersTest::keptRetry);
    Connection victim = b.getConnections(a.peerId()).get(0);
    await(b.closeConnection(victim.id()));
    SwarmEvent step = await(retry);
    assertEquals(1, step.fields().getInteger("attempt"));
    assertTrue(step.fields().getDouble("delay") <= 0.2, step.fields().encode());
    assertEquals(b.peerId(), step.peer());

    await(connectionsReach(a, b.peerId(), 3));
    assertEquals(1, retries.size(), "one retry step: " + retries);
    assertEquals(List.of(new KeptPeer(b.peerId(), 3, 3)), await(a.kept()));
    for (Connection c : a.getConnections(b.peerId())) {
      assertTrue(c.isOpen());
    }
  }

  @Test
  void aKeptPeerThatRestartsOnTheSameAddressAndIdentityGetsItsConnectionsBack() {
    String keyFile = dir.resolve("b.key").toString();
    Swarm b = started(options().setIdentityKeyFile(keyFile));
    Multiaddr addr = b.listenAddrs().get(0);
    PeerId id = b.peerId();
    Swarm a = started(options());
    a.addAddresses(id, List.of(addr));
    assertEquals(3, await(a.keep(id, 3)).size());

    Future<SwarmEvent> lost = nextEvent(a, e -> e.type().equals(SwarmEvent.PEER_DISCONNECTED));
    Future<SwarmEvent> retrying = nextEvent(a, KeptPeersTest::keptRetry);
    await(b.close());
    swarms.remove(b);
    await(lost);
    await(retrying);
    assertEquals(0, a.getConnections(id).size());

    Future<Void> back = connectionsReach(a, id, 3);
    Swarm again = started(options(addr.withoutPeerId().toString()).setIdentityKeyFile(keyFile));
    assertEquals(id, again.peerId(), "the key file keeps the peer id across the restart");
    await(back);
    assertEquals(List.of(new KeptPeer(id, 3, 3)), await(a.kept()));
  }

  @Test
  void anUnreachableKeptPeerIsRetriedPastMaxRetriesWithEachDelayCappedAtMaxDelay() {
    Swarm b = started(options());
    Multiaddr addr = b.listenAddrs().get(0);
    PeerId id = b.peerId();
    SwarmOptions ao = options();
    ao.getRetry().setMaxRetries(0).setDelays(0.01, 0.04);
    Swarm a = started(ao);
    a.addAddresses(id, List.of(addr));
    await(a.keep(id, 1));
    await(b.close());
    swarms.remove(b);

    // Eight rounds: past maxRetries (0) and past where 0.01 * 2^k passes the 0.04 cap.
    Promise<List<SwarmEvent>> eight = Promise.promise();
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    a.eventHandler(e -> {
      if (keptRetry(e) && seen.size() < 8) {
        seen.add(e);
        if (seen.size() == 8) {
          eight.tryComplete(List.copyOf(seen));
        }
      }
    });
    List<SwarmEvent> rounds = await(eight.future());
    int first = rounds.get(0).fields().getInteger("attempt");
    for (int i = 0; i < rounds.size(); i++) {
      assertRound(rounds.get(i).fields(), first + i, 0.04);
    }
    assertEquals(1, await(a.kept()).size(), "still kept after every failed round");
    assertEquals(0, await(a.kept()).get(0).open());
  }

  /** One kept-peer round's dial.retry: its place in the schedule, under the cap, still short. */
  private static void assertRound(JsonObject f, int attempt, double maxDelay) {
    assertEquals(attempt, f.getInteger("attempt"), f.encode());
    assertTrue(f.getDouble("delay") <= maxDelay, f.encode());
    assertEquals(1, f.getInteger("target"), f.encode());
    assertEquals(0, f.getInteger("open"), f.encode());
  }

  @Test
  void hangingUpTheWholePeerUnkeepsItAndClosingOneConnectionDoesNot() {
    Swarm a = started(options());
    Swarm b = started(options());
    a.addAddresses(b.peerId(), b.listenAddrs());
    List<Connection> two = await(a.keep(b.peerId(), 2));
    assertEquals(2, two.size());

    // One connection closed by the application itself: still kept, and restored.
    Future<SwarmEvent> retry = nextEvent(a, KeptPeersTest::keptRetry);
    await(a.closeConnection(two.get(0).id()));
    await(retry);
    await(connectionsReach(a, b.peerId(), 2));
    assertEquals(List.of(new KeptPeer(b.peerId(), 2, 2)), await(a.kept()));

    List<SwarmEvent> retries = keptRetries(a);
    Future<SwarmEvent> unkept = nextEvent(a, e -> e.type().equals(SwarmEvent.PEER_UNKEPT));
    assertEquals(2, await(a.hangUp(b.peerId())));
    assertEquals(b.peerId(), await(unkept).peer());
    assertEquals(List.of(), await(a.kept()));
    assertFalse(a.isProtected(b.peerId()));
    assertEquals(List.of(), retries, "a hung-up peer is not re-dialled");
    assertEquals(0, a.getConnections(b.peerId()).size());
  }

  @Test
  void unkeepStopsMaintainingButLeavesTheConnectionsOpen() {
    Swarm a = started(options());
    Swarm b = started(options());
    a.addAddresses(b.peerId(), b.listenAddrs());
    await(a.keep(b.peerId(), 2));
    assertTrue(await(a.unkeep(b.peerId())));
    assertFalse(await(a.unkeep(b.peerId())), "un-keeping twice finds nothing the second time");
    assertEquals(2, a.getConnections(b.peerId()).size());
    assertFalse(a.isProtected(b.peerId()));
  }

  @Test
  void keepingAgainChangesTheTarget() {
    Swarm a = started(options());
    Swarm b = started(options());
    a.addAddresses(b.peerId(), b.listenAddrs());
    assertEquals(1, await(a.keep(b.peerId(), 1)).size());
    assertEquals(3, await(a.keep(b.peerId(), 3)).size());
    assertEquals(List.of(new KeptPeer(b.peerId(), 3, 3)), await(a.kept()));
  }

  @Test
  void aKeptPeerIsNotTrimmed() {
    SwarmOptions bo = options();
    bo.getConnectionManager().setWatermarks(0, 1).setGracePeriod(0);
    Swarm b = started(bo);
    Swarm a = started(options());
    Swarm c = started(options());
    b.addAddresses(a.peerId(), a.listenAddrs());
    Future<SwarmEvent> trimmed = nextEvent(b,
        e -> e.type().equals(SwarmEvent.CONNECTION_TRIMMED));
    await(b.keep(a.peerId(), 2));
    // Two connections of a kept peer over highWater 1: neither may go; c's is the one trimmed.
    await(c.dial(b.listenAddrs().get(0), new DialOptions()));
    assertEquals(c.peerId(), await(trimmed).peer());
    assertEquals(2, b.getConnections(a.peerId()).size());
  }

  @Test
  void theConfigurationsKeepListIsKeptFromTheStart() {
    Swarm b = started(options());
    SwarmOptions ao = options();
    ao.setKeep(List.of(new KeepOptions().setAddr(b.listenAddrs().get(0).toString())
        .setConnections(2)));
    Swarm a = Swarm.create(vertx, ao);
    Future<Void> two = connectionsReach(a, b.peerId(), 2);
    track(a);
    await(two);
    assertEquals(List.of(new KeptPeer(b.peerId(), 2, 2)), await(a.kept()));
  }

  @Test
  void keepRefusesABadCountAPeerWithNoAddressAndItself() {
    Swarm a = started(options());
    Swarm b = started(options());
    Throwable none = failure(a.keep(b.peerId(), 1));
    assertInstanceOf(NoAddressException.class, none);
    a.addAddresses(b.peerId(), b.listenAddrs());
    Throwable zero = failure(a.keep(b.peerId(), 0));
    assertInstanceOf(IllegalArgumentException.class, zero);
    assertTrue(zero.getMessage().contains("expected 1..4"), zero.getMessage());
    assertTrue(zero.getMessage().contains("got 0"), zero.getMessage());
    Throwable over = failure(a.keep(b.peerId(), 5));
    assertTrue(over.getMessage().contains("got 5"), over.getMessage());
    assertInstanceOf(IllegalArgumentException.class, failure(a.keep(a.peerId(), 1)));
    assertEquals(List.of(), await(a.kept()));
  }
}
