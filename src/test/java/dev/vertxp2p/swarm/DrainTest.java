package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Draining, with health checks off (it does not need them): a connection that starts draining
 * takes no new stream at once, either way, lets open streams finish within {@code
 * health.drainTimeout}, then closes; a stream still open at the deadline is reset.
 */
class DrainTest extends SwarmFixture {
  private static final String HOLD = "/hold/1.0.0";

  private Swarm node(double drainTimeout) {
    SwarmOptions o = loopbackOptions();
    o.getHealth().setEnabled(false).setDrainTimeout(drainTimeout);
    o.getConnection().setMaxConnectionsPerPeer(3);
    o.getServices().setEcho(true);
    Swarm s = started(o);
    s.handle(HOLD, st -> st.handler(b -> { }));
    return s;
  }

  private static Future<byte[]> echo(P2pStream s, byte[] data) {
    Promise<byte[]> back = Promise.promise();
    Buffer got = Buffer.buffer();
    s.handler(got::appendBuffer);
    s.exceptionHandler(back::tryFail);
    s.endHandler(v -> back.tryComplete(got.getBytes()));
    int slice = 64 * 1024;
    for (int off = 0; off < data.length; off += slice) {
      s.write(Buffer.buffer(Arrays.copyOfRange(data, off, Math.min(data.length, off + slice))));
    }
    s.end();
    return back.future();
  }

  private static List<SwarmEvent> journal(Swarm s) {
    List<SwarmEvent> seen = new CopyOnWriteArrayList<>();
    s.eventHandler(seen::add);
    return seen;
  }

  @Test
  void aTenMegabyteEchoOnADrainingConnectionCompletesIntact() {
    Swarm b = node(30);
    Swarm a = node(30);
    List<SwarmEvent> atA = journal(a);
    List<Connection> two = await(a.dial(b.listenAddrs().get(0),
        new DialOptions().setConnections(2)));
    Connection draining = two.get(0);
    byte[] data = new byte[10 << 20];
    new Random(7).nextBytes(data);
    P2pStream s = await(draining.newStream(Echo.PROTOCOL));
    Future<byte[]> back = echo(s, data);
    Future<Void> closed = draining.close(true);

    // At once: no new stream here, the node places them on the other connection.
    assertFalse(draining.isOpen());
    assertEquals(ConnectionHealth.DRAINING, draining.health());
    for (int i = 0; i < 5; i++) {
      P2pStream t = await(a.newStream(b.peerId(), Echo.PROTOCOL));
      assertNotEquals(draining.id(), t.connection().id());
      t.reset();
    }
    assertTrue(failed(draining.newStream(Echo.PROTOCOL)), "a draining connection opened a stream");

    assertArrayEquals(data, await(back, Duration.ofSeconds(60)), "the echo lost or changed bytes");
    await(closed, Duration.ofSeconds(20)); // closes once its last stream is done, not at 30 s
    SwarmEvent d = atA.stream().filter(e -> SwarmEvent.CONNECTION_DRAINING.equals(e.type()))
        .findFirst().orElseThrow();
    assertEquals("application", d.fields().getString("reason"));
    assertEquals(30.0, d.fields().getDouble("drainTimeout"));
    assertEquals(draining.id(), d.fields().getJsonObject("connection").getString("id"));
    assertEquals("draining",
        d.fields().getJsonObject("connection").getJsonObject("health").getString("state"));
  }

  @Test
  void theRemoteOfADrainingConnectionOpensNoNewStreamOnIt() {
    Swarm b = node(30);
    Swarm a = node(30);
    Connection c = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    await(connectionsReach(b, a.peerId(), 1));
    Connection atB = b.getConnections(a.peerId()).get(0);
    await(c.newStream(HOLD)); // keeps the connection draining rather than closed
    c.close(true);
    await(vertxTimerUntil(() -> !atB.isOpen()));
    assertTrue(failed(atB.newStream(Echo.PROTOCOL)),
        "the remote opened a stream on a draining connection");
  }

  @Test
  void aStreamStillOpenAtTheDrainTimeoutIsReset() {
    Swarm b = node(0.3);
    Swarm a = node(0.3);
    List<Connection> one = await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    P2pStream held = await(one.get(0).newStream(HOLD));
    Promise<Throwable> failed = Promise.promise();
    held.exceptionHandler(failed::tryComplete);
    long start = System.nanoTime();
    await(one.get(0).close(true), Duration.ofSeconds(10));
    double ms = (System.nanoTime() - start) / 1e6;
    assertTrue(ms >= 250, "closed after " + ms + " ms, before the 300 ms drain timeout");
    assertInstanceOf(StreamClosedException.class, await(failed.future()));
  }

  @Test
  void aGracefulHangUpDrainsEveryConnectionAndUnkeeps() {
    Swarm b = node(30);
    Swarm a = node(30);
    List<SwarmEvent> atA = journal(a);
    a.addAddresses(b.peerId(), b.listenAddrs());
    List<Connection> two = await(a.keep(b.peerId(), 2));
    byte[] data = new byte[1 << 20];
    new Random(3).nextBytes(data);
    Future<byte[]> back = echo(await(two.get(0).newStream(Echo.PROTOCOL)), data);
    Future<Integer> hungUp = a.hangUp(b.peerId(), true);
    assertArrayEquals(data, await(back, Duration.ofSeconds(60)));
    assertEquals(2, await(hungUp, Duration.ofSeconds(20)));
    assertEquals(List.of(), a.getConnections(b.peerId()));
    assertEquals(List.of(), await(a.kept()));
    assertEquals(2, atA.stream().filter(e -> SwarmEvent.CONNECTION_DRAINING.equals(e.type())
        && "hang-up".equals(e.fields().getString("reason"))).count());
    // un-kept first: nothing re-dialled what the hang-up closed
    assertTrue(atA.stream().noneMatch(e -> SwarmEvent.DIAL_RETRY.equals(e.type())), atA.toString());
  }

  @Test
  void aTrimmedConnectionDrainsAndItsStreamFinishes() {
    SwarmOptions bo = loopbackOptions();
    bo.getHealth().setEnabled(false).setDrainTimeout(30);
    bo.getConnection().setMaxConnectionsPerPeer(3);
    bo.getServices().setEcho(true);
    bo.getConnectionManager().setWatermarks(1, 1).setGracePeriod(0);
    Swarm b = started(bo);
    Swarm a = node(30);
    List<SwarmEvent> atB = journal(b);
    Connection first = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    byte[] data = new byte[4 << 20];
    new Random(5).nextBytes(data);
    Future<byte[]> back = echo(await(first.newStream(Echo.PROTOCOL)), data);
    // A second connection takes b over highWater 1; the trimmer drains the idler of the two.
    Future<SwarmEvent> trimmedDrain = nextEvent(b, e -> SwarmEvent.CONNECTION_DRAINING.equals(e.type()));
    await(a.dialPeer(b.peerId(), new DialOptions().setConnections(2)));
    SwarmEvent d = await(trimmedDrain, Duration.ofSeconds(20));
    assertEquals("trimmed", d.fields().getString("reason"));
    assertArrayEquals(data, await(back, Duration.ofSeconds(60)), "the echo lost or changed bytes");
    assertTrue(atB.stream().anyMatch(e -> SwarmEvent.CONNECTION_TRIMMED.equals(e.type())));
  }

  /** Whether {@code f} fails (awaited). */
  private static boolean failed(Future<?> f) {
    Future<Boolean> outcome = f.transform(ar -> Future.succeededFuture(ar.failed()));
    Boolean b = await(outcome);
    return b;
  }

}
