package dev.vertxp2p.faults;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.DialOptions;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Slowloris: many sockets connect and then stall (half say nothing, half send a few bytes of the
 * multistream header and stop). Each must be closed by the server at its handshake timeout, and a
 * legitimate peer must connect and ping meanwhile: all of it done while every staller is still
 * held open. {@code -Dslowloris.sockets=N} scales it (1,000 by default); a descriptor limit too low
 * for N fails the test rather than quietly running fewer.
 */
class SlowlorisTest {
  static final int WANTED = Integer.getInteger("slowloris.sockets", 1000);
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(5000);
  /** Slack past the timeout for a loaded machine: the close must come within it. */
  static final Duration CLOSE_SLACK = Duration.ofSeconds(10);
  /** Descriptors kept free for the JVM, the two nodes and the legitimate peer. */
  static final int FD_RESERVE = 300;

  private Vertx vertx;
  private Swarm server;
  private Swarm good;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    for (Swarm s : new Swarm[] {server, good}) {
      if (s != null) {
        await(s.close());
      }
    }
    await(vertx.close());
  }

  /**
   * Fails unless the descriptor limit leaves room for {@code wanted} stalled sockets: each costs
   * two descriptors in this JVM, ours and the server's.
   */
  static void assertTheFdLimitHolds(int wanted) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      long free = unix.getMaxFileDescriptorCount() - unix.getOpenFileDescriptorCount() - FD_RESERVE;
      assertTrue(free / 2 >= wanted, "the descriptor limit " + unix.getMaxFileDescriptorCount()
          + " leaves room for " + free / 2 + " stalled sockets, not the " + wanted + " asked for:"
          + " raise it (ulimit -n) or ask for fewer (-Dslowloris.sockets=N)");
    }
  }

  @Test
  void stalledSocketsAreClosedAtTheHandshakeTimeoutWhileAPeerPings() throws Exception {
    SwarmOptions so = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setTransport(new TransportOptions().setHandshakeTimeout(HANDSHAKE_TIMEOUT));
    // Room for every staller, so what is measured is the handshake timeout itself (eviction
    // under a full pending budget is ResourceLimitsTest's).
    so.getLimits().setMaxPendingInbound(10_000);
    server = Swarm.create(vertx, so);
    await(server.start());
    good = Swarm.create(vertx, new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0")));
    await(good.start());
    int port = server.listenAddrs().get(0).port().getAsInt();
    int n = WANTED;
    assertTheFdLimitHolds(n);

    // The start of a multistream header: a varint length and a few of its bytes, then nothing.
    byte[] partial = {19, '/', 'm', 'u', 'l'};
    long[] openedAt = new long[n];
    long[] closedAt = new long[n];
    SocketChannel[] channels = new SocketChannel[n];
    long legitNanos;
    long firstClose;
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < n; i++) {
        SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        openedAt[i] = System.nanoTime();
        channels[i] = ch;
        if (i % 2 == 1) {
          ch.write(ByteBuffer.wrap(partial));
        }
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ, i);
      }
      long allOpen = System.nanoTime();

      // Meanwhile a real peer connects and pings, while this thread watches the stalled sockets.
      long[] legitDone = new long[1];
      Future<Double> legit = good.dial(server.listenAddrs().get(0), new DialOptions())
          .compose(conns -> good.ping(server.peerId()))
          .compose(rtt -> good.ping(server.peerId()))
          .compose(rtt -> good.ping(server.peerId()))
          .onSuccess(rtt -> legitDone[0] = System.nanoTime());

      // Now wait, on the selector, for the server to close every stalled socket.
      long deadline = allOpen + HANDSHAKE_TIMEOUT.plus(CLOSE_SLACK).toNanos();
      ByteBuffer sink = ByteBuffer.allocate(4096);
      int closed = 0;
      while (closed < n) {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          break;
        }
        selector.select(left);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey key = it.next();
          it.remove();
          int i = (Integer) key.attachment();
          boolean ended;
          try {
            sink.clear();
            ended = channels[i].read(sink) < 0;
          } catch (IOException reset) {
            ended = true;
          }
          if (ended) {
            closedAt[i] = System.nanoTime();
            key.cancel();
            channels[i].close();
            closed++;
          }
        }
      }
      assertEquals(n, closed, "stalled sockets the server closed within "
          + HANDSHAKE_TIMEOUT.plus(CLOSE_SLACK));
      assertTrue(await(legit) > 0);
      legitNanos = legitDone[0] - allOpen;
      firstClose = Arrays.stream(closedAt).min().getAsLong();
      // Meanwhile: the peer dialed and pinged three times while every staller was still held
      // open, that is before the server closed the first of them at its handshake timeout.
      assertTrue(legitDone[0] - firstClose < 0, "the legitimate peer finished "
          + legitNanos / 1_000_000 + " ms after all " + n + " stallers were open, "
          + (legitDone[0] - firstClose) / 1_000_000 + " ms after the server began closing them");
    } finally {
      for (SocketChannel ch : channels) {
        if (ch != null) {
          ch.close();
        }
      }
    }

    long[] ms = new long[n];
    for (int i = 0; i < n; i++) {
      ms[i] = (closedAt[i] - openedAt[i]) / 1_000_000;
    }
    Arrays.sort(ms);
    System.out.printf("slowloris: %d stalled sockets, handshake timeout %d ms; time to close "
            + "min %d, p50 %d, p90 %d, p99 %d, max %d ms; the legitimate peer dialed and pinged "
            + "3 times in %d ms meanwhile%n",
        n, HANDSHAKE_TIMEOUT.toMillis(), ms[0], ms[n / 2], ms[n * 9 / 10], ms[n * 99 / 100],
        ms[n - 1], legitNanos / 1_000_000);
    // Never before the timeout (a little timer granularity aside), never long after it.
    assertTrue(ms[0] >= HANDSHAKE_TIMEOUT.toMillis() - 20, "closed early: " + ms[0] + " ms");
    assertTrue(ms[n - 1] <= HANDSHAKE_TIMEOUT.plus(CLOSE_SLACK).toMillis());
    // The legitimate peer was left alone.
    assertEquals(1, good.getConnections(server.peerId()).size());
    assertTrue(await(good.ping(server.peerId())) > 0);
  }
}
