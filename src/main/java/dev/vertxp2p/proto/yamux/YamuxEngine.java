package dev.vertxp2p.proto.yamux;

import dev.vertxp2p.proto.mux.ControlBacklog;
import dev.vertxp2p.proto.mux.OutboundChunks;

import static dev.vertxp2p.proto.yamux.YamuxFrame.FLAG_ACK;
import static dev.vertxp2p.proto.yamux.YamuxFrame.FLAG_FIN;
import static dev.vertxp2p.proto.yamux.YamuxFrame.FLAG_RST;
import static dev.vertxp2p.proto.yamux.YamuxFrame.FLAG_SYN;
import static dev.vertxp2p.proto.yamux.YamuxFrame.HEADER_LENGTH;
import static dev.vertxp2p.proto.yamux.YamuxFrame.MAX_U32;
import static dev.vertxp2p.proto.yamux.YamuxFrame.TYPE_DATA;
import static dev.vertxp2p.proto.yamux.YamuxFrame.TYPE_GO_AWAY;
import static dev.vertxp2p.proto.yamux.YamuxFrame.TYPE_PING;
import static dev.vertxp2p.proto.yamux.YamuxFrame.TYPE_WINDOW_UPDATE;

import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

// Over 500 lines: one spec state machine, kept whole so each transition reads by its spec section.
/**
 * Yamux ({@code /yamux/1.0.0}, hashicorp/yamux spec.md) as a sans-IO {@link MuxerEngine}.
 *
 * <p>Streams are opened with a WindowUpdate frame carrying SYN (as go-yamux does) and accepted
 * with a WindowUpdate carrying ACK right away; both frames announce any window we grant beyond the
 * spec's 256 KiB. Data bodies are not buffered: each {@link #receive} call hands out what arrived as
 * {@link MuxerEvent.StreamData}, so the only partial-frame state kept between calls is the 12-byte
 * header. Half-close and reset are sent as zero-length WindowUpdate frames with FIN or RST.
 *
 * <p>Stream ids handed out are the wire ids: odd for the initiator (client), even for the
 * responder (spec.md "StreamID Field"). {@link MuxerEvent.StreamOpened} carries an empty name, as
 * Yamux streams have none.
 *
 * <p>Events beyond the remote's doing: a local {@link #reset} or a {@link #closeWrite} that ends
 * the second direction queues {@link MuxerEvent.StreamClosed} at once; Data arriving after the
 * remote's FIN makes the engine reset that stream itself and report {@link
 * MuxerEvent.StreamReset} followed by {@link MuxerEvent.StreamClosed}. Frames for streams we no
 * longer know are dropped, as go-yamux and rust-yamux do: they are usually late frames of a stream
 * we reset.
 */
public final class YamuxEngine implements MuxerEngine {

  /** The multistream-select protocol id. */
  public static final String PROTOCOL_ID = "/yamux/1.0.0";

  /**
   * How many closed stream ids we remember to tell a late frame (ignored) from a reused id in a
   * SYN (fatal). Older ids are forgotten; a frame for one of them is simply ignored.
   */
  public static final int RECENTLY_CLOSED_IDS = 4096;

  /**
   * pollOutbound() joins queued frames into one array up to this size, so many small control
   * frames cost one write; a frame already this large is handed out as is, without a copy.
   */
  public static final int OUTBOUND_COALESCE_LIMIT = YamuxConfig.OUTBOUND_CHUNK_TARGET;

  /**
   * Pings we remember while waiting for their answer; a peer that never answers must not make the
   * set grow, so the oldest is dropped (its late answer is then ignored).
   */
  public static final int MAX_OUTSTANDING_PINGS = 64;

  /** Window updates are deltas on a 32-bit field; we never track more credit than that. */
  private static final long MAX_SEND_WINDOW = MAX_U32;

  private final boolean initiator;
  private final int grantWindow;
  private final int maxReceiveWindow;
  private final int maxStreams;
  private final int ackBacklog;
  private final int maxFramePayload;
  private final long maxSessionWindowGrowth;
  /** Sum over open streams of what their windows grew beyond {@link #grantWindow}. */
  private long sessionWindowGrowth;
  /** Window auto-tuning re-measures the round trip when its estimate is older than this. */
  private static final long RTT_MAX_AGE_NANOS = 1_000_000_000L;
  private final java.util.function.LongSupplier clock;
  private long rttNanos;
  private long rttMeasuredAt;
  private long rttPingId = -1;
  private long rttPingSentAt;

