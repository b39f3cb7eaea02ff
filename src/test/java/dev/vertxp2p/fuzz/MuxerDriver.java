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
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Drives a {@link MuxerEngine} the way the transport does: remote bytes in (chunked as the fuzzer
 * likes), local calls in between, events and outbound bytes drained after every step, data handed
 * back with {@link MuxerEngine#consumed}. Only a ProtocolException may come out of {@link
 * MuxerEngine#receive} and only a {@link MuxerException} out of a local call; after a
 * ProtocolException the engine is closed and keeps refusing input.
 */
final class MuxerDriver {
  private final MuxerEngine engine;
  private final FuzzedDataProvider data;
  private final Consumer<byte[]> outboundCheck;
  /** Streams the engine told us about, with bytes delivered but not yet reported consumed. */
  private final Map<Long, Integer> unconsumed = new HashMap<>();
  private final List<Long> known = new ArrayList<>();
  private boolean failed;

  MuxerDriver(MuxerEngine engine, FuzzedDataProvider data, Consumer<byte[]> outboundCheck) {
    this.engine = engine;
    this.data = data;
    this.outboundCheck = outboundCheck;
    drain();
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
        }
        case 2 -> engine.closeWrite(id);
        case 3 -> engine.reset(id);
        case 4 -> engine.goAway();
        case 5 -> engine.ping();
        case 6 -> {
          Integer pending = unconsumed.get(id);
          if (pending != null && pending > 0) {
            int n = data.consumeInt(1, pending);
            engine.consumed(id, n);
            unconsumed.put(id, pending - n);
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
        unconsumed.merge(d.streamId(), d.data().length, Integer::sum);
      } else if (e instanceof MuxerEvent.StreamClosed c) {
        unconsumed.remove(c.streamId());
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
          unconsumed.put(u.getKey(), 0);
        }
      }
      for (byte[] out; (out = engine.pollOutbound()) != null; ) {
        outboundCheck.accept(out);
      }
    }
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
