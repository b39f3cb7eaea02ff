package dev.vertxp2p.transport;

import dev.vertxp2p.Connection;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.StreamClosedException;
import dev.vertxp2p.StreamNegotiationTimeoutException;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.multistream.MultistreamNegotiator;
import dev.vertxp2p.proto.multistream.MultistreamResponder;
import dev.vertxp2p.proto.multistream.NoProtocolSupportedException;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One libp2p stream over one QUIC bidirectional stream (libp2p QUIC spec: "each libp2p stream is
 * a QUIC stream"). Its first bytes are multistream-select's, as on a muxed TCP connection; then it
 * is the application's {@link P2pStream}. QUIC does what a muxer did on TCP: flow control (a
 * paused reader stops reading the QUIC stream, so its window closes and the remote stops), the
 * half-close (FIN, from {@link QuicStreamChannel#shutdownOutput()}), and the reset (RESET_STREAM
 * and STOP_SENDING, from {@link QuicStreamChannel#shutdown(int)}).
 *
 * <p>It is also the stream channel's Netty handler. Owned by its connection's context (the
 * channel's event loop): Netty's callbacks arrive there, public methods called elsewhere hop
 * over first. Its read side is a {@link StreamInbound}, as on TCP.
 */
final class QuicStream extends ChannelInboundHandlerAdapter implements StreamInbound.Host {

  /** Application error code of a reset; libp2p QUIC names none, 0 is what others send. */
  static final int RESET_CODE = 0;

  /**
   * Most received bytes held for a paused or slow reader before the stream stops reading from
   * QUIC; past it the QUIC stream's own window holds the remote back.
   */
  static final int READ_AHEAD = 64 * 1024;

  private final QuicConnection conn;
  private final Owner owner;
  private final boolean outbound;
  /** Null until the stream channel exists (an outbound stream is being created). */
  private QuicStreamChannel channel;
  private long id = -1;

  // negotiation
  private MultistreamNegotiator negotiator;
  private List<String> proposed;
  private Promise<P2pStream> openPromise;
  private long negotiationTimer = -1;
  private volatile String protocol;

  // read side; its pending data counts towards the connection's buffer budget (until closed)
  private final Inbound in;
  /** A re-check of the buffer budget is scheduled (this stream waits for the node's room). */
  private boolean budgetRecheck;

  // write side
  private volatile int maxQueued = StreamImpl.DEFAULT_WRITE_QUEUE_MAX;
  /** Bytes written and not yet taken by QUIC (in transit to the loop included); any thread. */
  private final AtomicLong queued = new AtomicLong();
  private volatile boolean needDrain;
  private Handler<Void> drainHandler;
  private ChannelFuture lastWrite;
  private final StreamEnd end = new StreamEnd();
  private boolean localEnded;

  private boolean closed;

  QuicStream(QuicConnection conn, boolean outbound) {
    this.conn = conn;
    this.owner = conn.owner();
    this.outbound = outbound;
    this.in = new Inbound();
  }

  @Override
  public StreamInbound inbound() {
    return in;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  /** The stream channel exists (inbound: accepted; outbound: created); on the loop. */
  void attach(QuicStreamChannel ch) {
    owner.check();
    this.channel = ch;
    this.id = ch.streamId();
    ch.config().setAutoRead(false);
    ch.config().setAllowHalfClosure(true);
  }

  /** As the opener: proposes {@code protocols} in order. */
  void startOutbound(List<String> protocols, Promise<P2pStream> promise) {
    owner.check();
    proposed = List.copyOf(protocols);
    openPromise = promise;
    negotiator = new MultistreamInitiator(proposed);
    startNegotiation();
  }

  /** As the acceptor: answers the remote's proposals from what the host serves. */
  void startInbound() {
    owner.check();
    ConnectionHost host = conn.host();
    negotiator = new MultistreamResponder(host.supportedProtocols(), host.protocolList());
    startNegotiation();
  }

  private void startNegotiation() {
    long ms = conn.negotiationTimeout().toMillis();
    negotiationTimer = owner.context().owner().setTimer(ms, t -> owner.run(() -> {
      negotiationTimer = -1;
      if (negotiator != null && !closed) {
        resetQuietly();
        fail(new StreamNegotiationTimeoutException("protocol negotiation on QUIC stream " + id
            + " timed out after " + ms + " ms"));
      }
    }));
    pumpNegotiation();
    readIfWanted();
  }

  private void pumpNegotiation() {
    MultistreamNegotiator n = negotiator;
    byte[] out;
    while ((out = n.pollOutbound()) != null) {
      writeRaw(out);
    }
    if (n.isDone()) {
      negotiator = null;
      cancelNegotiationTimer();
      negotiated(n.selected(), n.leftover());
    }
  }

  private void cancelNegotiationTimer() {
    if (negotiationTimer >= 0) {
      owner.context().owner().cancelTimer(negotiationTimer);
      negotiationTimer = -1;
    }
  }

  private void negotiated(String selected, byte[] leftover) {
    protocol = selected;
    conn.streamNegotiated(this);
    Promise<P2pStream> p = openPromise;
    openPromise = null;
    try {
      if (outbound) {
        p.complete(this);
      } else {
        conn.host().onInboundStream(this);
      }
    } catch (RuntimeException | Error e) {
      applicationFailed(outbound ? "open callback" : "protocol handler", e);
      return;
    }
    if (leftover != null && leftover.length > 0) {
      in.add(io.netty.buffer.Unpooled.wrappedBuffer(leftover));
    }
    if (in.remoteEnded()) {
      in.drain();
    }
  }

  // ---- Netty events (on the loop) -----------------------------------------------------------

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    owner.check();
    ByteBuf data = (ByteBuf) msg;
    try {
      int len = data.readableBytes();
      conn.countIn(len);
      if (closed || len == 0) {
        return;
      }
      if (negotiator != null) {
        byte[] bytes = new byte[len];
        data.readBytes(bytes);
        onNegotiationData(bytes);
        return;
      }
      // copied to the heap: the channel's buffer goes back to its pool now, whatever the reader
      ByteBuf copy = io.netty.buffer.Unpooled.buffer(len);
      copy.writeBytes(data);
      in.add(copy);
    } finally {
      data.release();
    }
  }

  private void onNegotiationData(byte[] bytes) {
    try {
      negotiator.receive(bytes, 0, bytes.length);
      pumpNegotiation();
    } catch (NoProtocolSupportedException e) {
      resetQuietly();
      fail(new ProtocolNotSupportedException(proposed));
    } catch (ProtocolException e) {
      resetQuietly();
      fail(e);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    readIfWanted();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    owner.check();
    if (evt instanceof ChannelInputShutdownEvent) {
      onRemoteEnd();
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void onRemoteEnd() {
    if (closed || in.remoteEnded()) {
      return;
    }
    in.remoteEnd();
    if (negotiator != null) {
      resetQuietly();
      fail(new StreamClosedException("remote closed QUIC stream " + id
          + " during protocol negotiation"));
      return;
    }
    in.drain();
    closeIfDone();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    owner.check();
    if (cause instanceof QuicStreamResetException reset) {
      fail(new StreamClosedException("stream " + id + " was reset by the remote (code "
          + reset.applicationProtocolCode() + ")", cause));
    } else {
      fail(new StreamClosedException("QUIC stream " + id + " failed: " + cause, cause));
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    owner.check();
    if (!closed) {
      if (in.remoteEnded() && localEnded && negotiator == null) {
        markClosed();
      } else {
        fail(conn.isClosedNow()
            ? new StreamClosedException("connection closed", conn.closeCauseNow())
            : new StreamClosedException("QUIC stream " + id + " was closed"));
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    fireDrainIfDue();
    ctx.fireChannelWritabilityChanged();
  }

  /**
   * Both directions ended cleanly: the stream is done (its unread data stays readable). The
   * channel is left for Netty to close once its FIN is out: closing it here could drop a FIN
   * that quiche had not sent yet, and the remote would never see our end.
   */
  private void closeIfDone() {
    if (in.remoteEnded() && localEnded && !closed) {
      markClosed();
    }
  }

  private void markClosed() {
    closed = true;
    in.uncount();
    cancelNegotiationTimer();
    conn.streamClosed(this);
  }

  /** The connection closed under the stream. */
  void onConnectionClosed(Throwable cause) {
    fail(new StreamClosedException(cause == null || cause.getMessage() == null
        ? "connection closed" : "connection closed: " + cause.getMessage(), cause));
  }

  /** Ends the stream with {@code cause}: the opener's future, writes and end() fail with it. */
  void fail(Throwable cause) {
    owner.check();
    if (closed) {
      return;
    }
    in.failed(cause);
    closed = true;
    cancelNegotiationTimer();
    negotiator = null;
    Promise<P2pStream> p = openPromise;
    openPromise = null;
    if (p != null) {
      p.tryFail(cause);
    }
    in.discard();
    end.fail(cause);
    conn.streamClosed(this);
    in.reportFailure();
  }

  /** Sends RESET_STREAM and STOP_SENDING (when the channel is still open), then closes it. */
  void resetQuietly() {
    owner.check();
    QuicStreamChannel ch = channel;
    if (ch != null && ch.isOpen()) {
      ch.shutdown(RESET_CODE).addListener(f -> {
        ch.parent().flush();
        ch.close();
      });
    }
  }

  private void applicationFailed(String which, Throwable e) {
    if (e instanceof VirtualMachineError fatal) {
      throw fatal;
    }
    conn.log().warn("QUIC stream " + id + " (" + protocol + ") on connection " + conn.id()
        + ": the application's " + which + " threw " + e + "; resetting the stream", e);
    if (!closed) {
      resetQuietly();
      fail(new StreamClosedException("stream " + id + " was reset: the application's " + which
          + " threw " + e, e));
    }
  }

  // ---- read side ----------------------------------------------------------------------------

  /** QUIC's side of the read path: the buffer budget, and reading on while the reader keeps up. */
  private final class Inbound extends StreamInbound {
    Inbound() {
      super(QuicStream.this, owner);
    }

    @Override
    void bufferedDelta(long delta) {
      conn.bufferedDelta(delta);
    }

    /** Nothing to acknowledge: QUIC's window opens as the stream reads on. */
    @Override
    void taking(int size) {
    }

    @Override
    void delivered() {
      readIfWanted();
    }

    @Override
    void applicationFailed(String which, Throwable e) {
      QuicStream.this.applicationFailed(which, e);
    }
  }

  /** Reads on while the reader keeps up: at most {@link #READ_AHEAD} bytes wait here. */
  private void readIfWanted() {
    QuicStreamChannel ch = channel;
    if (ch == null || !ch.isActive()) {
      return;
    }
    boolean open = !closed && !in.remoteEnded() && in.buffered() < READ_AHEAD;
    // negotiation bytes are ours, not the application's: never held by the budget
    boolean room = !open || negotiator != null || conn.bufferRoom() > 0;
    boolean want = open && room;
    if (ch.config().isAutoRead() != want) {
      ch.config().setAutoRead(want);
    }
    if (open && !room && !budgetRecheck) {
      // held by the budget, which other streams' readers free: look again shortly
      budgetRecheck = true;
      owner.context().owner().setTimer(BufferAccount.NODE_RECHECK_MILLIS,
          t -> owner.run(() -> {
            budgetRecheck = false;
            readIfWanted();
          }));
    }
  }

  // ---- write side ---------------------------------------------------------------------------

  /** Negotiation bytes, ahead of anything the application writes. */
  private void writeRaw(byte[] data) {
    send(data, null);
  }

  /** Hands {@code data} to the stream channel; {@code promise} (may be null) learns the end. */
  private void send(byte[] data, Promise<Void> promise) {
    owner.check();
    int len = data.length;
    queued.addAndGet(len);
    conn.streamBytesQueued(len);
    QuicStreamChannel ch = channel;
    ByteBuf buf = ch.alloc().directBuffer(len).writeBytes(data);
    ChannelFuture f = ch.writeAndFlush(buf);
    lastWrite = f;
    f.addListener(done -> owner.run(() -> {
      queued.addAndGet(-len);
      conn.streamBytesQueued(-len);
      if (done.isSuccess()) {
        conn.countOut(len);
        if (promise != null) {
          promise.tryComplete();
        }
      } else {
        Throwable cause = done.cause();
        if (!closed) {
          fail(new StreamClosedException(cause instanceof QuicStreamResetException
              ? "stream " + id + " was stopped by the remote"
              : "cannot write on QUIC stream " + id + ": " + cause, cause));
        }
        if (promise != null) {
          promise.tryFail(failureOr(cause));
        }
      }
      fireDrainIfDue();
    }));
  }

  @Override
  public Future<Void> write(Buffer data) {
    Promise<Void> promise = conn.callerPromise();
    byte[] bytes = data.getBytes();
    boolean offLoop = !owner.isCurrent();
    if (offLoop) {
      // counted at once, so a writer off the loop meets back-pressure too
      queued.addAndGet(bytes.length);
    }
    owner.run(() -> {
      if (offLoop) {
        queued.addAndGet(-bytes.length);
      }
      if (closed || end.requested()) {
        promise.fail(StreamEnd.writeRefused(in.failure(), id));
        return;
      }
      if (bytes.length == 0) {
        promise.complete();
        return;
      }
      send(bytes, promise);
    });
    return promise.future();
  }

  @Override
  public Future<Void> end() {
    Promise<Void> promise = conn.callerPromise();
    owner.run(() -> {
      if (!end.request(promise)) {
        return;
      }
      if (in.failure() != null || closed) {
        promise.tryFail(failureOr(new StreamClosedException("stream closed")));
        return;
      }
      // FIN after the last write has gone to QUIC (Netty's order on a stream channel)
      // Always on a later turn of the loop: called from a handler inside Netty's read of the
      // remote's FIN, a FIN queued at once is dropped when Netty then closes the finished stream
      // in the same read, before the connection sends anything
      ChannelFuture last = lastWrite;
      if (last == null || last.isDone()) {
        channel.eventLoop().execute(() -> owner.run(this::shutdownOutput));
      } else {
        last.addListener(f -> channel.eventLoop().execute(() -> owner.run(this::shutdownOutput)));
      }
    });
    return promise.future();
  }

  private void shutdownOutput() {
    owner.check();
    if (closed) {
      end.fail(failureOr(new StreamClosedException("stream closed")));
      return;
    }
    QuicStreamChannel ch = channel;
    ch.shutdownOutput().addListener(f -> owner.run(() -> {
      // the FIN is queued in quiche; without a flush of the connection nothing sends it
      // until other traffic comes along
      ch.parent().flush();
      if (f.isSuccess()) {
        localEnded = true;
        end.complete();
        closeIfDone();
      } else {
        end.fail(new StreamClosedException("cannot end QUIC stream " + id + ": "
            + f.cause(), f.cause()));
      }
    }));
  }

  @Override
  public P2pStream setWriteQueueMaxSize(int maxSize) {
    if (maxSize < 1) {
      throw new IllegalArgumentException("write queue max size must be >= 1, got " + maxSize);
    }
    maxQueued = maxSize;
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    boolean full = queued.get() >= maxQueued;
    if (full) {
      needDrain = true;
    }
    return full;
  }

  @Override
  public P2pStream drainHandler(Handler<Void> handler) {
    owner.run(() -> {
      this.drainHandler = handler;
      fireDrainIfDue();
    });
    return this;
  }

  /** Once a writer found the queue full, the drain handler runs when it is half empty. */
  private void fireDrainIfDue() {
    owner.check();
    Handler<Void> h = drainHandler;
    if (needDrain && h != null && queued.get() <= maxQueued / 2) {
      needDrain = false;
      in.callApp("drain handler", h, null);
    }
  }

  @Override
  public void reset() {
    owner.run(() -> {
      if (closed) {
        return;
      }
      resetQuietly();
      fail(new StreamClosedException("stream " + id + " was reset locally"));
    });
  }

  // ---- accessors ----------------------------------------------------------------------------

  /**
   * What the dashboard shows of this stream ({@link StreamInbound.Host#describe}); on the loop.
   * QUIC's windows are not exposed: -1.
   */
  JsonObject toJson() {
    owner.check();
    return describe(queued.get(), end.requested() || localEnded, -1, -1);
  }

  /** Bytes received and not yet handed to the application; on the loop. */
  long buffered() {
    owner.check();
    return in.buffered();
  }

  @Override
  public String protocol() {
    return protocol;
  }

  @Override
  public Connection connection() {
    return conn;
  }

  @Override
  public long streamId() {
    return id;
  }

  @Override
  public boolean isOutbound() {
    return outbound;
  }

  boolean isClosed() {
    return closed;
  }

  /** Why the stream failed, else {@code fallback}. */
  Throwable failureOr(Throwable fallback) {
    Throwable failure = in.failure();
    return failure != null ? failure : fallback;
  }

  @Override
  public String toString() {
    return "P2pStream[quic " + id + " " + protocol + " on " + conn.id() + "]";
  }
}
