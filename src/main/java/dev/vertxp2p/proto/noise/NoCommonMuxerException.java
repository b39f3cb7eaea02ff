package dev.vertxp2p.proto.noise;

import java.util.List;

/**
 * Both sides offered muxers in the Noise {@code stream_muxers} extension and none is in common;
 * the inlined-muxer-negotiation spec says the handshake MUST fail.
 */
public class NoCommonMuxerException extends NoiseException {
  private static final long serialVersionUID = 1L;

  public NoCommonMuxerException(List<String> initiatorMuxers, List<String> responderMuxers) {
    super("expected a stream muxer in common, got initiator " + initiatorMuxers + " and responder "
        + responderMuxers);
  }
}
