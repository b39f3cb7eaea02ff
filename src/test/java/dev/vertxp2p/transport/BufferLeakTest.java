package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.protocols.Perf;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transport takes pooled buffers from Netty as they were read and hands it pooled buffers to
 * write: every one must be released, on the normal path and when a connection dies mid-transfer.
 * Both ends' channels allocate from a pool of their own without per-thread caches, so the pool's
 * count of live allocations is exact: once all is closed it must be back at zero.
 */
class BufferLeakTest {
  /** One arena each for heap and direct, no thread caches: every release goes back at once. */
  private final PooledByteBufAllocator pool =
      new PooledByteBufAllocator(true, 1, 1, 8192, 9, 0, 0, false);
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  @ParameterizedTest
  @ValueSource(strings = {TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL})
  void everyPooledBufferIsReleased(String muxer) throws Exception {
    Swarm a = node(muxer);
    Swarm b = node(muxer);
    // b registers an inbound connection a moment after a's dial completes: await b's events
    Promise<Void> bHasBoth = Promise.promise();
    b.eventHandler(e -> {
      if (b.getConnections().size() == 2) {
        bHasBoth.tryComplete();
      }
    });
    List<Connection> both = await(a.dial(b.listenAddrs().get(0),
        new DialOptions().setConnections(2)));
    assertEquals(2, both.size());
    await(bHasBoth.future());
    for (Connection c : both) {
      usePool(c);
    }
    assertEquals(2, b.getConnections().size());
    for (Connection c : b.getConnections()) {
      usePool(c);
    }
    Connection c = both.get(0);
    Perf.Result r = await(Perf.run(c, 3 << 20, 3 << 20));
    assertTrue(r.totalNanos() > 0);
    byte[] payload = new byte[300_000];
    new SecureRandom().nextBytes(payload);
    P2pStream s = await(c.newStream(Echo.PROTOCOL));
    assertArrayEquals(payload, await(LoopbackTest.echo(s, payload)));
    assertTrue(allocations() > 0, "the pool was used");
    // the other connection dies with data in flight both ways
    Connection doomed = both.get(1);
    P2pStream busy = await(doomed.newStream(Echo.PROTOCOL));
    busy.write(Buffer.buffer(payload));
    await(doomed.close());
    await(a.close());
    await(b.close());
    assertEquals(0, liveAfterTheLoopsSettle(), "buffers taken from the pool and never released");
  }

  /** Sets the pool on the connection's channel, on its loop: reads and writes take from it. */
  private void usePool(Connection c) {
    MuxedConnection m = (MuxedConnection) c;
    Channel ch = m.channel();
    assertNotNull(ch);
    Promise<Void> set = Promise.promise();
    m.run(() -> {
      ch.config().setAllocator(pool);
      set.complete();
    });
    await(set.future());
  }

  private long allocations() {
    return sumOverArenas(PoolArenaMetric::numAllocations);
  }

  private long sumOverArenas(java.util.function.ToLongFunction<PoolArenaMetric> f) {
    long n = 0;
    for (PoolArenaMetric m : pool.metric().directArenas()) {
      n += f.applyAsLong(m);
    }
    for (PoolArenaMetric m : pool.metric().heapArenas()) {
      n += f.applyAsLong(m);
    }
    return n;
  }

  /**
   * Live allocations once every event loop has run what was queued when the swarms closed (a
   * write that fails on a closed channel is released by a task of its loop): one task per loop,
   * twice, then the count.
   */
  private long liveAfterTheLoopsSettle() {
    for (int round = 0; round < 2; round++) {
      List<io.vertx.core.Future<Void>> turns = new ArrayList<>();
      for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 2; i++) {
        Promise<Void> p = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> p.complete());
        turns.add(p.future());
      }
      await(io.vertx.core.Future.all(turns));
    }
    return sumOverArenas(PoolArenaMetric::numActiveAllocations);
  }

  private Swarm node(String muxer) {
    return LoopbackTest.node(vertx, muxer);
  }
}
