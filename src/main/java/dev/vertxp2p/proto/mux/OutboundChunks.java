package dev.vertxp2p.proto.mux;

import java.util.Queue;
import java.util.function.Consumer;

/**
 * How a muxer hands its queued frames to the transport: the head chunk, joined with the chunks
 * behind it as long as the total stays within a limit, so the transport writes (and encrypts)
 * fewer, larger pieces. A chunk already at the limit goes out alone, uncopied.
 */
public final class OutboundChunks {
  private OutboundChunks() {}

  /** The next chunk to write from {@code queue}, or null when it is empty. */
  public static byte[] poll(Queue<byte[]> queue, int limit) {
    return poll(queue, limit, null);
  }

  /**
   * As {@link #poll(Queue, int)}, telling {@code taken} of each queued frame the chunk holds, in
   * order (an engine counts the control frames leaving its queue this way).
   */
  public static byte[] poll(Queue<byte[]> queue, int limit, Consumer<byte[]> taken) {
    byte[] first = queue.poll();
    if (first == null) {
      return null;
    }
    int total = first.length;
    int count = 0;
    for (byte[] b : queue) {
      if (total + b.length > limit) {
        break;
      }
      total += b.length;
      count++;
    }
    if (taken != null) {
      taken.accept(first);
    }
    if (count == 0) {
      return first;
    }
    byte[] joined = new byte[total];
    System.arraycopy(first, 0, joined, 0, first.length);
    int pos = first.length;
    for (int i = 0; i < count; i++) {
      byte[] b = queue.poll();
      if (taken != null) {
        taken.accept(b);
      }
      System.arraycopy(b, 0, joined, pos, b.length);
      pos += b.length;
    }
    return joined;
  }
}
