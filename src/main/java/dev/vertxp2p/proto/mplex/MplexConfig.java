package dev.vertxp2p.proto.mplex;

/**
 * Limits of one {@link MplexEngine} session. Mutable with validating fluent setters; the engine
 * copies the values when it is constructed.
 */
public final class MplexConfig {
  /**
   * mplex spec, "Writing to a stream": messages are "limited to a maximum size agreed upon out of
   * band (for reference, the go-multiplex implementation sets this to 1MB)".
   */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 1 << 20;

  /** Streams open at once, both directions together (js-libp2p's default inbound limit). */
  public static final int DEFAULT_MAX_STREAMS = 1024;

  /**
   * Bytes given to the application on one stream and not yet {@link
   * dev.vertxp2p.proto.mux.MuxerEngine#consumed consumed} before the stream is reset: four
   * maximum-size messages, like js-libp2p-mplex.
   */
  public static final int DEFAULT_MAX_BUFFERED_PER_STREAM = 4 * DEFAULT_MAX_MESSAGE_SIZE;

  private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
  private int maxStreams = DEFAULT_MAX_STREAMS;
  private int maxBufferedPerStream = DEFAULT_MAX_BUFFERED_PER_STREAM;

  /** A config with every default. */
  public MplexConfig() {}

  private MplexConfig(MplexConfig other) {
    this.maxMessageSize = other.maxMessageSize;
    this.maxStreams = other.maxStreams;
    this.maxBufferedPerStream = other.maxBufferedPerStream;
  }

  MplexConfig copy() {
    return new MplexConfig(this);
  }

  /**
   * The largest message body we send or accept. Outbound writes are split into messages of at
   * most this size; an inbound message announcing more fails the session. This is also the bound
   * of the engine's partial-frame buffer: frame headers are decoded incrementally without
   * buffering, and a body is buffered only after its announced length passed this check.
   *
   * @throws IllegalArgumentException unless positive
   */
  public MplexConfig maxMessageSize(int bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("maxMessageSize must be positive, got " + bytes);
    }
    this.maxMessageSize = bytes;
    return this;
  }

  public int maxMessageSize() {
    return maxMessageSize;
  }

  /**
   * Streams open at once. Beyond it, {@code openStream} refuses with STREAM_LIMIT and a remote
   * NewStream is answered with a reset.
   *
   * @throws IllegalArgumentException unless positive
   */
  public MplexConfig maxStreams(int streams) {
    if (streams <= 0) {
      throw new IllegalArgumentException("maxStreams must be positive, got " + streams);
    }
    this.maxStreams = streams;
    return this;
  }

  public int maxStreams() {
    return maxStreams;
  }

  /**
   * mplex has no flow control (spec, "Implementation notes": a slow reader must be handled by
   * blocking the connection or resetting the stream). When the data delivered on a stream and not
   * yet consumed would exceed this many bytes, the engine resets that stream.
   *
   * @throws IllegalArgumentException unless positive
   */
  public MplexConfig maxBufferedPerStream(int bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("maxBufferedPerStream must be positive, got " + bytes);
    }
    this.maxBufferedPerStream = bytes;
    return this;
  }

  public int maxBufferedPerStream() {
    return maxBufferedPerStream;
  }
}
