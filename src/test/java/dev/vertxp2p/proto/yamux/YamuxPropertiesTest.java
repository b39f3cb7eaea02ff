package dev.vertxp2p.proto.yamux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.proto.mux.MuxerEvent;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class YamuxPropertiesTest {

  @Property
  void headerRoundTrips(
      @ForAll @IntRange(min = 0, max = 255) int type,
      @ForAll @IntRange(min = 0, max = 0xFFFF) int flags,
      @ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long streamId,
      @ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long length) {
    byte[] b = YamuxFrame.header(type, flags, streamId, length);
    assertEquals(12, b.length);
    assertEquals(0, b[0]);
    assertEquals(new YamuxFrame.Header(0, type, flags, streamId, length), YamuxFrame.parseHeader(b, 0));
  }

  /** Whatever the chunking on the wire, several streams deliver exactly what was written. */
  @Property(tries = 40)
  void streamsDeliverTheirBytesUnderRandomChunking(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int streamCount) {
    Random r = new Random(seed);
    Wire w = new Wire(seed);
    long[] ids = new long[streamCount];
    byte[][] payloads = new byte[streamCount][];
    for (int i = 0; i < streamCount; i++) {
      ids[i] = (i % 2 == 0) ? w.client.openStream() : w.server.openStream();
      payloads[i] = new byte[r.nextInt(600_000)];
      r.nextBytes(payloads[i]);
    }
    int[] sent = new int[streamCount];
    java.io.ByteArrayOutputStream[] got = new java.io.ByteArrayOutputStream[streamCount];
    for (int i = 0; i < streamCount; i++) {
      got[i] = new java.io.ByteArrayOutputStream();
    }
    for (int round = 0; round < 10_000; round++) {
      boolean pending = false;
      for (int i = 0; i < streamCount; i++) {
        YamuxEngine writer = (i % 2 == 0) ? w.client : w.server;
        if (sent[i] < payloads[i].length) {
          int want = Math.min(payloads[i].length - sent[i], 1 + r.nextInt(100_000));
          sent[i] += writer.write(ids[i], payloads[i], sent[i], want);
          if (sent[i] == payloads[i].length) {
            writer.closeWrite(ids[i]);
          }
          pending = true;
        } else if (payloads[i].length == 0) {
          writer.closeWrite(ids[i]);
        }
      }
      w.pump();
      for (int i = 0; i < streamCount; i++) {
        YamuxEngine reader = (i % 2 == 0) ? w.server : w.client;
        List<MuxerEvent> events = (i % 2 == 0) ? w.serverEvents : w.clientEvents;
        got[i].writeBytes(Wire.takeData(reader, events, ids[i]));
      }
      w.pump();
      if (!pending) {
        break;
      }
    }
    for (int i = 0; i < streamCount; i++) {
      assertArrayEquals(payloads[i], got[i].toByteArray(), "stream " + ids[i]);
      List<MuxerEvent> readerEvents = (i % 2 == 0) ? w.serverEvents : w.clientEvents;
      assertTrue(readerEvents.contains(new MuxerEvent.StreamRemoteClosed(ids[i])));
    }
  }

  /** Random garbage never escapes as anything but a YamuxException, and then the engine is failed. */
  @Property(tries = 300)
  void garbageFailsCleanly(@ForAll byte[] garbage, @ForAll boolean initiator) {
    YamuxEngine e = new YamuxEngine(initiator);
    try {
      e.receive(garbage, 0, garbage.length);
    } catch (YamuxException ex) {
      assertTrue(e.isClosed());
    }
  }
}
