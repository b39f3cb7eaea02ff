package dev.vertxp2p.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy that shapes each connection through it, for benchmarks on a kernel without
 * netem. Every accepted connection (a <em>link</em>) gets its own connection to the target and,
 * in each direction, its own:
 *
 * <ul>
 *   <li><b>rate cap</b>: a token bucket of {@link Shape#bitsPerSecond()}, refilled continuously,
 *       holding at most 20 ms of the rate (16 KiB at least): deep enough that an event loop
 *       descheduled for a few milliseconds on a busy machine loses no capacity, shallow enough
 *       that a flow cannot run far over its cap for long;
 *   <li><b>one-way delay</b>: each chunk read is written no earlier than its arrival plus {@link
 *       Shape#delay()}, in the order read;
 *   <li><b>bounded queue</b>: the bytes read and not yet written are at most {@link #queueBound()},
 *       one bandwidth-delay product (the rate times twice the one-way delay) plus 256 KiB. Once a
 *       direction's queue is within one read of its bound, the source socket is paused, and it is
 *       resumed when the queue has drained to three quarters of that. The proxy's own sockets
 *       have 64 KiB kernel buffers, so the kernel holds little more: back-pressure reaches the
 *       sender's TCP window, and from there its Yamux windows, instead of seconds of queue
 *       building up here.
 * </ul>
 *
 * <p>{@link #stall} makes one link stop forwarding both ways for a while: reads go on until the
 * queues are full (then the sources are paused), and nothing tells either end; afterwards the
 * queued bytes go out in order.
 *
 * <p><b>What this models, and what not.</b> It models a path that gives each flow its own fixed
 * share: a per-flow rate limit (a policer or a fair-queueing bottleneck) with a fixed propagation
 * delay, and a path that stops for a while (one flow's loss holding everything behind it). It is
 * not a model of TCP congestion: nothing is dropped, the flows do not compete for one bottleneck,
 * there is no loss, retransmission or congestion window, and the delay is the same for every
 * byte. Flows through it reach their cap as soon as their windows cover the bandwidth-delay
 * product.
 *
 * <p>All its work runs on Vert.x event loops, each link on the context that accepted it (its
 * connection to the target dials from there too); pacing and delay use Vert.x timers with their
 * millisecond resolution, and nothing blocks.
 */
public final class ShapingProxy implements AutoCloseable {
  /** Added to the bandwidth-delay product in the queue bound. */
  public static final long QUEUE_SLACK_BYTES = 256 * 1024;
  /** The largest read a socket hands over at once (Netty's adaptive allocator's maximum). */
  static final int MAX_READ_BYTES = 64 * 1024;
  /** Kernel send and receive buffer of the proxy's sockets. */
  static final int SOCKET_BUFFER_BYTES = 64 * 1024;
  /** The smallest slice the pacer releases when a chunk is larger than the tokens in hand. */
  static final int MIN_SLICE_BYTES = 4 * 1024;
  /**
   * Tokens the bucket holds at most, in time at the rate: what a late timer can make up. 3 links
   * at 200 Mbit/s on a shared two-core machine reached 77-85 % of their cap with 5 ms, 87 % with
   * 20 ms (single runs, the machine busy with other builds).
   */
  static final double BURST_SECONDS = 0.02;
  static final int MIN_BURST_BYTES = 16 * 1024;

  /**
   * How each link is shaped, the same in both directions.
   *
   * @param bitsPerSecond the rate cap of each direction of each link; 0 for none
   * @param delay added one-way delay, each direction
   */
  public record Shape(long bitsPerSecond, Duration delay) {
    public Shape {
      if (bitsPerSecond < 0) {
        throw new IllegalArgumentException("bitsPerSecond must be >= 0, got " + bitsPerSecond);
      }
      if (delay == null || delay.isNegative()) {
        throw new IllegalArgumentException("delay must be >= 0, got " + delay);
      }
    }

    /** Bytes per second, or 0 when uncapped. */
    double bytesPerSecond() {
      return bitsPerSecond / 8.0;
    }

    /** The rate times the round trip the delay adds, plus {@link #QUEUE_SLACK_BYTES}. */
    public long queueBound() {
      return (long) (bytesPerSecond() * 2 * delay.toNanos() / 1e9) + QUEUE_SLACK_BYTES;
    }

    long burstBytes() {
      return Math.max(MIN_BURST_BYTES, (long) (bytesPerSecond() * BURST_SECONDS));
    }

    @Override
    public String toString() {
      return (bitsPerSecond == 0 ? "uncapped" : bitsPerSecond / 1e6 + " Mbit/s") + ", "
          + delay.toMillis() + " ms each way";
    }
  }

  private final Vertx vertx;
  private final Shape shape;
  private final NetServer server;
  private final NetClient client;
  /** Links by the dialer's port, which its connection reports as its local address. */
  private final Map<Integer, Link> links = new ConcurrentHashMap<>();
  private final AtomicLong maxQueued = new AtomicLong();
  private final AtomicLong forwarded = new AtomicLong();
  private final long pauseAt;
  private final long resumeAt;

  private ShapingProxy(Vertx vertx, String targetHost, int targetPort, Shape shape) {
    this.vertx = vertx;
    this.shape = shape;
    long bound = shape.queueBound();
    this.pauseAt = bound - MAX_READ_BYTES;
    this.resumeAt = pauseAt * 3 / 4;
    client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)
        .setReceiveBufferSize(SOCKET_BUFFER_BYTES).setSendBufferSize(SOCKET_BUFFER_BYTES));
    server = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true)
            .setReceiveBufferSize(SOCKET_BUFFER_BYTES).setSendBufferSize(SOCKET_BUFFER_BYTES))
        .connectHandler(down -> accept(down, targetHost, targetPort));
  }

  /** Starts a proxy on an ephemeral loopback port in front of {@code targetHost:targetPort}. */
  public static Future<ShapingProxy> start(Vertx vertx, String targetHost, int targetPort,
      Shape shape) {
    ShapingProxy p = new ShapingProxy(vertx, targetHost, targetPort, shape);
    return p.server.listen(0, "127.0.0.1").map(s -> p);
  }

  /** The port the proxy listens on. */
  public int port() {
    return server.actualPort();
  }

  public Shape shape() {
    return shape;
  }

  /** The most bytes any direction of any link can hold; see the class comment. */
  public long queueBound() {
    return shape.queueBound();
  }

  /** The most bytes any direction of any link has held so far. */
  public long maxQueued() {
    return maxQueued.get();
  }

  /** Bytes written onwards so far, both directions of every link. */
  public long forwarded() {
    return forwarded.get();
  }

  /**
   * What one direction of one link did since the last {@link #resetStats()}: a profile of where
   * its time went, to tell a link held back by its cap from one its sender did not keep busy.
   *
   * @param dialerPort the link, by its dialer's port
   * @param toTarget the direction: dialer to target, or back
   * @param bytes bytes written onwards
   * @param firstNanos {@link System#nanoTime()} of the first write, 0 if none
   * @param lastNanos of the last write
   * @param emptyNanos time between the first and the last write with nothing queued: the sender
   *     gave the link nothing to forward (its windows, its CPU, or its streams done)
   * @param delayWaitNanos time with bytes queued, none of them due yet (still in the added
   *     delay): the sender had less than the bandwidth-delay product in flight
   * @param sinkFullNanos time the onward socket's write queue was full: the receiver did not read
   *     as fast as the cap allowed
   * @param lateNanos the timers' lateness, summed: time the link could have sent and did not
   *     because its pacing timer fired after it was due (a busy event loop), up to what its
   *     bucket makes up
   * @param maxLateNanos the latest a timer fired: past the bucket's depth, capacity lost
   */
  public record LinkStats(int dialerPort, boolean toTarget, long bytes, long firstNanos,
      long lastNanos, long emptyNanos, long delayWaitNanos, long sinkFullNanos, long lateNanos,
      long maxLateNanos) {
    /** Rate over the span from the first write to the last, in Mbit/s. */
    public double mbits() {
      long span = lastNanos - firstNanos;
      return span <= 0 ? Double.NaN : bytes * 8e3 / span;
    }

    public double emptyShare() {
      return share(emptyNanos);
    }

    public double delayWaitShare() {
      return share(delayWaitNanos);
    }

    public double sinkFullShare() {
      return share(sinkFullNanos);
    }

    /** {@code nanos} as a share of the span from the first write to the last. */
    private double share(long nanos) {
      long span = lastNanos - firstNanos;
      return span <= 0 ? Double.NaN : (double) nanos / span;
    }
  }

  /** Every open link's {@link LinkStats}, both directions, read on each link's context. */
  public Future<List<LinkStats>> stats() {
    List<Future<List<LinkStats>>> each = new ArrayList<>();
    for (Map.Entry<Integer, Link> e : links.entrySet()) {
      Link l = e.getValue();
      Promise<List<LinkStats>> p = Promise.promise();
      l.context.runOnContext(v -> p.complete(List.of(l.toTarget.stats(e.getKey(), true),
          l.toDialer.stats(e.getKey(), false))));
      each.add(p.future());
    }
    return Future.all(each).map(cf -> {
      List<LinkStats> out = new ArrayList<>();
      for (int i = 0; i < cf.size(); i++) {
        out.addAll(cf.<List<LinkStats>>resultAt(i));
      }
      return out;
    });
  }

  /** Starts every open link's {@link LinkStats} afresh; completes once all have. */
  public Future<Void> resetStats() {
    List<Future<Void>> each = new ArrayList<>();
    for (Link l : links.values()) {
      Promise<Void> p = Promise.promise();
      l.context.runOnContext(v -> {
        l.toTarget.resetStats();
        l.toDialer.resetStats();
        p.complete();
      });
      each.add(p.future());
    }
    return Future.all(each).mapEmpty();
  }

  /** Ports of the dialers of the links open now. */
  public List<Integer> linkPorts() {
    return new ArrayList<>(links.keySet());
  }

  /**
   * Stops the link whose dialer has local port {@code dialerPort} from forwarding, both ways, for
   * {@code duration} from now; completes once that holds. A stall of a stalled link ends at the
   * later of the two ends.
   */
  public Future<Void> stall(int dialerPort, Duration duration) {
    Link l = links.get(dialerPort);
    if (l == null) {
      return Future.failedFuture(new IllegalArgumentException(
          "no link from port " + dialerPort + " in " + links.keySet()));
    }
    Promise<Void> p = Promise.promise();
    l.context.runOnContext(v -> {
      l.stalledUntil = Math.max(l.stalledUntil, System.nanoTime() + duration.toNanos());
      p.complete();
    });
    return p.future();
  }

  private void accept(NetSocket down, String targetHost, int targetPort) {
    down.pause();
    Context context = Vertx.currentContext();
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        down.close();
        return;
      }
      Link l = new Link(context, down, ar.result());
      links.put(down.remoteAddress().port(), l);
      l.start();
    });
  }

  @Override
  public void close() {
    List<Future<Void>> all = new ArrayList<>();
    for (Link l : links.values()) {
      all.add(l.down.close());
      all.add(l.up.close());
    }
    Await.get(Future.join(all).otherwiseEmpty()
        .compose(v -> server.close()).compose(v -> client.close()), 30);
  }

  /** One proxied connection: the dialer's socket, ours to the target, and the two directions. */
  private final class Link {
    final Context context;
    final NetSocket down;
    final NetSocket up;
    final Direction toTarget;
    final Direction toDialer;
    /** {@link System#nanoTime()} until which neither direction forwards. */
    long stalledUntil = Long.MIN_VALUE;

    Link(Context context, NetSocket down, NetSocket up) {
      this.context = context;
      this.down = down;
      this.up = up;
      this.toTarget = new Direction(this, down, up);
      this.toDialer = new Direction(this, up, down);
    }

    void start() {
      toTarget.wire();
      toDialer.wire();
      down.closeHandler(v -> {
        links.remove(down.remoteAddress().port(), this);
        toTarget.sourceEnded();
      });
      up.closeHandler(v -> toDialer.sourceEnded());
      down.resume();
    }
  }

  /** A chunk as read, and how much of it is still to go. */
  private static final class Chunk {
    final Buffer buf;
    final long readyAt;
    int offset;

    Chunk(Buffer buf, long readyAt) {
      this.buf = buf;
      this.readyAt = readyAt;
    }

    int remaining() {
      return buf.length() - offset;
    }
  }

  /** One direction of a link: its queue, delay line and token bucket. Confined to the context. */
  private final class Direction {
    final Link link;
    final NetSocket from;
    final NetSocket to;
    final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    final long delayNanos = shape.delay().toNanos();
    final double bytesPerNano = shape.bytesPerSecond() / 1e9;
    final long burst = shape.burstBytes();
    long queued;
    double tokens;
    long refilledAt = System.nanoTime();
    boolean paused;
    boolean timerSet;
    boolean awaitingDrain;
    boolean ended;
    /** When the pending timer is due. */
    long timerDue;
    // the LinkStats figures; 0 when not in that state
    long statBytes;
    long firstAt;
    long lastAt;
    long emptySince;
    long emptyNanos;
    long sinkFullSince;
    long sinkFullNanos;
    long lateNanos;
    long maxLateNanos;
    /** When the pending timer was set to wait for the head's delay, else 0. */
    long delayWaitSince;
    long delayWaitNanos;

    Direction(Link link, NetSocket from, NetSocket to) {
      this.link = link;
      this.from = from;
      this.to = to;
      this.tokens = burst;
    }

    void wire() {
      from.handler(this::onData);
      from.endHandler(v -> sourceEnded());
      from.exceptionHandler(e -> {
        from.close();
        to.close();
      });
    }

    LinkStats stats(int port, boolean toTarget) {
      return new LinkStats(port, toTarget, statBytes, firstAt, lastAt, emptyNanos, delayWaitNanos,
          sinkFullNanos, lateNanos, maxLateNanos);
    }

    void resetStats() {
      statBytes = 0;
      firstAt = 0;
      lastAt = 0;
      emptySince = 0;
      emptyNanos = 0;
      sinkFullSince = awaitingDrain ? System.nanoTime() : 0;
      sinkFullNanos = 0;
      lateNanos = 0;
      maxLateNanos = 0;
      delayWaitSince = 0;
      delayWaitNanos = 0;
    }

    void onData(Buffer b) {
      long now = System.nanoTime();
      if (emptySince != 0) {
        emptyNanos += now - emptySince;
        emptySince = 0;
      }
      queue.add(new Chunk(b, now + delayNanos));
      queued += b.length();
      maxQueued.accumulateAndGet(queued, Math::max);
      if (!paused && queued >= pauseAt) {
        paused = true;
        from.pause();
      }
      pump();
    }

    void sourceEnded() {
      if (!ended) {
        ended = true;
        pump();
      }
    }

    /** Writes what delay, stall, tokens and the sink allow; arranges to be called again. */
    void pump() {
      if (timerSet || awaitingDrain) {
        return; // a timer or the drain handler calls again
      }
      while (!queue.isEmpty()) {
        if (to.writeQueueFull()) {
          awaitingDrain = true;
          sinkFullSince = System.nanoTime();
          to.drainHandler(v -> {
            awaitingDrain = false;
            if (sinkFullSince != 0) {
              sinkFullNanos += System.nanoTime() - sinkFullSince;
              sinkFullSince = 0;
            }
            pump();
          });
          break;
        }
        Chunk head = queue.peek();
        long now = System.nanoTime();
        long notBefore = Math.max(link.stalledUntil, head.readyAt);
        if (notBefore > now) {
          if (head.readyAt >= link.stalledUntil && firstAt != 0) {
            delayWaitSince = now;
          }
          wakeIn(notBefore - now);
          break;
        }
        int n = head.remaining();
        if (bytesPerNano > 0) {
          tokens = Math.min(burst, tokens + (now - refilledAt) * bytesPerNano);
          refilledAt = now;
          int want = Math.min(n, MIN_SLICE_BYTES);
          if (tokens < want) {
            wakeIn((long) Math.ceil((want - tokens) / bytesPerNano));
            break;
          }
          n = (int) Math.min(n, (long) tokens);
          tokens -= n;
        }
        Buffer out = n == head.buf.length() ? head.buf
            : head.buf.slice(head.offset, head.offset + n);
        head.offset += n;
        if (head.remaining() == 0) {
          queue.poll();
        }
        queued -= n;
        forwarded.addAndGet(n);
        statBytes += n;
        if (firstAt == 0) {
          firstAt = now;
        }
        lastAt = now;
        to.write(out);
      }
      if (queue.isEmpty() && !ended && firstAt != 0) {
        // the time to the next read counts as empty only if a write follows it
        emptySince = System.nanoTime();
      }
      if (paused && queued <= resumeAt) {
        paused = false;
        from.resume();
      }
      if (ended && queue.isEmpty()) {
        to.end(); // flushes what was written, then closes
      }
    }

    private void wakeIn(long nanos) {
      timerSet = true;
      long ms = Math.max(1, (nanos + 999_999) / 1_000_000);
      timerDue = System.nanoTime() + nanos;
      vertx.setTimer(ms, id -> {
        timerSet = false;
        // lateness past the millisecond the timer was rounded up to
        long now = System.nanoTime();
        long late = Math.max(0, now - timerDue - 1_000_000);
        lateNanos += late;
        maxLateNanos = Math.max(maxLateNanos, late);
        if (delayWaitSince != 0) {
          delayWaitNanos += now - delayWaitSince;
          delayWaitSince = 0;
        }
        pump();
      });
    }
  }
}
