package dev.vertxp2p.proto.mplex;

import dev.vertxp2p.proto.mux.ControlBacklog;
import dev.vertxp2p.proto.mux.OutboundChunks;

import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.multiformats.VarintDecoder;

import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

// Over 500 lines: one spec state machine, kept whole so each transition reads by its spec section.
/**
 * mplex ({@code /mplex/6.7.0}, libp2p specs mplex/README.md) as a sans-IO {@link MuxerEngine}.
 *
 * <p>Stream ids on the wire are scoped by the side that opened the stream: both sides may have a
 * stream 0 at once, told apart by the Initiator/Receiver variant of each flag. The long handle
 * this engine hands out is {@code wireId * 2 + (opened locally ? 1 : 0)}.
 *
 * <p>mplex has no flow control, no ping and no go-away frame: {@link #write} always accepts every
 * byte, {@link #ping()} returns -1, and {@link #goAway()} only stops this side from opening or
 * accepting streams (remote NewStreams are answered with a reset). A stream whose delivered but
 * unconsumed data would exceed {@link MplexConfig#maxBufferedPerStream} is reset.
 *
 * <p>Local calls on a stream the engine has forgotten (closed both ways, or reset by either side):
 * {@link #write} throws UNKNOWN_STREAM; {@link #closeWrite}, {@link #reset} and {@link #consumed}
 * do nothing, since a remote reset may race with them. After a remote fault every open stream gets
 * a {@link MuxerEvent.StreamReset} and the session is failed.
 */
public final class MplexEngine implements MuxerEngine {
  /** The multistream-select id of this muxer. */
  public static final String PROTOCOL_ID = "/mplex/6.7.0";

  // mplex spec, "Flag Values".
  static final int NEW_STREAM = 0;
  static final int MESSAGE_RECEIVER = 1;
  static final int MESSAGE_INITIATOR = 2;
  static final int CLOSE_RECEIVER = 3;
  static final int CLOSE_INITIATOR = 4;
  static final int RESET_RECEIVER = 5;
  static final int RESET_INITIATOR = 6;

  /** Largest wire id whose header (id << 3 | flag) still fits in 63 bits. */
  static final long MAX_WIRE_ID = Long.MAX_VALUE >>> 3;

  /** Small frames are joined into one chunk up to this size so a burst costs one socket write. */
  static final int COALESCE_LIMIT = 64 * 1024;

  private static final int READ_HEADER = 0;
  private static final int READ_LENGTH = 1;
  private static final int READ_BODY = 2;
  private static final int SKIP_BODY = 3;

  private static final class Stream {
    final long handle;
    final long wireId;
    final boolean local;
    boolean localClosed;
    boolean remoteClosed;
    long unconsumed;

    Stream(long handle, long wireId, boolean local) {
      this.handle = handle;
      this.wireId = wireId;
      this.local = local;
    }
  }

  private final boolean initiator;
  private final int maxMessageSize;
  private final int maxStreams;
  private final int maxBufferedPerStream;

  private final Map<Long, Stream> streams = new HashMap<>();
  private final ArrayDeque<byte[]> outbound = new ArrayDeque<>();
  /** Frames without a body (Close, Reset) in {@link #outbound}: what a peer that never reads makes us owe. */
  private final ControlBacklog backlog = new ControlBacklog();
  private final ArrayDeque<MuxerEvent> events = new ArrayDeque<>();
  private long nextWireId;
  private boolean goingAway;
  private MplexException failure;

  // Incremental frame parser: varints are decoded byte by byte, only a body is ever buffered.
  private int readState = READ_HEADER;
  private final VarintDecoder varint = new VarintDecoder();
  private long frameHeader;
  private byte[] body;
  private int bodyFill;
  private int skipRemaining;

  /**
   * @param initiator whether this side dialed the connection
   * @param config limits; copied, later changes to it have no effect
   */
  public MplexEngine(boolean initiator, MplexConfig config) {
    this.initiator = initiator;
    MplexConfig c = Objects.requireNonNull(config, "config").copy();
    this.maxMessageSize = c.maxMessageSize();
    this.maxStreams = c.maxStreams();
    this.maxBufferedPerStream = c.maxBufferedPerStream();
  }

  /** An engine with {@link MplexConfig} defaults. */
  public MplexEngine(boolean initiator) {
    this(initiator, new MplexConfig());
  }

  static long handle(long wireId, boolean openedLocally) {
    return (wireId << 1) | (openedLocally ? 1 : 0);
  }

