package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.proto.yamux.YamuxFrame;
import dev.vertxp2p.testing.LogCapture;
import dev.vertxp2p.testing.RawPeer;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The acceptance test for back-pressure on control frames: a raw peer sends a million frames that
 * each call for an answer (Yamux pings, Yamux SYNs the node refuses, mplex NewStreams it refuses)
 * and never reads one. The node must not queue the answers without bound: what it has handed the
 * socket and the socket has not written stays small, the heap does not grow with the flood, and
 * another connection keeps working meanwhile.
 */
class ControlFloodTest {
  /** Frames the flooder sends in all. */
  static final int FRAMES = 1_000_000;
  /** Frames per Noise message. */
  static final int PER_MESSAGE = 4_000;
  /** What the node may hold unsent for the flooder: a few socket write batches, not the flood. */
  static final long UNSENT_BOUND = 2L * 1024 * 1024;
  static final long HEAP_BOUND = 64L * 1024 * 1024;
  /** Netty's direct memory (where the answers would pile up) may grow by this much at most. */
  static final long DIRECT_BOUND = 8L * 1024 * 1024;
  /** The flooder's receive buffer: small, so that the answers pile up on the node's side. */
  static final int FLOODER_RECEIVE_BUFFER = 4096;

  private Vertx vertx;
  private Swarm node;
  private Swarm good;
  private LogCapture logs;

  @BeforeEach
  void setUp() {
    logs = LogCapture.atTheirLevels("dev.vertxp2p");
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    o.getServices().setEcho(true);
    // a few inbound streams per connection (the good peer's identify and echo fit), so that
    // nearly every SYN or NewStream of the flood is refused
    o.getLimits().setMaxStreamsInbound(4);
    node = Swarm.create(vertx, o);
    await(node.start());
    good = Swarm.create(vertx, new SwarmOptions().setListen(List.of()));
    await(good.start());
  }

  @AfterEach
  void tearDown() {
    logs.close();
    await(good.close());
    await(node.close());
    await(vertx.close());
  }

  // ---- the floods -----------------------------------------------------------------------------

  /** Yamux pings with SYN: each asks for a ping with ACK. */
  private static byte[] pings(int first) {
    byte[] out = new byte[PER_MESSAGE * YamuxFrame.HEADER_LENGTH];
    for (int i = 0; i < PER_MESSAGE; i++) {
      YamuxFrame.writeHeader(out, i * YamuxFrame.HEADER_LENGTH, YamuxFrame.TYPE_PING,
          YamuxFrame.FLAG_SYN, 0, first + i);
    }
    return out;
  }

  /** Yamux SYNs for fresh odd ids: all but the first few are refused with RST. */
  private static byte[] syns(int first) {
    byte[] out = new byte[PER_MESSAGE * YamuxFrame.HEADER_LENGTH];
    for (int i = 0; i < PER_MESSAGE; i++) {
      long id = 3 + 2L * (first + i);
      YamuxFrame.writeHeader(out, i * YamuxFrame.HEADER_LENGTH, YamuxFrame.TYPE_WINDOW_UPDATE,
          YamuxFrame.FLAG_SYN, id, 0);
    }
    return out;
  }

