package dev.vertxp2p.transport;

import dev.vertxp2p.KeepAliveTimeoutException;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.StreamNegotiationTimeoutException;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.util.CallerPromises;
import dev.vertxp2p.util.Log;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A secured, multiplexed connection: the Vert.x glue between a {@link NetSocket}, a Noise transport
 * session and a sans-IO {@link MuxerEngine}.
 *
 * <p>Bound to the event loop that accepted or dialed it: socket callbacks arrive there and every
 * engine call is made there; public methods called from other threads hop over first. Bytes from
 * the socket are decrypted, fed to the muxer, and the muxer's events are dispatched to streams;
 * after every step the muxer's output is encrypted and written in one socket write.
 */
public final class MuxedConnection implements Connection {
  private static final Log LOG = Log.get(MuxedConnection.class);

  private final String id;
  private final Context context;
  private final Thread loopThread;
  private final NetSocket socket;
  /** The same socket, when it is Vert.x's own: raw reads and pooled direct writes. */
  private final NetSocketInternal rawSocket;
  private final NoiseSession session;
  private final MuxerEngine muxer;
  private final PeerId peer;
  private final Direction direction;
  private final Multiaddr localAddr;
  private final Multiaddr remoteAddr;
  private final ConnectionHost host;
  private final TransportOptions options;
  private final Instant openedAt = Instant.now();
  private final long openedAtNanos = System.nanoTime();

  private final Map<Long, StreamImpl> streams = new HashMap<>();
  private final Map<Long, Promise<Long>> pings = new HashMap<>();
  private final Promise<Void> closePromise;

  private volatile int openStreams;
  /** Streams open now per direction, for limits.maxStreamsInbound / maxStreamsOutbound. */
  private int inboundStreams;
  private int outboundStreams;
  /** The graceful close's deadline timer, or -1 when no graceful close is waiting for streams. */
  private long graceTimer = -1;
  private volatile long streamsTotal;
  private volatile long bytesIn;
  private volatile long bytesOut;
  private volatile boolean closing;
  private volatile boolean closed;
  private volatile boolean goingAway;
  private volatile double latencyMillis = Double.NaN;
  private boolean flushing;
  /** True while the muxer's events are being dispatched (from received bytes or deferred). */
  private boolean dispatching;
  private boolean dispatchScheduled;
  /** An event taken from the muxer to learn whether a deferred dispatch is needed; goes first. */
  private MuxerEvent stashed;
  /** Bytes handed to streams and not yet taken by the application (muxers without flow control). */
  private long unconsumed;
  private boolean readPaused;
  private Throwable closeCause;
  /** When the socket last gave us bytes: any byte proves the remote alive. */
  private long lastReadNanos = System.nanoTime();
  /** When the outstanding keep-alive ping went out, or 0 when none is. */
  private long probeSentNanos;
  private long keepAliveTimer = -1;

  MuxedConnection(
      String id,
      Context context,
      NetSocket socket,
      NoiseSession session,
      MuxerEngine muxer,
      PeerId peer,
      Direction direction,
      Multiaddr localAddr,
      Multiaddr remoteAddr,
      ConnectionHost host,
      TransportOptions options,
      long bytesInDuringUpgrade,
      long bytesOutDuringUpgrade) {
    this.id = id;
    this.context = context;
    this.loopThread = Thread.currentThread();
    this.socket = socket;
    this.session = session;
    this.muxer = muxer;
    this.peer = peer;
    this.direction = direction;
    this.localAddr = localAddr;
    this.remoteAddr = remoteAddr;
    this.host = host;
    this.options = options;
    this.bytesIn = bytesInDuringUpgrade;
    this.bytesOut = bytesOutDuringUpgrade;
    this.closePromise = Promise.promise();
    // Reads already queued inside Vert.x arrive through the data handler, later ones as Netty
    // read them through the message handler.
    socket.handler(this::onSocketData);
    this.rawSocket = socket instanceof NetSocketInternal internal ? internal : null;
    if (rawSocket != null) {
      rawSocket.messageHandler(this::onSocketMessage);
    }
    socket.closeHandler(v -> onSocketClosed());
    socket.exceptionHandler(this::onSocketError);
    socket.drainHandler(v -> onSocketDrained());
    startKeepAlive();
  }

