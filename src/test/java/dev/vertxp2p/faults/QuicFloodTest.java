package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrProtocol;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.protocols.Ping;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node listening on QUIC takes 100,000 junk datagrams at about 10,000 a second from one UDP
 * socket: pure noise, and packets dressed as QUIC (long-header Initials of QUIC v1 with random
 * connection ids, tokens and lengths and a garbage payload, long headers of other types and
 * unknown versions, short headers for connections that do not exist). Meanwhile a peer connected
 * to it over QUIC pings it: the pings stay fast (p99 under 50 ms), the heap after GC grows by
 * less than 64 MiB, no junk becomes a connection, and afterwards the node still accepts a new
 * QUIC connection.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QuicFloodTest {
  static final String QUIC_LISTEN = "/ip4/127.0.0.1/udp/0/quic-v1";
  static final int DATAGRAMS = 100_000;
  static final int PER_SECOND = 10_000;
  static final double PING_P99_BOUND_MS = 50.0;
  static final long HEAP_BOUND = 64L * 1024 * 1024;
  /** Pause between one answered ping and the next: about a thousand samples over the flood. */
  static final long PING_GAP_MS = 10;
  /** QUIC v1 (RFC 9000 section 15). */
  static final int QUIC_V1 = 0x00000001;
  /** A server drops client Initials in datagrams smaller than this (RFC 9000 section 14.1). */
  static final int MIN_INITIAL_DATAGRAM = 1200;
  /** The largest UDP payload we send: what a 1500-byte Ethernet frame carries over IPv4. */
  static final int MAX_DATAGRAM = 1472;

  private Vertx nodeVertx;
  private Vertx peerVertx;
  private Vertx floodVertx;
  private Swarm node;
  private Swarm pinger;
  private Swarm newcomer;
  private volatile DatagramSocket flooder;

  @BeforeEach
  void setUp() {
    // The node on loops of its own, the pinger and the newcomer on others, and the flooder on
    // a loop of its own: the flood's sending must not delay the pinger's side of a ping.
    nodeVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    peerVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    floodVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    node = Swarm.create(nodeVertx, new SwarmOptions().setListen(List.of(QUIC_LISTEN)));
    await(node.start());
    pinger = Swarm.create(peerVertx, new SwarmOptions().setListen(List.of()));
    await(pinger.start());
  }

  @AfterEach
  void tearDown() {
    if (flooder != null) {
      await(flooder.close());
    }
    for (Swarm s : new Swarm[] {newcomer, pinger, node}) {
      if (s != null) {
        await(s.close());
      }
    }
    await(floodVertx.close());
    await(peerVertx.close());
    await(nodeVertx.close());
  }

  @Test
  void junkDatagramsNeitherSlowPingsNorGrowTheHeap() {
    Multiaddr quic = quicAddr(node);
    int port = quic.port().getAsInt();
    List<Connection> dialled = await(pinger.dial(quic, new DialOptions()));
    assertEquals(1, dialled.size());
    Connection pinged = dialled.get(0);
    assertEquals("quic-v1", pinged.transport(), pinged.toJson().encode());
    await(Ping.ping(pinged)); // warm: the ping stream's first negotiation

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long heapBefore = heapAfterGc(memory);

    long seed = System.nanoTime();
    AtomicLong answers = new AtomicLong();
    Context floodContext = floodVertx.getOrCreateContext();
    Promise<FloodResult> flood = Promise.promise();
    // The socket, its send callbacks and the pacing timers all on one context: the flood's
    // counters need no locks.
    floodContext.runOnContext(v -> {
      flooder = floodVertx.createDatagramSocket(new DatagramSocketOptions());
      flooder.handler(packet -> answers.incrementAndGet());
      flooder.listen(0, "127.0.0.1")
          .onSuccess(bound -> new Flood(floodVertx, flooder, new SplittableRandom(seed), port,
              flood).start())
          .onFailure(flood::fail);
    });

    Context pingContext = peerVertx.getOrCreateContext();
    Promise<List<Double>> pings = Promise.promise();
    pingContext.runOnContext(v -> pingUntil(pinged, flood.future(), new ArrayList<>(), pings));

    FloodResult sent = await(flood.future(), Duration.ofSeconds(120));
    List<Double> rtts = await(pings.future(), Duration.ofSeconds(30));
    long heapGrowth = heapAfterGc(memory) - heapBefore;

    double p99 = percentile(rtts, 0.99);
    System.out.printf("quic flood (seed %d): %d datagrams in %.1f s (%d send failures),"
            + " %d datagrams came back; %d pings, p50 %.2f ms, p99 %.2f ms, max %.2f ms;"
            + " heap after GC grew by %d B%n",
        seed, sent.sent, sent.seconds, sent.failed, answers.get(), rtts.size(),
        percentile(rtts, 0.5), p99, percentile(rtts, 1.0), heapGrowth);

    assertEquals(DATAGRAMS, sent.sent, "the flood did not go out whole");
    assertTrue(sent.seconds >= 0.8 * DATAGRAMS / PER_SECOND,
        "the flood was not paced: " + sent.seconds + " s");
    assertTrue(rtts.size() >= 100, "only " + rtts.size() + " pings were answered during the"
        + " flood");
    assertTrue(p99 < PING_P99_BOUND_MS, "ping p99 " + p99 + " ms during the flood (bound "
        + PING_P99_BOUND_MS + " ms); seed " + seed);
    assertTrue(heapGrowth < HEAP_BOUND, "the heap after GC grew by " + heapGrowth
        + " bytes over a flood of " + DATAGRAMS + " junk datagrams; seed " + seed);

    // No junk became a connection, the pinged one lives on, and a new peer gets in.
    assertTrue(pinged.isOpen(), "the pinger's connection did not survive the flood");
    assertEquals(List.of(pinger.peerId()),
        node.getConnections().stream().map(Connection::peerId).toList());
    newcomer = Swarm.create(peerVertx, new SwarmOptions().setListen(List.of()));
    await(newcomer.start());
    Connection fresh = await(newcomer.dial(quic, new DialOptions())).get(0);
    assertEquals("quic-v1", fresh.transport());
    assertTrue(await(Ping.ping(fresh)) > 0);
    assertEquals(2, node.getConnections().size(), node.getConnections().toString());
  }

  private static Multiaddr quicAddr(Swarm s) {
    return s.listenAddrs().stream().filter(a -> a.has(MultiaddrProtocol.QUIC_V1)).findFirst()
        .orElseThrow(() -> new AssertionError("no QUIC listen address in " + s.listenAddrs()));
  }

  private static long heapAfterGc(MemoryMXBean memory) {
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static double percentile(List<Double> samples, double q) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  /**
   * Pings over {@code connection} one at a time, {@link #PING_GAP_MS} apart, until {@code stop}
   * has completed; each sample is the whole call in milliseconds (stream open, protocol
   * negotiation and the round trip), as a user of the node would wait for it.
   */
  private void pingUntil(Connection connection, Future<?> stop, List<Double> rtts,
      Promise<List<Double>> done) {
    long start = System.nanoTime();
    Ping.ping(connection).onComplete(ar -> {
      if (ar.failed()) {
        done.tryFail(new AssertionError("a ping failed during the flood after " + rtts.size()
            + " answered", ar.cause()));
        return;
      }
      rtts.add((System.nanoTime() - start) / 1e6);
      if (stop.isComplete()) {
        done.tryComplete(rtts);
      } else {
        peerVertx.setTimer(PING_GAP_MS, id -> pingUntil(connection, stop, rtts, done));
      }
    });
  }

  record FloodResult(int sent, int failed, double seconds) {}

  /**
   * Sends {@link #DATAGRAMS} junk datagrams paced at {@link #PER_SECOND}: each tick of a
   * one-shot timer chain sends what the elapsed time allows, so a late tick catches up.
   */
  static final class Flood {
    private final Vertx vertx;
    private final DatagramSocket socket;
    private final SplittableRandom random;
    private final int port;
    private final Promise<FloodResult> done;
    private long startNanos;
    private int sent;
    private int settled;
    private int failed;

    Flood(Vertx vertx, DatagramSocket socket, SplittableRandom random, int port,
        Promise<FloodResult> done) {
      this.vertx = vertx;
      this.socket = socket;
      this.random = random;
      this.port = port;
      this.done = done;
    }

    void start() {
      startNanos = System.nanoTime();
      tick();
    }

    private void tick() {
      long elapsed = System.nanoTime() - startNanos;
      long due = Math.min(DATAGRAMS, elapsed * PER_SECOND / 1_000_000_000L + 1);
      while (sent < due) {
        sent++;
        socket.send(Buffer.buffer(junk(random)), port, "127.0.0.1").onComplete(ar -> {
          if (ar.failed()) {
            failed++;
          }
          if (++settled == DATAGRAMS) {
            done.complete(new FloodResult(sent, failed,
                (System.nanoTime() - startNanos) / 1e9));
          }
        });
      }
      if (sent < DATAGRAMS) {
        vertx.setTimer(1, id -> tick());
      }
    }
  }

  // ---- junk ---------------------------------------------------------------------------------

  /** One junk datagram: two in five an Initial look-alike, the rest spread over other kinds. */
  static byte[] junk(SplittableRandom r) {
    int kind = r.nextInt(10);
    if (kind < 4) {
      return initial(r, QUIC_V1, 0);
    } else if (kind == 4) {
      // an unknown version: a server answers it with Version Negotiation, at most
      return initial(r, r.nextInt(), 0);
    } else if (kind == 5) {
      // 0-RTT, Handshake or Retry (long-header types 1..3) of QUIC v1
      return initial(r, QUIC_V1, 1 + r.nextInt(3));
    } else if (kind < 8) {
      return shortHeader(r);
    } else {
      byte[] noise = new byte[1 + r.nextInt(MAX_DATAGRAM)];
      r.nextBytes(noise);
      return noise;
    }
  }

  /**
   * A long-header packet (RFC 9000 section 17.2) of {@code type} (0 = Initial) and
   * {@code version}: connection ids of random length (now and then over the 20-byte limit),
   * sometimes a token, a Length field that is usually right, and a random payload, padded to
   * the 1200 bytes a real client Initial has.
   */
  static byte[] initial(SplittableRandom r, int version, int type) {
    int size = MIN_INITIAL_DATAGRAM + r.nextInt(MAX_DATAGRAM - MIN_INITIAL_DATAGRAM + 1);
    byte[] p = new byte[size];
    r.nextBytes(p);
    int i = 0;
    // header form 1, fixed bit 1, the type, then the (protected) reserved and length bits
    p[i++] = (byte) (0xC0 | (type << 4) | r.nextInt(16));
    p[i++] = (byte) (version >>> 24);
    p[i++] = (byte) (version >>> 16);
    p[i++] = (byte) (version >>> 8);
    p[i++] = (byte) version;
    for (int cid = 0; cid < 2; cid++) {
      int len = r.nextInt(16) == 0 ? 21 + r.nextInt(235) : r.nextInt(21);
      p[i++] = (byte) len;
      i += Math.min(len, 64); // random bytes already there; an oversized id is cut short
    }
    if (type == 0) {
      // Token Length as a one-byte varint: mostly 0, sometimes a random token follows
      int token = r.nextInt(4) == 0 ? r.nextInt(64) : 0;
      p[i++] = (byte) token;
      i += token;
    }
    // Length as a two-byte varint: the rest of the datagram, or now and then any value
    int rest = size - i - 2;
    int length = r.nextInt(8) == 0 ? r.nextInt(1 << 14) : rest;
    p[i++] = (byte) (0x40 | (length >>> 8));
    p[i] = (byte) length;
    return p;
  }

  /** A short-header (1-RTT) packet for a connection id nobody issued (RFC 9000 section 17.3). */
  static byte[] shortHeader(SplittableRandom r) {
    byte[] p = new byte[21 + r.nextInt(MAX_DATAGRAM - 20)];
    r.nextBytes(p);
    p[0] = (byte) (0x40 | (p[0] & 0x3F));
    return p;
  }
}
