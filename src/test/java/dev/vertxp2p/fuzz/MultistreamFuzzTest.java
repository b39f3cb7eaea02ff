package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.proto.multistream.Multistream;
import dev.vertxp2p.proto.multistream.MultistreamException;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.multistream.MultistreamNegotiator;
import dev.vertxp2p.proto.multistream.MultistreamResponder;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * multistream-select in both roles, fed what a remote might send: raw bytes, and (structured)
 * well-framed lines after a valid header so the fuzzer reaches proposal handling. Only {@link
 * MultistreamException} may escape; a failed negotiator keeps failing; bytes pipelined after the
 * final message end up in {@link MultistreamNegotiator#leftover()}.
 */
class MultistreamFuzzTest {
  static final List<String> SUPPORTED = List.of("/noise", "/yamux/1.0.0", "/mplex/6.7.0");
  static final List<String> PROPOSED = List.of("/yamux/1.0.0", "/mplex/6.7.0");
  static final String[] LINES = {
    Multistream.PROTOCOL_ID, Multistream.NA, Multistream.LS, "/noise", "/yamux/1.0.0",
    "/mplex/6.7.0", "/ipfs/ping/1.0.0", "", "na\n"
  };

  @FuzzTest(maxDuration = "60s")
  void responder(FuzzedDataProvider data) {
    run(new MultistreamResponder(SUPPORTED), data);
  }

  @FuzzTest(maxDuration = "60s")
  void initiator(FuzzedDataProvider data) {
    run(new MultistreamInitiator(PROPOSED), data);
  }

  /** A valid header, then well-framed lines from a pool or the fuzzer, then trailing bytes. */
  @FuzzTest(maxDuration = "60s")
  void structured(FuzzedDataProvider data) {
    boolean initiator = data.consumeBoolean();
    MultistreamNegotiator n =
        initiator ? new MultistreamInitiator(PROPOSED) : new MultistreamResponder(SUPPORTED);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.writeBytes(Multistream.encodeMessage(Multistream.PROTOCOL_ID));
    int lines = data.consumeInt(0, 80);
    for (int i = 0; i < lines; i++) {
      String line =
          data.consumeBoolean() ? data.pickValue(LINES) : data.consumeString(data.consumeInt(0, 40));
      wire.writeBytes(Multistream.encodeMessage(line));
    }
    wire.writeBytes(data.consumeBytes(64));
    feed(n, wire.toByteArray(), data);
  }

  private static void run(MultistreamNegotiator n, FuzzedDataProvider data) {
    feed(n, data.consumeBytes(4096), data);
  }

  /** Feeds {@code wire} in chunks whose sizes the fuzzer picks, draining output as a socket would. */
  private static void feed(MultistreamNegotiator n, byte[] wire, FuzzedDataProvider data) {
    int pos = 0;
    while (pos < wire.length && !n.isDone()) {
      int len = Math.min(wire.length - pos, data.consumeInt(1, 300));
      try {
        n.receive(wire, pos, len);
      } catch (MultistreamException e) {
        assertTrue(n.isFailed(), "a negotiator that threw must report failure");
        byte[] more = {1};
        assertThrows(MultistreamException.class, () -> n.receive(more, 0, 1));
        return;
      }
      while (n.pollOutbound() != null) {
        // drained: the remote would read it
      }
      if (n.isDone()) {
        assertTrue(n.selected() != null);
        byte[] leftover = n.leftover();
        // Whatever followed the final message in this chunk belongs to the selected protocol.
        assertTrue(leftover.length <= len);
        assertArrayEquals(
            Arrays.copyOfRange(wire, pos + len - leftover.length, pos + len), leftover);
      }
      pos += len;
    }
  }
}