  /** mplex NewStream frames for fresh ids: all but the first few are refused with a Reset. */
  private static byte[] newStreams(int first) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[UnsignedVarint.MAX_BYTES];
    for (int i = 0; i < PER_MESSAGE; i++) {
      long id = 1 + first + i;
      out.write(buf, 0, UnsignedVarint.write(id << 3, buf, 0)); // flag 0: NewStream
      out.write(0); // an empty name
    }
    return out.toByteArray();
  }

  @Test
  void aMillionYamuxPingsNobodyReads() throws Exception {
    flood(TransportOptions.YAMUX_PROTOCOL, ControlFloodTest::pings);
  }

  @Test
  void aMillionRefusedYamuxSyns() throws Exception {
    flood(TransportOptions.YAMUX_PROTOCOL, ControlFloodTest::syns);
  }

  @Test
  void aMillionRefusedMplexStreams() throws Exception {
    flood(TransportOptions.MPLEX_PROTOCOL, ControlFloodTest::newStreams);
  }

  // ---- the harness ----------------------------------------------------------------------------

  private static long heapAfterGc(MemoryMXBean memory) {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private void flood(String muxer, IntFunction<byte[]> frames) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = heapAfterGc(memory);
    long heapGrowth = -1;
    int port = node.listenAddrs().get(0).port().getAsInt();
    RawPeer flooder = RawPeer.connect("127.0.0.1", port);
    flooder.socket().setReceiveBufferSize(FLOODER_RECEIVE_BUFFER);
    // the muxer is chosen inside the Noise handshake
    flooder.secure(RawPeer.Identity.ed25519(new SecureRandom()), List.of(muxer));
    AtomicLong written = new AtomicLong();
    AtomicReference<IOException> cutOff = new AtomicReference<>();
    Thread writer = new Thread(() -> {
      try {
        for (int sent = 0; sent < FRAMES; sent += PER_MESSAGE) {
          flooder.write(frames.apply(sent));
          written.addAndGet(PER_MESSAGE);
        }
      } catch (IOException e) {
        cutOff.set(e);
      }
    }, "flooder");
    writer.setDaemon(true);
    // The flood starts once the node has registered the connection: cut off within a few
    // milliseconds, it could otherwise be gone before the test has seen it.
    Connection flooded = awaitConnection(flooder);
    writer.start();
    try {
      long directBefore = directMemory(flooded);
      // Sample what the node holds for the flooder, on the flooded connection's loop.
      AtomicLong maxUnsent = new AtomicLong();
      AtomicLong maxDirect = new AtomicLong(directBefore);
      long sampler = vertx.setPeriodic(2, t -> {
        maxDirect.accumulateAndGet(directMemory(flooded), Math::max);
        flow(flooded).onSuccess(
            f -> maxUnsent.accumulateAndGet(f.getLong("unsentBytes", 0L), Math::max));
      });
      try {
        // Another connection works while the flood is on.
        assertEchoes();
        awaitFloodSettled(flooded, writer);
        assertEchoes();
        long heapDuring = heapAfterGc(memory);
        heapGrowth = heapDuring - heapBefore;
        assertTrue(heapDuring - heapBefore < HEAP_BOUND, "the heap grew by "
            + (heapDuring - heapBefore) + " bytes during a flood of " + written.get()
            + " frames");
      } finally {
        vertx.cancelTimer(sampler);
      }
      long direct = maxDirect.get() - directBefore;
      System.out.println("flood " + muxer + ": " + written.get() + " frames written"
          + (cutOff.get() == null ? "" : " (cut off)") + "; unsent at most " + maxUnsent.get()
          + " B; direct memory grew by at most " + direct + " B; heap after GC grew by "
          + heapGrowth + " B");
      assertTrue(direct < DIRECT_BOUND, "the node's direct memory grew by " + direct
          + " bytes (bound " + DIRECT_BOUND + ") for a peer that never reads, after "
          + written.get() + " frames");
      // The deterministic part: the node either cut the flooder off, giving the reason that
      // names the bound, or stopped reading it while its answers could not be sent.
      if (flooded.closeFuture().isComplete()) {
        assertTrue(logs.texts().stream().anyMatch(w -> w.contains("ControlBacklog.MAX_UNSENT")),
            "the flooder's connection closed without the reason: " + logs.texts());
      } else {
        assertTrue(await(flow(flooded)).getBoolean("writeBlocked", false), "the node read a flood"
            + " of " + written.get() + " frames from a peer that reads none of the answers,"
            + " neither pausing nor cutting it off");
      }
      long unsent = Math.max(maxUnsent.get(), currentUnsent(flooded));
      assertTrue(unsent < UNSENT_BOUND, "the node held " + unsent
          + " bytes unsent for a peer that never reads (bound " + UNSENT_BOUND + "), after "
          + written.get() + " frames" + (cutOff.get() == null ? "" : ", cut off: " + cutOff.get()));
    } finally {
      flooder.close();
      writer.join(Duration.ofSeconds(30).toMillis());
    }
  }

  /** The node's side of the flooder's connection. */
  private Connection awaitConnection(RawPeer flooder) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      for (Connection c : node.getConnections()) {
        if (!c.peerId().equals(good.peerId())) {
          return c;
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("the node never registered the flooder's connection");
  }

  /**
   * Waits until the node has cut the flooder off, has paused reading for a full socket write
   * queue, or has read all the flooder wrote (its count of bytes in stops moving once the writer
   * is done: the only way to tell that a node without back-pressure has answered everything).
   */
  private void awaitFloodSettled(Connection flooded, Thread writer) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    long lastIn = -1;
    int still = 0;
    while (System.nanoTime() < deadline) {
      if (flooded.closeFuture().isComplete()
          || await(flow(flooded)).getBoolean("writeBlocked", false)) {
        return;
      }
      long in = flooded.bytesIn();
      still = !writer.isAlive() && in == lastIn ? still + 1 : 0;
      if (still >= 10) {
        return;
      }
      lastIn = in;
      await(vertx.timer(20));
    }
    fail("the flood never settled");
  }

  private void assertEchoes() {
    List<Connection> c = await(good.dial(node.listenAddrs().get(0), new DialOptions()));
    assertTrue(!c.isEmpty());
    P2pStream s = await(good.newStream(node.peerId(), Echo.PROTOCOL));
    byte[] payload = "still serving".getBytes(StandardCharsets.UTF_8);
    Promise<Buffer> got = Promise.promise();
    Buffer acc = Buffer.buffer();
    s.handler(b -> {
      acc.appendBuffer(b);
      if (acc.length() >= payload.length) {
        got.tryComplete(acc);
      }
    });
    s.write(Buffer.buffer(payload));
    assertArrayEquals(payload, await(got.future(), Duration.ofSeconds(10)).getBytes());
    s.reset();
  }

  /**
   * Direct memory the flooded connection's allocator holds (where the socket's unsent writes
   * live), or 0 when the allocator has no metric.
   */
  private static long directMemory(Connection flooded) {
    io.netty.channel.Channel ch = ((MuxedConnection) flooded).channel();
    return ch != null && ch.alloc() instanceof ByteBufAllocatorMetricProvider m
        ? m.metric().usedDirectMemory() : 0;
  }

  private long currentUnsent(Connection flooded) {
    if (flooded.closeFuture().isComplete()) {
      return 0;
    }
    return await(flow(flooded)).getLong("unsentBytes", 0L);
  }

  private static io.vertx.core.Future<JsonObject> flow(Connection c) {
    return ((MuxedConnection) c).flowJson();
  }
}
