package dev.vertxp2p.transport;

import dev.vertxp2p.CloseReason;
import dev.vertxp2p.Connection;
import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.HealthOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * A secured, multiplexed connection: the connection state between its secure channel ({@link
 * SecureChannel}: socket, Noise or TLS framing) and its streams ({@link StreamTable}, {@link
 * StreamImpl}), as Vert.x's HTTP/2 keeps connection state apart from its Netty handler and its
 * streams. It dispatches the sans-IO {@link MuxerEngine}'s events, and keeps the keep-alive,
 * graceful close (GOAWAY), pings and the connection's JSON.
 *
 * <p>Owned by the event loop that accepted or dialed it ({@link #owner()}): socket callbacks
 * arrive there and every engine call is made there; public methods called from other threads
 * hop over first. It reads nothing until {@link #activate()}.
 */
public final class MuxedConnection extends ConnectionBase {
  private static final Log LOG = Log.get(MuxedConnection.class);

  private final SecureChannel channel;
  /** The security protocol id under the muxer ({@code /noise}, {@code /tls/1.0.0}). */
  private final String security;
  private final MuxerEngine muxer;
  private final StreamTable streams;
  private final KeepAlive keepAlive;
  /** Set by {@link #drain} on the caller's thread, so it takes effect for every reader at once. */
  private volatile boolean drainRequested;
  private final TransportOptions options;

  private final Pings pings;
  private final HealthMonitor health;
  /** Bytes written on this connection's streams and not yet taken by the muxer; any thread. */
  private final java.util.concurrent.atomic.AtomicLong streamQueued =
      new java.util.concurrent.atomic.AtomicLong();
  private final ConnectionShutdown shutdown;
  private final BufferAccount buffers;
  private volatile long handshakeNanos = -1;
  /** The upgrade's phases (nanoseconds, -1 when unknown): TCP connect, security, muxer. */
  private volatile long tcpNanos = -1;
  private volatile long securityNanos = -1;
  private volatile long muxerNanos = -1;
  /** True while the muxer's events are being dispatched (from received bytes or deferred). */
  private boolean dispatching;
  private boolean dispatchScheduled;
  /** An event taken from the muxer to learn whether a deferred dispatch is needed; goes first. */
  private MuxerEvent stashed;

  /** Makes a connection's secure channel, once the connection's listener for it exists. */
  interface ChannelFactory {
    SecureChannel open(Owner owner, MuxerEngine muxer, SecureChannel.Listener listener);
  }

  /** Over a Noise session (the socket, the upgrade's byte counts and leftovers as it ended). */
  static ChannelFactory noise(NetSocket socket, NoiseSession session, long bytesInDuringUpgrade,
      long bytesOutDuringUpgrade, byte[] plaintextLeftover, byte[] ciphertextLeftover) {
    return (owner, muxer, listener) -> new NoiseChannel(owner, socket, session, muxer, listener,
        bytesInDuringUpgrade, bytesOutDuringUpgrade, plaintextLeftover, ciphertextLeftover);
  }

  /**
   * @param security the security protocol id under the muxer, for {@link #security()}
   * @param channel makes the secure channel over the upgraded socket
   */
  MuxedConnection(String id, Context context, String security, ChannelFactory channel,
      MuxerEngine muxer, PeerId peer, Direction direction, Multiaddr localAddr,
      Multiaddr remoteAddr, ConnectionHost host, TransportOptions options) {
    super(id, context, peer, direction, localAddr, remoteAddr, host);
    this.security = security;
    this.muxer = muxer;
    this.options = options;
    this.streams = new StreamTable(this);
    this.shutdown = new ConnectionShutdown(this);
    this.channel = channel.open(owner, muxer, shutdown);
    this.keepAlive = new KeepAlive(this);
    this.pings = new Pings(this);
    this.health = new HealthMonitor(owner, shutdown::isClosed, pings, pings);
    BufferBudget budget = host.bufferBudget();
    this.buffers = new BufferAccount(this, budget != null ? budget : BufferBudget.unshared());
  }

  /**
   * Starts reading: until now the socket was paused and what came with the last handshake
   * message held, so no stream reached the host. The swarm calls this once it has admitted the
   * connection. Idempotent; from any thread.
   */
  public void activate() {
    owner.run(() -> {
      if (!shutdown.isClosed() && channel.activate()) {
        keepAlive.start();
      }
    });
  }

  // ---- plumbing used by streams ---------------------------------------------------------------

  /** The socket's Netty channel, when the socket is Vert.x's own (tests set its allocator). */
  io.netty.channel.Channel channel() {
    return channel.nettyChannel();
  }

  MuxerEngine engine() {
    return muxer;
  }

  SecureChannel secure() {
    return channel;
  }

  StreamTable streams() {
    return streams;
  }

  KeepAlive keepAlive() {
    return keepAlive;
  }

  Pings pings() {
    return pings;
  }

  @Override
  HealthMonitor healthMonitor() {
    return health;
  }

  @Override
  HealthMonitor.Latency latency() {
    return pings;
  }

  TransportOptions options() {
    return options;
  }

  @Override
  Log log() {
    return LOG;
  }

  /** Runs {@code task} on this connection's event loop: now when already there, else queued. */
  void run(Runnable task) {
    owner.run(task);
  }

  boolean socketWriteQueueFull() {
    return channel.socketWriteQueueFull();
  }

  /** Bytes handed to streams (positive) or taken by the application (negative). */
  void bufferedDelta(long delta) {
    channel.bufferedDelta(delta);
    buffers.delta(delta);
  }

  BufferAccount buffers() {
    return buffers;
  }

  void handshakeNanos(long nanos) {
    this.handshakeNanos = nanos;
  }

  /**
   * How long the upgrade took, from the raw socket to a ready muxer (multistream, Noise or TLS,
   * muxer negotiation), in nanoseconds; -1 when unknown.
   */
  public long handshakeNanos() {
    return handshakeNanos;
  }

  void upgradePhases(long securityNanos, long muxerNanos) {
    this.securityNanos = securityNanos;
    this.muxerNanos = muxerNanos;
  }

  /** How long the TCP connect of a dialled connection took; set by the dialer. */
  public void tcpConnectNanos(long nanos) {
    this.tcpNanos = nanos;
  }

  /** The TCP connect of a dialled connection, in nanoseconds; -1 when unknown (inbound). */
  public long tcpConnectNanos() {
    return tcpNanos;
  }

  /**
   * The security phase of the upgrade (multistream-select of the security protocol and its
   * handshake, the remote's identity check included), in nanoseconds; -1 when unknown.
   */
  public long securityNanos() {
    return securityNanos;
  }

  /**
   * The muxer negotiation after the handshake, in nanoseconds: 0 when the muxer was agreed
   * inside the handshake; -1 when unknown.
   */
  public long muxerNanos() {
    return muxerNanos;
  }

  /** Why the connection closed or is closing; null while it is open. Any thread. */
  public CloseReason closeReason() {
    return shutdown.reason();
  }

  /** The error it closed with (a protocol fault, a keep-alive timeout...), or null. */
  public Throwable closeCause() {
    return shutdown.cause();
  }

  /** True while reading is paused for slow readers (muxers without flow control). */
  boolean isReadPaused() {
    return channel.isReadPaused();
  }

  void countStreamBytesOut(int n) {
    // per-stream accounting hook for metrics; connection bytes are counted at the socket
  }

  void streamNegotiated(StreamImpl stream) {
    owner.check();
    try {
      host.onStreamNegotiated(stream);
    } catch (RuntimeException e) {
      LOG.warn("stream accounting failed for " + stream, e);
    }
  }

  void streamClosed(StreamImpl stream) {
    owner.check();
    if (streams.remove(stream)) {
      shutdown.streamGone();
    }
  }

  /** Sends everything the muxer queued (see {@link SecureChannel#flush()}). */
  void flush() {
    if (channel.flush()) {
      scheduleDispatch();
    }
  }

  /** A stream's write, sent before this returns (see {@link SecureChannel#writeThrough}). */
  int writeThrough(long streamId, byte[] data, int off, int len) {
    return channel.writeThrough(streamId, data, off, len);
  }

  /**
   * A local call (end, reset) can make the muxer queue events too, e.g. StreamClosed when our FIN
   * follows the remote's; without this they would wait for the next inbound frame, and a stream
   * would count as open until then. Dispatched on a later turn, never inside a caller's call.
   */
  private void scheduleDispatch() {
    if (dispatching || dispatchScheduled || shutdown.isClosed()) {
      return;
    }
    if (stashed == null) {
      stashed = muxer.pollEvent();
      if (stashed == null) {
        return; // nothing queued: no task
      }
    }
    dispatchScheduled = true;
    owner.context().runOnContext(v -> {
      owner.check();
      dispatchScheduled = false;
      if (!shutdown.isClosed()) {
        dispatchEvents();
        flush();
      }
    });
  }

  ConnectionShutdown shutdown() {
    return shutdown;
  }

  // ---- events ---------------------------------------------------------------------------------

  private void dispatchEvents() {
    owner.check();
    boolean outer = !dispatching;
    dispatching = true;
    try {
      MuxerEvent event;
      while ((event = nextEvent()) != null) {
        boolean handled;
        try {
          handled = streams.dispatch(event);
        } catch (RuntimeException e) {
          // a backstop: a stream's own code threw past its guards; that stream alone ends, and
          // the events behind this one are still dispatched
          streams.dispatchFailed(event, e);
          continue;
        }
        if (handled) {
          continue;
        }
        if (event instanceof MuxerEvent.GoAway e) {
          shutdown.onGoAway(e.code());
        } else if (event instanceof MuxerEvent.Pong e) {
          pings.onPong(e.pingId());
        } else if (event instanceof MuxerEvent.StreamRefused e) {
          JsonObject refusal = buffers.refusal();
          LOG.debug(() -> "connection " + id + ": refused inbound stream " + e.streamId()
              + ", the memory budget for buffered data is spent: " + refusal.encode());
        }
      }
    } finally {
      if (outer) {
        dispatching = false;
      }
    }
  }

  private MuxerEvent nextEvent() {
    MuxerEvent e = stashed;
    if (e != null) {
      stashed = null;
      return e;
    }
    return muxer.pollEvent();
  }

  /** What the secure channel reports, on this connection's loop. */
  /** A socket read (or the held upgrade leftover) went to the muxer: dispatch and answer. */
  void onMuxerInput() {
    try {
      dispatchEvents();
    } finally {
      flush();
    }
  }

  /** The socket can take writes again: send what the muxer holds, then tell the streams. */
  void onSocketDrained() {
    owner.check();
    flush();
    for (StreamImpl s : streams.snapshot()) {
      s.onSocketDrained();
    }
  }

  // ---- public API ---------------------------------------------------------------------------

  @Override
  Future<P2pStream> openStream(Future<?> cancel, List<String> protocols) {
    Promise<P2pStream> promise = callerPromise();
    owner.run(() -> {
      if (shutdown.isClosing()) {
        promise.fail(new StreamClosedException("connection " + id
            + (drainRequested && !shutdown.isClosed() ? " is draining: it takes no new stream"
                : " is closed")));
        return;
      }
      streams.open(protocols, promise, cancel);
      flush();
    });
    return promise.future();
  }

  /**
   * Sends a muxer-level ping (Yamux) and measures the round trip.
   *
   * @return the round trip in nanoseconds; fails when the muxer has no ping (mplex)
   */
  public Future<Long> muxerPing() {
    Promise<Long> promise = callerPromise();
    owner.run(() -> {
      if (shutdown.isClosed()) {
        promise.fail(new StreamClosedException("connection " + id + " is closed"));
      } else {
        pings.ping(promise);
      }
    });
    return promise.future();
  }

  /**
   * Whether the remote still answers: a Yamux ping goes out, and the connection counts as alive
   * when its pong, or any byte at all, arrives within {@code timeout} (a busy connection's pong
   * may queue behind data, but the data itself shows the path works). Used before refusing an
   * inbound connection at the per-peer limit, to find a connection that died on our side only.
   *
   * <p>Never calls a live connection dead for lack of a way to ask: a muxer without a ping frame
   * (mplex) counts as alive, and so does a closing connection (it is leaving anyway). From any
   * thread; completes on this connection's loop, at most {@code timeout} later.
   *
   * @return true when the remote answered or cannot be asked, false when it stayed silent
   */
  public Future<Boolean> probeAlive(Duration timeout) {
    Promise<Boolean> answer = Promise.promise();
    owner.run(() -> {
      if (shutdown.isClosing()) {
        answer.complete(true);
        return;
      }
      long sentAt = System.nanoTime();
      Promise<Long> pong = Promise.promise();
      try {
        pings.ping(pong);
      } catch (dev.vertxp2p.proto.mux.MuxerException e) {
        answer.complete(true); // the session failed: the connection is closing
        return;
      }
      if (pong.future().failed()) {
        answer.complete(true); // no ping frame: no way to tell
        return;
      }
      long timer = owner.context().owner().setTimer(Math.max(1, timeout.toMillis()),
          t -> owner.run(() -> answer.tryComplete(channel.lastReadNanos() - sentAt >= 0)));
      pong.future().onComplete(ar -> owner.run(() -> {
        if (answer.tryComplete(true)) {
          owner.context().owner().cancelTimer(timer);
        }
      }));
    });
    return answer.future();
  }

  /**
   * Starts health checks on this connection's loop (see {@link HealthCheck}): every {@code
   * checkInterval} a Yamux ping frame, or where the muxer has none, {@code streamPing} (the
   * {@code /ipfs/ping/1.0.0} protocol; its {@link dev.vertxp2p.ProtocolNotSupportedException}
   * leaves the connection {@link ConnectionHealth#UNKNOWN}). {@code onChange} is told of every
   * change of state, and {@code onSample} of every measured round trip (ms), on this
   * connection's loop. From any thread; once.
   */
  public void startHealthChecks(HealthOptions options, Supplier<Future<Long>> streamPing,
      HealthCheck.Transitions onChange, java.util.function.DoubleConsumer onSample) {
    owner.run(() -> health.start(options, streamPing, onChange, onSample));
  }

  /**
   * True once health checks stopped for lack of a ping: the muxer has no ping frame and the peer
   * does not serve {@code /ipfs/ping/1.0.0}; the connection stays {@code unknown}. Any thread.
   */
  public boolean healthCheckUnsupported() {
    return health.noPingServed();
  }

  /**
   * The connection's flow state, for {@code swarm.limits} and tests: {@code buffered} (stream data
   * received and not yet consumed, counted against {@code limits.maxBufferedBytesPerConnection}),
   * {@code bufferSpent}, {@code unsentBytes} (ciphertext the socket has not written out yet),
   * {@code unsentControlFrames} (held in the muxer while the socket is full) and {@code
   * writeBlocked} (reading paused for a full socket write queue).
   */
  public Future<JsonObject> flowJson() {
    return readOnLoop(() -> new JsonObject()
        .put("buffered", buffers.used())
        .put("bufferSpent", buffers.isSpent())
        .put("unsentBytes", channel.unsentBytes())
        .put("unsentControlFrames", muxer.unsentControlFrames())
        .put("writeBlocked", channel.isWriteBlocked()));
  }

  @Override
  public Future<JsonArray> streamsJson() {
    return readOnLoop(() -> {
      JsonArray out = new JsonArray();
      for (StreamImpl s : streams.sorted()) {
        out.add(s.toJson());
      }
      return out;
    });
  }

  /**
   * Drains for {@code reason}: from now on the connection takes no new stream (GOAWAY, so the
   * remote opens none either; health state {@code draining}, so selection passes it over), its
   * open streams get {@code timeout} to finish, then what is left is reset and the socket closes.
   * The host hears {@link ConnectionHost#onConnectionDraining} first. Works with health checks on
   * or off. A close already under way is neither restarted nor reported again.
   *
   * @return completes when the socket is closed, calling back on the caller's context
   */
  public Future<Void> drain(Duration timeout, String reason) {
    long ms = timeout.toMillis();
    // Seen by every thread from now on, before the loop gets to it: no new stream starts here.
    drainRequested = true;
    owner.run(() -> {
      if (shutdown.isClosing()) {
        return;
      }
      health.drain();
      tellDraining(reason);
      shutdown.closeGracefully(ms, CloseReason.ofDrain(reason));
    });
    return forCaller(shutdown.closeFuture());
  }

  /**
   * Closes at once, without GOAWAY or grace: every open stream fails with {@code cause}, which
   * says why. For a connection that moves nothing, where waiting would only wait. From any thread.
   *
   * @return completes when the socket is closed, calling back on the caller's context
   */
  public Future<Void> closeFor(Throwable cause) {
    return closeFor(cause, CloseReason.LOCAL);
  }

  /** As {@link #closeFor(Throwable)}, naming why (e.g. {@link CloseReason#REPLACED}). */
  public Future<Void> closeFor(Throwable cause, CloseReason reason) {
    java.util.Objects.requireNonNull(cause, "cause");
    java.util.Objects.requireNonNull(reason, "reason");
    owner.run(() -> shutdown.failWith(cause, reason));
    return forCaller(shutdown.closeFuture());
  }

  /** GOAWAY, then reset whatever streams are open and close at once (no grace period). */
  @Override
  public Future<Void> close() {
    return closeGracefully(Duration.ZERO);
  }

  /** As {@link #close()}, naming why it closes (e.g. {@link CloseReason#LIMIT}). */
  public Future<Void> close(CloseReason reason) {
    return closeGracefully(Duration.ZERO, reason);
  }

  /**
   * Closes gracefully: sends GOAWAY (no new streams either way), lets open streams finish for at
   * most {@code grace}, then resets what is left and closes. Closes at once when no stream is
   * open. A close already under way is not restarted.
   *
   * @return completes when the socket is closed, calling back on the caller's context as {@link
   *     #newStream} does
   */
  public Future<Void> closeGracefully(Duration grace) {
    return closeGracefully(grace, CloseReason.LOCAL);
  }

  /** As {@link #closeGracefully(Duration)}, naming why (e.g. {@link CloseReason#SHUTDOWN}). */
  public Future<Void> closeGracefully(Duration grace, CloseReason reason) {
    java.util.Objects.requireNonNull(reason, "reason");
    long ms = grace.toMillis();
    owner.run(() -> shutdown.closeGracefully(ms, reason));
    return forCaller(shutdown.closeFuture());
  }

  @Override
  public Future<Void> closeFuture() {
    return shutdown.closeFuture();
  }

  @Override
  public String security() {
    return security;
  }

  @Override
  public String muxer() {
    return muxer.protocolId();
  }

  @Override
  public int openStreams() {
    return streams.open();
  }

  @Override
  public long streamsTotal() {
    return streams.total();
  }

  /** A stream's write queue grew (or, negative, shrank) by {@code delta} bytes; any thread. */
  void streamBytesQueued(long delta) {
    streamQueued.addAndGet(delta);
  }

  /**
   * Bytes queued on this connection's streams plus ciphertext handed to the socket and not yet
   * written out: what {@code least_busy} compares. From any thread.
   */
  @Override
  public long bytesInFlight() {
    return Math.max(0, streamQueued.get()) + channel.unsentBytesPublished();
  }

  @Override
  public ConnectionHealth health() {
    return drainRequested ? ConnectionHealth.DRAINING : health.state();
  }

  @Override
  public long bytesIn() {
    return channel.bytesIn();
  }

  @Override
  public long bytesOut() {
    return channel.bytesOut();
  }

  @Override
  public boolean isOpen() {
    return !drainRequested && !shutdown.isClosing() && !shutdown.isGoingAway();
  }

  public boolean isClosed() {
    return shutdown.isClosed();
  }

  @Override
  public String toString() {
    return "Connection[" + id + " " + direction.jsonName() + " " + peer + " " + remoteAddr + "]";
  }
}
