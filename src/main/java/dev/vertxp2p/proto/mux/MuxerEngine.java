package dev.vertxp2p.proto.mux;

/**
 * A stream multiplexer (Yamux, mplex) as a sans-IO state machine.
 *
 * <p>The engine owns no socket, thread or clock. The transport feeds it the plaintext bytes read
 * from the secured channel with {@link #receive}, drains what must be written with {@link
 * #pollOutbound}, and drains what happened with {@link #pollEvent}. Every call is made from one
 * thread (the connection's event loop), so implementations need no locks.
 *
 * <p>Stream ids returned here are engine-local handles, unique for the life of the session; for
 * Yamux they are the wire ids, for mplex they encode the wire id and the initiator flag.
 *
 * <p>Remote faults raise a subclass of {@link dev.vertxp2p.ProtocolException} from {@link
 * #receive}; after that the engine is failed: {@link #isClosed()} is true, every later call to
 * {@link #receive} throws again, and any final bytes it wants sent (a GOAWAY with a protocol-error
 * code) are already in {@link #pollOutbound}. Misuse by the local caller (unknown stream, write
 * after close-write, open after GOAWAY, stream limit) raises {@link MuxerException}.
 */
public interface MuxerEngine {

  /** The multistream protocol id of this muxer, e.g. {@code /yamux/1.0.0}. */
  String protocolId();

  /** Whether this side dialed the connection (decides stream-id parity). */
  boolean isInitiator();

  /**
   * Feeds bytes read from the secured channel. Partial frames are buffered (bounded by the
   * engine's limits) until the rest arrives.
   *
   * @throws dev.vertxp2p.ProtocolException when the remote broke the protocol
   */
  void receive(byte[] data, int offset, int length);

  /**
   * Like {@link #receive} for an array the caller hands over for good: it will neither reuse nor
   * change it, so the engine may give out ranges of it in {@link MuxerEvent.StreamData} instead
   * of copies. Engines that do not are free to copy, which is what this default does.
   */
  default void receiveOwned(byte[] data, int offset, int length) {
    receive(data, offset, length);
  }

  /**
   * Opens an outbound stream.
   *
   * @return the new stream's id
   * @throws MuxerException when the stream limit is reached, the session is going away or closed
   */
  long openStream();

  /**
   * Queues up to {@code length} bytes of data on a stream.
   *
   * @return how many bytes were accepted; fewer than {@code length} (possibly 0) when flow control
   *     holds the rest back, in which case a {@link MuxerEvent.StreamWritable} event follows once
   *     the remote opens the window again
   * @throws MuxerException for an unknown stream or one whose write side is closed
   */
  int write(long streamId, byte[] data, int offset, int length);

  /** Where {@link #writeThrough} hands the bytes of the frames it makes, in wire order. */
  @FunctionalInterface
  interface PieceSink {
    void piece(byte[] array, int offset, int length);
  }

  /**
   * Like {@link #write}, without copying the data when nothing is queued ahead of it: the frames
   * go to {@code sink} at once, each frame's header in an array of its own and its data as a
   * range of {@code data}, and none of them to {@link #pollOutbound}. The sink must be done with
   * every piece (sent or copied it) before the caller changes {@code data} again. When bytes are
   * queued already, the data is copied into the queue behind them, as {@link #write} does, so the
   * wire order holds; the sink then gets nothing. This default always copies.
   *
   * @return how many bytes were accepted, as for {@link #write}
   */
  default int writeThrough(long streamId, byte[] data, int offset, int length, PieceSink sink) {
    return write(streamId, data, offset, length);
  }

  /** Half-closes our write side (Yamux FIN, mplex Close). Idempotent. */
  void closeWrite(long streamId);

  /** Aborts a stream in both directions (Yamux RST, mplex Reset). Idempotent. */
  void reset(long streamId);

  /**
   * Tells the engine the application consumed {@code n} bytes it had been given in {@link
   * MuxerEvent.StreamData} for this stream, so flow control may let the remote send more.
   */
  void consumed(long streamId, int n);

  /** Starts a graceful shutdown: tell the remote no new streams will be accepted. Idempotent. */
  void goAway();

  /**
   * Sends a liveness ping when the muxer has one (Yamux); its answer arrives as {@link
   * MuxerEvent.Pong} with the same id.
   *
   * @return the ping's opaque id, or -1 when the muxer has no ping frame (mplex)
   */
  long ping();

  /** The next chunk of bytes to write to the secured channel, in order, or null when none. */
  byte[] pollOutbound();

  /** The next event, or null when none. */
  MuxerEvent pollEvent();

  /** Streams currently open in at least one direction. */
  int openStreamCount();

  /** True once the session failed or both sides went away and every stream ended. */
  boolean isClosed();

  /** True once either side sent GOAWAY: no new streams may be opened. */
  boolean isGoingAway();

  /**
   * What the remote still lets us send on the stream before its next window update, or -1 when
   * the muxer has no flow control or no such stream.
   */
  default long sendWindow(long streamId) {
    return -1;
  }

  /**
   * The receive window granted to the remote on the stream so far, or -1 when the muxer has no
   * flow control or no such stream.
   */
  default long receiveWindow(long streamId) {
    return -1;
  }

  /**
   * Whether the muxer has per-stream flow control (Yamux: yes; mplex: no). Without it the
   * transport must bound what it buffers for slow readers itself, by pausing the socket.
   */
  default boolean hasFlowControl() {
    return true;
  }

  /**
   * How many more bytes of stream data the transport's memory budget lets the remote make us
   * buffer ({@code limits.maxBufferedBytesPerConnection} and the node-wide {@code
   * maxBufferedBytes}): the budget less what the application has not consumed yet; 0 or less once
   * it is spent. {@link Long#MAX_VALUE}, the start, means no budget.
   *
   * <p>An engine with flow control (Yamux) announces no window update while the room is spent and
   * refuses a new inbound stream (RST) while the room cannot take the window a new stream starts
   * with; streams already open are never reset for it. Once room comes back the credit held back
   * is announced. Without flow control (mplex) the transport pauses the socket instead, and this
   * does nothing.
   */
  default void bufferRoom(long room) {}

  /**
   * Control frames queued and not yet taken by {@link #pollOutbound}, bounded by {@link
   * ControlBacklog#MAX_UNSENT} for those the remote's frames call for.
   */
  default int unsentControlFrames() {
    return 0;
  }
}
