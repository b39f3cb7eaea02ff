package dev.vertxp2p.proto.mux;

/**
 * The control frames an engine has queued and the transport has not yet taken: what a peer makes
 * us owe it when it sends frames that need an answer (a Yamux ping, a stream we refuse) and never
 * reads the answers. The transport stops taking an engine's output while its socket's write queue
 * is full, so the answers wait here, and past {@link #MAX_UNSENT} the peer is cut off.
 *
 * <p>Only frames the remote's own frames call for are checked against the bound, never our own
 * (a window update, a FIN): a remote fault must be the remote's doing.
 */
public final class ControlBacklog {
  /**
   * Control frames that may wait unsent. A well-behaved peer makes us answer at most a few frames
   * per open stream plus its pings, and it reads while it sends; 4096 frames is far above that
   * (about 1,000 streams' worth) yet only some 48 KiB of Yamux headers.
   */
  public static final int MAX_UNSENT = 4096;

  private int unsent;

  /** A control frame went into the engine's queue. */
  public void queued() {
    unsent++;
  }

  /** A control frame left the engine's queue for the transport. */
  public void taken() {
    unsent--;
  }

  /** Control frames queued and not yet taken. */
  public int unsent() {
    return unsent;
  }

  /**
   * Before queueing an answer the remote's frame calls for: null while there is room, else what
   * to fail the session with.
   *
   * @param what the frame that needs an answer, e.g. "a Ping"
   */
  public String overflow(String what) {
    if (unsent < MAX_UNSENT) {
      return null;
    }
    return "expected the peer to read our answers, but " + unsent
        + " control frames already wait unsent (at most " + MAX_UNSENT
        + ", ControlBacklog.MAX_UNSENT) and " + what + " needs another";
  }
}
