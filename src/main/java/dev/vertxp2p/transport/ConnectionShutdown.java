package dev.vertxp2p.transport;

import dev.vertxp2p.CloseReason;
import dev.vertxp2p.KeepAliveTimeoutException;
import dev.vertxp2p.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * How a connection ends: graceful close (GOAWAY, a grace period for open streams, then reset),
 * the remote's GOAWAY (closed once drained), a protocol fault, a keep-alive timeout, and the
 * cleanup once the socket is gone (streams fail, pings fail, the host's books, then {@link
 * #closeFuture()}). Changed on the connection's loop only; the flags are published to any thread.
 */
final class ConnectionShutdown implements SecureChannel.Listener {
  private final MuxedConnection conn;
  private final Promise<Void> closePromise = Promise.promise();

  /** The graceful close's deadline timer, or -1 when no graceful close is waiting for conn.streams(). */
  private long graceTimer = -1;
  private volatile boolean closing;
  private volatile boolean closed;
  private volatile boolean goingAway;
  private Throwable closeCause;
  /** The first reason this connection met; set on the loop, read from any thread. */
  private volatile CloseReason reason;

  ConnectionShutdown(MuxedConnection conn) {
    this.conn = conn;
  }

  /** Closing or closed: no new conn.streams(). */
  boolean isClosing() {
    return closing || closed;
  }

  /** The socket is closed. */
  boolean isClosed() {
    return closed;
  }

  boolean isGoingAway() {
    return goingAway;
  }

  Future<Void> closeFuture() {
    return closePromise.future();
  }

  /** Why the connection closed or is closing; null while nothing has started to close it. */
  CloseReason reason() {
    return reason;
  }

  /** The error the connection closed with, or null (a plain close). */
  Throwable cause() {
    return closed ? closeCause : null;
  }

  /** Keeps {@code r} unless a reason is known already: the first cause wins. */
  private void reason(CloseReason r) {
    if (reason == null && !closed) {
      reason = r;
    }
  }

  /**
   * On the loop: GOAWAY, then at most {@code ms} for open streams to finish before the rest are
   * reset and the socket closes. A close already under way is not restarted.
   */
  void closeGracefully(long ms, CloseReason why) {
    conn.owner().check();
    if (closing || closed) {
      return;
    }
    reason(why);
    closing = true;
    try {
      conn.engine().goAway();
      conn.flush();
    } catch (RuntimeException e) {
      conn.log().debug(() -> "connection " + conn.id() + ": go-away failed: " + e);
    }
    if (conn.streams().isEmpty() || ms <= 0) {
      resetAllAndClose();
      return;
    }
    graceTimer = conn.owner().context().owner().setTimer(ms, t -> conn.owner().run(() -> {
      if (graceTimer < 0 || closed) {
        return;
      }
      graceTimer = -1;
      conn.log().debug(() -> "connection " + conn.id() + ": " + conn.streams().size() + " streams still open "
          + ms + " ms after GOAWAY; resetting them");
      resetAllAndClose();
    }));
  }

  private void resetAllAndClose() {
    for (StreamImpl s : conn.streams().snapshot()) {
      s.reset();
    }
    try {
      conn.flush();
    } catch (RuntimeException e) {
      conn.log().debug(() -> "connection " + conn.id() + ": flush before close failed: " + e);
    }
    conn.secure().close();
  }

  /** A stream left the table. */
  void streamGone() {
    conn.owner().check();
    if (graceTimer >= 0 && conn.streams().isEmpty()) {
      // The last stream of a graceful close ended: close once its final frames are written,
      // after the event dispatch that reported it has flushed.
      conn.owner().context().owner().cancelTimer(graceTimer);
      graceTimer = -1;
      conn.owner().context().runOnContext(v -> {
        conn.flush();
        conn.secure().close();
      });
    }
    closeIfDrained();
  }

  /** The remote sent GOAWAY. */
  void onGoAway(int code) {
    conn.owner().check();
    goingAway = true;
    conn.log().debug(() -> "connection " + conn.id() + ": remote sent GOAWAY code " + code);
    closeIfDrained();
  }

  /**
   * After the remote's GOAWAY no side can open a stream here again (Yamux spec, "Session
   * termination"), so once the last stream is over the connection is only dead weight that
   * counts against the peer's connection limit: close it, making room for a fresh one.
   */
  private void closeIfDrained() {
    if (goingAway && conn.streams().isEmpty() && !closing && !closed) {
      conn.log().debug(() -> "connection " + conn.id() + ": drained after the remote's GOAWAY; closing");
      closeGracefully(0, CloseReason.REMOTE);
    }
  }

  /**
   * Closes at once for {@code cause}, without a grace period: every open stream fails with it.
   * For a connection that moves nothing (unhealthy), where a GOAWAY and a drain would only wait.
   */
  void failWith(Throwable cause, CloseReason why) {
    conn.owner().check();
    if (closed) {
      return;
    }
    reason(why);
    if (closeCause == null) {
      closeCause = cause;
    }
    conn.log().info("connection " + conn.id() + " to " + conn.peerId() + " closed: "
        + cause.getMessage());
    closing = true;
    conn.secure().close();
  }

  /** Nothing came back from the remote in time. */
  void keepAliveExpired(long ms) {
    conn.owner().check();
    reason(CloseReason.KEEPALIVE_TIMEOUT);
    closeCause = new KeepAliveTimeoutException("connection " + conn.id() + " to "
        + conn.peerId() + ": no answer to a keep-alive ping in " + ms + " ms");
    conn.log().info(closeCause.getMessage() + "; closing it");
    closing = true;
    conn.secure().close();
  }

  /** The remote broke a protocol: log it, send what the engine queued (a GOAWAY), close. */
  void abort(ProtocolException e) {
    conn.owner().check();
    if (closeCause instanceof ProtocolException) {
      // reads already under way meet the failed session again: told once is enough
      conn.secure().close();
      return;
    }
    conn.log().warn("connection " + conn.id() + " to " + conn.peerId() + " closed: "
        + e.getClass().getSimpleName() + ": " + e.getMessage());
    reason(CloseReason.ERROR);
    closeCause = e;
    try {
      conn.flush();
    } catch (RuntimeException ignored) {
      // the session may itself be failed; closing is all that is left
    }
    closing = true;
    conn.secure().close();
  }

  void socketError(Throwable cause) {
    conn.owner().check();
    conn.log().debug(() -> "connection " + conn.id() + ": socket error: " + cause);
    reason(CloseReason.ERROR);
    if (closeCause == null) {
      closeCause = cause;
    }
    conn.secure().close();
  }

  /** The socket is gone: everything waiting on the connection fails, then the host is told. */
  void socketClosed(ConnectionHost host) {
    conn.owner().check();
    if (closed) {
      return;
    }
    // Nothing here started the close: the remote closed the socket.
    reason(CloseReason.REMOTE);
    closed = true;
    closing = true;
    conn.keepAlive().stop();
    conn.healthMonitor().stop();
    if (graceTimer >= 0) {
      conn.owner().context().owner().cancelTimer(graceTimer);
      graceTimer = -1;
    }
    Throwable cause = closeCause;
    for (StreamImpl s : conn.streams().snapshot()) {
      s.onConnectionClosed(cause);
    }
    conn.streams().clear();
    conn.buffers().close();
    conn.pings().failAll();
    Future<Void> accounted;
    try {
      accounted = host.onConnectionClosed(conn, cause);
    } catch (RuntimeException e) {
      accounted = Future.failedFuture(e);
    }
    accounted.onComplete(ar -> closePromise.tryComplete());
  }

  // ---- the channel's events: errors and the close end here, input goes to the connection -----

  @Override
  public void onMuxerInput() {
    conn.onMuxerInput();
  }

  @Override
  public void onProtocolError(ProtocolException e) {
    abort(e);
  }

  @Override
  public void onSocketError(Throwable cause) {
    socketError(cause);
  }

  @Override
  public void onSocketClosed() {
    socketClosed(conn.host());
  }

  @Override
  public void onSocketDrained() {
    conn.onSocketDrained();
  }

  @Override
  public void beforeMuxerInput() {
    conn.buffers().refresh();
  }
}
