package dev.vertxp2p.transport;

import dev.vertxp2p.proto.mux.MuxerEngine;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Arrays;

/**
 * Ranges of arrays that make one byte stream to send, in order: the muxer's queued chunks, or the
 * headers and data ranges of a write passed through. One list per thread, handed out cleared;
 * whoever takes it is done with it (and clears it, letting the arrays go) before anything else on
 * the thread can take it.
 */
final class Pieces implements MuxerEngine.PieceSink {
  private static final FastThreadLocal<Pieces> PER_THREAD = new FastThreadLocal<>() {
    @Override
    protected Pieces initialValue() {
      return new Pieces();
    }
  };

  private byte[][] arrays = new byte[8][];
  private int[] offsets = new int[8];
  private int[] lengths = new int[8];
  private int count;
  private long total;

  private Pieces() {}

  /** This thread's list, empty. */
  static Pieces take() {
    Pieces p = PER_THREAD.get();
    p.clear();
    return p;
  }

  @Override
  public void piece(byte[] array, int offset, int length) {
    if (length == 0) {
      return;
    }
    if (count == arrays.length) {
      arrays = Arrays.copyOf(arrays, count * 2);
      offsets = Arrays.copyOf(offsets, count * 2);
      lengths = Arrays.copyOf(lengths, count * 2);
    }
    arrays[count] = array;
    offsets[count] = offset;
    lengths[count] = length;
    count++;
    total += length;
  }

  int count() {
    return count;
  }

  long total() {
    return total;
  }

  byte[] array(int i) {
    return arrays[i];
  }

  int offset(int i) {
    return offsets[i];
  }

  int length(int i) {
    return lengths[i];
  }

  /** Empties the list and lets go of the arrays it held. */
  void clear() {
    Arrays.fill(arrays, 0, count, null);
    count = 0;
    total = 0;
  }
}