  @Override
  public String protocolId() {
    return PROTOCOL_ID;
  }

  @Override
  public boolean isInitiator() {
    return initiator;
  }

  // ---------------------------------------------------------------- inbound

  @Override
  public void receive(byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    if (failure != null) {
      throw new MplexException("mplex session already failed: " + failure.getMessage());
    }
    try {
      int pos = offset;
      int end = offset + length;
      while (pos < end) {
        pos = step(data, pos, end);
      }
    } catch (MplexException e) {
      fail(e);
      throw e;
    }
  }

  private int step(byte[] data, int pos, int end) {
    switch (readState) {
      case READ_HEADER:
      case READ_LENGTH:
        {
          int status = varint.offer(data[pos++]);
          // mplex spec, "Writing to a stream": bodies are limited to the agreed maximum;
          // refuse an oversize length before buffering any of the body.
          if (readState == READ_LENGTH && varint.value() > maxMessageSize) {
            throw new MplexException(
                "expected a message of at most " + maxMessageSize
                    + " bytes, got a length prefix of at least " + varint.value());
          }
          if (status == VarintDecoder.TOO_LONG) {
            throw new MplexException(
                "expected a varint of at most " + UnsignedVarint.MAX_BYTES + " bytes, got a longer one");
          }
          if (status == VarintDecoder.NOT_MINIMAL) {
            throw new MplexException(
                "expected a minimally encoded varint, got one with a trailing zero byte");
          }
          if (status == VarintDecoder.DONE) {
            long value = varint.value();
            varint.reset();
            if (readState == READ_HEADER) {
              onHeader(value);
            } else {
              onLength((int) value);
            }
          }
          return pos;
        }
      case READ_BODY:
        {
          int n = Math.min(end - pos, body.length - bodyFill);
          System.arraycopy(data, pos, body, bodyFill, n);
          bodyFill += n;
          if (bodyFill == body.length) {
            byte[] b = body;
            body = null;
            readState = READ_HEADER;
            dispatch(b);
          }
          return pos + n;
        }
      case SKIP_BODY:
        {
          int n = Math.min(end - pos, skipRemaining);
          skipRemaining -= n;
          if (skipRemaining == 0) {
            readState = READ_HEADER;
            dispatch(null);
          }
          return pos + n;
        }
      default:
        throw new IllegalStateException("parser state " + readState);
    }
  }

  private void onHeader(long header) {
    int flag = (int) (header & 0x07);
    // mplex spec, "Flag Values": 0..6 are defined, 7 is not.
    if (flag > RESET_INITIATOR) {
      throw new MplexException(
          "expected a flag 0..6, got " + flag + " for stream " + (header >>> 3));
    }
    frameHeader = header;
    readState = READ_LENGTH;
  }

  private void onLength(int length) {
    int flag = (int) (frameHeader & 0x07);
    long wireId = frameHeader >>> 3;
    boolean wantBody;
    if (flag == NEW_STREAM) {
      // mplex spec, "Opening a new stream": a fresh id from the remote's own id space.
      if (streams.containsKey(handle(wireId, false))) {
        throw new MplexException(
            "expected NewStream for a fresh id, got one for open stream " + wireId);
      }
      wantBody = true;
    } else if (flag == MESSAGE_RECEIVER || flag == MESSAGE_INITIATOR) {
      // Data for a stream we no longer know (we reset it) is dropped unbuffered.
      wantBody = streams.containsKey(handle(wireId, senderIsReceiver(flag)));
    } else {
      // Close and Reset carry an empty body by the spec; anything there is ignored.
      wantBody = false;
    }
    if (length == 0) {
      readState = READ_HEADER;
      dispatch(wantBody ? new byte[0] : null);
    } else if (wantBody) {
      body = new byte[length];
      bodyFill = 0;
      readState = READ_BODY;
    } else {
      skipRemaining = length;
      readState = SKIP_BODY;
    }
  }

  /**
   * The odd flags (Receiver variants) are sent by the side that accepted the stream, so on
   * receipt they name a stream this side opened.
   */
  private static boolean senderIsReceiver(int flag) {
    return (flag & 1) == 1;
  }

