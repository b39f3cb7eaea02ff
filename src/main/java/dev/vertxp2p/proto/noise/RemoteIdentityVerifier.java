package dev.vertxp2p.proto.noise;

/**
 * Checks the remote's identity as soon as its handshake payload is decrypted: that {@code
 * signature} is a valid signature by {@code identityKeyProtobuf} over {@code signedData} (the UTF-8
 * bytes of {@code "noise-libp2p-static-key:"} followed by the remote's 32-byte static Noise key),
 * and, if the caller expects a given peer, that the key belongs to it.
 *
 * <p>An initiator calls this on message 2, before it sends message 3, so a wrong responder never
 * learns the initiator's identity.
 */
@FunctionalInterface
public interface RemoteIdentityVerifier {
  /**
   * @throws NoiseException to reject the remote (bad signature, unsupported key, wrong peer)
   */
  void verify(byte[] identityKeyProtobuf, byte[] signature, byte[] signedData);
}
