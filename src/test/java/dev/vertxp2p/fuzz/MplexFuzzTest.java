package dev.vertxp2p.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.proto.mplex.MplexConfig;
import dev.vertxp2p.proto.mplex.MplexEngine;
import java.io.ByteArrayOutputStream;

/**
 * The mplex engine fed a hostile remote: raw bytes, and (structured) frames with minimal varint
 * headers whose flag, stream id and length the fuzzer picks, so that it reaches stream handling.
 * Local calls are interleaved.
 */
class MplexFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void raw(FuzzedDataProvider data) {
    MplexEngine engine = new MplexEngine(data.consumeBoolean(), config(data));
    MuxerDriver driver = new MuxerDriver(engine, data, out -> { });
    driver.receive(data.consumeBytes(1 << 18));
  }

  @FuzzTest(maxDuration = "60s")
  void structured(FuzzedDataProvider data) {
    MplexEngine engine = new MplexEngine(data.consumeBoolean(), config(data));
    MuxerDriver driver = new MuxerDriver(engine, data, out -> { });
    driver.script(MplexFuzzTest::frame, 200);
  }

  private static MplexConfig config(FuzzedDataProvider data) {
    MplexConfig c = new MplexConfig();
    if (data.consumeBoolean()) {
      // small limits make the stream limit and the per-stream buffer bound reachable
      c.maxMessageSize(data.consumeInt(1, 4096))
          .maxStreams(data.consumeInt(1, 8))
          .maxBufferedPerStream(data.consumeInt(4096, 65536));
    }
    return c;
  }

  /** One remote frame: varint(id << 3 | flag), varint(length), body. */
  static byte[] frame(MuxerDriver d) {
    FuzzedDataProvider data = d.data();
    long id;
    if (data.consumeBoolean() && !d.knownStreams().isEmpty()) {
      id = data.pickValue(d.knownStreams()) >>> 1; // engine handles are wire id << 1 | local
    } else {
      id = data.consumeBoolean() ? data.consumeLong(0, 12) : data.consumeLong(0, Long.MAX_VALUE >>> 3);
    }
    int flag = data.consumeInt(0, 15) == 0 ? 7 : data.consumeInt(0, 6);
    byte[] body = data.consumeBytes(data.consumeInt(0, 1 << 17));
    long length = data.consumeInt(0, 15) == 0 ? data.consumeLong(0, Long.MAX_VALUE >>> 8) : body.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    writeVarint(out, (id << 3) | flag);
    writeVarint(out, length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }
}