  // ---- plumbing used by streams ---------------------------------------------------------------

  Context context() {
    return context;
  }

  /** The socket's Netty channel, when the socket is Vert.x's own (tests set its allocator). */
  io.netty.channel.Channel channel() {
    return rawSocket != null ? rawSocket.channelHandlerContext().channel() : null;
  }

  MuxerEngine engine() {
    return muxer;
  }

  ConnectionHost host() {
    return host;
  }

  Log log() {
    return LOG;
  }

  /** Whether the caller runs on this connection's event loop. */
  boolean onLoop() {
    return Thread.currentThread() == loopThread;
  }

  /** Runs {@code task} on this connection's event loop: now when already there, else queued. */
  /**
   * A promise for a future this connection hands to application code: its callbacks run on the
   * caller's context, else on this connection's loop ({@link CallerPromises}).
   */
  <T> Promise<T> callerPromise() {
    return CallerPromises.promise(context);
  }

  void run(Runnable task) {
    if (Thread.currentThread() == loopThread) {
      task.run();
    } else {
      context.runOnContext(v -> task.run());
    }
  }

  boolean socketWriteQueueFull() {
    return socket.writeQueueFull();
  }

  /**
   * For muxers without flow control (mplex): bounds what slow readers make us buffer by pausing
   * the socket above {@link TransportOptions#UNCONSUMED_HIGH_WATER} and resuming below half of it.
   * The remote then meets TCP back-pressure instead of us resetting its stream.
   */
  void bufferedDelta(long delta) {
    if (muxer.hasFlowControl()) {
      return;
    }
    unconsumed += delta;
    if (!readPaused && unconsumed > TransportOptions.UNCONSUMED_HIGH_WATER) {
      readPaused = true;
      socket.pause();
    } else if (readPaused && unconsumed <= TransportOptions.UNCONSUMED_HIGH_WATER / 2) {
      readPaused = false;
      socket.resume();
    }
  }

  private volatile long handshakeNanos = -1;

  void handshakeNanos(long nanos) {
    this.handshakeNanos = nanos;
  }

  /**
   * How long the upgrade took, from the raw socket to a ready muxer (multistream, Noise, muxer
   * negotiation), in nanoseconds; -1 when unknown.
   */
  public long handshakeNanos() {
    return handshakeNanos;
  }

  /** True while reading is paused for slow readers (muxers without flow control). */
  boolean isReadPaused() {
    return readPaused;
  }

  void countStreamBytesOut(int n) {
    // per-stream accounting hook for metrics; connection bytes are counted at the socket
  }

  void streamNegotiated(StreamImpl stream) {
    cancelNegotiationTimeout(stream);
    try {
      host.onStreamNegotiated(stream);
    } catch (RuntimeException e) {
      LOG.warn("stream accounting failed for " + stream, e);
    }
  }

  void streamClosed(StreamImpl stream) {
    cancelNegotiationTimeout(stream);
    if (streams.remove(stream.streamId()) != null) {
      openStreams = streams.size();
      if (stream.isOutbound()) {
        outboundStreams--;
      } else {
        inboundStreams--;
      }
      if (graceTimer >= 0 && streams.isEmpty()) {
        // The last stream of a graceful close ended: close once its final frames are written,
        // after the event dispatch that reported it has flushed.
        context.owner().cancelTimer(graceTimer);
        graceTimer = -1;
        context.runOnContext(v -> {
          flush();
          socket.close();
        });
      }
      closeIfDrained();
    }
  }

  /**
   * After the remote's GOAWAY no side can open a stream here again (Yamux spec, "Session
   * termination"), so once the last stream is over the connection is only dead weight that
   * counts against the peer's connection limit: close it, making room for a fresh one.
   */
  private void closeIfDrained() {
    if (goingAway && streams.isEmpty() && !closing && !closed) {
      LOG.debug(() -> "connection " + id + ": drained after the remote's GOAWAY; closing");
      close();
    }
  }