  private final Map<Long, Stream> streams = new HashMap<>();
  private final Set<Long> recentlyClosed = boundedIdSet(RECENTLY_CLOSED_IDS);
  private final Set<Long> outstandingPings = boundedIdSet(MAX_OUTSTANDING_PINGS);
  private final ArrayDeque<byte[]> outbound = new ArrayDeque<>();
  /** Control frames in {@link #outbound}: the answers a peer that never reads makes us owe. */
  private final ControlBacklog backlog = new ControlBacklog();
  /** What the transport's memory budget still lets the remote make us buffer (see bufferRoom). */
  private long bufferRoom = Long.MAX_VALUE;
  private final ArrayDeque<MuxerEvent> events = new ArrayDeque<>();

  private long nextStreamId;
  private long nextPingId = 1;
  private int unacked;
  private boolean localGoAway;
  private boolean remoteGoAway;
  private String failure;

  // Receive state: a header being filled, then the body of the current Data frame.
  private final byte[] header = new byte[HEADER_LENGTH];
  private int headerFill;
  private long bodyRemaining;
  private long frameStreamId;
  private int frameFlags;
  private Stream frameStream; // the stream the current frame acts on, null when ignored
  private boolean deliverBody;

  /**
   * A session endpoint.
   *
   * @param initiator true on the side that dialed the connection (the spec's client: odd ids)
   * @param config limits; copied, later changes to it do not affect this engine
   */
  public YamuxEngine(boolean initiator, YamuxConfig config) {
    this(initiator, config, null);
  }

  /**
   * A session endpoint with a clock, read only to time window updates and round trips for window
   * auto-tuning (the engine itself never looks at the time).
   *
   * @param nanoClock monotonic nanoseconds, like {@code System.nanoTime}; null turns auto-tuning
   *     off (windows stay at the configured initial window)
   */
  public YamuxEngine(boolean initiator, YamuxConfig config,
      java.util.function.LongSupplier nanoClock) {
    config.validate();
    this.clock = nanoClock;
    this.initiator = initiator;
    this.grantWindow = config.initialWindow();
    this.maxReceiveWindow = config.maxReceiveWindow();
    this.maxStreams = config.maxStreams();
    this.ackBacklog = config.ackBacklog();
    this.maxFramePayload = config.maxFramePayload();
    this.maxSessionWindowGrowth = config.maxSessionWindowGrowth();
    // spec.md "StreamID Field": the client uses odd ids, the server even; 0 is the session.
    this.nextStreamId = initiator ? 1 : 2;
  }

  /** A session endpoint with the default limits. */
  public YamuxEngine(boolean initiator) {
    this(initiator, new YamuxConfig());
  }

  private static final class Stream {
    final long id;
    final boolean outbound;
    boolean acked;
    long sendWindow = YamuxConfig.SPEC_INITIAL_WINDOW;
    long grant; // the window the remote believes it has been given in total
    long recvWindow; // what the remote may still send before our next update
    long pendingCredit; // consumed, not yet announced
    long epochStart; // when we last announced credit (or opened the stream), clock nanos
    long unconsumed; // handed out in StreamData, not yet reported consumed
    boolean localClosed;
    boolean remoteClosed;
    boolean blocked;
    boolean gone;

    Stream(long id, boolean outbound) {
      this.id = id;
      this.outbound = outbound;
    }
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
    receive(data, offset, length, false);
  }

  @Override
  public void receiveOwned(byte[] data, int offset, int length) {
    receive(data, offset, length, true);
  }

  /** Whether the array being received is ours to hand out in ranges (see receiveOwned). */
  private boolean receivingOwned;

  private void receive(byte[] data, int offset, int length, boolean owned) {
    receivingOwned = owned;
    try {
      receiveBytes(data, offset, length);
    } finally {
      receivingOwned = false;
    }
  }

