package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.proto.mplex.MplexConfig;
import dev.vertxp2p.proto.mplex.MplexEngine;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The mplex engine fed a hostile remote: raw bytes, and (structured) frames with minimal varint
 * headers whose flag, stream id and length the fuzzer picks, so that it reaches stream handling.
 * Local calls are interleaved. What the application has not consumed stays within the per-stream
 * buffer limit ({@link MuxerDriver} checks it after every step), and what the engine writes is
 * read back by a frame reader of the test's own: well-formed frames within the message size,
 * in chunks of bounded size, carrying exactly the bytes the application wrote on each stream.
 */
class MplexFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void raw(FuzzedDataProvider data) {
    boolean initiator = data.consumeBoolean();
    MplexConfig config = config(data);
    MplexEngine engine = new MplexEngine(initiator, config);
    MuxerDriver driver = new MuxerDriver(engine, data, new OutboundChecker(config), bounds(config));
    driver.receive(data.consumeBytes(1 << 18));
  }

  @FuzzTest(maxDuration = "60s")
  void structured(FuzzedDataProvider data) {
    boolean initiator = data.consumeBoolean();
    MplexConfig config = config(data);
    MplexEngine engine = new MplexEngine(initiator, config);
    MuxerDriver driver = new MuxerDriver(engine, data, new OutboundChecker(config), bounds(config));
    driver.script(MplexFuzzTest::frame, 200);
  }

  /** mplex has no window: the per-stream buffer limit is the bound. */
  static MuxerDriver.Bounds bounds(MplexConfig config) {
    return new MuxerDriver.Bounds(config.maxBufferedPerStream(), config.maxStreams());
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

  /**
   * Reads what the engine writes, across chunk boundaries, with a frame reader of its own (mplex
   * spec: varint header {@code id << 3 | flag}, varint length, body) and checks every frame.
   */
  static final class OutboundChecker implements MuxerDriver.WireCheck {
    /** The engine joins small frames into chunks up to 64 KiB; a larger frame goes alone. */
    private static final int JOIN_LIMIT = 64 * 1024;
    /** The unsigned-varint spec allows at most 9 bytes. */
    private static final int MAX_VARINT_BYTES = 9;

    private final int maxMessageSize;
    private boolean readingLength;
    private long varint;
    private int varintBytes;
    private long header;
    private long bodyLeft;
    private long bodyHandle;
    /** Wire id our next NewStream must carry: ours count up from 0. */
    private long nextOwnId;
    /** Our streams we sent Close on, and those we sent Reset on (by wire id). */
    private final Set<Long> ownClosed = new HashSet<>();
    private final Set<Long> ownReset = new HashSet<>();
    /** Message body bytes written per engine handle ({@code wireId << 1 | opened by us}). */
    private final Map<Long, Long> sent = new HashMap<>();

    OutboundChecker(MplexConfig config) {
      this.maxMessageSize = config.maxMessageSize();
    }

    @Override
    public void accept(byte[] chunk) {
      assertTrue(chunk.length > 0, "an empty chunk");
      // a joined chunk stays within the join limit; a chunk over it holds one whole frame
      assertTrue(chunk.length <= Math.max(JOIN_LIMIT, maxMessageSize + 2 * MAX_VARINT_BYTES),
          "a chunk of " + chunk.length + " bytes");
      int pos = 0;
      while (pos < chunk.length) {
        if (bodyLeft > 0) {
          int n = (int) Math.min(bodyLeft, chunk.length - pos);
          if (bodyHandle >= 0) {
            sent.merge(bodyHandle, (long) n, Long::sum);
          }
          bodyLeft -= n;
          pos += n;
          continue;
        }
        int b = chunk[pos++] & 0xFF;
        assertTrue(varintBytes < MAX_VARINT_BYTES, "a varint of more than 9 bytes");
        varint |= (long) (b & 0x7F) << (7 * varintBytes);
        varintBytes++;
        if ((b & 0x80) != 0) {
          continue;
        }
        assertTrue(b != 0 || varintBytes == 1, "a varint that is not minimal");
        long value = varint;
        varint = 0;
        varintBytes = 0;
        if (!readingLength) {
          header = value;
          readingLength = true;
        } else {
          readingLength = false;
          frame(header, value);
        }
      }
    }

    private void frame(long header, long length) {
      int flag = (int) (header & 7);
      long wireId = header >>> 3;
      assertTrue(flag <= 6, "flag " + flag);
      assertTrue(length <= maxMessageSize,
          "a body of " + length + " bytes, over the message size " + maxMessageSize);
      // even flags name streams we opened, odd ones streams the remote opened
      boolean own = (flag & 1) == 0;
      bodyHandle = -1;
      if (flag == 0) {
        assertEquals(nextOwnId, wireId, "our NewStream ids count up from 0");
        nextOwnId++;
      } else if (own) {
        assertTrue(wireId < nextOwnId, "flag " + flag + " for stream " + wireId
            + " that we never opened");
        assertTrue(!ownReset.contains(wireId), "flag " + flag + " after our Reset of " + wireId);
      }
      if (flag == 1 || flag == 2) {
        assertTrue(!own || !ownClosed.contains(wireId), "a Message after our Close of " + wireId);
        bodyHandle = (wireId << 1) | (own ? 1 : 0);
        sent.merge(bodyHandle, 0L, Long::sum);
      } else if (flag >= 3) {
        assertEquals(0, length, "Close and Reset carry no body");
        if (flag == 4) {
          assertTrue(ownClosed.add(wireId), "a second Close of our stream " + wireId);
        } else if (flag == 6) {
          ownReset.add(wireId);
        }
      }
      bodyLeft = length;
    }

    @Override
    public void drained(MuxerDriver driver) {
      assertTrue(!readingLength && varintBytes == 0 && bodyLeft == 0,
          "the outbound queue ran dry in the middle of a frame");
      Set<Long> handles = new HashSet<>(sent.keySet());
      handles.addAll(driver.writtenStreams());
      for (long h : handles) {
        assertEquals(driver.written(h), sent.getOrDefault(h, 0L),
            "bytes sent on stream " + h + " against bytes the application wrote");
      }
    }
  }
}