  /**
   * Encrypts everything the muxer wants sent and writes it in one socket write.
   *
   * <p>The muxer's chunks are treated as one byte stream and cut into Noise messages of the
   * largest size, so a 64 KiB application write that the muxer splits into a full frame and a
   * small tail does not cost a second, nearly empty message (and AEAD call) of its own. Each
   * message is encrypted into this thread's {@link Scratch} array, which stays in cache, and
   * copied from there into one pooled direct buffer that the socket writes as it is (Netty would
   * otherwise copy a heap array into a direct buffer itself).
   */
  void flush() {
    if (flushing || closed) {
      return;
    }
    flushing = true;
    try {
      drainMuxer();
    } finally {
      flushing = false;
    }
    scheduleDispatch();
  }

  /**
   * Sends all the muxer has queued, again and again until it has nothing: a socket write can call
   * back into us on this thread (a drain handler whose stream writes), and what that queues must
   * not wait for some later flush.
   */
  private void drainMuxer() {
    while (!closed) {
      Pieces pieces = Pieces.take();
      byte[] chunk;
      while ((chunk = muxer.pollOutbound()) != null) {
        pieces.piece(chunk, 0, chunk.length);
      }
      if (pieces.count() == 0) {
        return;
      }
      send(pieces);
    }
  }

  /**
   * A stream's write, sent before this returns: when the muxer has nothing queued, it hands over
   * the frames' headers and the data where it lies, and they are encrypted from there, saving the
   * copy into the muxer's queue (the caller may change {@code data} once this returns, and by
   * then nothing refers to it). Otherwise, or while a flush is under way, the muxer copies the
   * data into its queue as usual and the caller's flush sends it.
   *
   * @return the bytes the muxer accepted
   */
  int writeThrough(long streamId, byte[] data, int off, int len) {
    if (flushing || closed) {
      return muxer.write(streamId, data, off, len);
    }
    flushing = true;
    try {
      Pieces pieces = Pieces.take();
      try {
        int n = muxer.writeThrough(streamId, data, off, len, pieces);
        send(pieces);
        drainMuxer();
        return n;
      } finally {
        pieces.clear();
      }
    } finally {
      flushing = false;
    }
  }

  /** Encrypts the pieces as one byte stream and writes the ciphertext in one socket write. */
  private void send(Pieces pieces) {
    if (pieces.count() == 0) {
      return;
    }
    int length = NoiseSession.encryptedLength(Math.toIntExact(pieces.total()));
    ByteBuf out = rawSocket != null
        ? rawSocket.channelHandlerContext().alloc().directBuffer(length, length)
        : Unpooled.buffer(length, length);
    byte[] scratch = Scratch.SEND.borrow();
    try {
      encryptPieces(pieces, out, scratch);
    } catch (RuntimeException | Error e) {
      out.release();
      throw e;
    } finally {
      Scratch.SEND.giveBack(scratch);
      pieces.clear();
    }
    bytesOut += length;
    if (rawSocket != null) {
      SocketWrite write = new SocketWrite(out);
      rawSocket.writeMessage(write).onFailure(e -> write.releaseIfKept());
    } else {
      socket.write(BufferInternal.buffer(out));
    }
  }

  /**
   * Encrypts the pieces as one byte stream cut into Noise messages of the largest size, appended
   * to {@code out}. A message that spans several pieces is encrypted piece by piece where they lie
   * (the AEAD streams), so nothing is joined first.
   */
  private void encryptPieces(Pieces p, ByteBuf out, byte[] scratch) {
    byte[][] arrays = null;
    int[] offsets = null;
    int[] lengths = null;
    int piece = 0;
    int piecePos = 0;
    long left = p.total();
    while (left > 0) {
      int message = (int) Math.min(NoiseSession.MAX_PLAINTEXT_LENGTH, left);
      if (p.length(piece) - piecePos >= message) {
        // the whole message lies in one piece
        out.writeBytes(scratch, 0, session.encrypt(p.array(piece), p.offset(piece) + piecePos,
            message, scratch, 0));
        piecePos += message;
        if (piecePos == p.length(piece)) {
          piece++;
          piecePos = 0;
        }
      } else {
        if (arrays == null) {
          arrays = new byte[p.count()][];
          offsets = new int[p.count()];
          lengths = new int[p.count()];
        }
        int pieces = 0;
        int filled = 0;
        while (filled < message) {
          int n = Math.min(message - filled, p.length(piece) - piecePos);
          arrays[pieces] = p.array(piece);
          offsets[pieces] = p.offset(piece) + piecePos;
          lengths[pieces] = n;
          pieces++;
          filled += n;
          piecePos += n;
          if (piecePos == p.length(piece)) {
            piece++;
            piecePos = 0;
          }
        }
        out.writeBytes(scratch, 0,
            session.encryptMessage(arrays, offsets, lengths, pieces, scratch, 0));
      }
      left -= message;
    }
  }

