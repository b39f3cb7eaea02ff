package dev.vertxp2p.transport;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;

/**
 * The secure channel under a muxed connection, as Vert.x's HTTP/2 keeps its Netty handler apart
 * from the connection: socket bytes in, decrypted by the Noise session and fed to the muxer; the
 * muxer's outbound bytes out, encrypted into one pooled direct buffer per socket write. Counts
 * bytes both ways. Knows nothing of streams: after each read it tells its {@link Listener}, which
 * dispatches what the muxer made of the bytes. The Noise implementation of {@link SecureChannel}.
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
final class NoiseChannel implements SecureChannel {

  /**
   * A flush hands the socket at most this much of what the muxer queued before it looks at the
   * socket's write queue again, so a backlog held while the socket was full is not all moved into
   * it at once when it drains.
   */
  static final int FLUSH_BATCH = 256 * 1024;

  private final Owner owner;
  private final NetSocket socket;
  /** The same socket, when it is Vert.x's own: raw reads and pooled direct writes. */
  private final NetSocketInternal rawSocket;
  private final NoiseSession session;
  private final MuxerEngine muxer;
  private final Listener listener;

  private volatile long bytesIn;
  private volatile long bytesOut;
  /** When the socket last gave us bytes: any byte proves the remote alive. */
  private long lastReadNanos = System.nanoTime();
  /**
   * When a write of ours last left the socket: while reading is paused for a full write queue,
   * the remote taking our bytes is what shows it alive.
   */
  private long lastWrittenNanos = lastReadNanos;
  private boolean flushing;
  private boolean closed;
  /** Whether reading may start: set once by {@link #activate()}. */
  private boolean active;
  /** True while reading is paused for slow readers (muxers without flow control). */
  private boolean readPaused;
  /** True while the memory budget is spent (muxers without flow control pause reading). */
  private boolean budgetHold;
  /**
   * True from a write that left the socket's write queue full until it drains: the muxer's output
   * stays in the muxer, and reading pauses.
   */
  private boolean writeBlocked;
  /** Ciphertext bytes handed to the socket, and those it has written out (or failed to). */
  private long handedToSocket;
  private long leftSocket;
  /** {@code handedToSocket - leftSocket}, published for readers on any thread. */
  private volatile long unsentPublished;
  /** Bytes handed to streams and not yet taken by the application (muxers without flow control). */
  private long unconsumed;
  /** Plaintext that came with the last upgrade message, held until {@link #activate()}. */
  private byte[] heldPlaintext;
  /** Ciphertext that came before {@link #activate()}, in order. */
  private ByteArrayOutputStream heldCiphertext;

  /**
   * Takes over {@code socket} (on its event loop) and pauses it until {@link #activate()}.
   *
   * @param plaintextLeftover muxer bytes the upgrade already decrypted, or null
   * @param ciphertextLeftover Noise bytes that came behind the handshake, or null
   */
  NoiseChannel(Owner owner, NetSocket socket, NoiseSession session, MuxerEngine muxer,
      Listener listener, long bytesInDuringUpgrade, long bytesOutDuringUpgrade,
      byte[] plaintextLeftover, byte[] ciphertextLeftover) {
    this.owner = owner;
    this.socket = socket;
    this.session = session;
    this.muxer = muxer;
    this.listener = listener;
    this.bytesIn = bytesInDuringUpgrade;
    this.bytesOut = bytesOutDuringUpgrade;
    if (plaintextLeftover != null && plaintextLeftover.length > 0) {
      heldPlaintext = plaintextLeftover;
    }
    if (ciphertextLeftover != null && ciphertextLeftover.length > 0) {
      hold(ciphertextLeftover, 0, ciphertextLeftover.length);
    }
    // Reads already queued inside Vert.x arrive through the data handler, later ones as Netty
    // read them through the message handler.
    socket.handler(this::onSocketData);
    this.rawSocket = socket instanceof NetSocketInternal internal ? internal : null;
    if (rawSocket != null) {
      rawSocket.messageHandler(this::onSocketMessage);
    }
    // after the message handler is set, so that Netty's reads wait inside Vert.x
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
  public boolean activate() {
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
    ByteArrayOutputStream cipher = heldCiphertext;
    heldCiphertext = null;
    if (cipher != null) {
      byte[] bytes = cipher.toByteArray();
      onCiphertext(bytes, 0, bytes.length);
    }
    owner.context().runOnContext(v -> updateReading());
    return true;
  }

  private void hold(byte[] data, int off, int len) {
    if (heldCiphertext == null) {
      heldCiphertext = new ByteArrayOutputStream();
    }
    heldCiphertext.write(data, off, len);
  }

  /**
   * For muxers without flow control (mplex): bounds what slow readers make us buffer by pausing
   * the socket above {@link TransportOptions#UNCONSUMED_HIGH_WATER} and resuming below half of it.
   * The remote then meets TCP back-pressure instead of us resetting its stream.
   *
   * @param delta bytes handed to streams (positive) or taken by the application (negative)
   */
  @Override
  public void bufferedDelta(long delta) {
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
  public void budgetHold(boolean hold) {
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
  public boolean isReadPaused() {
    return readPaused;
  }

  /** Whether reading is paused because the socket's write queue is full. */
  @Override
  public boolean isWriteBlocked() {
    owner.check();
    return writeBlocked;
  }

  /** As {@link #unsentBytes()}, from any thread (as of the last socket write or its end). */
  @Override
  public long unsentBytesPublished() {
    return unsentPublished;
  }

  /** Ciphertext handed to the socket and not yet written out by it, in bytes; on the loop. */
  @Override
  public long unsentBytes() {
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

  /** After a socket write: a full write queue blocks the muxer's output and pauses reading. */
  private void checkWriteQueue() {
    if (!writeBlocked && socket.writeQueueFull()) {
      writeBlocked = true;
      updateReading();
    }
  }

  @Override
  public long lastReadNanos() {
    return lastReadNanos;
  }

  /** When the remote last showed it is alive: it sent us bytes, or took ours. */
  @Override
  public long lastAliveNanos() {
    return lastWrittenNanos - lastReadNanos > 0 ? lastWrittenNanos : lastReadNanos;
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
  public boolean socketWriteQueueFull() {
    return socket.writeQueueFull();
  }

  /** The socket's Netty channel, when the socket is Vert.x's own (tests set its allocator). */
  @Override
  public io.netty.channel.Channel nettyChannel() {
    return rawSocket != null ? rawSocket.channelHandlerContext().channel() : null;
  }

  @Override
  public void close() {
    socket.close();
  }

  /** The socket under the channel (tests reach the WebSocket under a {@code /ws} one). */
  @Override
  public NetSocket socket() {
    return socket;
  }

  // ---- outbound -------------------------------------------------------------------------------

  /**
   * Encrypts everything the muxer wants sent and writes it in one socket write.
   *
   * <p>The muxer's chunks are treated as one byte stream and cut into Noise messages of the
   * largest size, so a 64 KiB application write that the muxer splits into a full frame and a
   * small tail does not cost a second, nearly empty message (and AEAD call) of its own. Each
   * message is encrypted into this thread's {@link Scratch} array, which stays in cache, and
   * copied from there into one pooled direct buffer that the socket writes as it is (Netty would
   * otherwise copy a heap array into a direct buffer itself).
   *
   * @return false when a flush is already under way (or the socket closed): nothing was done
   */
  @Override
  public boolean flush() {
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
   * Sends all the muxer has queued, again and again until it has nothing: a socket write can call
   * back into us on this thread (a drain handler whose stream writes), and what that queues must
   * not wait for some later flush.
   */
  private void drainMuxer() {
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
   * A stream's write, sent before this returns: when the muxer has nothing queued, it hands over
   * the frames' headers and the data where it lies, and they are encrypted from there, saving the
   * copy into the muxer's queue (the caller may change {@code data} once this returns, and by
   * then nothing refers to it). Otherwise, or while a flush is under way, the muxer copies the
   * data into its queue as usual and the caller's flush sends it.
   *
   * @return the bytes the muxer accepted
   */
  @Override
  public int writeThrough(long streamId, byte[] data, int off, int len) {
    owner.check();
    if (flushing || closed || writeBlocked) {
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
    handedToSocket += length;
    unsentPublished = handedToSocket - leftSocket;
    if (rawSocket != null) {
      SocketWrite write = new SocketWrite(out);
      rawSocket.writeMessage(write).onComplete(ar -> {
        if (ar.failed()) {
          write.releaseIfKept();
        }
        written(length);
      });
    } else {
      socket.write(BufferInternal.buffer(out)).onComplete(ar -> written(length));
    }
    checkWriteQueue();
  }

  /**
   * A socket write is done (or failed). Once the socket's queue has room again this counts as the
   * drain: Vert.x calls its drain handler only for a queue it found full itself, which need not
   * be the moment we did.
   */
  private void written(int length) {
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

  // ---- inbound --------------------------------------------------------------------------------

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
    owner.check();
    lastReadNanos = System.nanoTime();
    int length = buf.readableBytes();
    bytesIn += length;
    if (!active) {
      // a read Vert.x had queued before the pause: kept for activate()
      byte[] copy = new byte[length];
      buf.getBytes(buf.readerIndex(), copy);
      hold(copy, 0, length);
      return;
    }
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

  /** Ciphertext from the socket: decrypted, each plaintext message fed to the muxer. */
  private void onCiphertext(byte[] data, int off, int len) {
    if (closed) {
      return;
    }
    listener.beforeMuxerInput();
    try {
      session.receive(data, off, len);
      byte[] plain;
      while ((plain = session.pollPlaintext()) != null) {
        // each plaintext is a fresh array of its own: the muxer may hand out ranges of it
        muxer.receiveOwned(plain, 0, plain.length);
      }
    } catch (ProtocolException e) {
      listener.onProtocolError(e);
      return;
    }
    listener.onMuxerInput();
  }

  private void onClosed() {
    owner.check();
    if (closed) {
      return;
    }
    closed = true;
    session.destroy(); // every use of the session above checks closed first
    heldPlaintext = null;
    heldCiphertext = null;
    listener.onSocketClosed();
  }
}
