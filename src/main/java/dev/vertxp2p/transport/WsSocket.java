package dev.vertxp2p.transport;

import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.util.Log;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SSLOptions;
import io.vertx.core.net.SocketAddress;
import java.security.cert.Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A Vert.x WebSocket seen as the byte stream the upgrader and {@link NoiseChannel} read and write,
 * for {@code /ws} (libp2p over WebSocket: the payloads of binary messages, concatenated, are the
 * connection's bytes; where one message ends means nothing).
 *
 * <p>Reads: every binary frame's payload (continuations included) goes to the data handler, as a
 * TCP read would. A text frame is a protocol error (libp2p over WebSocket is binary only): the
 * exception handler hears a {@link ProtocolException} naming it, and the WebSocket is closed with
 * status 1003 (RFC 6455 section 7.4.1, "unsupported data"); nothing after it is read. Frames longer
 * than the transport's bound never get here: Vert.x's decoder closes the WebSocket with 1009 and
 * reports the error. Pause and resume are the WebSocket's own: while paused, Vert.x queues a bounded
 * number of frames and then stops reading the TCP socket.
 *
 * <p>Writes: each write is one binary message (Vert.x cuts it into frames of at most its frame
 * size); the write queue, its full mark and the drain handler are the WebSocket's.
 *
 * <p>Starts paused, as a dialed {@link TcpTransport} socket does: the upgrader sets its handler,
 * then resumes. Everything runs on the WebSocket's event loop.
 */
final class WsSocket implements NetSocket {
  private static final Log LOG = Log.get(WsSocket.class);

  /** RFC 6455 section 7.4.1: "received a type of data it cannot accept". */
  static final short CLOSE_UNSUPPORTED_DATA = 1003;

  private final WebSocketBase ws;
  /** The WebSocket's event loop: where every method here runs. */
  private final Context context;
  private Handler<Buffer> dataHandler;
  private Handler<Throwable> exceptionHandler;
  /** An error that came before any exception handler was set, or null. */
  private Throwable unheard;
  private Handler<Void> closeHandler;
  private Handler<Void> endHandler;
  private Handler<Void> drainHandler;
  private Handler<Void> shutdownHandler;
  /** Set by the first text frame: the WebSocket is closing, and nothing more is read. */
  private boolean failed;
  /** Set once the WebSocket has closed. */
  private boolean closed;

  /**
   * Takes over {@code ws}, on its event loop. Our handlers are set on it once, here: Vert.x
   * refuses to set one on a closed WebSocket (it throws), and a frame too large can close it
   * before the upgrader sets its own; so the upgrader's handlers live here, and a close handler
   * set after the close still hears it.
   */
  WsSocket(WebSocketBase ws) {
    this.ws = ws;
    this.context = Vertx.currentContext();
    try {
      ws.pause();
      // Only the frame handler: it sees each frame's type, which the data handler does not.
      ws.frameHandler(this::onFrame);
      ws.exceptionHandler(this::onException);
      ws.closeHandler(v -> onClosed());
      ws.endHandler(v -> fire(endHandler));
      ws.drainHandler(v -> fire(drainHandler));
      ws.shutdownHandler(v -> fire(shutdownHandler));
    } catch (IllegalStateException alreadyClosed) {
      closed = true;
    }
  }

  private static void fire(Handler<Void> h) {
    if (h != null) {
      h.handle(null);
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    fire(closeHandler);
  }

  /** The WebSocket under this socket. */
  WebSocketBase webSocket() {
    return ws;
  }

  private void onFrame(WebSocketFrame frame) {
    if (failed) {
      return;
    }
    if (frame.isBinary() || frame.isContinuation()) {
      // A continuation can only follow a binary frame here: a text frame already failed us.
      Handler<Buffer> h = dataHandler;
      if (h != null) {
        h.handle(frame.binaryData());
      }
    } else if (frame.isText()) {
      failed = true;
      ProtocolException e = new ProtocolException("WebSocket from " + ws.remoteAddress()
          + " sent a text frame (" + frame.binaryData().length() + " bytes): libp2p over "
          + "WebSocket carries binary frames only; closing the connection");
      // debug: whoever hears e logs it (the inbound upgrade at info), once per connection
      LOG.debug(e.getMessage());
      // closed first, so that the status sent is ours, not the plain close of whoever hears e
      ws.close(CLOSE_UNSUPPORTED_DATA, "binary frames only");
      onException(e);
    }
    // ping, pong and close frames are Vert.x's to answer
  }

  private void onException(Throwable error) {
    Throwable t = error;
    if (error instanceof CorruptedWebSocketFrameException bad) {
      // Netty's decoder refused the framing (a frame over MAX_FRAME_SIZE, a bad opcode, an
      // unmasked client frame): the remote's fault, said plainly, and answered with the status
      // Netty chose (1009 for a frame too big, else 1002) before whoever hears it closes plainly
      t = new ProtocolException("WebSocket from " + ws.remoteAddress() + " broke the framing ("
          + error.getMessage() + "; frames are at most " + WsTransport.MAX_FRAME_SIZE
          + " bytes); closing the connection", error);
      LOG.debug(t.getMessage());
      if (!failed && !closed) {
        failed = true;
        ws.close((short) bad.closeStatus().code(), bad.closeStatus().reasonText());
      }
    }
    Handler<Throwable> h = exceptionHandler;
    if (h != null) {
      h.handle(t);
    } else if (unheard == null) {
      // Before the upgrader listens (a frame too big can close the WebSocket that early): kept,
      // and told to the handler once one is set, so the refusal is still logged as the upgrade's.
      unheard = t;
    }
  }

  // ---- ReadStream -----------------------------------------------------------------------------

  @Override
  public NetSocket handler(Handler<Buffer> handler) {
    this.dataHandler = handler;
    return this;
  }

  @Override
  public NetSocket exceptionHandler(Handler<Throwable> handler) {
    this.exceptionHandler = handler;
    Throwable early = unheard;
    if (handler != null && early != null) {
      unheard = null;
      // Later, not inside the caller's setup of its handlers.
      context.runOnContext(v -> handler.handle(early));
    }
    return this;
  }

  @Override
  public NetSocket pause() {
    ws.pause();
    return this;
  }

  @Override
  public NetSocket resume() {
    ws.resume();
    return this;
  }

  @Override
  public NetSocket fetch(long amount) {
    ws.fetch(amount);
    return this;
  }

  @Override
  public NetSocket endHandler(Handler<Void> handler) {
    this.endHandler = handler;
    return this;
  }

  // ---- WriteStream ----------------------------------------------------------------------------

  @Override
  public Future<Void> write(Buffer data) {
    return ws.writeBinaryMessage(data);
  }

  @Override
  public NetSocket setWriteQueueMaxSize(int maxSize) {
    if (!closed) {
      ws.setWriteQueueMaxSize(maxSize);
    }
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    // Vert.x throws for a closed WebSocket; a closed one takes no more writes anyway
    return !closed && !ws.isClosed() && ws.writeQueueFull();
  }

  @Override
  public NetSocket drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
    return this;
  }

  @Override
  public Future<Void> end() {
    return ws.close();
  }

  @Override
  public Future<Void> close() {
    return ws.close();
  }

  @Override
  public NetSocket closeHandler(Handler<Void> handler) {
    this.closeHandler = handler;
    if (closed && handler != null) {
      // closed before anyone listened: told on the next turn, as a close is
      context.runOnContext(v -> {
        if (closeHandler == handler) {
          handler.handle(null);
        }
      });
    }
    return this;
  }

  @Override
  public NetSocket shutdownHandler(Handler<Void> handler) {
    this.shutdownHandler = handler;
    return this;
  }

  // ---- addresses and TLS ----------------------------------------------------------------------

  @Override
  public SocketAddress remoteAddress() {
    return ws.remoteAddress();
  }

  @Override
  public SocketAddress remoteAddress(boolean real) {
    return ws.remoteAddress();
  }

  @Override
  public SocketAddress localAddress() {
    return ws.localAddress();
  }

  @Override
  public SocketAddress localAddress(boolean real) {
    return ws.localAddress();
  }

  @Override
  public boolean isSsl() {
    return ws.isSsl();
  }

  @Override
  public SSLSession sslSession() {
    return ws.sslSession();
  }

  @Override
  public List<Certificate> peerCertificates() throws SSLPeerUnverifiedException {
    return ws.peerCertificates();
  }

  @Override
  public String indicatedServerName() {
    return null;
  }

  @Override
  public String applicationLayerProtocol() {
    return null;
  }

  // ---- what a byte stream over WebSocket does not do ------------------------------------------

  @Override
  public String writeHandlerID() {
    return null;
  }

  @Override
  public Future<Void> write(String str) {
    return unsupported("text writes");
  }

  @Override
  public Future<Void> write(String str, String enc) {
    return unsupported("text writes");
  }

  @Override
  public Future<Void> sendFile(String filename, long offset, long length) {
    return unsupported("sendFile");
  }

  @Override
  public Future<Void> upgradeToSsl(SSLOptions sslOptions, String serverName, Buffer upgrade) {
    return unsupported("upgradeToSsl");
  }

  private static Future<Void> unsupported(String what) {
    return Future.failedFuture(new UnsupportedOperationException(
        what + " on a libp2p WebSocket connection (binary frames only)"));
  }

  @Override
  public String toString() {
    return "WsSocket[" + ws.remoteAddress() + "]";
  }
}
