package dev.vertxp2p.proto.mplex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.proto.mux.MuxerEvent;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Frames written by hand from the spec decode the same however the bytes are cut. */
class MplexFrameProperties {

  static void varint(ByteArrayOutputStream out, long v) {
    while (v >= 0x80) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }

  static void frame(ByteArrayOutputStream out, long id, int flag, byte[] data) {
    varint(out, id << 3 | flag);
    varint(out, data.length);
    out.writeBytes(data);
  }

  @Property(tries = 300)
  void anyIdAndChunkingDecodes(
      @ForAll @LongRange(min = 0, max = Long.MAX_VALUE >>> 3) long id,
      @ForAll @Size(max = 40) List<@Size(max = 300) byte[]> messages,
      @ForAll long seed) {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    frame(wire, id, MplexEngine.NEW_STREAM, "name".getBytes());
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (byte[] m : messages) {
      frame(wire, id, MplexEngine.MESSAGE_INITIATOR, m);
      expected.writeBytes(m);
    }
    frame(wire, id, MplexEngine.CLOSE_INITIATOR, new byte[0]);
    byte[] bytes = wire.toByteArray();

    MplexEngine e = new MplexEngine(false);
    Random rnd = new Random(seed);
    for (int pos = 0; pos < bytes.length; ) {
      int n = Math.min(bytes.length - pos, 1 + rnd.nextInt(64));
      e.receive(bytes, pos, n);
      pos += n;
    }
    long h = MplexEngine.handle(id, false);
    List<MuxerEvent> events = new ArrayList<>();
    for (MuxerEvent ev; (ev = e.pollEvent()) != null; ) {
      events.add(ev);
    }
    assertEquals(new MuxerEvent.StreamOpened(h, "name"), events.get(0));
    assertEquals(new MuxerEvent.StreamRemoteClosed(h), events.get(events.size() - 1));
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (MuxerEvent ev : events.subList(1, events.size() - 1)) {
      MuxerEvent.StreamData d = (MuxerEvent.StreamData) ev;
      assertEquals(h, d.streamId());
      got.writeBytes(d.data());
    }
    assertArrayEquals(expected.toByteArray(), got.toByteArray());
  }
}