  private void dispatch(byte[] body) {
    int flag = (int) (frameHeader & 0x07);
    long wireId = frameHeader >>> 3;
    switch (flag) {
      case NEW_STREAM:
        onNewStream(wireId, body);
        return;
      case MESSAGE_RECEIVER:
      case MESSAGE_INITIATOR:
        if (body != null) {
          onMessage(streams.get(handle(wireId, senderIsReceiver(flag))), body);
        }
        return;
      case CLOSE_RECEIVER:
      case CLOSE_INITIATOR:
        onClose(streams.get(handle(wireId, senderIsReceiver(flag))));
        return;
      default:
        onReset(streams.get(handle(wireId, senderIsReceiver(flag))));
    }
  }

  private void onNewStream(long wireId, byte[] name) {
    if (goingAway || streams.size() >= maxStreams) {
      // No refusal frame exists in mplex; resetting the stream right away is how peers refuse.
      checkBacklog("a NewStream we refuse");
      queueFrame(wireId, RESET_RECEIVER, null, 0, 0);
      return;
    }
    long h = handle(wireId, false);
    streams.put(h, new Stream(h, wireId, false));
    // mplex spec: the NewStream body is the stream's name, purely informational.
    events.add(new MuxerEvent.StreamOpened(h, new String(name, StandardCharsets.UTF_8)));
  }

  private void onMessage(Stream s, byte[] data) {
    if (s == null) {
      return;
    }
    if (s.remoteClosed) {
      // mplex spec, "Closing a stream": the remote may not write after closing; that stream
      // is broken, the session is not.
      checkBacklog("a message after Close");
      resetLocally(s, true);
      return;
    }
    if (data.length == 0) {
      return;
    }
    // mplex spec, "Implementation notes": without back pressure a slow reader is handled by
    // resetting the offending stream.
    if (s.unconsumed + data.length > maxBufferedPerStream) {
      checkBacklog("a message beyond the stream's buffer");
      resetLocally(s, true);
      return;
    }
    s.unconsumed += data.length;
    events.add(new MuxerEvent.StreamData(s.handle, data));
  }

  private void onClose(Stream s) {
    if (s == null || s.remoteClosed) {
      return;
    }
    s.remoteClosed = true;
    events.add(new MuxerEvent.StreamRemoteClosed(s.handle));
    if (s.localClosed) {
      streams.remove(s.handle);
      events.add(new MuxerEvent.StreamClosed(s.handle));
    }
  }

  private void onReset(Stream s) {
    if (s == null) {
      return;
    }
    streams.remove(s.handle);
    events.add(new MuxerEvent.StreamReset(s.handle));
  }

  private void resetLocally(Stream s, boolean report) {
    streams.remove(s.handle);
    queueFrame(s.wireId, s.local ? RESET_INITIATOR : RESET_RECEIVER, null, 0, 0);
    if (report) {
      events.add(new MuxerEvent.StreamReset(s.handle));
    }
  }

  private void fail(MplexException e) {
    failure = e;
    body = null;
    for (Long h : new ArrayList<>(streams.keySet())) {
      events.add(new MuxerEvent.StreamReset(h));
    }
    streams.clear();
  }

  // ---------------------------------------------------------------- local calls

  @Override
  public long openStream() {
    return openStream(null);
  }

