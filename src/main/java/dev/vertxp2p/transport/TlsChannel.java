package dev.vertxp2p.transport;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.tls.TlsSession;
import dev.vertxp2p.util.Owner;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.NetSocket;
import java.nio.ByteBuffer;

/**
 * The secure channel over a libp2p TLS 1.3 session ({@code /tls/1.0.0}): socket bytes in,
 * decrypted by the {@link TlsSession} and fed to the muxer; the muxer's outbound bytes joined and
 * encrypted into TLS records, one socket write per flush. TLS frames its own records, so reads of
 * any size go to the session as they come, and the session's own output (a KeyUpdate answer,
 * close_notify) goes out with the next write or at once.
 *
 * <p>The same reading rules as {@link NoiseChannel}, kept in {@link SocketSecureChannel}: nothing
 * is read until {@link #activate()}; reading pauses for slow readers (muxers without flow
 * control), a spent memory budget, or a full socket write queue, and resumes when none is left.
 * All of it runs on the connection's loop.
 */
final class TlsChannel extends SocketSecureChannel {
  private final TlsSession session;

  /**
   * Takes over {@code socket} (on its event loop) and pauses it until {@link #activate()}.
   *
   * @param plaintextLeftover muxer bytes the upgrade already decrypted, or null
   */
  TlsChannel(Owner owner, NetSocket socket, TlsSession session, MuxerEngine muxer,
      Listener listener, long bytesInDuringUpgrade, long bytesOutDuringUpgrade,
      byte[] plaintextLeftover) {
    super(owner, socket, muxer, listener, bytesInDuringUpgrade, bytesOutDuringUpgrade,
        plaintextLeftover);
    this.session = session;
    socket.handler(this::onSocketData);
    pauseAndListen();
  }

  /** Records that came before {@link #activate()}, in order. */
  @Override
  void receiveHeld(byte[] records) {
    onRecords(ByteBuffer.wrap(records));
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

  // ---- outbound -------------------------------------------------------------------------------

  @Override
  public int writeThrough(long streamId, byte[] data, int off, int len) {
    owner.check();
    int n = muxer.write(streamId, data, off, len);
    flush();
    return n;
  }

  /**
   * Joins the pieces and encrypts them into TLS records: the muxer's small chunks (frame headers)
   * are joined first, so that each does not cost a TLS record of its own.
   */
  @Override
  void send(Pieces pieces) {
    byte[] plain;
    try {
      plain = new byte[Math.toIntExact(pieces.total())];
      int pos = 0;
      for (int i = 0; i < pieces.count(); i++) {
        System.arraycopy(pieces.array(i), pieces.offset(i), plain, pos, pieces.length(i));
        pos += pieces.length(i);
      }
    } finally {
      pieces.clear();
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
    handing(length);
    socket.write(Buffer.buffer(records)).onComplete(ar -> written(length));
    checkWriteQueue();
  }

  // ---- inbound --------------------------------------------------------------------------------

  private void onSocketData(Buffer buffer) {
    ByteBuf buf = ((BufferInternal) buffer).getByteBuf();
    int length = countRead(buf);
    if (closed || heldUntilActive(buf, length)) {
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

  @Override
  void destroySession() {
    session.destroy();
  }
}
