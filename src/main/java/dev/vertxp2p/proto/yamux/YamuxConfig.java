package dev.vertxp2p.proto.yamux;

/**
 * Limits and tuning of a {@link YamuxEngine}. A mutable builder-style options object: each setter
 * checks its own range and returns {@code this}; the engine copies the values when it is built, so
 * one config may serve many sessions.
 *
 * <p>The engine never buffers a partial frame body: the 12-byte header is the only thing held back
 * between {@link YamuxEngine#receive} calls, and Data bodies are handed out as they arrive. What one
 * session may hold unconsumed per stream is bounded by the window we grant: {@link #initialWindow()}
 * at first, grown by auto-tuning while the stream is read as fast as it arrives, never beyond
 * {@link #maxReceiveWindow()}, and for all streams together by {@link #maxSessionWindowGrowth()}.
 */
public final class YamuxConfig {

  /** spec.md "Flow Control": every stream starts with a 256 KiB window on both sides. */
  public static final int SPEC_INITIAL_WINDOW = 256 * 1024;

  /** The window we grant each stream unless told otherwise: the spec's initial window. */
  public static final int DEFAULT_INITIAL_WINDOW = SPEC_INITIAL_WINDOW;

  /** Upper bound for any window we grant (16 MiB, as go-yamux and rust-yamux cap theirs). */
  public static final int DEFAULT_MAX_RECEIVE_WINDOW = 16 * 1024 * 1024;

  /**
   * How much the windows of all streams of one session may grow beyond {@link #initialWindow()}
   * together (auto-tuning): two streams at the full 16 MiB.
   */
  public static final long DEFAULT_MAX_SESSION_WINDOW_GROWTH = 32L * 1024 * 1024;

  /** Streams open at once per session; an inbound SYN beyond it is answered with RST. */
  public static final int DEFAULT_MAX_STREAMS = 1024;

  /** Streams we opened that the remote has not ACKed yet; beyond it openStream() refuses. */
  public static final int DEFAULT_ACK_BACKLOG = 256;

  /**
   * The largest chunk pollOutbound() hands out when it joins frames: one libp2p Noise transport
   * message (65535 bytes less the 16-byte AEAD tag), so a chunk never spills into a second one.
   */
  public static final int OUTBOUND_CHUNK_TARGET = 65535 - 16;

  /**
   * Largest Data frame payload we send (larger writes are split): header plus payload fill exactly
   * one {@link #OUTBOUND_CHUNK_TARGET}, instead of a 64 KiB payload spilling 29 bytes into a second
   * encrypted message.
   */
  public static final int DEFAULT_MAX_FRAME_PAYLOAD = OUTBOUND_CHUNK_TARGET - 12;

  /** Smallest accepted frame payload limit: smaller would waste most bytes on 12-byte headers. */
  public static final int MIN_FRAME_PAYLOAD = 1024;

  /** Largest accepted frame payload limit: the whole spec initial window in one frame. */
  public static final int MAX_FRAME_PAYLOAD = SPEC_INITIAL_WINDOW;

  private int initialWindow = DEFAULT_INITIAL_WINDOW;
  private int maxReceiveWindow = DEFAULT_MAX_RECEIVE_WINDOW;
  private int maxStreams = DEFAULT_MAX_STREAMS;
  private int ackBacklog = DEFAULT_ACK_BACKLOG;
  private int maxFramePayload = DEFAULT_MAX_FRAME_PAYLOAD;
  private long maxSessionWindowGrowth = DEFAULT_MAX_SESSION_WINDOW_GROWTH;

  /** A config holding every default. */
  public YamuxConfig() {}

  /** A copy of {@code other}. */
  public YamuxConfig(YamuxConfig other) {
    this.initialWindow = other.initialWindow;
    this.maxReceiveWindow = other.maxReceiveWindow;
    this.maxStreams = other.maxStreams;
    this.ackBacklog = other.ackBacklog;
    this.maxFramePayload = other.maxFramePayload;
    this.maxSessionWindowGrowth = other.maxSessionWindowGrowth;
  }

  /** How much all streams' windows of one session may grow beyond the initial window together. */
  public long maxSessionWindowGrowth() {
    return maxSessionWindowGrowth;
  }

  /** Sets the session's bound on window growth; 0 turns auto-tuning off. */
  public YamuxConfig maxSessionWindowGrowth(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("maxSessionWindowGrowth must be >= 0, got " + bytes);
    }
    this.maxSessionWindowGrowth = bytes;
    return this;
  }

  /** The receive window we grant each stream (we announce the excess over 256 KiB with SYN/ACK). */
  public int initialWindow() {
    return initialWindow;
  }

  /**
   * Sets the receive window granted to each stream. It cannot be below the spec's 256 KiB: the
   * remote assumes 256 KiB and window updates only ever add (spec.md "Flow Control").
   */
  public YamuxConfig initialWindow(int bytes) {
    if (bytes < SPEC_INITIAL_WINDOW) {
      throw new IllegalArgumentException(
          "initialWindow must be at least " + SPEC_INITIAL_WINDOW + " bytes, got " + bytes);
    }
    this.initialWindow = bytes;
    return this;
  }

  /** The most any stream's granted receive window may grow to. */
  public int maxReceiveWindow() {
    return maxReceiveWindow;
  }

  /** Sets the cap on granted receive windows (at least 256 KiB). */
  public YamuxConfig maxReceiveWindow(int bytes) {
    if (bytes < SPEC_INITIAL_WINDOW) {
      throw new IllegalArgumentException(
          "maxReceiveWindow must be at least " + SPEC_INITIAL_WINDOW + " bytes, got " + bytes);
    }
    this.maxReceiveWindow = bytes;
    return this;
  }

  /** Streams that may be open at once in this session. */
  public int maxStreams() {
    return maxStreams;
  }

  /** Sets how many streams may be open at once (at least 1). */
  public YamuxConfig maxStreams(int streams) {
    if (streams < 1) {
      throw new IllegalArgumentException("maxStreams must be at least 1, got " + streams);
    }
    this.maxStreams = streams;
    return this;
  }

  /** Outbound streams that may wait for the remote's ACK at once. */
  public int ackBacklog() {
    return ackBacklog;
  }

  /** Sets how many outbound streams may wait for an ACK at once (at least 1). */
  public YamuxConfig ackBacklog(int streams) {
    if (streams < 1) {
      throw new IllegalArgumentException("ackBacklog must be at least 1, got " + streams);
    }
    this.ackBacklog = streams;
    return this;
  }

  /** Largest Data frame payload we send. */
  public int maxFramePayload() {
    return maxFramePayload;
  }

  /** Sets the largest Data frame payload we send, between 1 KiB and 256 KiB. */
  public YamuxConfig maxFramePayload(int bytes) {
    if (bytes < MIN_FRAME_PAYLOAD || bytes > MAX_FRAME_PAYLOAD) {
      throw new IllegalArgumentException(
          "maxFramePayload must be within ["
              + MIN_FRAME_PAYLOAD
              + ", "
              + MAX_FRAME_PAYLOAD
              + "], got "
              + bytes);
    }
    this.maxFramePayload = bytes;
    return this;
  }

  /**
   * Checks the rules that span several options; the engine calls it when it is built.
   *
   * @throws IllegalArgumentException when the granted window exceeds its cap
   */
  public void validate() {
    if (initialWindow > maxReceiveWindow) {
      throw new IllegalArgumentException(
          "initialWindow (" + initialWindow + ") exceeds maxReceiveWindow (" + maxReceiveWindow + ")");
    }
  }
}