  /**
   * Opens an outbound stream with a name for the NewStream message (the spec says names are
   * purely informational); null names it by its wire id, as go- and js-libp2p do.
   *
   * @throws MuxerException when the stream limit is reached, the session is going away or failed
   * @throws IllegalArgumentException when the name does not fit in one message
   */
  public long openStream(String name) {
    requireUsable();
    if (goingAway) {
      throw new MuxerException(MuxerException.Reason.GOING_AWAY, "mplex session is going away");
    }
    if (streams.size() >= maxStreams || nextWireId > MAX_WIRE_ID) {
      throw new MuxerException(
          MuxerException.Reason.STREAM_LIMIT, "mplex stream limit of " + maxStreams + " reached");
    }
    long wireId = nextWireId;
    byte[] nameBytes =
        (name == null ? Long.toString(wireId) : name).getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length > maxMessageSize) {
      throw new IllegalArgumentException(
          "stream name of " + nameBytes.length + " bytes exceeds maxMessageSize " + maxMessageSize);
    }
    nextWireId++;
    long h = handle(wireId, true);
    streams.put(h, new Stream(h, wireId, true));
    queueFrame(wireId, NEW_STREAM, nameBytes, 0, nameBytes.length);
    return h;
  }

  @Override
  public int write(long streamId, byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    requireUsable();
    Stream s = streams.get(streamId);
    if (s == null) {
      throw new MuxerException(
          MuxerException.Reason.UNKNOWN_STREAM, "no open mplex stream with handle " + streamId);
    }
    if (s.localClosed) {
      throw new MuxerException(
          MuxerException.Reason.STREAM_CLOSED, "mplex stream " + streamId + " is closed for writing");
    }
    int flag = s.local ? MESSAGE_INITIATOR : MESSAGE_RECEIVER;
    // mplex spec, "Writing to a stream": each message is at most the agreed maximum.
    for (int done = 0; done < length; ) {
      int n = Math.min(maxMessageSize, length - done);
      queueFrame(s.wireId, flag, data, offset + done, n);
      done += n;
    }
    return length;
  }

  @Override
  public void closeWrite(long streamId) {
    Stream s = failure == null ? streams.get(streamId) : null;
    if (s == null || s.localClosed) {
      return;
    }
    s.localClosed = true;
    queueFrame(s.wireId, s.local ? CLOSE_INITIATOR : CLOSE_RECEIVER, null, 0, 0);
    if (s.remoteClosed) {
      streams.remove(streamId);
      events.add(new MuxerEvent.StreamClosed(streamId));
    }
  }

  @Override
  public void reset(long streamId) {
    Stream s = failure == null ? streams.get(streamId) : null;
    if (s != null) {
      resetLocally(s, false);
    }
  }

  /**
   * Returns credit for data the application took. mplex has no window to reopen; this only
   * lowers the count checked against {@link MplexConfig#maxBufferedPerStream}.
   *
   * @throws IllegalArgumentException for a negative count or more than was delivered
   */
  /** mplex has no flow control: the transport pauses the socket for slow readers. */
  @Override
  public boolean hasFlowControl() {
    return false;
  }

  @Override
  public void consumed(long streamId, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("consumed count must not be negative, got " + n);
    }
    Stream s = streams.get(streamId);
    if (s == null) {
      return;
    }
    if (n > s.unconsumed) {
      throw new IllegalArgumentException(
          "consumed " + n + " bytes on stream " + streamId + " but only " + s.unconsumed
              + " were delivered and not yet consumed");
    }
    s.unconsumed -= n;
  }

  @Override
  public void goAway() {
    goingAway = true;
  }

  /** mplex has no ping frame. */
  @Override
  public long ping() {
    return -1;
  }

  @Override
  public byte[] pollOutbound() {
    return OutboundChunks.poll(outbound, COALESCE_LIMIT, this::taken);
  }

  /** A frame left the queue. */
  private void taken(byte[] frame) {
    if (isBodyless(frame)) {
      backlog.taken();
    }
  }

  /** Whether a queued frame has an empty body: its header varint, then a zero length byte. */
  private static boolean isBodyless(byte[] frame) {
    int header = 0;
    while ((frame[header] & 0x80) != 0) {
      header++;
    }
    return frame.length == header + 2 && frame[header + 1] == 0;
  }

  @Override
  public int unsentControlFrames() {
    return backlog.unsent();
  }

  /** Before answering the remote: past the bound on unsent answers, it is cut off. */
  private void checkBacklog(String what) {
    String overflow = backlog.overflow(what);
    if (overflow != null) {
      throw new MplexException(overflow);
    }
  }

  @Override
  public MuxerEvent pollEvent() {
    return events.poll();
  }

  @Override
  public int openStreamCount() {
    return streams.size();
  }

  /** True once the session failed, or it is going away and its last stream ended. */
  @Override
  public boolean isClosed() {
    return failure != null || (goingAway && streams.isEmpty());
  }

  /** True once {@link #goAway()} was called here; mplex cannot tell us the remote's intent. */
  @Override
  public boolean isGoingAway() {
    return goingAway;
  }

  private void requireUsable() {
    if (failure != null) {
      throw new MuxerException(
          MuxerException.Reason.SESSION_CLOSED, "mplex session failed: " + failure.getMessage());
    }
  }

  private void queueFrame(long wireId, int flag, byte[] data, int off, int len) {
    long header = (wireId << 3) | flag;
    byte[] frame = new byte[UnsignedVarint.encodedLength(header) + UnsignedVarint.encodedLength(len) + len];
    int pos = UnsignedVarint.write(header, frame, 0);
    pos += UnsignedVarint.write(len, frame, pos);
    if (len > 0) {
      System.arraycopy(data, off, frame, pos, len);
    }
    outbound.add(frame);
    if (len == 0) {
      backlog.queued();
    }
  }
}