  private void receiveBytes(byte[] data, int offset, int length) {
    if (offset < 0 || length < 0 || offset > data.length - length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + offset + "+" + length + ") outside array of " + data.length);
    }
    if (failure != null) {
      throw new YamuxException("session already failed: " + failure);
    }
    int pos = offset;
    int end = offset + length;
    while (pos < end) {
      if (bodyRemaining > 0) {
        int n = (int) Math.min(bodyRemaining, end - pos);
        deliverBodyChunk(data, pos, n);
        pos += n;
        bodyRemaining -= n;
        if (bodyRemaining == 0) {
          finishFrame();
        }
        continue;
      }
      int n = Math.min(HEADER_LENGTH - headerFill, end - pos);
      System.arraycopy(data, pos, header, headerFill, n);
      headerFill += n;
      pos += n;
      if (headerFill == HEADER_LENGTH) {
        headerFill = 0;
        onHeader(YamuxFrame.parseHeader(header, 0));
      }
    }
  }

  private void onHeader(YamuxFrame.Header h) {
    // spec.md "Version Field": always 0.
    if (h.version() != YamuxFrame.VERSION) {
      fail("expected version 0, got version " + h.version());
    }
    switch (h.type()) {
      case TYPE_DATA, TYPE_WINDOW_UPDATE -> onStreamFrame(h);
      case TYPE_PING -> onPing(h);
      case TYPE_GO_AWAY -> onGoAway(h);
      // spec.md "Type Field": only 0..3 are defined.
      default -> fail("expected frame type 0..3, got type " + h.type());
    }
  }

  private void onPing(YamuxFrame.Header h) {
    // spec.md "StreamID Field": Ping must use stream 0.
    if (h.streamId() != 0) {
      fail("expected Ping on stream 0, got it on stream " + h.streamId());
    }
    // spec.md "Flag Field": SYN marks an outbound ping (answer it), ACK a response.
    if ((h.flags() & FLAG_SYN) != 0) {
      queueAnswer("a Ping", TYPE_PING, FLAG_ACK, 0, h.length());
    }
    if ((h.flags() & FLAG_ACK) != 0 && h.length() == rttPingId) {
      // our own round-trip measurement: no event, the application did not ask for it
      long now = clock.getAsLong();
      rttNanos = Math.max(1, now - rttPingSentAt);
      rttMeasuredAt = now;
      rttPingId = -1;
    } else if ((h.flags() & FLAG_ACK) != 0 && outstandingPings.remove(h.length())) {
      events.add(new MuxerEvent.Pong(h.length()));
    }
  }

  private void onGoAway(YamuxFrame.Header h) {
    // spec.md "StreamID Field": Go Away must use stream 0.
    if (h.streamId() != 0) {
      fail("expected GoAway on stream 0, got it on stream " + h.streamId());
    }
    if (!remoteGoAway) {
      remoteGoAway = true;
      events.add(new MuxerEvent.GoAway((int) h.length()));
    }
  }

  private void onStreamFrame(YamuxFrame.Header h) {
    long id = h.streamId();
    int flags = h.flags();
    boolean data = h.type() == TYPE_DATA;
    long length = h.length();
    // spec.md "StreamID Field": stream 0 is the session; Data and WindowUpdate need a stream.
    if (id == 0) {
      fail("expected a stream id > 0 on a " + typeName(h.type()) + " frame, got 0");
    }
    // spec.md "Flow Control": no legitimate Data frame exceeds the largest window we ever grant;
    // checked before anything is read of the body, even for streams we ignore.
    if (data && length > maxReceiveWindow) {
      fail(
          "expected a Data frame within the receive window ("
              + maxReceiveWindow
              + " bytes at most), got "
              + length
              + " bytes on stream "
              + id);
    }
    frameStreamId = id;
    frameFlags = flags;
    frameStream = null;
    deliverBody = false;
    bodyRemaining = data ? length : 0;

    Stream s = streams.get(id);
    if ((flags & FLAG_SYN) != 0) {
      s = acceptSyn(id);
    }
    if (s == null) {
      // spec gives no rule for frames of unknown streams; like go- and rust-yamux we drop them, as
      // they are usually late frames for a stream we reset or already forgot.
      if (bodyRemaining == 0) {
        finishFrame();
      }
      return;
    }
    frameStream = s;
    if ((flags & FLAG_ACK) != 0 && s.outbound && !s.acked) {
      s.acked = true;
      unacked--;
      events.add(new MuxerEvent.StreamAcknowledged(id));
    }
    if (!data) {
      onWindowUpdate(s, length);
    } else if (length > 0) {
      // spec.md "Flow Control": the sender must stay within the window we granted.
      if (length > s.recvWindow) {
        fail(
            "expected at most "
                + s.recvWindow
                + " bytes (the receive window) on stream "
                + id
                + ", got a Data frame of "
                + length);
      }
      s.recvWindow -= length;
      if (s.remoteClosed) {
        // spec.md "Closing a stream": FIN means no further data; the stream is broken, not the
        // session, so reset just this one.
        checkBacklog("a Data frame after FIN");
        resetStream(s, true);
        frameStream = null;
      } else {
        // Data that comes with RST is moot: the stream is over (spec.md "Flag Field").
        deliverBody = (flags & FLAG_RST) == 0;
      }
    }
    if (bodyRemaining == 0) {
      finishFrame();
    }
  }

  /** Opens the stream a remote SYN announces, or refuses it; null when the frame is to be dropped. */
  private Stream acceptSyn(long id) {
    // spec.md "StreamID Field": the remote is the client (odd ids) when we are not.
    boolean remoteParity = (id & 1) == (initiator ? 0 : 1);
    if (!remoteParity) {
      fail(
          "expected a SYN with an "
              + (initiator ? "even" : "odd")
              + " stream id from the "
              + (initiator ? "server" : "client")
              + ", got stream id "
              + id);
    }
    if (streams.containsKey(id) || recentlyClosed.contains(id)) {
      fail("expected a SYN for a new stream id, got a SYN reusing stream id " + id);
    }
    boolean overBudget = bufferRoom < grantWindow;
    if (localGoAway || streams.size() >= maxStreams || overBudget) {
      // spec.md "Opening a stream": reply RST to reject a stream. Over the memory budget a new
      // stream would add the window it starts with to what is buffered already, so it waits.
      queueAnswer("a SYN", TYPE_WINDOW_UPDATE, FLAG_RST, id, 0);
      recentlyClosed.add(id);
      if (overBudget && !localGoAway && streams.size() < maxStreams) {
        events.add(new MuxerEvent.StreamRefused(id, MuxerEvent.StreamRefused.BUFFER));
      }
      return null;
    }
    Stream s = new Stream(id, false);
    s.acked = true;
    s.grant = grantWindow;
    s.recvWindow = grantWindow;
    s.epochStart = clock == null ? 0 : clock.getAsLong();
    streams.put(id, s);
    // spec.md "Opening a stream": accept with ACK; "Flow Control": announce a larger window with it.
    queueAnswer("a SYN", TYPE_WINDOW_UPDATE, FLAG_ACK, id,
        grantWindow - YamuxConfig.SPEC_INITIAL_WINDOW);
    events.add(new MuxerEvent.StreamOpened(id, ""));
    return s;
  }

  private void onWindowUpdate(Stream s, long delta) {
    if (delta == 0) {
      return;
    }
    // Saturate: a peer may announce generous windows, but our count never leaves 32 bits.
    s.sendWindow = Math.min(MAX_SEND_WINDOW, s.sendWindow + delta);
    if (s.blocked && !s.localClosed) {
      s.blocked = false;
      events.add(new MuxerEvent.StreamWritable(s.id));
    }
  }

  private void deliverBodyChunk(byte[] data, int pos, int n) {
    Stream s = frameStream;
    if (!deliverBody || s == null || s.gone) {
      return;
    }
    s.unconsumed += n;
    if (receivingOwned) {
      events.add(new MuxerEvent.StreamData(s.id, data, pos, n));
    } else {
      byte[] copy = new byte[n];
      System.arraycopy(data, pos, copy, 0, n);
      events.add(new MuxerEvent.StreamData(s.id, copy));
    }
  }

  /** Applies FIN and RST once the frame's data, if any, has been handed out. */
  private void finishFrame() {
    Stream s = frameStream;
    frameStream = null;
    deliverBody = false;
    if (s == null || s.gone) {
      return;
    }
    if ((frameFlags & FLAG_FIN) != 0 && !s.remoteClosed) {
      s.remoteClosed = true;
      events.add(new MuxerEvent.StreamRemoteClosed(s.id));
      if (s.localClosed && (frameFlags & FLAG_RST) == 0) {
        forget(s);
        return;
      }
    }
    if ((frameFlags & FLAG_RST) != 0) {
      events.add(new MuxerEvent.StreamReset(s.id));
      forget(s);
    }
  }

  // ---------------------------------------------------------------- local calls

  @Override
  public long openStream() {
    if (failure != null) {
      throw new MuxerException(MuxerException.Reason.SESSION_CLOSED, "session failed: " + failure);
    }
    if (localGoAway || remoteGoAway) {
      throw new MuxerException(
          MuxerException.Reason.GOING_AWAY,
          (localGoAway ? "we" : "the remote") + " sent GoAway: no new streams");
    }
    if (streams.size() >= maxStreams) {
      throw new MuxerException(
          MuxerException.Reason.STREAM_LIMIT, maxStreams + " streams are open already");
    }
    if (unacked >= ackBacklog) {
      throw new MuxerException(
          MuxerException.Reason.STREAM_LIMIT,
          unacked + " opened streams still wait for the remote's ACK");
    }
    if (nextStreamId > MAX_U32) {
      throw new MuxerException(
          MuxerException.Reason.STREAM_LIMIT, "the 32-bit stream id space is used up");
    }
    long id = nextStreamId;
    nextStreamId += 2;
    Stream s = new Stream(id, true);
    s.grant = grantWindow;
    s.recvWindow = grantWindow;
    s.epochStart = clock == null ? 0 : clock.getAsLong();
    streams.put(id, s);
    unacked++;
    // spec.md "Opening a stream": a WindowUpdate with SYN; it also announces any larger window.
    queueControl(TYPE_WINDOW_UPDATE, FLAG_SYN, id, grantWindow - YamuxConfig.SPEC_INITIAL_WINDOW);
    return id;
  }

  @Override
  public int write(long streamId, byte[] data, int offset, int length) {
    return writeFrames(streamId, data, offset, length, null);
  }

  @Override
  public int writeThrough(long streamId, byte[] data, int offset, int length, PieceSink sink) {
    // behind what is queued already, the data is queued too, in order
    return writeFrames(streamId, data, offset, length, outbound.isEmpty() ? sink : null);
  }

  /**
   * Cuts what the stream's window takes of the data into Data frames: copied into the queue when
   * {@code sink} is null, else handed to it as header and data range, uncopied.
   */
  private int writeFrames(long streamId, byte[] data, int offset, int length, PieceSink sink) {
    Stream s = writableStream(streamId, data, offset, length);
    int n = acceptable(s, length);
    int pos = offset;
    int left = n;
    while (left > 0) {
      int chunk = Math.min(left, maxFramePayload);
      if (sink == null) {
        byte[] frame = new byte[HEADER_LENGTH + chunk];
        // the copy first, straight after the allocation, so the JIT need not zero what it fills
        System.arraycopy(data, pos, frame, HEADER_LENGTH, chunk);
        YamuxFrame.writeHeader(frame, 0, TYPE_DATA, 0, streamId, chunk);
        outbound.add(frame);
      } else {
        sink.piece(YamuxFrame.header(TYPE_DATA, 0, streamId, chunk), 0, HEADER_LENGTH);
        sink.piece(data, pos, chunk);
      }
      pos += chunk;
      left -= chunk;
    }
    s.sendWindow -= n;
    return n;
  }

  /** The open stream {@code streamId}, checked writable, with the range checked too. */
  private Stream writableStream(long streamId, byte[] data, int offset, int length) {
    if (offset < 0 || length < 0 || offset > data.length - length) {
      throw new IndexOutOfBoundsException(
          "range [" + offset + ", " + offset + "+" + length + ") outside array of " + data.length);
    }
    if (failure != null) {
      throw new MuxerException(MuxerException.Reason.SESSION_CLOSED, "session failed: " + failure);
    }
    Stream s = streams.get(streamId);
    if (s == null) {
      throw new MuxerException(
          MuxerException.Reason.UNKNOWN_STREAM, "no open stream with id " + streamId);
    }
    if (s.localClosed) {
      throw new MuxerException(
          MuxerException.Reason.STREAM_CLOSED, "stream " + streamId + " is closed for writing");
    }
    return s;
  }

  /** How much of {@code length} the stream's send window takes now; marks it blocked if not all. */
  private static int acceptable(Stream s, int length) {
    // spec.md "Flow Control": never send more than the remote's window for this stream.
    int n = (int) Math.min(length, s.sendWindow);
    if (n < length) {
      s.blocked = true;
    }
    return n;
  }

  @Override
  public void closeWrite(long streamId) {
    Stream s = streams.get(streamId);
    if (failure != null || s == null || s.localClosed) {
      return; // idempotent; a stream already forgotten is closed already
    }
    s.localClosed = true;
    s.blocked = false;
    // spec.md "Closing a stream": FIN on a data or window update frame.
    queueControl(TYPE_WINDOW_UPDATE, FLAG_FIN, streamId, 0);
    if (s.remoteClosed) {
      forget(s);
    }
  }

  @Override
  public void reset(long streamId) {
    Stream s = streams.get(streamId);
    if (failure != null || s == null) {
      return; // idempotent
    }
    resetStream(s, false);
  }

  private void resetStream(Stream s, boolean tellApplication) {
    // spec.md "Closing a stream": RST hard-closes a stream immediately.
    queueControl(TYPE_WINDOW_UPDATE, FLAG_RST, s.id, 0);
    if (tellApplication) {
      events.add(new MuxerEvent.StreamReset(s.id));
    }
    forget(s);
  }

  @Override
  public void consumed(long streamId, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("consumed a negative count: " + n);
    }
    Stream s = streams.get(streamId);
    if (failure != null || s == null) {
      return; // the stream ended meanwhile; there is no window left to reopen
    }
    if (n > s.unconsumed) {
      throw new IllegalArgumentException(
          "consumed "
              + n
              + " bytes on stream "
              + streamId
              + " but only "
              + s.unconsumed
              + " were handed out and not yet consumed");
    }
    s.unconsumed -= n;
    if (s.remoteClosed) {
      return; // the remote sends nothing more: an update would be wasted
    }
    s.pendingCredit += n;
    if (bufferRoom <= 0) {
      return; // the memory budget is spent: the credit waits for bufferRoom to come back
    }
    announceIfDue(s);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: while the room is spent, consumed bytes pile up as credit without a window update;
   * when it comes back, each stream's credit is announced by the usual rule (half a window).
   * Auto-tuning never grows a window by more than the room left.
   */
  @Override
  public void bufferRoom(long room) {
    boolean wasSpent = bufferRoom <= 0;
    bufferRoom = room;
    if (wasSpent && room > 0 && failure == null) {
      for (Stream s : streams.values()) {
        if (!s.remoteClosed && s.pendingCredit > 0) {
          announceIfDue(s);
        }
      }
    }
  }

  /** Sends the stream's pending credit as a window update once enough of it is waiting. */
  private void announceIfDue(Stream s) {
    long streamId = s.id;
    long target = receiveWindowTarget(s);
    // Announce credit once half the window is waiting, so bulk transfers see few tiny updates.
    if (s.pendingCredit >= target / 2 || target > s.grant) {
      long delta = s.pendingCredit + (target - s.grant);
      s.recvWindow += delta;
      s.grant = target;
      s.pendingCredit = 0;
      queueControl(TYPE_WINDOW_UPDATE, 0, streamId, delta);
      if (clock != null) {
        measureRttIfStale(clock.getAsLong());
      }
    }
  }

  /**
   * The window this stream should be granted from now on: auto-tuned. When an update is due (half
   * the window consumed) sooner than four round trips after the previous one, the window, not the
   * path, is what limits the stream, and it doubles, up to maxReceiveWindow. The round trip is
   * measured with a Ping of our own, sent with an update when no measurement is recent. A reader
   * that lags (more than half the window handed out and not yet consumed when the update falls
   * due: a whole window arriving in one read leaves exactly half) never grows its window, nor does
   * one that reads in gulps between pauses (its updates are far apart); the growth of all streams
   * of a session together is bounded by maxSessionWindowGrowth. What a stream can make us buffer
   * grows only while it is read as fast as it arrives, and only so far.
   */
  private long receiveWindowTarget(Stream s) {
    long base = Math.min(Math.max(s.grant, grantWindow), maxReceiveWindow);
    if (s.pendingCredit < base / 2 || clock == null) {
      return base; // no update due yet, or no auto-tuning
    }
    long now = clock.getAsLong();
    long epoch = now - s.epochStart;
    s.epochStart = now;
    if (rttNanos <= 0 || epoch >= 4 * rttNanos || s.unconsumed > base / 2
        || base >= maxReceiveWindow) {
      return base;
    }
    long extra = Math.min(Math.min(base, maxReceiveWindow - base),
        Math.min(maxSessionWindowGrowth - sessionWindowGrowth, bufferRoom));
    if (extra <= 0) {
      return base;
    }
    sessionWindowGrowth += extra;
    return base + extra;
  }

  /** Sends our own Ping when the round-trip estimate is missing or older than a second. */
  private void measureRttIfStale(long now) {
    if (rttPingId >= 0 || maxSessionWindowGrowth == 0) {
      return; // one measurement at a time; none needed without auto-tuning
    }
    if (rttNanos > 0 && now - rttMeasuredAt < RTT_MAX_AGE_NANOS) {
      return;
    }
    rttPingId = nextPingId;
    nextPingId = nextPingId == MAX_U32 ? 1 : nextPingId + 1;
    rttPingSentAt = now;
    queueControl(TYPE_PING, FLAG_SYN, 0, rttPingId);
  }

  /**
   * The receive window granted to the remote on {@code streamId} so far (auto-tuning grows it), or
   * -1 when there is no such open stream.
   */
  @Override
  public long receiveWindow(long streamId) {
    Stream s = streams.get(streamId);
    return s == null ? -1 : s.grant;
  }

  @Override
  public long sendWindow(long streamId) {
    Stream s = streams.get(streamId);
    return s == null ? -1 : s.sendWindow;
  }

  /** The round-trip estimate used by auto-tuning, in nanoseconds; 0 before the first sample. */
  public long rttNanos() {
    return rttNanos;
  }

  @Override
  public void goAway() {
    if (failure != null || localGoAway) {
      return;
    }
    localGoAway = true;
    // spec.md "Session termination": code 0, normal termination.
    queueControl(TYPE_GO_AWAY, 0, 0, YamuxFrame.GO_AWAY_NORMAL);
  }

  @Override
  public long ping() {
    if (failure != null) {
      throw new MuxerException(MuxerException.Reason.SESSION_CLOSED, "session failed: " + failure);
    }
    long id = nextPingId;
    nextPingId = nextPingId == MAX_U32 ? 1 : nextPingId + 1;
    outstandingPings.add(id);
    // spec.md "Flag Field": SYN on a ping marks it outbound; the opaque value is echoed back.
    queueControl(TYPE_PING, FLAG_SYN, 0, id);
    return id;
  }

  // ---------------------------------------------------------------- output

  @Override
  public byte[] pollOutbound() {
    return OutboundChunks.poll(outbound, OUTBOUND_COALESCE_LIMIT, this::taken);
  }

  /** A frame left the queue: every frame without a body is a control frame. */
  private void taken(byte[] frame) {
    if (frame.length == HEADER_LENGTH) {
      backlog.taken();
    }
  }

  @Override
  public int unsentControlFrames() {
    return backlog.unsent();
  }

  @Override
  public MuxerEvent pollEvent() {
    return events.poll();
  }

  @Override
  public int openStreamCount() {
    return streams.size();
  }

  @Override
  public boolean isClosed() {
    return failure != null || (localGoAway && remoteGoAway && streams.isEmpty());
  }

  @Override
  public boolean isGoingAway() {
    return localGoAway || remoteGoAway;
  }

  // ---------------------------------------------------------------- helpers

  private void forget(Stream s) {
    s.gone = true;
    if (s.grant > grantWindow) {
      sessionWindowGrowth -= s.grant - grantWindow;
    }
    streams.remove(s.id);
    if (s.outbound && !s.acked) {
      unacked--;
    }
    recentlyClosed.add(s.id);
    events.add(new MuxerEvent.StreamClosed(s.id));
  }

  private void queueControl(int type, int flags, long streamId, long length) {
    outbound.add(YamuxFrame.header(type, flags, streamId, length));
    backlog.queued();
  }

  /**
   * Queues a control frame the remote's frame calls for, unless too many wait unsent already:
   * then the remote, which sends and does not read, is cut off.
   */
  private void queueAnswer(String what, int type, int flags, long streamId, long length) {
    checkBacklog(what);
    queueControl(type, flags, streamId, length);
  }

  private void checkBacklog(String what) {
    String overflow = backlog.overflow(what);
    if (overflow != null) {
      fail(overflow);
    }
  }

  private void fail(String message) {
    failure = message;
    bodyRemaining = 0;
    headerFill = 0;
    frameStream = null;
    // spec.md "Session termination": tell the remote with code 1, protocol error.
    queueControl(TYPE_GO_AWAY, 0, 0, YamuxFrame.GO_AWAY_PROTOCOL_ERROR);
    throw new YamuxException(message);
  }

  /** An insertion-ordered set that forgets its oldest entry beyond {@code capacity}. */
  private static Set<Long> boundedIdSet(int capacity) {
    return Collections.newSetFromMap(
        new LinkedHashMap<>() {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
            return size() > capacity;
          }
        });
  }

  private static String typeName(int type) {
    return type == TYPE_DATA ? "Data" : "WindowUpdate";
  }
}
