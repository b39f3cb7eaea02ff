package dev.vertxp2p.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.WrappedByteBuf;

/**
 * A pooled buffer handed to the socket that remembers whether the socket let go of it. Netty
 * releases what it wrote or failed to write, but Vert.x fails a write it had queued and cancels
 * at close without releasing it, which would leak a pooled buffer: after a failed write, {@link
 * #releaseIfKept()} releases what nobody did. A fresh wrapper per write, so that a pooled buffer
 * object recycled for someone else is never mistaken for this one. Used on its event loop only.
 */
final class SocketWrite extends WrappedByteBuf {
  private boolean released;

  SocketWrite(ByteBuf buf) {
    super(buf);
  }

  @Override
  public boolean release() {
    released = true;
    return super.release();
  }

  @Override
  public boolean release(int decrement) {
    released = true;
    return super.release(decrement);
  }

  /** Releases the buffer unless someone already did. */
  void releaseIfKept() {
    if (!released) {
      release();
    }
  }
}
