package dev.vertxp2p.proto.noise;

import dev.vertxp2p.ProtocolException;

/**
 * The remote broke the Noise handshake or transport: a bad tag, a malformed or truncated message,
 * an identity the verifier rejected, no muxer in common. The engine that threw it is failed for
 * good; the connection must be closed.
 */
public class NoiseException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public NoiseException(String message) {
    super(message);
  }

  public NoiseException(String message, Throwable cause) {
    super(message, cause);
  }
}
