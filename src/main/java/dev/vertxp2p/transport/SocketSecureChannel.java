package dev.vertxp2p.transport;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.ByteBuf;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;

/**
 * What {@link NoiseChannel} and {@link TlsChannel} share: a {@link SecureChannel} over a socket,
 * whichever security protocol frames and encrypts its bytes. This part holds the socket and the
 * muxer, counts bytes both ways, accounts for the bytes handed to the socket and not yet written
 * out, decides when the socket reads, and drains the muxer's output in batches; the session's
 * framing and encryption, and how its output is written, are the subclass's.
 *
 * <p>Reads nothing until {@link #activate()}: the socket stays paused from the end of the upgrade
 * and whatever arrived with the last handshake message is held, so no stream reaches the host
 * before the swarm admitted the connection. All of it runs on the connection's event loop.
 *
 * <p>Reading pauses for any of three reasons and resumes only when none is left: not yet
 * activated; slow readers (for muxers without flow control: the unconsumed high water, or the
 * memory budget); and a full socket write queue. The last is the back-pressure on what the remote
 * makes us answer (Yamux pings, refused streams): while the socket cannot take more, the muxer's
 * output stays in the muxer, which bounds its unsent answers ({@link
 * dev.vertxp2p.proto.mux.ControlBacklog}), and nothing more is read until the socket drains.
 */
