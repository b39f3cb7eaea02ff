package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.proto.yamux.YamuxConfig;
import dev.vertxp2p.proto.yamux.YamuxEngine;
import dev.vertxp2p.proto.yamux.YamuxFrame;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * The Yamux engine fed a hostile remote: raw bytes, and (structured) sequences of well-formed
 * 12-byte headers with fuzzer-chosen type, flags, stream ids and lengths so that the fuzzer gets
 * past the header checks into stream and window handling. Local calls are interleaved. Everything
 * the engine writes must itself be well-formed Yamux, and flow control must hold: what the
 * application has not consumed stays within the window the engine granted (checked by {@link
 * MuxerDriver} after every step), and what was delivered on a stream never exceeds the window
 * announced on the wire (the spec's initial 256 KiB plus every WindowUpdate the engine sent).
 */
class YamuxFuzzTest {
  private static final int[] FLAG_SETS = {
    0, YamuxFrame.FLAG_SYN, YamuxFrame.FLAG_ACK, YamuxFrame.FLAG_FIN, YamuxFrame.FLAG_RST,
    YamuxFrame.FLAG_SYN | YamuxFrame.FLAG_FIN, YamuxFrame.FLAG_ACK | YamuxFrame.FLAG_FIN,
    YamuxFrame.FLAG_SYN | YamuxFrame.FLAG_RST, YamuxFrame.FLAG_SYN | YamuxFrame.FLAG_ACK
  };

  @FuzzTest(maxDuration = "60s")
  void raw(FuzzedDataProvider data) {
    boolean initiator = data.consumeBoolean();
    YamuxConfig config = config(data);
    YamuxEngine engine = new YamuxEngine(initiator, config);
    MuxerDriver driver = new MuxerDriver(engine, data, new OutboundChecker(config), bounds(config));
    driver.receive(data.consumeBytes(1 << 18));
  }

  @FuzzTest(maxDuration = "60s")
  void structured(FuzzedDataProvider data) {
    boolean initiator = data.consumeBoolean();
    YamuxConfig config = config(data);
    YamuxEngine engine = new YamuxEngine(initiator, config);
    MuxerDriver driver = new MuxerDriver(engine, data, new OutboundChecker(config), bounds(config));
    driver.script(YamuxFuzzTest::frame, 200);
  }

  /** No stream may hold more than the largest window the engine may grant. */
  static MuxerDriver.Bounds bounds(YamuxConfig config) {
    return new MuxerDriver.Bounds(config.maxReceiveWindow(), config.maxStreams());
  }

  private static YamuxConfig config(FuzzedDataProvider data) {
    YamuxConfig c = new YamuxConfig();
    if (data.consumeBoolean()) {
      // small limits make stream-limit, backlog and window paths reachable in a short input
      c.maxStreams(data.consumeInt(1, 8)).ackBacklog(data.consumeInt(1, 8));
    }
    return c;
  }

  /** One remote frame: header and, for Data, a body whose length the fuzzer may also misstate. */
  static byte[] frame(MuxerDriver d) {
    FuzzedDataProvider data = d.data();
    int type = data.consumeInt(0, 9) < 9 ? data.consumeInt(0, 3) : data.consumeInt(0, 255);
    int flags = data.consumeBoolean() ? data.pickValue(FLAG_SETS) : data.consumeInt(0, 0xFFFF);
    long streamId;
    int pick = data.consumeInt(0, 3);
    if (pick == 0 && !d.knownStreams().isEmpty()) {
      streamId = data.pickValue(d.knownStreams());
    } else if (pick == 3) {
      streamId = data.consumeLong(0, YamuxFrame.MAX_U32);
    } else {
      streamId = data.consumeInt(0, 12);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (type == YamuxFrame.TYPE_DATA) {
      byte[] body = data.consumeBytes(data.consumeInt(0, 300_000));
      long length = data.consumeInt(0, 15) == 0 ? data.consumeLong(0, YamuxFrame.MAX_U32) : body.length;
      out.writeBytes(YamuxFrame.header(type, flags, streamId, length));
      out.writeBytes(body);
    } else {
      out.writeBytes(YamuxFrame.header(type, flags, streamId, data.consumeLong(0, YamuxFrame.MAX_U32)));
    }
    byte[] frame = out.toByteArray();
    if (data.consumeInt(0, 31) == 0) {
      frame[0] = (byte) data.consumeInt(1, 255); // a bad version now and then
    }
    return frame;
  }

  /**
   * Parses what the engine writes across chunk boundaries, checks every header, and adds up the
   * receive window each stream was announced.
   */
  static final class OutboundChecker implements MuxerDriver.WireCheck {
    private final byte[] header = new byte[YamuxFrame.HEADER_LENGTH];
    private int headerFill;
    private long bodyLeft;
    /** Per stream: window credit sent in WindowUpdate frames (SYN and ACK ones included). */
    private final Map<Long, Long> credit = new HashMap<>();
    private final long maxReceiveWindow;

    OutboundChecker(YamuxConfig config) {
      this.maxReceiveWindow = config.maxReceiveWindow();
    }

    /**
     * What the remote may have sent on the stream so far: spec.md "Flow Control" starts every
     * stream at 256 KiB; each WindowUpdate adds its length.
     */
    long announced(long streamId) {
      return YamuxConfig.SPEC_INITIAL_WINDOW + credit.getOrDefault(streamId, 0L);
    }

    @Override
    public void drained(MuxerDriver driver) {
      for (long id : driver.deliveredStreams()) {
        assertTrue(driver.delivered(id) <= announced(id), "stream " + id + " delivered "
            + driver.delivered(id) + " bytes, over the " + announced(id) + " announced");
      }
      for (long id : credit.keySet()) {
        // The window outstanding (announced, not yet consumed) stays within the configured max.
        assertTrue(announced(id) - driver.consumed(id) <= maxReceiveWindow, "stream " + id
            + " was announced " + announced(id) + " bytes with " + driver.consumed(id)
            + " consumed: more outstanding than " + maxReceiveWindow);
      }
    }

    @Override
    public void accept(byte[] chunk) {
      int pos = 0;
      while (pos < chunk.length) {
        if (bodyLeft > 0) {
          int n = (int) Math.min(bodyLeft, chunk.length - pos);
          pos += n;
          bodyLeft -= n;
          continue;
        }
        int n = Math.min(header.length - headerFill, chunk.length - pos);
        System.arraycopy(chunk, pos, header, headerFill, n);
        headerFill += n;
        pos += n;
        if (headerFill == header.length) {
          headerFill = 0;
          YamuxFrame.Header h = YamuxFrame.parseHeader(header, 0);
          assertEquals(0, h.version(), "we must send version 0");
          assertTrue(h.type() <= YamuxFrame.TYPE_GO_AWAY, "we sent frame type " + h.type());
          assertTrue(h.flags() <= 0xF, "we sent undefined flags " + h.flags());
          if (h.type() == YamuxFrame.TYPE_PING || h.type() == YamuxFrame.TYPE_GO_AWAY) {
            assertEquals(0, h.streamId(), "session frames go on stream 0");
          } else {
            assertTrue(h.streamId() != 0, "stream frames need a stream id");
          }
          if (h.type() == YamuxFrame.TYPE_DATA) {
            bodyLeft = h.length();
          } else if (h.type() == YamuxFrame.TYPE_WINDOW_UPDATE
              && (h.flags() & YamuxFrame.FLAG_RST) == 0) {
            credit.merge(h.streamId(), h.length(), Long::sum);
          }
        }
      }
    }
  }
}
