package dev.vertxp2p.faults;

import dev.vertxp2p.testing.SwarmFixture;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.proto.mux.MuxerException;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.transport.MuxedConnection;
import dev.vertxp2p.transport.TransportHooks;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A remote that restarts while we dial it, and a remote that sends GOAWAY on one connection. */
class RestartAndGoAwayTest extends SwarmFixture {

  @TempDir
  Path dir;

  private SwarmOptions options(String listen) {
    SwarmOptions o = new SwarmOptions().setListen(List.of(listen));
    o.getServices().setEcho(true);
    return o;
  }

  @Test
  void aDialRetriesUntilTheRemoteIsBackOnTheSamePortWithTheSameIdentity() throws Exception {
    String keyFile = dir.resolve("b.key").toString();
    Swarm first = started(options("/ip4/127.0.0.1/tcp/0").setIdentityKeyFile(keyFile));
    Multiaddr addr = first.listenAddrs().get(0);
    PeerId id = first.peerId();
    await(first.close());
    swarms.remove(first);

    SwarmOptions ao = options("/ip4/127.0.0.1/tcp/0");
    ao.getRetry().setMaxRetries(10).setDelays(0.05, 0.2);
    Swarm a = started(ao);
    List<SwarmEvent> retries = new CopyOnWriteArrayList<>();
    Promise<Swarm> restarted = Promise.promise();
    a.eventHandler(e -> {
      if (e.type().equals(SwarmEvent.DIAL_RETRY)) {
        retries.add(e);
        if (retries.size() == 1) {
          // The first refused attempt brings the remote back, while the dial is still retrying.
          Swarm again = Swarm.create(vertx, options(addr.withoutPeerId().toString())
              .setIdentityKeyFile(keyFile));
          swarms.add(again);
          again.start().map(v -> again).onComplete(restarted);
        }
      }
    });
    List<Connection> conns = await(a.dial(addr, new DialOptions()));
    Swarm back = await(restarted.future());
    assertEquals(id, back.peerId(), "the key file keeps the peer id across the restart");
    assertEquals(1, conns.size());
    assertEquals(id, conns.get(0).peerId());
    assertFalse(retries.isEmpty());
    assertEquals(addr.withoutPeerId().toString(), retries.get(0).fields().getString("addr"));
    assertEquals(1, retries.get(0).fields().getInteger("attempt"));
    assertTrue(await(a.ping(id)) > 0);
  }

  /** The connection on {@code remote} that is {@code local} seen from the other end. */
  private static Connection otherEnd(Swarm remote, PeerId localPeer, Connection local) {
    for (Connection c : remote.getConnections(localPeer)) {
      if (c.remoteAddr().port().getAsInt() == local.localAddr().port().getAsInt()) {
        return c;
      }
    }
    throw new AssertionError("no connection on the remote matches " + local);
  }

  private static Future<byte[]> readAll(P2pStream s) {
    Promise<byte[]> done = Promise.promise();
    Buffer got = Buffer.buffer();
    s.handler(got::appendBuffer);
    s.exceptionHandler(done::tryFail);
    s.endHandler(v -> done.tryComplete(got.getBytes()));
    return done.future();
  }

  @Test
  void aGoAwayConnectionGetsNoNewStreamsFinishesItsOwnAndMakesRoom() {
    Swarm a = started(options("/ip4/127.0.0.1/tcp/0"));
    Swarm b = started(options("/ip4/127.0.0.1/tcp/0"));
    Future<Void> bSees3 = connectionsReach(b, a.peerId(), 3);
    List<Connection> conns = await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    assertEquals(3, conns.size());
    await(bSees3);
    Connection victim = conns.get(1);
    // A stream opened before the GOAWAY: it must still work after it.
    P2pStream early = await(victim.newStream(Echo.PROTOCOL));
    Future<byte[]> earlyBack = readAll(early);

    Connection victimOnB = otherEnd(b, a.peerId(), victim);
    await(TransportHooks.goAwayOnly(victimOnB));
    // A muxer ping behind the GOAWAY: when its answer is back, a has read the GOAWAY too.
    await(((MuxedConnection) victimOnB).muxerPing());
    assertFalse(victim.isOpen(), "a connection the remote sent GOAWAY on takes no new streams");

    Set<String> used = new HashSet<>();
    for (int i = 0; i < 6; i++) {
      used.add(await(a.newStream(b.peerId(), Echo.PROTOCOL)).connection().id());
    }
    assertFalse(used.contains(victim.id()), used + " includes " + victim.id());
    assertEquals(2, used.size());
    Throwable direct = failure(victim.newStream(Echo.PROTOCOL));
    assertInstanceOf(MuxerException.class, direct);

    byte[] payload = "written after the GOAWAY".getBytes(StandardCharsets.UTF_8);
    early.write(Buffer.buffer(payload));
    early.end();
    assertArrayEquals(payload, await(earlyBack));

    // Its last stream done, the drained connection closes, and a third one can take its place.
    await(victim.closeFuture());
    List<Connection> again = await(a.dialPeer(b.peerId(), new DialOptions().setConnections(3)));
    assertEquals(3, again.size());
    List<String> ids = new ArrayList<>();
    for (Connection c : again) {
      ids.add(c.id());
      assertTrue(c.isOpen());
    }
    assertFalse(ids.contains(victim.id()));
    assertNotEquals(victim.id(), ids.get(2));
  }
}
