package dev.vertxp2p.proto.noise;

import java.util.Arrays;

/**
 * The remote's claim of identity, as its handshake payload carries it (libp2p noise spec, "Static
 * Key Authentication"): {@link #signature()} must be a valid signature by {@link #identityKey()}
 * (a protobuf-encoded libp2p {@code PublicKey}) over {@link #signedData()}, the UTF-8 bytes of
 * {@code "noise-libp2p-static-key:"} followed by the remote's 32-byte static Noise key.
 *
 * <p>A {@link NoiseHandshake} built without a verifier stops at this proof and hands it out as
 * {@link NoiseHandshake#pendingProof()}; whoever checks it answers with {@link
 * NoiseHandshake#proofAccepted()} or {@link NoiseHandshake#proofRejected}. Accessors return
 * copies.
 */
public final class IdentityProof {
  private final byte[] identityKey;
  private final byte[] signature;
  private final byte[] signedData;

  /** A proof of the three byte strings, copied. */
  public IdentityProof(byte[] identityKey, byte[] signature, byte[] signedData) {
    this.identityKey = identityKey.clone();
    this.signature = signature.clone();
    this.signedData = signedData.clone();
  }

  /** The remote identity public key, protobuf-encoded (never empty). */
  public byte[] identityKey() {
    return identityKey.clone();
  }

  /** The remote's signature (never empty). */
  public byte[] signature() {
    return signature.clone();
  }

  /** What the signature must cover: the prefix and the remote's static Noise key. */
  public byte[] signedData() {
    return signedData.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IdentityProof p && Arrays.equals(p.identityKey, identityKey)
        && Arrays.equals(p.signature, signature) && Arrays.equals(p.signedData, signedData);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(identityKey) + Arrays.hashCode(signature))
        + Arrays.hashCode(signedData);
  }

  @Override
  public String toString() {
    return "IdentityProof[key " + identityKey.length + " bytes, signature " + signature.length
        + " bytes]";
  }
}
