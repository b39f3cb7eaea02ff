package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.proto.mux.MuxerException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Drives a {@link MuxerEngine} the way the transport does: remote bytes in (chunked as the fuzzer
 * likes), local calls in between, events and outbound bytes drained after every step, data handed
 * back with {@link MuxerEngine#consumed}. Only a ProtocolException may come out of {@link
 * MuxerEngine#receive} and only a {@link MuxerException} out of a local call; after a
 * ProtocolException the engine is closed and keeps refusing input.
 *
 * <p>After every step (each chunk of remote bytes, each local call) the driver holds the engine
 * to its {@link Bounds}: what it handed out on a stream and the application has not consumed yet
 * (what the transport must buffer) never exceeds the per-stream bound, nor, with flow control, the
 * window the engine granted that stream; no more streams are open than allowed; and the total is
 * bounded by the two together. The {@link WireCheck} reads every outbound byte and, once the queue
 * is empty, checks the engine's output against what the driver did.
 */
final class MuxerDriver {
  /**
   * The engine's limits as configured: at most {@code perStream} bytes delivered and not consumed
   * on one stream (Yamux: the largest receive window; mplex: the per-stream buffer limit), at most
   * {@code maxStreams} streams open.
   */
  record Bounds(long perStream, int maxStreams) {}

  /** Checks what the engine writes. */
  interface WireCheck {
    /** One chunk from {@link MuxerEngine#pollOutbound}, in order. */
    void accept(byte[] chunk);

    /** The outbound queue is empty: everything queued so far went through {@link #accept}. */
    default void drained(MuxerDriver driver) {}
  }

  private final MuxerEngine engine;
  private final FuzzedDataProvider data;
  private final WireCheck outboundCheck;
  private final Bounds bounds;
  /** Streams the engine told us about, with bytes delivered but not yet reported consumed. */
  private final Map<Long, Integer> unconsumed = new HashMap<>();
  /** Bytes delivered per stream id over the session, never reset. */
  private final Map<Long, Long> delivered = new HashMap<>();
  /** Bytes reported consumed per stream id over the session, never reset. */
  private final Map<Long, Long> consumed = new HashMap<>();
  /** Bytes the engine accepted from local writes per stream id over the session, never reset. */
  private final Map<Long, Long> written = new HashMap<>();
  private final List<Long> known = new ArrayList<>();
  private boolean failed;

  MuxerDriver(MuxerEngine engine, FuzzedDataProvider data, WireCheck outboundCheck,
      Bounds bounds) {
    this.engine = engine;
    this.data = data;
    this.outboundCheck = outboundCheck;
    this.bounds = bounds;
    drain();
  }

  /** Bytes the engine delivered on {@code streamId} over the session. */
  long delivered(long streamId) {
    return delivered.getOrDefault(streamId, 0L);
  }

  /** Bytes reported consumed on {@code streamId} over the session. */
  long consumed(long streamId) {
    return consumed.getOrDefault(streamId, 0L);
  }

  /** Bytes the engine accepted from local writes on {@code streamId} over the session. */
  long written(long streamId) {
    return written.getOrDefault(streamId, 0L);
  }

  /** Stream ids something was delivered on. */
  Set<Long> deliveredStreams() {
    return delivered.keySet();
  }

  /** Stream ids local writes were accepted on. */
  Set<Long> writtenStreams() {
    return written.keySet();
  }

  boolean failed() {
    return failed;
  }

  /** Stream ids the engine handed out or announced, for frames and local calls to target. */
  List<Long> knownStreams() {
    return known;
  }

  /** Feeds remote bytes in fuzzer-sized chunks; returns false once the engine failed. */
  boolean receive(byte[] wire) {
    int pos = 0;
    while (pos < wire.length && !failed) {
      int len = Math.min(wire.length - pos, data.consumeInt(1, 1 << 17));
      try {
        engine.receive(wire, pos, len);
      } catch (ProtocolException e) {
        failed = true;
        assertTrue(engine.isClosed(), "a muxer that threw " + e + " must be closed");
        drain();
        assertThrows(ProtocolException.class, () -> engine.receive(new byte[1], 0, 1),
            "a failed muxer must keep refusing input");
        return false;
      }
      pos += len;
      drain();
      if (data.consumeBoolean()) {
        local();
      }
    }
    return !failed;
  }

  /** One local call picked by the fuzzer; misuse may be refused with MuxerException only. */
  void local() {
    Long id = known.isEmpty() ? Long.valueOf(data.consumeLong()) : data.pickValue(known);
    try {
      switch (data.consumeInt(0, 7)) {
        case 0 -> known.add(engine.openStream());
        case 1 -> {
          byte[] payload = data.consumeBytes(data.consumeInt(0, 300_000));
          int accepted = engine.write(id, payload, 0, payload.length);
          assertTrue(accepted >= 0 && accepted <= payload.length, "write accepted " + accepted);
          written.merge(id, (long) accepted, Long::sum);
        }
        case 2 -> engine.closeWrite(id);
        case 3 -> {
          engine.reset(id);
          // the application dropped what it held of the stream; mplex tells it nothing more
          unconsumed.remove(id);
        }
        case 4 -> engine.goAway();
        case 5 -> engine.ping();
        case 6 -> {
          Integer pending = unconsumed.get(id);
          if (pending != null && pending > 0) {
            int n = data.consumeInt(1, pending);
            engine.consumed(id, n);
            unconsumed.put(id, pending - n);
            consumed.merge(id, (long) n, Long::sum);
          }
        }
        default -> engine.openStreamCount();
      }
    } catch (MuxerException refused) {
      // documented refusal of a local call (unknown stream, closed, going away, limits)
    }
    drain();
  }

  /** Empties the outbound queue and the event queue, returning delivered data at once or later. */
  void drain() {
    for (byte[] out; (out = engine.pollOutbound()) != null; ) {
      outboundCheck.accept(out);
    }
    for (MuxerEvent e; (e = engine.pollEvent()) != null; ) {
      if (e instanceof MuxerEvent.StreamOpened o) {
        known.add(o.streamId());
      } else if (e instanceof MuxerEvent.StreamData d) {
        unconsumed.merge(d.streamId(), d.length(), Integer::sum);
        delivered.merge(d.streamId(), (long) d.length(), Long::sum);
      } else if (e instanceof MuxerEvent.StreamClosed c) {
        unconsumed.remove(c.streamId());
      } else if (e instanceof MuxerEvent.StreamReset r) {
        unconsumed.remove(r.streamId());
      }
    }
    // A reader that keeps up: hand back what was delivered, as the transport does.
    if (!failed && data.consumeBoolean()) {
      for (Map.Entry<Long, Integer> u : new ArrayList<>(unconsumed.entrySet())) {
        if (u.getValue() > 0) {
          try {
            engine.consumed(u.getKey(), u.getValue());
          } catch (MuxerException gone) {
            // stream already forgotten
          }
          consumed.merge(u.getKey(), (long) u.getValue(), Long::sum);
          unconsumed.put(u.getKey(), 0);
        }
      }
      for (byte[] out; (out = engine.pollOutbound()) != null; ) {
        outboundCheck.accept(out);
      }
    }
    checkBounds();
    outboundCheck.drained(this);
  }

  /** What the transport would buffer for the engine's streams stays within the bounds. */
  private void checkBounds() {
    long total = 0;
    int holding = 0;
    for (Map.Entry<Long, Integer> u : unconsumed.entrySet()) {
      long id = u.getKey();
      long held = u.getValue();
      assertTrue(held >= 0, "stream " + id + " holds " + held + " bytes");
      assertTrue(held <= bounds.perStream(), "stream " + id + " holds " + held
          + " bytes delivered and not consumed, over the per-stream bound " + bounds.perStream());
      if (held > 0 && !failed && engine.hasFlowControl()) {
        long window = engine.receiveWindow(id);
        assertTrue(window >= 0, "stream " + id + " holds " + held
            + " bytes, yet the engine forgot it without a StreamClosed or StreamReset");
        assertTrue(held <= window, "stream " + id + " holds " + held
            + " bytes delivered and not consumed, over the window of " + window + " it granted");
      }
      if (held > 0) {
        holding++;
      }
      total += held;
    }
    if (engine.hasFlowControl()) {
      for (long id : known) {
        assertTrue(engine.receiveWindow(id) <= bounds.perStream(), "stream " + id
            + " was granted a window of " + engine.receiveWindow(id) + ", over "
            + bounds.perStream());
      }
    }
    int open = engine.openStreamCount();
    assertTrue(open <= bounds.maxStreams(), open + " streams open, over " + bounds.maxStreams());
    assertTrue(holding <= bounds.maxStreams(),
        holding + " streams hold data, over " + bounds.maxStreams());
    assertTrue(total <= (long) bounds.maxStreams() * bounds.perStream(),
        total + " bytes held over all streams, over " + bounds.maxStreams() + " x "
            + bounds.perStream());
  }

  /** Runs a script of remote frames and local calls built by {@code frame} until input ends. */
  void script(Function<MuxerDriver, byte[]> frame, int maxSteps) {
    int steps = data.consumeInt(1, maxSteps);
    for (int i = 0; i < steps && !failed && data.remainingBytes() > 0; i++) {
      if (data.consumeBoolean()) {
        local();
      } else {
        receive(frame.apply(this));
      }
    }
  }

  FuzzedDataProvider data() {
    return data;
  }
}
