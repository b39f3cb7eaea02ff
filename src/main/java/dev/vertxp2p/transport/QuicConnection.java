package dev.vertxp2p.transport;

import dev.vertxp2p.CloseReason;
import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.util.Log;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code /quic-v1} connection: QUIC secured by libp2p TLS, its streams QUIC's own bidirectional
 * streams ({@link QuicStream}), so there is no muxer of ours ({@link #muxer()} is {@code quic}).
 *
 * <p>Owned by the event loop of its UDP socket, where Netty runs the QUIC channel and its stream
 * channels; public methods called elsewhere hop there. Inbound streams wait, unread, until the
 * owner {@link #activate() activates} the connection (after the swarm admitted it).
 */
public final class QuicConnection extends ConnectionBase {
  private static final Log LOG = Log.get(QuicConnection.class);

  /** The security protocol of every QUIC connection: libp2p TLS is QUIC's handshake. */
  public static final String SECURITY = "/tls/1.0.0";
  /** What the Conn JSON says for the muxer: QUIC's own streams. */
  public static final String MUXER = "quic";
  /** Weight of a new sample in the round-trip average ({@link Pings} weighs them 0.25). */
  private static final double RTT_WEIGHT = 0.2;

  private final QuicChannel channel;
  /** The dialer's own UDP socket, closed with the connection; null for inbound connections. */
  private final Channel ownSocket;
  private final Duration negotiationTimeout;
  private final long handshakeNanos;

  private final Map<QuicStream, Boolean> streams = new LinkedHashMap<>();
  /** Most outbound streams waiting for the remote's stream limit at once; one more fails. */
  static final int MAX_WAITING_OPENS = 4096;
  /** Outbound streams waiting for the remote to allow more streams, in order. */
  private final java.util.ArrayDeque<Runnable> waitingOpens = new java.util.ArrayDeque<>();
  /** Inbound stream channels that came before activation, started by {@link #activate()}. */
  private List<QuicStreamChannel> early = new ArrayList<>();
  private volatile int openStreams;
  private final AtomicLong streamsTotal = new AtomicLong();
  private final AtomicLong bytesIn = new AtomicLong();
  private final AtomicLong bytesOut = new AtomicLong();
  private final AtomicLong streamQueued = new AtomicLong();
  /**
   * The health checks: {@code /ipfs/ping/1.0.0} on a stream for every check (Netty does not expose
   * QUIC's PING frame). A check also keeps an idle connection within QUIC's idle timeout.
   */
  private final HealthMonitor health;
  /** The round-trip average: the checks' answers and {@link #recordRtt}; on the loop. */
  private final HealthMonitor.Average rtt = new HealthMonitor.Average(RTT_WEIGHT);
  /** The node-wide budget for received stream data not yet taken by the application. */
  private final BufferBudget budget;
  /** This connection's part of {@link #budget}; on the loop. */
  private long buffered;

  private boolean activated;
  /** Set by any thread that asks for a close: no new stream from then on. */
  private volatile boolean closing;
  /** The keep-alive's ping, also what {@link #probeAlive} asks with; null until started. */
  private volatile java.util.function.Supplier<Future<Long>> keepAlivePing;
  /** Set by {@link #drain}: the health state reads {@code draining} until the close. */
  private volatile boolean drainRequested;
  private volatile boolean closed;
  private volatile CloseReason closeReason;
  private volatile Throwable closeCause;
  private final Promise<Void> closePromise = Promise.promise();

  QuicConnection(String id, Context context, QuicChannel channel, Channel ownSocket, PeerId peer,
      Direction direction, Multiaddr localAddr, Multiaddr remoteAddr, ConnectionHost host,
      Duration negotiationTimeout, long handshakeNanos) {
    super(id, context, peer, direction, localAddr, remoteAddr, host);
    this.channel = channel;
    this.ownSocket = ownSocket;
    this.negotiationTimeout = negotiationTimeout;
    this.handshakeNanos = handshakeNanos;
    this.health = new HealthMonitor(owner, this::isClosed, HealthMonitor.PingFrame.NONE, rtt);
    BufferBudget b = host.bufferBudget();
    this.budget = b != null ? b : BufferBudget.unshared();
    channel.closeFuture().addListener(f -> owner.run(this::onChannelClosed));
  }

  // ---- plumbing ---------------------------------------------------------------------------------

  Duration negotiationTimeout() {
    return negotiationTimeout;
  }

  @Override
  Log log() {
    return LOG;
  }

  /** Stream data received (positive) or taken by the application (negative); on the loop. */
  void bufferedDelta(long delta) {
    owner.check();
    if (delta != 0) {
      buffered += delta;
      budget.add(delta);
    }
  }

  /**
   * Bytes this connection's streams may still buffer: the smaller of its own room under {@code
   * limits.maxBufferedBytesPerConnection} and the node's under {@code limits.maxBufferedBytes}.
   * At zero the streams stop reading, and QUIC's flow control holds the remote.
   */
  long bufferRoom() {
    owner.check();
    return Math.min(budget.perConnectionLimit() - buffered, budget.room());
  }

  void countIn(long n) {
    bytesIn.addAndGet(n);
  }

  void countOut(long n) {
    bytesOut.addAndGet(n);
  }

  void streamBytesQueued(long delta) {
    streamQueued.addAndGet(delta);
  }

  boolean isClosedNow() {
    return closed || closing;
  }

  Throwable closeCauseNow() {
    return closeCause;
  }

  QuicChannel quicChannel() {
    return channel;
  }

  void streamNegotiated(QuicStream stream) {
    try {
      host.onStreamNegotiated(stream);
    } catch (RuntimeException e) {
      LOG.warn("stream accounting failed for " + stream, e);
    }
  }

  void streamClosed(QuicStream stream) {
    owner.check();
    if (streams.remove(stream) != null) {
      openStreams = streams.size();
    }
  }

  private void track(QuicStream stream) {
    streams.put(stream, Boolean.TRUE);
    openStreams = streams.size();
    streamsTotal.incrementAndGet();
  }

  /** The remote opened a stream (Netty's stream handler, on the loop). */
  void inboundStream(QuicStreamChannel ch) {
    owner.check();
    if (closed || closing) {
      ch.close();
      return;
    }
    if (!activated) {
      ch.config().setAutoRead(false);
      early.add(ch);
      return;
    }
    QuicStream stream = new QuicStream(this, false);
    stream.attach(ch);
    ch.pipeline().addLast(stream);
    track(stream);
    stream.startInbound();
  }

  /**
   * Starts serving the remote's streams: until now they waited unread. The swarm calls this once
   * it has admitted the connection. Idempotent; from any thread.
   */
  @Override
  public void activate() {
    owner.run(() -> {
      if (activated) {
        return;
      }
      activated = true;
      List<QuicStreamChannel> waiting = early;
      early = null;
      for (QuicStreamChannel ch : waiting) {
        if (ch.isOpen()) {
          inboundStream(ch);
        }
      }
    });
  }

  // ---- streams ----------------------------------------------------------------------------------

  @Override
  Future<P2pStream> openStream(Future<?> cancel, List<String> protocols) {
    Promise<P2pStream> promise = callerPromise();
    owner.run(() -> {
      if (closing || closed) {
        promise.fail(new StreamClosedException("connection " + id + " is closed"));
        return;
      }
      QuicStream stream = new QuicStream(this, true);
      track(stream);
      create(stream, protocols, promise);
      if (cancel != null) {
        cancel.onComplete(c -> owner.run(() -> {
          if (stream.protocol() == null && !stream.isClosed()) {
            stream.resetQuietly();
            stream.fail(new StreamClosedException("stream opening was cancelled"));
          }
        }));
      }
    });
    return promise.future();
  }

  /**
   * Creates the QUIC stream of {@code stream}, or, while the remote's stream limit (its
   * MAX_STREAMS) is reached, queues it until the remote grants more: QUIC refuses a stream over
   * the limit outright, where a Yamux remote would have taken and refused it.
   */
  private void create(QuicStream stream, List<String> protocols, Promise<P2pStream> promise) {
    owner.check();
    if (stream.isClosed()) {
      return; // cancelled while it waited
    }
    if (channel.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) <= 0) {
      if (waitingOpens.size() >= MAX_WAITING_OPENS) {
        stream.fail(new dev.vertxp2p.ResourceLimitException("quic.maxWaitingOpens", "connection " + id + ": "
            + waitingOpens.size() + " streams already wait for the remote's stream limit"));
        promise.tryFail(stream.failureOr(null));
        return;
      }
      waitingOpens.add(() -> create(stream, protocols, promise));
      return;
    }
    channel.createStream(QuicStreamType.BIDIRECTIONAL, stream).addListener(f -> owner.run(() -> {
      if (!f.isSuccess()) {
        if (String.valueOf(f.cause()).contains("STREAM_LIMIT") && !closed && !closing) {
          waitingOpens.add(() -> create(stream, protocols, promise));
          return;
        }
        StreamClosedException e = new StreamClosedException("cannot open a QUIC stream on"
            + " connection " + id + ": " + f.cause(), f.cause());
        stream.fail(e);
        promise.tryFail(e);
        return;
      }
      QuicStreamChannel ch = (QuicStreamChannel) f.getNow();
      if (closed || closing || stream.isClosed()) {
        ch.close();
        StreamClosedException e = new StreamClosedException("connection " + id + " is closed");
        stream.fail(e);
        promise.tryFail(stream.failureOr(e));
        return;
      }
      stream.attach(ch);
      stream.startOutbound(protocols, promise);
    }));
  }

  /** The remote raised its stream limit (Netty's QuicStreamLimitChangedEvent): open what waits. */
  void streamLimitChanged() {
    owner.check();
    while (!waitingOpens.isEmpty()
        && channel.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0) {
      waitingOpens.poll().run();
    }
  }

  @Override
  public Future<JsonArray> streamsJson() {
    return readOnLoop(() -> {
      JsonArray out = new JsonArray();
      for (QuicStream s : streams.keySet()) {
        out.add(s.toJson());
      }
      return out;
    });
  }

  // ---- closing ----------------------------------------------------------------------------------

  private void onChannelClosed() {
    owner.check();
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    if (closeReason == null) {
      if (channel.isTimedOut()) {
        // QUIC's idle timeout: the remote stayed silent through the keep-alive
        closeReason = CloseReason.KEEPALIVE_TIMEOUT;
        closeCause = new dev.vertxp2p.KeepAliveTimeoutException("QUIC connection " + id
            + " to " + peer + " was idle past its timeout");
      } else {
        closeReason = CloseReason.REMOTE;
      }
    }
    health.stop();
    StreamClosedException cause = new StreamClosedException(closeCause != null
        ? "connection closed: " + closeCause.getMessage() : "connection closed");
    for (QuicStream s : new ArrayList<>(streams.keySet())) {
      s.onConnectionClosed(cause);
    }
    streams.clear();
    openStreams = 0;
    waitingOpens.clear(); // their streams failed above
    if (early != null) {
      early.clear();
    }
    if (ownSocket != null) {
      ownSocket.close();
    }
    Future<Void> told;
    try {
      told = host.onConnectionClosed(this, closeCause);
    } catch (RuntimeException e) {
      LOG.warn("connection " + id + ": the host failed on its close", e);
      told = Future.succeededFuture();
    }
    (told == null ? Future.<Void>succeededFuture() : told)
        .onComplete(ar -> closePromise.tryComplete());
  }

  /**
   * Closes with QUIC's CONNECTION_CLOSE (application error 0, the reason's name as its phrase):
   * the remote learns at once, every open stream fails. From any thread; once.
   */
  @Override
  public Future<Void> close(CloseReason reason) {
    return closeFor(null, reason);
  }

  /** As {@link #close(CloseReason)}, keeping {@code cause} (may be null) as why it closed. */
  @Override
  public Future<Void> closeFor(Throwable cause, CloseReason reason) {
    closing = true;
    owner.run(() -> {
      if (closeReason == null) {
        closeReason = reason;
        closeCause = cause;
      }
      if (channel.isOpen()) {
        byte[] phrase = reason.jsonName().getBytes(StandardCharsets.US_ASCII);
        channel.close(true, 0, Unpooled.wrappedBuffer(phrase));
      } else {
        onChannelClosed();
      }
    });
    return forCaller(closePromise.future());
  }

  @Override
  public Future<Void> close() {
    return close(CloseReason.LOCAL);
  }

  /**
   * Closes after the open streams finish, for at most {@code grace}: no new stream from now on,
   * then CONNECTION_CLOSE once no stream is open or the grace is over.
   */
  @Override
  public Future<Void> closeGracefully(Duration grace, CloseReason reason) {
    closing = true;
    owner.run(() -> {
      if (closed) {
        return;
      }
      if (streams.isEmpty() || grace.isZero()) {
        close(reason);
        return;
      }
      long deadline = System.nanoTime() + grace.toNanos();
      waitForStreams(deadline, reason);
    });
    return forCaller(closePromise.future());
  }

  private void waitForStreams(long deadline, CloseReason reason) {
    owner.check();
    if (closed) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (streams.isEmpty() || left <= 0) {
      close(reason);
      return;
    }
    // a short poll rather than a hook in every stream's close: a drain is rare and brief
    owner.context().owner().setTimer(Math.max(1, Math.min(50, left / 1_000_000)),
        t -> owner.run(() -> waitForStreams(deadline, reason)));
  }

  /**
   * Drains for {@code reason}: no new stream, the open ones get {@code timeout} to finish, then
   * the connection closes. The host hears {@link ConnectionHost#onConnectionDraining} first.
   */
  @Override
  public Future<Void> drain(Duration timeout, String reason) {
    boolean first = !closing;
    drainRequested = true;
    closing = true;
    owner.run(() -> {
      if (first && !closed) {
        health.drain();
        health.stop(); // an answer still out no longer counts
        tellDraining(reason);
      }
    });
    return closeGracefully(timeout, CloseReason.ofDrain(reason));
  }

  @Override
  public Future<Void> closeFuture() {
    return closePromise.future();
  }

  /** Why the connection closed or is closing; null while it is open. */
  @Override
  public CloseReason closeReason() {
    return closeReason;
  }

  /** The error it closed with, or null. */
  @Override
  public Throwable closeCause() {
    return closeCause;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  // ---- keep-alive -------------------------------------------------------------------------------

  /**
   * Keeps the connection within QUIC's idle timeout: every {@code interval} in which nothing
   * arrived, {@code ping} (the {@code /ipfs/ping/1.0.0} protocol) is sent, as Netty exposes no
   * QUIC PING frame. A failed ping is left to QUIC: a remote that stays silent is dropped at the
   * idle timeout. From any thread; once.
   */
  public void startKeepAlive(Duration interval, java.util.function.Supplier<Future<Long>> ping) {
    keepAlivePing = ping;
    long ms = Math.max(1, interval.toMillis());
    owner.run(() -> armKeepAlive(ms, ping, bytesIn.get()));
  }

  private void armKeepAlive(long ms, java.util.function.Supplier<Future<Long>> ping,
      long seenIn) {
    if (closed) {
      return;
    }
    owner.context().owner().setTimer(ms, t -> owner.run(() -> {
      if (closed) {
        return;
      }
      long in = bytesIn.get();
      if (in == seenIn && !closing) {
        ping.get().onFailure(e -> LOG.debug(() -> "connection " + id + ": keep-alive ping"
            + " failed: " + e));
      }
      armKeepAlive(ms, ping, in);
    }));
  }

  // ---- health -----------------------------------------------------------------------------------

  @Override
  HealthMonitor healthMonitor() {
    return health;
  }

  @Override
  HealthMonitor.Latency latency() {
    return rtt;
  }

  /**
   * Starts health checks: every {@code checkInterval} the {@code /ipfs/ping/1.0.0} protocol on a
   * stream of its own (QUIC's PING frame is not exposed by Netty). From any thread; once.
   */
  @Override
  public void startHealthChecks(dev.vertxp2p.HealthOptions options,
      java.util.function.Supplier<Future<Long>> streamPing, HealthCheck.Transitions onChange,
      java.util.function.DoubleConsumer onSample) {
    owner.run(() -> health.start(options, streamPing, onChange, onSample));
  }

  @Override
  public dev.vertxp2p.ConnectionHealth health() {
    return drainRequested ? dev.vertxp2p.ConnectionHealth.DRAINING : health.state();
  }

  /**
   * Whether the remote still answers: the keep-alive's ping ({@code /ipfs/ping/1.0.0}) goes out,
   * and the connection counts as alive when it is answered, or anything at all arrives, within
   * {@code timeout}. Without a ping to send (no keep-alive started) or while closing it counts as
   * alive, as {@link ManagedConnection#probeAlive} asks. From any thread; completes on this
   * connection's loop.
   */
  @Override
  public Future<Boolean> probeAlive(Duration timeout) {
    Promise<Boolean> answer = Promise.promise();
    owner.run(() -> {
      java.util.function.Supplier<Future<Long>> ping = keepAlivePing;
      if (closing || closed || ping == null) {
        answer.complete(true);
        return;
      }
      long seenIn = bytesIn.get();
      long timer = owner.context().owner().setTimer(Math.max(1, timeout.toMillis()),
          t -> owner.run(() -> answer.tryComplete(bytesIn.get() != seenIn)));
      ping.get().onComplete(ar -> owner.run(() -> {
        if (ar.succeeded() && answer.tryComplete(true)) {
          owner.context().owner().cancelTimer(timer);
        }
      }));
    });
    return answer.future();
  }

  /**
   * The flow state: {@code buffered} (received stream data not yet taken by the application,
   * counted against the buffer budget), {@code bufferSpent} (its streams stopped reading for the
   * budget), the rest as a muxed connection's, zero here (QUIC keeps its own send buffers).
   */
  @Override
  public Future<JsonObject> flowJson() {
    return readOnLoop(() -> new JsonObject()
        .put("buffered", buffered)
        .put("bufferSpent", bufferRoom() <= 0)
        .put("unsentBytes", 0)
        .put("unsentControlFrames", 0)
        .put("writeBlocked", false));
  }

  // ---- accessors --------------------------------------------------------------------------------

  /** How long the QUIC handshake took (TLS included), in nanoseconds; -1 when unknown. */
  @Override
  public long handshakeNanos() {
    return handshakeNanos;
  }

  @Override
  public String security() {
    return SECURITY;
  }

  @Override
  public String muxer() {
    return MUXER;
  }

  @Override
  public int openStreams() {
    return openStreams;
  }

  @Override
  public long streamsTotal() {
    return streamsTotal.get();
  }

  /** Stream payload bytes received (QUIC's own framing and encryption not counted). */
  @Override
  public long bytesIn() {
    return bytesIn.get();
  }

  /** Stream payload bytes sent (QUIC's own framing and encryption not counted). */
  @Override
  public long bytesOut() {
    return bytesOut.get();
  }

  @Override
  public long bytesInFlight() {
    return Math.max(0, streamQueued.get());
  }

  @Override
  public boolean isOpen() {
    return !closing && !closed;
  }

  @Override
  public String toString() {
    return "Connection[" + id + " quic " + direction.jsonName() + " " + peer + " " + remoteAddr
        + "]";
  }
}
