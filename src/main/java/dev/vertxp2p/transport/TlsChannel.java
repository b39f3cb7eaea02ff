package dev.vertxp2p.transport;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.tls.TlsSession;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * The secure channel over a libp2p TLS 1.3 session ({@code /tls/1.0.0}): socket bytes in,
 * decrypted by the {@link TlsSession} and fed to the muxer; the muxer's outbound bytes joined and
 * encrypted into TLS records, one socket write per flush. TLS frames its own records, so reads of
 * any size go to the session as they come, and the session's own output (a KeyUpdate answer,
 * close_notify) goes out with the next write or at once.
 *
 * <p>The same reading rules as {@link NoiseChannel}: nothing is read until {@link #activate()};
 * reading pauses for slow readers (muxers without flow control), a spent memory budget, or a full
 * socket write queue, and resumes when none is left. All of it runs on the connection's loop.
 */
final class TlsChannel implements SecureChannel {
  private final Owner owner;
  private final NetSocket socket;
  private final TlsSession session;
  private final MuxerEngine muxer;
  private final Listener listener;

  private volatile long bytesIn;
  private volatile long bytesOut;
  private long lastReadNanos = System.nanoTime();
  private long lastWrittenNanos = lastReadNanos;
  private boolean flushing;
  private boolean closed;
  private boolean active;
  private boolean readPaused;
  private boolean budgetHold;
  private boolean writeBlocked;
  private long handedToSocket;
  private long leftSocket;
  private volatile long unsentPublished;
  private long unconsumed;
  /** Plaintext the upgrade already decrypted (the muxer's first bytes), held until activation. */
  private byte[] heldPlaintext;
  /** Records that came before {@link #activate()}, in order. */
  private ByteArrayOutputStream heldRecords;

  /**
   * Takes over {@code socket} (on its event loop) and pauses it until {@link #activate()}.
   *
   * @param plaintextLeftover muxer bytes the upgrade already decrypted, or null
   */
  TlsChannel(Owner owner, NetSocket socket, TlsSession session, MuxerEngine muxer,
      Listener listener, long bytesInDuringUpgrade, long bytesOutDuringUpgrade,
      byte[] plaintextLeftover) {
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
    socket.handler(this::onSocketData);
    socket.pause();
    socket.closeHandler(v -> onClosed());
    socket.exceptionHandler(listener::onSocketError);
    socket.drainHandler(v -> onDrained());
  }

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
    ByteArrayOutputStream records = heldRecords;
    heldRecords = null;
    if (records != null) {
      onRecords(ByteBuffer.wrap(records.toByteArray()));
    }
    owner.context().runOnContext(v -> updateReading());
    return true;
  }

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

  @Override
  public void budgetHold(boolean hold) {
    owner.check();
    if (muxer.hasFlowControl() || hold == budgetHold) {
      return;
    }
    budgetHold = hold;
    updateReading();
  }

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

  @Override
  public boolean isWriteBlocked() {
    owner.check();
    return writeBlocked;
  }

  @Override
  public long unsentBytesPublished() {
    return unsentPublished;
  }

  @Override
  public long unsentBytes() {
    owner.check();
    return handedToSocket - leftSocket;
  }

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
  public long lastReadNanos() {
    return lastReadNanos;
  }

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

  @Override
  public io.netty.channel.Channel nettyChannel() {
    return socket instanceof NetSocketInternal internal
        ? internal.channelHandlerContext().channel() : null;
  }

  /**
   * Closes the socket after a close_notify (RFC 8446 section 6.1), best effort: only on the
   * owner's loop, where the session may be touched.
   */
  @Override
  public void close() {
    if (owner.isCurrent() && !closed && !session.isFailed()) {
      try {
        session.close();
        writeRecords(session.drainOutput());
      } catch (RuntimeException e) {
        // the session failed underneath: the socket closes all the same
      }
    }
    socket.close();
  }

  @Override
  public NetSocket socket() {
    return socket;
  }

  // ---- outbound -------------------------------------------------------------------------------

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
   * Sends all the muxer has queued, a batch of up to {@link NoiseChannel#FLUSH_BATCH} at a time,
   * until it has nothing or the socket is full. The muxer's small chunks (frame headers) are
   * joined first, so that each does not cost a TLS record of its own.
   */
  private void drainMuxer() {
    while (!closed && !writeBlocked) {
      Pieces pieces = Pieces.take();
      try {
        byte[] chunk;
        while (pieces.total() < NoiseChannel.FLUSH_BATCH
            && (chunk = muxer.pollOutbound()) != null) {
          pieces.piece(chunk, 0, chunk.length);
        }
        if (pieces.count() == 0) {
          return;
        }
        send(pieces);
      } finally {
        pieces.clear();
      }
    }
  }

  @Override
  public int writeThrough(long streamId, byte[] data, int off, int len) {
    owner.check();
    int n = muxer.write(streamId, data, off, len);
    flush();
    return n;
  }

  private void send(Pieces pieces) {
    byte[] plain = new byte[Math.toIntExact(pieces.total())];
    int pos = 0;
    for (int i = 0; i < pieces.count(); i++) {
      System.arraycopy(pieces.array(i), pieces.offset(i), plain, pos, pieces.length(i));
      pos += pieces.length(i);
    }
    byte[] records;
    try {
      records = session.encrypt(plain, 0, plain.length);
    } catch (ProtocolException e) {
      listener.onProtocolError(e);
      return;
    }
    writeRecords(records);
  }

  private void writeRecords(byte[] records) {
    if (records.length == 0 || closed) {
      return;
    }
    int length = records.length;
    bytesOut += length;
    handedToSocket += length;
    unsentPublished = handedToSocket - leftSocket;
    socket.write(Buffer.buffer(records)).onComplete(ar -> written(length));
    if (!writeBlocked && socket.writeQueueFull()) {
      writeBlocked = true;
      updateReading();
    }
  }

  private void written(int length) {
    owner.check();
    leftSocket += length;
    unsentPublished = handedToSocket - leftSocket;
    if (writeBlocked && !closed) {
      lastWrittenNanos = System.nanoTime();
      if (!socket.writeQueueFull()) {
        onDrained();
      }
    }
  }

  // ---- inbound --------------------------------------------------------------------------------

  private void onSocketData(Buffer buffer) {
    owner.check();
    lastReadNanos = System.nanoTime();
    ByteBuf buf = ((BufferInternal) buffer).getByteBuf();
    int length = buf.readableBytes();
    bytesIn += length;
    if (closed) {
      return;
    }
    if (!active) {
      if (heldRecords == null) {
        heldRecords = new ByteArrayOutputStream();
      }
      byte[] copy = new byte[length];
      buf.getBytes(buf.readerIndex(), copy);
      heldRecords.writeBytes(copy);
      return;
    }
    onRecords(buf.nioBuffer(buf.readerIndex(), length));
  }

  /** Records from the socket: the plaintext they complete goes to the muxer. */
  private void onRecords(ByteBuffer records) {
    if (closed) {
      return;
    }
    listener.beforeMuxerInput();
    byte[] plain;
    try {
      plain = session.decrypt(records);
    } catch (ProtocolException e) {
      // the alert telling the remote why, best effort
      writeRecords(session.drainOutput());
      listener.onProtocolError(e);
      return;
    }
    writeRecords(session.drainOutput());
    if (plain.length > 0) {
      try {
        muxer.receiveOwned(plain, 0, plain.length);
      } catch (ProtocolException e) {
        listener.onProtocolError(e);
        return;
      }
      listener.onMuxerInput();
    }
    if (session.isInboundClosed() && !closed) {
      // close_notify: the remote writes nothing more; the connection ends as on a closed socket
      socket.close();
    }
  }

  private void onClosed() {
    owner.check();
    if (closed) {
      return;
    }
    closed = true;
    session.destroy();
    heldPlaintext = null;
    heldRecords = null;
    listener.onSocketClosed();
  }
}
