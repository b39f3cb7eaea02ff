package dev.vertxp2p.protocols;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.IdentifyMessage.IdentifyException;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.multiformats.MultiformatException;

/**
 * Reads one identify or identify-push stream (libp2p identify spec): varint-length-prefixed
 * {@code Identify} messages until the stream ends, merged into one. Sans-IO: byte chunks go in as
 * they arrive, the merged message (or an {@link IdentifyException}) comes out when the stream
 * ends, so the fuzz target drives it without Vert.x.
 *
 * <p>Bounds, each refused with an {@link IdentifyException} naming it ({@link
 * IdentifyException#limit()}): every length prefix against {@link
 * IdentifyMessage#MAX_MESSAGE_SIZE} before anything is buffered for it; any byte after the
 * {@link IdentifyMessage#MAX_MESSAGES_PER_STREAM}th message; the per-message bounds of {@link
 * IdentifyCodec}; and the merged bounds of {@link IdentifyMessage.Merger}. The first error moves
 * the reader to a terminal failed state that throws it again on every later call.
 *
 * <p>Not thread-safe: one per stream, used on that stream's event loop only.
 */
public final class IdentifyReader {
  private enum State { READING, DONE, FAILED }

  private final LengthPrefixed.Reader frames =
      new LengthPrefixed.Reader(IdentifyMessage.MAX_MESSAGE_SIZE);
  private final IdentifyMessage.Merger merger = new IdentifyMessage.Merger();
  private State state = State.READING;
  private IdentifyException failure;

  /**
   * Takes the next bytes of the stream.
   *
   * @throws IdentifyException if they break the framing, a message or a bound
   * @throws IllegalStateException after {@link #finish()} succeeded
   */
  public void feed(byte[] chunk) {
    checkReading();
    if (chunk.length == 0) {
      return;
    }
    try {
      if (merger.parts() == IdentifyMessage.MAX_MESSAGES_PER_STREAM) {
        throw tooManyMessages();
      }
      frames.feed(chunk);
      byte[] body;
      while ((body = frames.next()) != null) {
        merger.add(IdentifyCodec.decode(body));
        if (merger.parts() == IdentifyMessage.MAX_MESSAGES_PER_STREAM && frames.hasPartial()) {
          throw tooManyMessages();
        }
      }
    } catch (IdentifyException e) {
      throw fail(e);
    } catch (ProtocolException | MultiformatException e) {
      // The framing's own errors: an oversize length prefix, a varint that is too long.
      throw fail(new IdentifyException("expected a varint-length-prefixed identify message, got: "
          + e.getMessage()));
    }
  }

  private static IdentifyException tooManyMessages() {
    return IdentifyException.limit("maxMessagesPerStream", "expected the stream to end after at"
        + " most " + IdentifyMessage.MAX_MESSAGES_PER_STREAM + " messages, got more bytes after"
        + " message " + IdentifyMessage.MAX_MESSAGES_PER_STREAM);
  }

  /**
   * The stream ended: the merged message.
   *
   * @throws IdentifyException if it ended inside a message or without any, or the reader failed
   */
  public IdentifyMessage finish() {
    checkReading();
    if (frames.hasPartial()) {
      throw fail(new IdentifyException("expected the identify stream to end between messages, it"
          + " ended inside one"));
    }
    if (merger.parts() == 0) {
      throw fail(new IdentifyException("expected an identify message, the stream ended without"
          + " one"));
    }
    state = State.DONE;
    return merger.result();
  }

  /** Whether an error ended the reading (what comes after it is to be discarded). */
  public boolean isFailed() {
    return state == State.FAILED;
  }

  /** Messages read so far. */
  public int messages() {
    return merger.parts();
  }

  private void checkReading() {
    if (state == State.FAILED) {
      throw failure;
    }
    if (state == State.DONE) {
      throw new IllegalStateException("the identify stream was already read to its end");
    }
  }

  private IdentifyException fail(IdentifyException e) {
    state = State.FAILED;
    failure = e;
    return e;
  }
}
