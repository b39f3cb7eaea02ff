package dev.vertxp2p.transport;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetSocket;

/**
 * The secure channel under a muxed connection, as Vert.x's HTTP/2 keeps its Netty handler apart
 * from the connection: socket bytes in, decrypted by the Noise session and fed to the muxer; the
 * muxer's outbound bytes out, encrypted into one pooled direct buffer per socket write. Counts
 * bytes both ways. Knows nothing of streams: after each read it tells its {@link Listener}, which
 * dispatches what the muxer made of the bytes. The Noise implementation of {@link SecureChannel}.
 *
 * <p>Reads nothing until {@link #activate()}, and pauses reading for slow readers and a full
 * socket write queue, as {@link SocketSecureChannel} describes; all of it runs on the connection's
 * event loop.
 */
final class NoiseChannel extends SocketSecureChannel {

  private final NoiseSession session;

  /**
   * Takes over {@code socket} (on its event loop) and pauses it until {@link #activate()}.
   *
   * @param plaintextLeftover muxer bytes the upgrade already decrypted, or null
   * @param ciphertextLeftover Noise bytes that came behind the handshake, or null
   */
  NoiseChannel(Owner owner, NetSocket socket, NoiseSession session, MuxerEngine muxer,
      Listener listener, long bytesInDuringUpgrade, long bytesOutDuringUpgrade,
      byte[] plaintextLeftover, byte[] ciphertextLeftover) {
    super(owner, socket, muxer, listener, bytesInDuringUpgrade, bytesOutDuringUpgrade,
        plaintextLeftover);
    this.session = session;
    if (ciphertextLeftover != null && ciphertextLeftover.length > 0) {
      hold(ciphertextLeftover, 0, ciphertextLeftover.length);
    }
    // Reads already queued inside Vert.x arrive through the data handler, later ones as Netty
    // read them through the message handler.
    socket.handler(this::onSocketData);
    if (rawSocket != null) {
      rawSocket.messageHandler(this::onSocketMessage);
    }
    // after the message handler is set, so that Netty's reads wait inside Vert.x
    pauseAndListen();
  }

  @Override
  void receiveHeld(byte[] bytes) {
    onCiphertext(bytes, 0, bytes.length);
  }

  // ---- outbound -------------------------------------------------------------------------------

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

  /**
   * Encrypts the pieces as one byte stream and writes the ciphertext in one socket write.
   *
   * <p>The muxer's chunks are treated as one byte stream and cut into Noise messages of the
   * largest size, so a 64 KiB application write that the muxer splits into a full frame and a
   * small tail does not cost a second, nearly empty message (and AEAD call) of its own. Each
   * message is encrypted into this thread's {@link Scratch} array, which stays in cache, and
   * copied from there into one pooled direct buffer that the socket writes as it is (Netty would
   * otherwise copy a heap array into a direct buffer itself).
   */
  @Override
  void send(Pieces pieces) {
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
    handing(length);
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
    int length = countRead(buf);
    if (heldUntilActive(buf, length)) {
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

  @Override
  void destroySession() {
    session.destroy(); // every use of the session above checks closed first
  }
}
