package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The memory budget for buffered stream data, end to end over loopback: an application that does
 * not read (or reads slowly) holds the remote at the budget, per connection and node-wide, with
 * no open stream reset; what is buffered is read from the node's own books ({@code streamsJson}).
 */
class BufferBudgetTest {
  private static final String SINK = "/test/sink/1.0.0";
  private static final int WINDOW = 256 * 1024;
  /**
   * A stream's first window less its protocol negotiation (under 64 bytes): the data that fills
   * it.
   */
  private static final int DATA_WINDOW = WINDOW - 64;

  private Vertx vertx;
  private Swarm node;
  private Swarm client1;
  private Swarm client2;
  /** Streams the node accepted, paused, with the bytes their application took. */
  private final BlockingQueue<P2pStream> accepted = new LinkedBlockingQueue<>();
  private final java.util.Map<P2pStream, AtomicLong> taken =
      new java.util.concurrent.ConcurrentHashMap<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
  }

  @AfterEach
  void tearDown() {
    for (Swarm s : new Swarm[] {client1, client2, node}) {
      if (s != null) {
        await(s.close());
      }
    }
    await(vertx.close());
  }

  private void startNode(long perConnection, long nodeWide) {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    o.getLimits().setMaxBufferedBytesPerConnection(perConnection).setMaxBufferedBytes(nodeWide);
    node = Swarm.create(vertx, o);
    node.handle(SINK, s -> {
      AtomicLong n = new AtomicLong();
      taken.put(s, n);
      s.pause();
      s.handler(b -> n.addAndGet(b.length()));
      accepted.add(s);
    });
    await(node.start());
  }

  private Swarm client() {
    Swarm c = Swarm.create(vertx, new SwarmOptions().setListen(List.of()));
    await(c.start());
    return c;
  }

  private Connection connect(Swarm c) {
    List<Connection> conns = await(c.dial(node.listenAddrs().get(0), new DialOptions()));
    return conns.get(0);
  }

  /** A stream the node accepted and holds paused, opened on {@code conn}. */
  private P2pStream[] open(Connection conn) throws InterruptedException {
    P2pStream mine = await(conn.newStream(SINK));
    P2pStream theirs = accepted.poll(30, TimeUnit.SECONDS);
    assertTrue(theirs != null, "the node never accepted the stream");
    return new P2pStream[] {mine, theirs};
  }

  /** Bytes the node holds received and not consumed on its side of {@code conn}. */
  private long buffered(Connection nodeSide) {
    JsonArray streams = await(nodeSide.streamsJson());
    long n = 0;
    for (Object o : streams) {
      n += ((JsonObject) o).getLong("buffered");
    }
    return n;
  }

  private Connection nodeSideOf(Swarm client) {
    awaitTrue(() -> !node.getConnections(client.peerId()).isEmpty(),
        "the node registered the connection");
    return node.getConnections(client.peerId()).get(0);
  }

  /** Waits until {@code check} holds, polling the node's books (there is no event to await). */
  private void awaitTrue(java.util.function.BooleanSupplier check, String what) {
    long deadline = System.nanoTime() + Await.DEFAULT.toNanos();
    while (!check.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      await(vertx.timer(5));
    }
  }

  /** The node refuses the stream: the opener's future fails. */
  private void assertRefused(Connection conn) {
    Future<P2pStream> f = conn.newStream(SINK);
    Throwable t = Await.failure(f);
    assertTrue(t != null, "the stream was accepted over the budget");
  }

  @Test
  void aSlowReaderHoldsTheRemoteAtTheConnectionBudget() throws Exception {
    long budget = 4L * WINDOW;
    startNode(budget, 64L * WINDOW);
    client1 = client();
    Connection conn = connect(client1);
    Connection nodeSide = nodeSideOf(client1);
    Buffer chunk = Buffer.buffer(new byte[2 * WINDOW]);
    java.util.List<P2pStream[]> open = new java.util.ArrayList<>();
    // Streams one after another, each filling its first window before the next opens.
    for (int i = 1; i <= 4; i++) {
      P2pStream[] s = open(conn);
      open.add(s);
      s[0].write(chunk);
      long want = (long) i * DATA_WINDOW;
      awaitTrue(() -> buffered(nodeSide) >= want, "the node buffered " + want + " bytes");
    }
    long full = buffered(nodeSide);
    assertTrue(full <= budget, full + " bytes buffered, budget " + budget);
    // Less than a new stream's window is left: a fifth stream is refused, the open ones stay.
    assertRefused(conn);
    assertEquals(full, buffered(nodeSide));
    assertEquals(4, await(nodeSide.streamsJson()).size());

    // The application reads, slowly: a chunk at a time on every stream in turn. Everything
    // arrives, and the node never holds more than the budget and one window of credit that
    // was announced before it ran out.
    long max = 0;
    long total = 4L * chunk.length();
    while (taken.values().stream().mapToLong(AtomicLong::get).sum() < total) {
      for (P2pStream[] s : open) {
        s[1].fetch(1);
      }
      max = Math.max(max, buffered(nodeSide));
      await(vertx.timer(1));
    }
    assertTrue(max <= budget + WINDOW, "the node buffered " + max + " bytes, budget " + budget);
    // Read out: room for new streams again.
    awaitTrue(() -> buffered(nodeSide) == 0, "all is consumed");
    open(conn);
  }

  @Test
  void theNodeWideBudgetSpansConnectionsOnOtherLoops() throws Exception {
    // two windows less a little: still over it after one of three windows is read
    long nodeWide = 2L * WINDOW - 1024;
    startNode(64L * WINDOW, nodeWide);
    client1 = client();
    client2 = client();
    Connection c1 = connect(client1);
    Connection c2 = connect(client2);
    MuxedConnection n1 = (MuxedConnection) nodeSideOf(client1);
    MuxedConnection n2 = (MuxedConnection) nodeSideOf(client2);
    assertNotEquals(n1.owner().context(), n2.owner().context(),
        "both connections landed on one event loop");

    // Three streams opened before any data: three windows granted, more than the budget.
    P2pStream[] s1 = open(c1);
    P2pStream[] s2 = open(c2);
    P2pStream[] s3 = open(c2);
    s1[0].write(Buffer.buffer(new byte[WINDOW + WINDOW / 2]));
    s2[0].write(Buffer.buffer(new byte[WINDOW]));
    s3[0].write(Buffer.buffer(new byte[WINDOW]));
    awaitTrue(() -> buffered(n1) + buffered(n2) >= 3L * DATA_WINDOW, "three windows arrived");
    BufferBudget budget = ((dev.vertxp2p.swarm.SwarmImpl) node).bufferBudget();
    assertEquals(buffered(n1) + buffered(n2), budget.used());
    assertTrue(budget.used() > nodeWide, budget.toJson().encode());

    // Over the node's budget, either connection refuses new streams.
    assertRefused(c1);
    assertRefused(c2);

    // The first connection's application reads its window, yet the node is still over budget
    // (the other connection holds two windows): its credit waits.
    s1[1].resume();
    awaitTrue(() -> taken.get(s1[1]).get() >= DATA_WINDOW, "the first window was read");
    assertEquals(buffered(n2), budget.used());
    assertTrue(budget.used() > nodeWide, budget.toJson().encode());
    assertTrue(await(n1.flowJson()).getBoolean("bufferSpent"), await(n1.flowJson()).encode());

    // The other connection's application reads, on its own loop: the node has room again and
    // the first connection, on another loop, reopens its window; the rest of its data arrives.
    s2[1].resume();
    s3[1].resume();
    awaitTrue(() -> taken.get(s1[1]).get() == WINDOW + WINDOW / 2, "the rest arrived");
    awaitTrue(() -> budget.used() == 0, "the node's count went back to 0: "
        + budget.toJson().encode());
    open(c1);
  }
}
