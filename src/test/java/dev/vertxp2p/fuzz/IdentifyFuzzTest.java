package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.IdentifyMessage.IdentifyException;
import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.protocols.IdentifyCodec;
import dev.vertxp2p.protocols.IdentifyReader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The identify read and merge path ({@link IdentifyReader}) fed a hostile stream, in chunks the
 * fuzzer picks. Only {@link IdentifyException} escapes, a reader that threw keeps throwing the
 * same error, and a merged message respects every bound of {@link IdentifyMessage}.
 *
 * <p>{@code raw} takes arbitrary bytes. {@code structured} frames well-formed messages whose
 * counts and sizes the fuzzer picks around the bounds, and checks the outcome against an oracle
 * of its own: the reader refuses exactly when some bound is broken, and otherwise returns what a
 * plain concatenation of the parts gives.
 */
class IdentifyFuzzTest {

  /** Chunk sizes, read from the back of the input; the rest (the front) is the stream's bytes. */
  private static int[] chunking(FuzzedDataProvider data) {
    int[] sizes = new int[data.consumeInt(0, 16)];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = data.consumeInt(1, 1 << 16);
    }
    return sizes;
  }

  /** Feeds {@code wire} in the given chunk sizes (cycled; none: one chunk), then ends it. */
  private static IdentifyMessage readAll(byte[] wire, int[] sizes) {
    IdentifyReader reader = new IdentifyReader();
    try {
      int pos = 0;
      for (int i = 0; pos < wire.length; i++) {
        int len = sizes.length == 0 ? wire.length : Math.min(sizes[i % sizes.length],
            wire.length - pos);
        reader.feed(Arrays.copyOfRange(wire, pos, pos + len));
        pos += len;
        assertTrue(reader.messages() <= IdentifyMessage.MAX_MESSAGES_PER_STREAM);
      }
      IdentifyMessage m = reader.finish();
      assertThrows(IllegalStateException.class, reader::finish, "a finished reader is done");
      return m;
    } catch (IdentifyException e) {
      assertTrue(reader.isFailed(), "a reader that threw " + e + " must be failed");
      assertSame(e, assertThrows(IdentifyException.class, () -> reader.feed(new byte[] {0})),
          "a failed reader keeps refusing with its error");
      assertSame(e, assertThrows(IdentifyException.class, reader::finish));
      throw e;
    }
  }

  private static void assertWithinBounds(IdentifyMessage m) {
    assertTrue(m.protocols().size() <= IdentifyMessage.MAX_PROTOCOLS, "protocols");
    assertTrue(m.listenAddrs().size() <= IdentifyMessage.MAX_LISTEN_ADDRS, "listen addresses");
    assertTrue(m.contentSize() <= IdentifyMessage.MAX_MERGED_SIZE, "merged size");
    for (String p : m.protocols()) {
      // one wire byte decodes to at most one char, so the char count bounds the wire length
      assertFalse(p.isEmpty(), "empty protocol id");
      assertTrue(p.length() <= IdentifyMessage.MAX_PROTOCOL_LENGTH, "protocol id length");
    }
  }

  @FuzzTest(maxDuration = "60s")
  void raw(FuzzedDataProvider data) {
    int[] sizes = chunking(data);
    byte[] wire = data.consumeRemainingAsBytes();
    IdentifyMessage m;
    try {
      m = readAll(wire, sizes);
    } catch (IdentifyException expected) {
      return;
    }
    assertWithinBounds(m);
  }

  @FuzzTest(maxDuration = "60s")
  void structured(FuzzedDataProvider data) {
    int[] sizes = chunking(data);
    int count = data.consumeInt(0, IdentifyMessage.MAX_MESSAGES_PER_STREAM + 2);
    List<IdentifyMessage> parts = new ArrayList<>();
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    boolean oversize = false;
    for (int i = 0; i < count; i++) {
      IdentifyMessage part = part(data);
      byte[] body = IdentifyCodec.encode(part);
      oversize |= body.length > IdentifyMessage.MAX_MESSAGE_SIZE;
      wire.writeBytes(UnsignedVarint.encode(body.length));
      wire.writeBytes(body);
      parts.add(part);
    }
    boolean refused = count == 0 || count > IdentifyMessage.MAX_MESSAGES_PER_STREAM || oversize
        || breaksABound(parts);
    IdentifyMessage m;
    try {
      m = readAll(wire.toByteArray(), sizes);
    } catch (IdentifyException e) {
      assertTrue(refused, "refused though within every bound: " + e.getMessage());
      return;
    }
    if (refused) {
      fail("accepted though over a bound: " + count + " parts");
    }
    assertWithinBounds(m);
    assertEquals(concatenated(parts), m.protocols());
    List<byte[]> addrs = new ArrayList<>();
    for (IdentifyMessage p : parts) {
      addrs.addAll(p.listenAddrs());
    }
    assertEquals(addrs.size(), m.listenAddrs().size());
    for (int i = 0; i < addrs.size(); i++) {
      assertArrayEquals(addrs.get(i), m.listenAddrs().get(i), "listen address " + i);
    }
    assertEquals(lastSet(parts), m.agentVersion());
  }

  /** One message with fuzzed counts and sizes, reaching past each bound now and then. */
  private static IdentifyMessage part(FuzzedDataProvider data) {
    int protocols = data.consumeBoolean() ? data.consumeInt(0, 4)
        : data.consumeInt(0, IdentifyMessage.MAX_PROTOCOLS + 2);
    List<String> protos = new ArrayList<>();
    for (int i = 0; i < protocols; i++) {
      int len = data.consumeBoolean() ? data.consumeInt(0, 12)
          : data.consumeInt(0, IdentifyMessage.MAX_PROTOCOL_LENGTH + 2);
      // ASCII, so the wire length is the char count and the oracle can measure it
      String s = data.consumeAsciiString(len);
      protos.add(s.length() < len ? s + "x".repeat(len - s.length()) : s);
    }
    int addrCount = data.consumeBoolean() ? data.consumeInt(0, 4)
        : data.consumeInt(0, IdentifyMessage.MAX_LISTEN_ADDRS + 2);
    List<byte[]> addrs = new ArrayList<>();
    for (int i = 0; i < addrCount; i++) {
      addrs.add(new byte[data.consumeBoolean() ? data.consumeInt(0, 8) : data.consumeInt(0, 2000)]);
    }
    String agent = data.consumeBoolean() ? data.consumeAsciiString(data.consumeInt(0, 64)) : null;
    return new IdentifyMessage(null, agent, null, addrs, null, protos, null);
  }

  /**
   * The oracle: whether a part, or the merge of the parts so far after any part, breaks a bound
   * (a field a later part replaces counts only while it is the current one).
   */
  private static boolean breaksABound(List<IdentifyMessage> parts) {
    int protocols = 0;
    int addrs = 0;
    long lists = 0;
    String agent = null;
    for (IdentifyMessage p : parts) {
      if (p.protocols().size() > IdentifyMessage.MAX_PROTOCOLS
          || p.listenAddrs().size() > IdentifyMessage.MAX_LISTEN_ADDRS) {
        return true;
      }
      for (String s : p.protocols()) {
        int len = s.getBytes(StandardCharsets.UTF_8).length;
        if (len == 0 || len > IdentifyMessage.MAX_PROTOCOL_LENGTH) {
          return true;
        }
        lists += s.length();
      }
      for (byte[] a : p.listenAddrs()) {
        lists += a.length;
      }
      protocols += p.protocols().size();
      addrs += p.listenAddrs().size();
      agent = p.agentVersion() != null ? p.agentVersion() : agent;
      long size = lists + (agent == null ? 0 : agent.length());
      if (protocols > IdentifyMessage.MAX_PROTOCOLS || addrs > IdentifyMessage.MAX_LISTEN_ADDRS
          || size > IdentifyMessage.MAX_MERGED_SIZE) {
        return true;
      }
    }
    return false;
  }

  private static List<String> concatenated(List<IdentifyMessage> parts) {
    List<String> out = new ArrayList<>();
    for (IdentifyMessage p : parts) {
      out.addAll(p.protocols());
    }
    return out;
  }

  private static String lastSet(List<IdentifyMessage> parts) {
    String agent = null;
    for (IdentifyMessage p : parts) {
      agent = p.agentVersion() != null ? p.agentVersion() : agent;
    }
    return agent;
  }
}
