package dev.vertxp2p.transport;

import dev.vertxp2p.P2pStream;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A connection's open streams by id, with the per-direction limits ({@code limits.maxStreamsInbound}
 * / {@code maxStreamsOutbound}), and the muxer's stream events delivered to them. On the
 * connection's loop only; the counts are published for readers on other threads.
 */
final class StreamTable {
  private final MuxedConnection conn;
  /**
   * The open streams by id: a shared empty map until the first stream, so that a connection that
   * never carries one pays nothing for the table.
   */
  private Map<Long, StreamImpl> streams = Collections.emptyMap();

  /** Streams open now per direction, for the limits. */
  private int inbound;
  private int outbound;
  private volatile int open;
  private volatile long total;

  StreamTable(MuxedConnection conn) {
    this.conn = conn;
  }

  /** Runs {@code action} on the stream when it is still known (it may have failed locally). */
  private void withStream(long streamId, java.util.function.Consumer<StreamImpl> action) {
    StreamImpl s = streams.get(streamId);
    if (s != null) {
      action.accept(s);
    }
  }

  /**
   * Delivers a stream event to its stream.
   *
   * @return false when {@code event} is not about one stream (the connection's to handle)
   */
  boolean dispatch(MuxerEvent event) {
    if (event instanceof MuxerEvent.StreamData e) {
      StreamImpl s = streams.get(e.streamId());
      if (s != null) {
        s.onData(e.array(), e.offset(), e.length());
      } else {
        ackQuietly(e.streamId(), e.length());
      }
    } else if (event instanceof MuxerEvent.StreamOpened e) {
      accept(e.streamId());
    } else if (event instanceof MuxerEvent.StreamWritable e) {
      withStream(e.streamId(), StreamImpl::onWritable);
    } else if (event instanceof MuxerEvent.StreamRemoteClosed e) {
      withStream(e.streamId(), StreamImpl::onRemoteEnd);
    } else if (event instanceof MuxerEvent.StreamReset e) {
      withStream(e.streamId(), StreamImpl::onReset);
    } else if (event instanceof MuxerEvent.StreamClosed e) {
      withStream(e.streamId(), StreamImpl::onClosed);
    } else {
      // StreamAcknowledged needs no action either: the stream is already usable.
      return event instanceof MuxerEvent.StreamAcknowledged;
    }
    return true;
  }

  /** Handling {@code event} threw: its stream is reset, the connection goes on. */
  void dispatchFailed(MuxerEvent event, RuntimeException e) {
    conn.owner().check();
    long streamId = streamIdOf(event);
    StreamImpl s = streamId < 0 ? null : streams.get(streamId);
    conn.log().warn("connection " + conn.id() + ": handling " + event.getClass().getSimpleName()
        + " of stream " + streamId + (s != null ? " (" + s.protocol() + ")" : "") + " threw " + e
        + "; resetting the stream", e);
    if (s != null && !s.isClosed()) {
      s.resetQuietly();
      s.fail(new dev.vertxp2p.StreamClosedException("stream " + streamId
          + " was reset: handling its " + event.getClass().getSimpleName() + " threw " + e, e));
    }
  }

  private static long streamIdOf(MuxerEvent event) {
    if (event instanceof MuxerEvent.StreamData e) {
      return e.streamId();
    } else if (event instanceof MuxerEvent.StreamOpened e) {
      return e.streamId();
    } else if (event instanceof MuxerEvent.StreamWritable e) {
      return e.streamId();
    } else if (event instanceof MuxerEvent.StreamRemoteClosed e) {
      return e.streamId();
    } else if (event instanceof MuxerEvent.StreamReset e) {
      return e.streamId();
    } else if (event instanceof MuxerEvent.StreamClosed e) {
      return e.streamId();
    }
    return -1;
  }

  /** Data for a stream we no longer know (it failed locally): its window is given back. */
  private void ackQuietly(long streamId, int n) {
    try {
      conn.engine().consumed(streamId, n);
    } catch (MuxerException ignored) {
      // the stream is gone already
    }
  }

  /** The remote opened a stream: refused beyond the limit, else negotiated as the acceptor. */
  private void accept(long streamId) {
    conn.owner().check();
    if (inbound >= conn.options().getMaxStreamsInbound()) {
      // limits.maxStreamsInbound: refuse the stream as the muxer refuses one beyond its own
      // limit (yamux spec.md "Opening a stream": RST; mplex: Reset); the connection stays.
      conn.log().debug(() -> "connection " + conn.id() + ": refusing inbound stream " + streamId
          + ": " + inbound + " inbound streams open (limits.maxStreamsInbound)");
      conn.engine().reset(streamId);
      return;
    }
    inbound++;
    StreamImpl stream = add(streamId, false);
    stream.startInbound();
  }

  /**
   * Opens a stream and starts negotiating {@code protocols} on it; {@code promise} fails here
   * when the outbound limit or the muxer refuses.
   */
  void open(List<String> protocols, Promise<P2pStream> promise, Future<?> cancel) {
    conn.owner().check();
    if (outbound >= conn.options().getMaxStreamsOutbound()) {
      promise.fail(new MuxerException(MuxerException.Reason.STREAM_LIMIT, "connection "
          + conn.id() + " has " + outbound + " outbound streams open, the limit"
          + " (limits.maxStreamsOutbound)"));
      return;
    }
    long streamId;
    try {
      streamId = conn.engine().openStream();
    } catch (MuxerException e) {
      promise.fail(e);
      return;
    }
    outbound++;
    StreamImpl stream = add(streamId, true);
    stream.startOutbound(protocols, promise);
    if (cancel != null) {
      // Given up while negotiating (a hedge won elsewhere): reset it now rather than hold a
      // stream here until the negotiation timeout.
      cancel.onComplete(v -> conn.owner().run(() -> {
        if (!promise.future().isComplete()) {
          stream.reset();
        }
      }));
    }
  }

  private StreamImpl add(long streamId, boolean isOutbound) {
    StreamImpl stream = new StreamImpl(conn, streamId, isOutbound);
    if (streams == Collections.<Long, StreamImpl>emptyMap()) {
      streams = new HashMap<>();
    }
    streams.put(streamId, stream);
    open = streams.size();
    total++;
    return stream;
  }

  /** @return whether the stream was still listed */
  boolean remove(StreamImpl stream) {
    conn.owner().check();
    if (streams.isEmpty() || streams.remove(stream.streamId()) == null) {
      return false;
    }
    open = streams.size();
    if (stream.isOutbound()) {
      outbound--;
    } else {
      inbound--;
    }
    return true;
  }

  boolean isEmpty() {
    conn.owner().check();
    return streams.isEmpty();
  }

  int size() {
    conn.owner().check();
    return streams.size();
  }

  /** The open streams now, in no order: a copy, safe to change the table while going through. */
  List<StreamImpl> snapshot() {
    conn.owner().check();
    return new ArrayList<>(streams.values());
  }

  /** The open streams by id. */
  List<StreamImpl> sorted() {
    List<StreamImpl> out = snapshot();
    out.sort(Comparator.comparingLong(StreamImpl::streamId));
    return out;
  }

  /** Forgets every stream (the connection closed). */
  void clear() {
    conn.owner().check();
    streams = Collections.emptyMap();
    open = 0;
  }

  /** Open streams, from any thread. */
  int open() {
    return open;
  }

  /** Streams ever opened either way, from any thread. */
  long total() {
    return total;
  }
}
