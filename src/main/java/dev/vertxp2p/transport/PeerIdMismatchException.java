package dev.vertxp2p.transport;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.NonRetryable;

/**
 * The remote proved, in the Noise handshake, an identity other than the {@code /p2p/} id we
 * dialed. Retrying cannot help.
 */
public class PeerIdMismatchException extends NoiseException implements NonRetryable {
  private static final long serialVersionUID = 1L;
  private final PeerId expected;
  private final PeerId actual;

  public PeerIdMismatchException(PeerId expected, PeerId actual) {
    super("peer id mismatch: dialed " + expected + " but the remote proved " + actual);
    this.expected = expected;
    this.actual = actual;
  }

  public PeerId expected() {
    return expected;
  }

  public PeerId actual() {
    return actual;
  }
}
