package dev.vertxp2p.proto.multistream;

import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.multiformats.VarintDecoder;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;

/**
 * One side of a multistream-select 1.0.0 negotiation as a sans-IO state machine.
 *
 * <p>The transport feeds bytes read from the channel to {@link #receive}, writes whatever {@link
 * #pollOutbound} returns, and once {@link #isDone()} switches the channel to {@link #selected()},
 * handing it {@link #leftover()} first: the remote may pipeline protocol data right behind its
 * last negotiation message, and those bytes belong to the selected protocol.
 *
 * <p>A remote fault throws a {@link MultistreamException} from {@link #receive} and leaves the
 * negotiator failed: every later {@link #receive} throws again.
 */
public abstract sealed class MultistreamNegotiator
    permits MultistreamInitiator, MultistreamResponder {

  private final ArrayDeque<byte[]> outbound = new ArrayDeque<>();

  private boolean headerReceived;
  private boolean done;
  private String selected;
  private byte[] leftover = new byte[0];
  private MultistreamException failure;

  // Incremental parser: the length prefix is decoded byte by byte, then the body is collected.
  private final VarintDecoder prefix = new VarintDecoder();
  private byte[] body;
  private int bodyFill;

  MultistreamNegotiator() {}

  /**
   * Feeds bytes read from the channel. Consumes only what belongs to the negotiation; once it
   * completes, the rest of this chunk is kept in {@link #leftover()}.
   *
   * @throws MultistreamException when the remote broke the protocol (also on every call after)
   * @throws NoProtocolSupportedException when the initiator ran out of protocols to propose
   * @throws IllegalStateException when called after the negotiation completed
   */
  public final void receive(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    if (failure != null) {
      throw new MultistreamException("negotiation already failed: " + failure.getMessage());
    }
    if (done) {
      throw new IllegalStateException("negotiation is done; hand further bytes to " + selected);
    }
    try {
      int pos = off;
      int end = off + len;
      while (pos < end && !done) {
        pos = step(data, pos, end);
      }
      if (done && pos < end) {
        leftover = Arrays.copyOfRange(data, pos, end);
      }
    } catch (MultistreamException e) {
      failure = e;
      throw e;
    }
  }

  /** Consumes part of one message from data[pos, end); returns the new position. */
  private int step(byte[] data, int pos, int end) {
    if (body == null) {
      int status = prefix.offer(data[pos++]);
      // multistream README, Note 1: every message is varint-length-prefixed; refuse an
      // oversize length before buffering anything of the body.
      if (prefix.value() > Multistream.MAX_MESSAGE_SIZE) {
        throw fail(
            "a message of at most " + Multistream.MAX_MESSAGE_SIZE + " bytes",
            "a length prefix of at least " + prefix.value());
      }
      if (status == VarintDecoder.TOO_LONG) {
        throw fail("a length prefix of at most " + UnsignedVarint.MAX_BYTES + " bytes", "a longer one");
      }
      if (status == VarintDecoder.NOT_MINIMAL) {
        throw fail("a minimally encoded length prefix", "a trailing zero byte");
      }
      if (status == VarintDecoder.DONE) {
        int length = (int) prefix.value();
        prefix.reset();
        startBody(length);
      }
      return pos;
    }
    int n = Math.min(end - pos, body.length - bodyFill);
    System.arraycopy(data, pos, body, bodyFill, n);
    bodyFill += n;
    pos += n;
    if (bodyFill == body.length) {
      byte[] message = body;
      body = null;
      onMessageBytes(message);
    }
    return pos;
  }

  private void startBody(int length) {
    // multistream README, Note 2: every message ends in '\n', counted in the length, so a
    // zero length cannot be a message.
    if (length == 0) {
      throw fail("a message ending in '\\n'", "an empty message (length prefix 0)");
    }
    // The header is the first message on both sides (connections spec, Protocol
    // Negotiation); checking its length up front rejects garbage without buffering it.
    int headerLength = Multistream.PROTOCOL_ID.length() + 1;
    if (!headerReceived && length != headerLength) {
      throw fail(
          "the " + Multistream.PROTOCOL_ID + " header (a " + headerLength + "-byte message)",
          "a message of " + length + " bytes");
    }
    body = new byte[length];
    bodyFill = 0;
  }

  private void onMessageBytes(byte[] message) {
    if (message[message.length - 1] != '\n') {
      throw fail("a message ending in '\\n'", "one ending in byte " + (message[message.length - 1] & 0xFF));
    }
    String line;
    try {
      line =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(message, 0, message.length - 1))
              .toString();
    } catch (CharacterCodingException e) {
      throw fail("a UTF-8 line", "malformed UTF-8");
    }
    if (!headerReceived) {
      if (!line.equals(Multistream.PROTOCOL_ID)) {
        throw fail("the header " + Multistream.PROTOCOL_ID, "'" + printable(line) + "'");
      }
      headerReceived = true;
      return;
    }
    onLine(line);
  }

  /** Handles one decoded message after the header, without its trailing newline. */
  abstract void onLine(String line);

  final void queue(byte[] bytes) {
    outbound.add(bytes);
  }

  final void complete(String protocol) {
    done = true;
    selected = protocol;
  }

  final MultistreamException fail(String expected, String got) {
    return new MultistreamException("multistream-select: expected " + expected + ", got " + got);
  }

  static String printable(String s) {
    String t = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    StringBuilder sb = new StringBuilder(t.length());
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      sb.append(c < 0x20 || c == 0x7F ? '?' : c);
    }
    return sb.toString();
  }

  /** Everything queued for the channel as one chunk, or null when nothing is waiting. */
  public final byte[] pollOutbound() {
    if (outbound.isEmpty()) {
      return null;
    }
    if (outbound.size() == 1) {
      return outbound.poll();
    }
    int total = 0;
    for (byte[] b : outbound) {
      total += b.length;
    }
    byte[] out = new byte[total];
    int pos = 0;
    for (byte[] b; (b = outbound.poll()) != null; ) {
      System.arraycopy(b, 0, out, pos, b.length);
      pos += b.length;
    }
    return out;
  }

  /** True once a protocol was agreed on. */
  public final boolean isDone() {
    return done;
  }

  /** True once a remote fault ended the negotiation. */
  public final boolean isFailed() {
    return failure != null;
  }

  /** The agreed protocol, or null while negotiating. */
  public final String selected() {
    return selected;
  }

  /**
   * Bytes the remote sent after its final negotiation message, which belong to the selected
   * protocol; empty when none. The same array on every call: the caller must not modify it.
   */
  public final byte[] leftover() {
    return leftover;
  }

  /** Whether the header from the remote has arrived. */
  final boolean headerReceived() {
    return headerReceived;
  }
}
