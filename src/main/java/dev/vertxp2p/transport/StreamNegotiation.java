package dev.vertxp2p.transport;

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
import io.vertx.core.Promise;
import java.util.List;

/**
 * One stream's multistream-select negotiation, bounded by {@code streamNegotiationTimeout}: the
 * stream's first bytes in both directions are the negotiation's, and once a protocol is agreed
 * the stream proper takes over ({@link StreamImpl#negotiated}). On the connection's loop only.
 */
final class StreamNegotiation {
  private final StreamImpl stream;
  private final MuxedConnection conn;
  private final Owner owner;
  private final MultistreamNegotiator negotiator;
  /** What the opener proposed, in order; null on the accepting side. */
  private final List<String> proposed;
  /** The opener's future, until negotiation ends; null on the accepting side. */
  private Promise<P2pStream> openPromise;
  /** The timeout while negotiation runs, else -1. */
  private long timer = -1;
  private boolean over;

  private StreamNegotiation(StreamImpl stream, MultistreamNegotiator negotiator,
      List<String> proposed, Promise<P2pStream> openPromise) {
    this.stream = stream;
    this.conn = stream.conn();
    this.owner = conn.owner();
    this.negotiator = negotiator;
    this.proposed = proposed;
    this.openPromise = openPromise;
  }

  /** As the opener: proposes {@code protocols} in order; {@code promise} gets the stream. */
  static StreamNegotiation outbound(StreamImpl stream, List<String> protocols,
      Promise<P2pStream> promise) {
    List<String> proposed = List.copyOf(protocols);
    return new StreamNegotiation(stream, new MultistreamInitiator(proposed), proposed, promise);
  }

  /** As the acceptor: answers the remote's proposals from what the host serves. */
  static StreamNegotiation inbound(StreamImpl stream) {
    ConnectionHost host = stream.conn().host();
    return new StreamNegotiation(stream,
        new MultistreamResponder(host.supportedProtocols(), host.protocolList()), null, null);
  }

  /** Arms the timeout and sends what the negotiator has to say first. */
  void start() {
    owner.check();
    long ms = conn.options().getStreamNegotiationTimeout().toMillis();
    timer = owner.context().owner().setTimer(ms, t -> owner.run(() -> onTimeout(ms)));
    pump();
  }

  private void onTimeout(long ms) {
    owner.check();
    timer = -1;
    if (over) {
      return;
    }
    conn.log().debug(() -> "connection " + conn.id() + ": stream " + stream.streamId()
        + " did not finish protocol negotiation in " + ms + " ms");
    stream.resetQuietly();
    stream.fail(new StreamNegotiationTimeoutException("protocol negotiation on stream "
        + stream.streamId() + " timed out after " + ms + " ms"));
  }

  /** Negotiation bytes from the remote: ours, not the application's, so acknowledged at once. */
  void onData(byte[] data, int off, int len) {
    owner.check();
    conn.engine().consumed(stream.streamId(), len);
    try {
      negotiator.receive(data, off, len);
      pump();
    } catch (NoProtocolSupportedException e) {
      stream.fail(new ProtocolNotSupportedException(proposed));
      stream.resetQuietly();
    } catch (ProtocolException e) {
      conn.log().debug(() -> "stream " + stream.streamId() + ": negotiation failed: "
          + e.getMessage());
      stream.fail(e);
      stream.resetQuietly();
    }
  }

  /** The remote half-closed before a protocol was agreed: the stream cannot be used. */
  void onRemoteEnd() {
    owner.check();
    stream.fail(new StreamClosedException("remote closed the stream during protocol negotiation"));
    stream.resetQuietly();
  }

  private void pump() {
    byte[] out;
    while ((out = negotiator.pollOutbound()) != null) {
      stream.writeRaw(out);
    }
    if (!over && negotiator.isDone()) {
      end();
      Promise<P2pStream> p = openPromise;
      openPromise = null;
      stream.negotiated(negotiator.selected(), negotiator.leftover(), p);
    }
  }

  /**
   * The stream failed (or was reset) before a protocol was agreed: the opener's future fails with
   * {@code cause}.
   */
  void abandon(Throwable cause) {
    owner.check();
    end();
    Promise<P2pStream> p = openPromise;
    openPromise = null;
    if (p != null) {
      p.tryFail(cause);
    }
  }

  /**
   * Over either way: the timer goes at once, as a pending one would hold the stream, and all it
   * references, for the whole timeout.
   */
  private void end() {
    over = true;
    if (timer >= 0) {
      owner.context().owner().cancelTimer(timer);
      timer = -1;
    }
  }

  /** The pending timeout's id, or -1 when none is pending. */
  long timer() {
    return timer;
  }
}