abstract sealed class SocketSecureChannel implements SecureChannel
    permits NoiseChannel, TlsChannel {

  /**
   * A flush hands the socket at most this much of what the muxer queued before it looks at the
   * socket's write queue again, so a backlog held while the socket was full is not all moved into
   * it at once when it drains.
   */
  static final int FLUSH_BATCH = 256 * 1024;

  final Owner owner;
  final NetSocket socket;
  /**
   * The same socket, when it is Vert.x's own (else null): its Netty channel, and Noise's raw reads
   * and pooled direct writes.
   */
  final NetSocketInternal rawSocket;
  final MuxerEngine muxer;
  final Listener listener;

  private volatile long bytesIn;
  private volatile long bytesOut;
  /** When the socket last gave us bytes: any byte proves the remote alive. */
  private long lastReadNanos = System.nanoTime();
  /**
   * When a write of ours last left the socket: while reading is paused for a full write queue,
   * the remote taking our bytes is what shows it alive.
   */
  private long lastWrittenNanos = lastReadNanos;
  /** True while a flush (or a write passed through) is under way. */
  boolean flushing;
  /** Set once, when the socket closed; read by the subclass, written here only. */
  boolean closed;
  /** Whether reading may start: set once by {@link #activate()}. */
  private boolean active;
  /** True while reading is paused for slow readers (muxers without flow control). */
  private boolean readPaused;
  /** True while the memory budget is spent (muxers without flow control pause reading). */
  private boolean budgetHold;
  /**
   * True from a write that left the socket's write queue full until it drains: the muxer's output
   * stays in the muxer, and reading pauses. Read by the subclass, written here only.
   */
  boolean writeBlocked;
  /** Ciphertext bytes handed to the socket, and those it has written out (or failed to). */
  private long handedToSocket;
  private long leftSocket;
  /** {@code handedToSocket - leftSocket}, published for readers on any thread. */
  private volatile long unsentPublished;
  /** Bytes handed to streams and not yet taken by the application (muxers without flow control). */
  private long unconsumed;
  /**
   * Plaintext that came with the last upgrade message (the muxer's first bytes, which the upgrade
   * already decrypted), held until {@link #activate()}.
   */
  private byte[] heldPlaintext;
  /**
   * Socket bytes (Noise ciphertext, TLS records) that came before {@link #activate()}, in order.
   */
  private ByteArrayOutputStream heldCiphertext;

  /**
   * Holds the socket and what the upgrade left; the subclass's constructor sets the socket's read
   * handlers, then calls {@link #pauseAndListen()}.
   *
   * @param plaintextLeftover muxer bytes the upgrade already decrypted, or null
   */
  SocketSecureChannel(Owner owner, NetSocket socket, MuxerEngine muxer, Listener listener,
      long bytesInDuringUpgrade, long bytesOutDuringUpgrade, byte[] plaintextLeftover) {
    this.owner = owner;
    this.socket = socket;
    this.rawSocket = socket instanceof NetSocketInternal internal ? internal : null;
    this.muxer = muxer;
    this.listener = listener;
    this.bytesIn = bytesInDuringUpgrade;
    this.bytesOut = bytesOutDuringUpgrade;
    if (plaintextLeftover != null && plaintextLeftover.length > 0) {
      heldPlaintext = plaintextLeftover;
    }
  }

  /**
   * Pauses the socket until {@link #activate()} and takes its close, error and drain events. Once,
   * from the subclass's constructor, after its read handlers are set.
   */
  final void pauseAndListen() {
    socket.pause();
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(listener::onSocketError);
    socket.drainHandler(v -> onDrained());
  }

  /**
   * Starts reading: feeds the held bytes to the muxer now, and resumes the socket on a later turn
   * of the loop (never inside one of its reads, which Vert.x forbids). Once only.
   *
   * @return false when already active
   */
  @Override
  public final boolean activate() {
    owner.check();
    if (active) {
      return false;
    }
    active = true;
    byte[] plain = heldPlaintext;
    heldPlaintext = null;
    if (plain != null && !closed) {
      try {
        muxer.receive(plain, 0, plain.length);
      } catch (ProtocolException e) {
        listener.onProtocolError(e);
        return true;
      }
      listener.onMuxerInput();
    }
    ByteArrayOutputStream held = heldCiphertext;
    heldCiphertext = null;
    if (held != null) {
      receiveHeld(held.toByteArray());
    }
    owner.context().runOnContext(v -> updateReading());
    return true;
  }

  /** The socket bytes held until {@link #activate()}, all of them in order, read now. */
  abstract void receiveHeld(byte[] bytes);

  /** Keeps socket bytes for {@link #activate()}, behind those kept before. */
  final void hold(byte[] data, int off, int len) {
    if (heldCiphertext == null) {
      heldCiphertext = new ByteArrayOutputStream();
    }
    heldCiphertext.write(data, off, len);
  }

  /**
   * A socket read came: counted, and the remote seen alive.
   *
   * @return its length
   */
  final int countRead(ByteBuf buf) {
    owner.check();
    lastReadNanos = System.nanoTime();
    int length = buf.readableBytes();
    bytesIn += length;
    return length;
  }

  /**
   * Before {@link #activate()}, a read Vert.x had queued before the pause: a copy is kept for
   * activation.
   *
   * @return true when it was kept (and is not to be read now)
   */
  final boolean heldUntilActive(ByteBuf buf, int length) {
    if (active) {
      return false;
    }
    byte[] copy = new byte[length];
    buf.getBytes(buf.readerIndex(), copy);
    hold(copy, 0, length);
    return true;
  }

  /**
   * For muxers without flow control (mplex): bounds what slow readers make us buffer by pausing
   * the socket above {@link TransportOptions#UNCONSUMED_HIGH_WATER} and resuming below half of it.
   * The remote then meets TCP back-pressure instead of us resetting its stream.
   *
   * @param delta bytes handed to streams (positive) or taken by the application (negative)
   */
  @Override
  public final void bufferedDelta(long delta) {
    owner.check();
    if (muxer.hasFlowControl()) {
      return;
    }
    unconsumed += delta;
    if (!readPaused && unconsumed > TransportOptions.UNCONSUMED_HIGH_WATER) {
      readPaused = true;
      updateReading();
    } else if (readPaused && unconsumed <= TransportOptions.UNCONSUMED_HIGH_WATER / 2) {
      readPaused = false;
      updateReading();
    }
  }

  /**
   * For muxers without flow control (mplex): the memory budget is spent ({@code true}) or has room
   * again, and reading pauses or may resume.
   */
  @Override
  public final void budgetHold(boolean hold) {
    owner.check();
    if (muxer.hasFlowControl() || hold == budgetHold) {
      return;
    }
    budgetHold = hold;
    updateReading();
  }

  /** Pauses the socket while any reason to pause is left, else resumes it. */
  private void updateReading() {
    owner.check();
    if (!active || closed) {
      return;
    }
    if (readPaused || budgetHold || writeBlocked) {
      socket.pause();
    } else {
      socket.resume();
    }
  }

  @Override
  public final boolean isReadPaused() {
    return readPaused;
  }

  /** Whether reading is paused because the socket's write queue is full. */
  @Override
  public final boolean isWriteBlocked() {
    owner.check();
    return writeBlocked;
  }

  /** As {@link #unsentBytes()}, from any thread (as of the last socket write or its end). */
  @Override
  public final long unsentBytesPublished() {
    return unsentPublished;
  }

  /** Ciphertext handed to the socket and not yet written out by it, in bytes; on the loop. */
  @Override
  public final long unsentBytes() {
    owner.check();
    return handedToSocket - leftSocket;
  }

  /** The socket's write queue drained: the muxer's backlog goes out, then reading may resume. */
  private void onDrained() {
    owner.check();
    if (closed) {
      return;
    }
    writeBlocked = false;
    listener.onSocketDrained();
    updateReading();
  }

  @Override
  public final long lastReadNanos() {
    return lastReadNanos;
  }

  /** When the remote last showed it is alive: it sent us bytes, or took ours. */
  @Override
  public final long lastAliveNanos() {
    return lastWrittenNanos - lastReadNanos > 0 ? lastWrittenNanos : lastReadNanos;
  }

  @Override
  public final long bytesIn() {
    return bytesIn;
  }

  @Override
  public final long bytesOut() {
    return bytesOut;
  }

  @Override
  public final boolean socketWriteQueueFull() {
    return socket.writeQueueFull();
  }

  /** The socket's Netty channel, when the socket is Vert.x's own (tests set its allocator). */
  @Override
  public final io.netty.channel.Channel nettyChannel() {
    return rawSocket != null ? rawSocket.channelHandlerContext().channel() : null;
  }

  @Override
  public void close() {
    socket.close();
  }

  /** The socket under the channel (tests reach the WebSocket under a {@code /ws} one). */
  @Override
  public final NetSocket socket() {
    return socket;
  }

  // ---- outbound -------------------------------------------------------------------------------

  /**
   * Encrypts everything the muxer wants sent and hands it to the socket, a batch of up to {@link
   * #FLUSH_BATCH} per socket write (see the subclass's {@code send}).
   *
   * @return false when a flush is already under way (or the socket closed): nothing was done
   */
  @Override
  public final boolean flush() {
    owner.check();
    if (flushing || closed) {
      return false;
    }
    flushing = true;
    try {
      drainMuxer();
    } finally {
      flushing = false;
    }
    return true;
  }

  /**
   * Sends all the muxer has queued, a batch at a time, again and again until it has nothing or
   * the socket is full: a socket write can call back into us on this thread (a drain handler whose
   * stream writes), and what that queues must not wait for some later flush.
   */
  final void drainMuxer() {
    while (!closed && !writeBlocked) {
      Pieces pieces = Pieces.take();
      byte[] chunk;
      // a batch at a time, so that a backlog held while the socket was full is not moved into
      // it all at once
      while (pieces.total() < FLUSH_BATCH && (chunk = muxer.pollOutbound()) != null) {
        pieces.piece(chunk, 0, chunk.length);
      }
      if (pieces.count() == 0) {
        return;
      }
      send(pieces);
    }
  }

  /**
   * Encrypts the pieces as one byte stream and writes the result in one socket write: {@link
   * #handing} before it, {@link #written} when it is done, {@link #checkWriteQueue} after. Clears
   * the pieces once it has taken their bytes.
   */
  abstract void send(Pieces pieces);

  /** Counts a write of {@code length} bytes that is about to be handed to the socket. */
  final void handing(int length) {
    bytesOut += length;
    handedToSocket += length;
    unsentPublished = handedToSocket - leftSocket;
  }

  /** After a socket write: a full write queue blocks the muxer's output and pauses reading. */
  final void checkWriteQueue() {
    if (!writeBlocked && socket.writeQueueFull()) {
      writeBlocked = true;
      updateReading();
    }
  }

  /**
   * A socket write is done (or failed). Once the socket's queue has room again this counts as the
   * drain: Vert.x calls its drain handler only for a queue it found full itself, which need not
   * be the moment we did.
   */
  final void written(int length) {
    owner.check();
    leftSocket += length;
    unsentPublished = handedToSocket - leftSocket;
    if (writeBlocked && !closed) {
      // only while the queue is full: then the write's leaving shows the remote reading (our
      // own small writes to a stalled peer leave into the kernel's buffer all the same)
      lastWrittenNanos = System.nanoTime();
      if (!socket.writeQueueFull()) {
        onDrained();
      }
    }
  }

  // ---- closing --------------------------------------------------------------------------------

  private void onClosed() {
    owner.check();
    if (closed) {
      return;
    }
    closed = true;
    destroySession();
    heldPlaintext = null;
    heldCiphertext = null;
    listener.onSocketClosed();
  }

  /** The socket closed (and {@link #closed} is set): the session lets go of its keys. */
  abstract void destroySession();
}
