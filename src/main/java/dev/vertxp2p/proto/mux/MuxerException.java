package dev.vertxp2p.proto.mux;

/** A local misuse of a muxer: unknown stream, write after close, open after GOAWAY, limit. */
public class MuxerException extends dev.vertxp2p.P2pException {
  private static final long serialVersionUID = 1L;

  /** Why the call was refused, so callers can decide whether another connection may do. */
  public enum Reason {
    UNKNOWN_STREAM,
    STREAM_CLOSED,
    STREAM_LIMIT,
    GOING_AWAY,
    SESSION_CLOSED
  }

  private final Reason reason;

  public MuxerException(Reason reason, String message) {
    super(reason == Reason.STREAM_LIMIT ? LIMIT_REACHED : REMOTE_FAILED, message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
