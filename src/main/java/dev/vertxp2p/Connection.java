package dev.vertxp2p;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One secured, multiplexed connection to a remote peer (TCP, Noise, then Yamux or mplex).
 *
 * <p>A connection lives on the event loop that accepted or dialed it; its methods may be called
 * from any thread and hop there when needed. Streams opened on it are {@link P2pStream}s.
 */
public interface Connection extends SelectableConnection {

  /** Which side dialed. */
  enum Direction {
    INBOUND,
    OUTBOUND;

    /** The contract's JSON name: {@code inbound} or {@code outbound}. */
    public String jsonName() {
      return this == INBOUND ? "inbound" : "outbound";
    }
  }

  /** A unique id for this connection within the node. */
  @Override
  String id();

  /** The authenticated remote peer (proved by the Noise handshake). */
  PeerId peerId();

  Direction direction();

  Multiaddr localAddr();

  /** The remote's address, without {@code /p2p/}. */
  Multiaddr remoteAddr();

  /** The security protocol id: {@code /noise} or {@code /tls/1.0.0}. */
  String security();

  /** The muxer protocol id, {@code /yamux/1.0.0} or {@code /mplex/6.7.0}. */
  String muxer();

  /**
   * The transport under the connection, by the contract's names: {@code "ws"} for libp2p over
   * WebSocket, {@code "quic-v1"} for QUIC, {@code "tcp"} otherwise; read from {@link
   * #remoteAddr()}, which names it.
   */
  @Override
  default String transport() {
    Multiaddr remote = remoteAddr();
    if (remote.has(MultiaddrProtocol.WS)) {
      return "ws";
    }
    if (remote.has(MultiaddrProtocol.QUIC_V1)) {
      return "quic-v1";
    }
    return "tcp";
  }

  /** Streams open now, in either direction. */
  @Override
  int openStreams();

  /** Streams opened over the connection's life, both directions. */
  long streamsTotal();

  Instant openedAt();

  /** Bytes read from the socket (ciphertext and framing included). */
  long bytesIn();

  /** Bytes written to the socket (ciphertext and framing included). */
  long bytesOut();

  /** True while new streams may be opened: not closing, not closed, no GOAWAY either way. */
  @Override
  boolean isOpen();

  /**
   * Opens a stream and negotiates the first of {@code protocols} the remote supports.
   *
   * @return the negotiated stream; fails with {@link ProtocolNotSupportedException} when the
   *     remote supports none of them
   */
  Future<P2pStream> newStream(String... protocols);

  /**
   * As {@link #newStream(String...)}, given up when {@code cancel} completes first: a stream still
   * negotiating then is reset (the remote is told) and the returned future fails with a {@link
   * StreamClosedException}. A stream already negotiated is not touched. The default ignores
   * {@code cancel}.
   */
  default Future<P2pStream> newStream(Future<?> cancel, String... protocols) {
    return newStream(protocols);
  }

  /**
   * Closes gracefully: announce GOAWAY so no new streams start, then close the socket.
   *
   * @return completes once the socket is closed
   */
  Future<Void> close();

  /**
   * Closes, draining first when {@code drain} is true: the connection takes no new stream from now
   * on (GOAWAY, health state {@code draining}), its open streams get the node's {@code
   * health.drainTimeout} to finish, then what is left is reset and the socket closes. With {@code
   * drain} false this is {@link #close()}. A close already under way is not restarted.
   *
   * @return completes once the socket is closed
   */
  default Future<Void> close(boolean drain) {
    return close();
  }

  /** Completes when the connection has closed, for whatever reason. */
  Future<Void> closeFuture();

  /** The contract's {@code Conn} JSON shape. */
  JsonObject toJson();

  /**
   * The streams open on this connection now, one object each: {@code id}, {@code protocol} (null
   * while it is negotiated), {@code direction}, {@code queued} (written, not yet taken by the
   * muxer), {@code buffered} (received, not yet handed to the application), {@code paused},
   * {@code localEnded}, {@code remoteEnded}, {@code sendWindow} and {@code receiveWindow} (Yamux's
   * flow-control windows; -1 under mplex). Taken on the connection's loop; the future calls back
   * on the caller's context.
   */
  default Future<JsonArray> streamsJson() {
    return Future.failedFuture(new UnsupportedOperationException(
        getClass().getSimpleName() + " does not list its streams"));
  }
}
