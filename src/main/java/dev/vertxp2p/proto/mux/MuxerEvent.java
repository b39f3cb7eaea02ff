package dev.vertxp2p.proto.mux;

/** What a {@link MuxerEngine} reports after {@link MuxerEngine#receive} or a local call. */
public sealed interface MuxerEvent {

  /** The remote opened a stream (Yamux SYN, mplex NewStream). */
  record StreamOpened(long streamId, String name) implements MuxerEvent {}

  /** The remote acknowledged a stream we opened (Yamux ACK; mplex never emits it). */
  record StreamAcknowledged(long streamId) implements MuxerEvent {}

  /**
   * Data for a stream: {@code array[offset, offset+length)}. The range is the receiver's alone
   * (other events may hold other ranges of the same array). Call {@link MuxerEngine#consumed} once
   * the application has taken it, or the remote's window will not reopen.
   */
  record StreamData(long streamId, byte[] array, int offset, int length) implements MuxerEvent {
    public StreamData {
      java.util.Objects.checkFromIndexSize(offset, length, array.length);
    }

    /** Data that fills a whole array. */
    public StreamData(long streamId, byte[] data) {
      this(streamId, data, 0, data.length);
    }

    /** The data as an array of its own: the array itself when the range spans all of it. */
    public byte[] data() {
      return offset == 0 && length == array.length
          ? array : java.util.Arrays.copyOfRange(array, offset, offset + length);
    }
  }

  /**
   * The engine refused a stream the remote opened, for a reason the transport may want to report
   * (the engine has already sent the refusal). {@code scope} names the limit, as refusals do
   * elsewhere: {@link #BUFFER} for the memory budget of {@link MuxerEngine#bufferRoom}.
   */
  record StreamRefused(long streamId, String scope) implements MuxerEvent {
    /** Refused because the memory budget for buffered stream data is spent. */
    public static final String BUFFER = "buffer";
  }

  /** The remote half-closed its write side: no more data will come on this stream. */
  record StreamRemoteClosed(long streamId) implements MuxerEvent {}

  /** The remote reset the stream; both directions are over. */
  record StreamReset(long streamId) implements MuxerEvent {}

  /** Both directions are closed and the engine has forgotten the stream. */
  record StreamClosed(long streamId) implements MuxerEvent {}

  /** The remote opened the send window of a stream a write had filled. */
  record StreamWritable(long streamId) implements MuxerEvent {}

  /** The remote announced it is going away, with its error code (0 = normal). */
  record GoAway(int code) implements MuxerEvent {}

  /** The answer to {@link MuxerEngine#ping()}. */
  record Pong(long pingId) implements MuxerEvent {}
}