  /**
   * A local call (end, reset) can make the muxer queue events too, e.g. StreamClosed when our FIN
   * follows the remote's; without this they would wait for the next inbound frame, and a stream
   * would count as open until then. Dispatched on a later turn, never inside a caller's call.
   */
  private void scheduleDispatch() {
    if (dispatching || dispatchScheduled || closed) {
      return;
    }
    if (stashed == null) {
      stashed = muxer.pollEvent();
      if (stashed == null) {
        return; // nothing queued: no task
      }
    }
    dispatchScheduled = true;
    context.runOnContext(v -> {
      dispatchScheduled = false;
      if (!closed) {
        dispatchEvents();
        flush();
      }
    });
  }

  // ---- socket events --------------------------------------------------------------------------

  /** What Netty read, as it read it: a pooled, usually direct buffer, ours to release. */
  private void onSocketMessage(Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      onRead(buf);
    } finally {
      buf.release();
    }
  }

  /** A read Vert.x had queued before our message handler was set: its own heap copy. */
  private void onSocketData(Buffer buffer) {
    onRead(((BufferInternal) buffer).getByteBuf());
  }

  /**
   * One socket read: decrypted in place when it is on the heap; else copied in pieces through
   * this thread's {@link Scratch} array, which stays in cache, rather than into a fresh heap array
   * (the Noise session copies what it must keep, a message straddling two reads).
   */
  private void onRead(ByteBuf buf) {
    lastReadNanos = System.nanoTime();
    int length = buf.readableBytes();
    bytesIn += length;
    if (buf.hasArray()) {
      onCiphertext(buf.array(), buf.arrayOffset() + buf.readerIndex(), length);
      return;
    }
    byte[] scratch = Scratch.RECEIVE.borrow();
    try {
      for (int pos = 0; pos < length && !closed; ) {
        int n = Math.min(scratch.length, length - pos);
        buf.getBytes(buf.readerIndex() + pos, scratch, 0, n);
        onCiphertext(scratch, 0, n);
        pos += n;
      }
    } finally {
      Scratch.RECEIVE.giveBack(scratch);
    }
  }

  /** Ciphertext from the socket (also the leftover of the upgrade). */
  void onCiphertext(byte[] data, int off, int len) {
    if (closed) {
      return;
    }
    try {
      session.receive(data, off, len);
      byte[] plain;
      while ((plain = session.pollPlaintext()) != null) {
        // each plaintext is a fresh array of its own: the muxer may hand out ranges of it
        muxer.receiveOwned(plain, 0, plain.length);
      }
    } catch (ProtocolException e) {
      abort(e);
      return;
    }
    dispatchEvents();
    flush();
  }

  /** Plaintext that arrived with the last upgrade message and belongs to the muxer. */
  void onPlaintext(byte[] data) {
    if (data == null || data.length == 0 || closed) {
      return;
    }
    try {
      muxer.receive(data, 0, data.length);
    } catch (ProtocolException e) {
      abort(e);
      return;
    }
    dispatchEvents();
    flush();
  }

  private void dispatchEvents() {
    boolean outer = !dispatching;
    dispatching = true;
    try {
      dispatchQueued();
    } finally {
      if (outer) {
        dispatching = false;
      }
    }
  }

  private void dispatchQueued() {
    MuxerEvent event;
    while ((event = nextEvent()) != null) {
      if (event instanceof MuxerEvent.StreamData e) {
        StreamImpl s = streams.get(e.streamId());
        if (s != null) {
          s.onData(e.array(), e.offset(), e.length());
        } else {
          ackQuietly(e.streamId(), e.length());
        }
      } else if (event instanceof MuxerEvent.StreamOpened e) {
        acceptStream(e.streamId());
      } else if (event instanceof MuxerEvent.StreamWritable e) {
        withStream(e.streamId(), StreamImpl::onWritable);
      } else if (event instanceof MuxerEvent.StreamRemoteClosed e) {
        withStream(e.streamId(), StreamImpl::onRemoteEnd);
      } else if (event instanceof MuxerEvent.StreamReset e) {
        withStream(e.streamId(), StreamImpl::onReset);
      } else if (event instanceof MuxerEvent.StreamClosed e) {
        withStream(e.streamId(), StreamImpl::onClosed);
      } else if (event instanceof MuxerEvent.GoAway e) {
        goingAway = true;
        LOG.debug(() -> "connection " + id + ": remote sent GOAWAY code " + e.code());
        closeIfDrained();
      } else if (event instanceof MuxerEvent.Pong e) {
        Promise<Long> p = pings.remove(e.pingId());
        if (p != null) {
          p.tryComplete(System.nanoTime());
        }
      }
      // StreamAcknowledged needs no action: the stream is already usable.
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

  /** Runs {@code action} on the stream when we still know it (it may have failed locally). */
  private void withStream(long streamId, java.util.function.Consumer<StreamImpl> action) {
    StreamImpl s = streams.get(streamId);
    if (s != null) {
      action.accept(s);
    }
  }

  private void ackQuietly(long streamId, int n) {
    try {
      muxer.consumed(streamId, n);
    } catch (MuxerException ignored) {
      // the stream is gone already
    }
  }

  private void acceptStream(long streamId) {
    if (inboundStreams >= options.getMaxStreamsInbound()) {
      // limits.maxStreamsInbound: refuse the stream as the muxer refuses one beyond its own
      // limit (yamux spec.md "Opening a stream": RST; mplex: Reset); the connection stays.
      LOG.debug(() -> "connection " + id + ": refusing inbound stream " + streamId + ": "
          + inboundStreams + " inbound streams open (limits.maxStreamsInbound)");
      muxer.reset(streamId);
      return;
    }
    inboundStreams++;
    StreamImpl stream = new StreamImpl(this, streamId, false);
    streams.put(streamId, stream);
    openStreams = streams.size();
    streamsTotal++;
    armNegotiationTimeout(stream, null);
    stream.startInbound();
  }

  private void armNegotiationTimeout(StreamImpl stream, Promise<P2pStream> promise) {
    long ms = options.getStreamNegotiationTimeout().toMillis();
    long timer = context.owner().setTimer(ms, t -> run(() -> {
      if (stream.protocol() == null && !stream.isClosed()) {
        LOG.debug(() -> "connection " + id + ": stream " + stream.streamId()
            + " did not finish protocol negotiation in " + ms + " ms");
        if (promise != null) {
          promise.tryFail(new StreamNegotiationTimeoutException("protocol negotiation on stream "
              + stream.streamId() + " timed out after " + ms + " ms"));
        }
        stream.reset();
      }
    }));
    // Cancelled once the stream is negotiated or closed: a pending timer would hold the stream,
    // and all it still references, for the whole timeout after it is done.
    stream.negotiationTimer = timer;
    if (promise != null) {
      promise.future().onComplete(ar -> cancelNegotiationTimeout(stream));
    }
  }

  private void cancelNegotiationTimeout(StreamImpl stream) {
    long timer = stream.negotiationTimer;
    if (timer >= 0) {
      stream.negotiationTimer = -1;
      context.owner().cancelTimer(timer);
    }
  }

  /**
   * A stalled peer sends nothing and closes nothing, so its streams would wait forever: when the
   * connection has been silent for the keep-alive interval we ping, and when still nothing at
   * all arrives within the timeout the connection is closed and its streams fail. Muxers without
   * a ping frame (mplex) are not probed.
   */
  private void startKeepAlive() {
    long interval = options.getKeepAliveInterval().toMillis();
    // Tick at a fraction of the shorter bound so detection is late by at most that fraction.
    long tick = Math.max(1, Math.min(interval, options.getKeepAliveTimeout().toMillis()) / 4);
    keepAliveTimer = context.owner().setPeriodic(tick, t -> run(this::keepAliveTick));
  }

  private void keepAliveTick() {
    if (closed || closing) {
      return;
    }
    long now = System.nanoTime();
    if (probeSentNanos != 0) {
      if (lastReadNanos - probeSentNanos >= 0) {
        probeSentNanos = 0; // the remote spoke: alive
      } else if (now - probeSentNanos >= options.getKeepAliveTimeout().toNanos()) {
        long ms = (now - probeSentNanos) / 1_000_000;
        closeCause = new KeepAliveTimeoutException("connection " + id + " to " + peer
            + ": no answer to a keep-alive ping in " + ms + " ms");
        LOG.info(closeCause.getMessage() + "; closing it");
        closing = true;
        socket.close();
      }
      return;
    }
    if (now - lastReadNanos >= options.getKeepAliveInterval().toNanos()) {
      long pingId;
      try {
        pingId = muxer.ping();
      } catch (MuxerException e) {
        return; // the session failed; abort() is closing the connection
      }
      if (pingId < 0) {
        return; // no ping frame in this muxer
      }
      probeSentNanos = now;
      flush();
    }
  }

  private void onSocketDrained() {
    for (StreamImpl s : new ArrayList<>(streams.values())) {
      s.onSocketDrained();
    }
  }

  private void onSocketError(Throwable cause) {
    LOG.debug(() -> "connection " + id + ": socket error: " + cause);
    if (closeCause == null) {
      closeCause = cause;
    }
    socket.close();
  }

  private void onSocketClosed() {
    if (closed) {
      return;
    }
    closed = true;
    closing = true;
    if (keepAliveTimer >= 0) {
      context.owner().cancelTimer(keepAliveTimer);
      keepAliveTimer = -1;
    }
    if (graceTimer >= 0) {
      context.owner().cancelTimer(graceTimer);
      graceTimer = -1;
    }
    Throwable cause = closeCause;
    for (StreamImpl s : new ArrayList<>(streams.values())) {
      cancelNegotiationTimeout(s);
      s.onConnectionClosed(cause);
    }
    streams.clear();
    openStreams = 0;
    for (Promise<Long> p : pings.values()) {
      p.tryFail(new StreamClosedException("connection closed"));
    }
    pings.clear();
    Future<Void> accounted;
    try {
      accounted = host.onConnectionClosed(this, cause);
    } catch (RuntimeException e) {
      accounted = Future.failedFuture(e);
    }
    accounted.onComplete(ar -> closePromise.tryComplete());
  }

  /** The remote broke a protocol: log it, send what the engine queued (a GOAWAY), close. */
  private void abort(ProtocolException e) {
    LOG.warn("connection " + id + " to " + peer + " closed: " + e.getClass().getSimpleName()
        + ": " + e.getMessage());
    closeCause = e;
    try {
      flush();
    } catch (RuntimeException ignored) {
      // the session may itself be failed; closing is all that is left
    }
    closing = true;
    socket.close();
  }

  // ---- public API ---------------------------------------------------------------------------

  @Override
  public Future<P2pStream> newStream(String... protocols) {
    if (protocols == null || protocols.length == 0) {
      return Future.failedFuture(new IllegalArgumentException("newStream needs at least one protocol"));
    }
    for (String p : protocols) {
      if (p == null || p.isEmpty()) {
        return Future.failedFuture(new IllegalArgumentException("protocol ids must be non-empty"));
      }
    }
    List<String> list = Arrays.asList(protocols.clone());
    Promise<P2pStream> promise = callerPromise();
    run(() -> {
      if (closed || closing) {
        promise.fail(new StreamClosedException("connection " + id + " is closed"));
        return;
      }
      if (outboundStreams >= options.getMaxStreamsOutbound()) {
        promise.fail(new MuxerException(MuxerException.Reason.STREAM_LIMIT, "connection " + id
            + " has " + outboundStreams + " outbound streams open, the limit"
            + " (limits.maxStreamsOutbound)"));
        return;
      }
      long streamId;
      try {
        streamId = muxer.openStream();
      } catch (MuxerException e) {
        promise.fail(e);
        return;
      }
      outboundStreams++;
      StreamImpl stream = new StreamImpl(this, streamId, true);
      streams.put(streamId, stream);
      openStreams = streams.size();
      streamsTotal++;
      armNegotiationTimeout(stream, promise);
      stream.startOutbound(list, promise);
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
    run(() -> {
      if (closed) {
        promise.fail(new StreamClosedException("connection " + id + " is closed"));
        return;
      }
      long start = System.nanoTime();
      long pingId = muxer.ping();
      if (pingId < 0) {
        promise.fail(new UnsupportedOperationException(muxer.protocolId() + " has no ping frame"));
        return;
      }
      Promise<Long> pong = Promise.promise();
      pings.put(pingId, pong);
      flush();
      pong.future().onComplete(ar -> {
        if (ar.succeeded()) {
          promise.complete(ar.result() - start);
        } else {
          promise.fail(ar.cause());
        }
      });
    });
    return promise.future();
  }

  /** Records a measured round trip into the latency average used by {@code lowest_latency}. */
  public void recordRtt(double millis) {
    double prev = latencyMillis;
    latencyMillis = Double.isNaN(prev) ? millis : prev + 0.25 * (millis - prev);
  }

  @Override
  public Future<JsonArray> streamsJson() {
    Promise<JsonArray> promise = callerPromise();
    run(() -> {
      JsonArray out = new JsonArray();
      streams.values().stream()
          .sorted(java.util.Comparator.comparingLong(StreamImpl::streamId))
          .forEach(s -> out.add(s.toJson()));
      promise.complete(out);
    });
    return promise.future();
  }

  /** GOAWAY, then reset whatever streams are open and close at once (no grace period). */
  @Override
  public Future<Void> close() {
    return closeGracefully(Duration.ZERO);
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
    long ms = grace.toMillis();
    run(() -> {
      if (closing || closed) {
        return;
      }
      closing = true;
      try {
        muxer.goAway();
        flush();
      } catch (RuntimeException e) {
        LOG.debug(() -> "connection " + id + ": go-away failed: " + e);
      }
      if (streams.isEmpty() || ms <= 0) {
        resetAllAndClose();
        return;
      }
      graceTimer = context.owner().setTimer(ms, t -> run(() -> {
        if (graceTimer < 0 || closed) {
          return;
        }
        graceTimer = -1;
        LOG.debug(() -> "connection " + id + ": " + streams.size() + " streams still open "
            + ms + " ms after GOAWAY; resetting them");
        resetAllAndClose();
      }));
    });
    Promise<Void> closedHere = callerPromise();
    closePromise.future().onComplete(closedHere);
    return closedHere.future();
  }

  private void resetAllAndClose() {
    for (StreamImpl s : new ArrayList<>(streams.values())) {
      s.reset();
    }
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.debug(() -> "connection " + id + ": flush before close failed: " + e);
    }
    socket.close();
  }

  @Override
  public Future<Void> closeFuture() {
    return closePromise.future();
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public PeerId peerId() {
    return peer;
  }

  @Override
  public Direction direction() {
    return direction;
  }

  @Override
  public Multiaddr localAddr() {
    return localAddr;
  }

  @Override
  public Multiaddr remoteAddr() {
    return remoteAddr;
  }

  @Override
  public String security() {
    return TransportOptions.NOISE_PROTOCOL;
  }

  @Override
  public String muxer() {
    return muxer.protocolId();
  }

  @Override
  public int openStreams() {
    return openStreams;
  }

  @Override
  public long streamsTotal() {
    return streamsTotal;
  }

  @Override
  public Instant openedAt() {
    return openedAt;
  }

  @Override
  public long openedAtNanos() {
    return openedAtNanos;
  }

  @Override
  public double latencyMillis() {
    return latencyMillis;
  }

  @Override
  public long bytesIn() {
    return bytesIn;
  }

  @Override
  public long bytesOut() {
    return bytesOut;
  }

  @Override
  public boolean isOpen() {
    return !closing && !closed && !goingAway;
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public JsonObject toJson() {
    return new JsonObject()
        .put("id", id)
        .put("peer", peer.toString())
        .put("direction", direction.jsonName())
        .put("localAddr", localAddr.toString())
        .put("remoteAddr", remoteAddr.toString())
        .put("security", security())
        .put("muxer", muxer())
        .put("streams", openStreams)
        .put("streamsTotal", streamsTotal)
        .put("openedAt", openedAt.toString())
        .put("bytesIn", bytesIn)
        .put("bytesOut", bytesOut);
  }

  @Override
  public String toString() {
    return "Connection[" + id + " " + direction.jsonName() + " " + peer + " " + remoteAddr + "]";
  }
}
