package dev.vertxp2p.proto.noise;

/**
 * The local libp2p identity as the Noise engine needs it, kept behind an interface so that this
 * package knows no key types (libp2p noise spec, "Static Key Authentication").
 */
public interface NoiseIdentitySigner {
  /** The local identity public key as a protobuf-encoded libp2p {@code PublicKey}. */
  byte[] publicKeyProtobuf();

  /** Signs {@code data} with the identity private key per the peer-id spec's signing rules. */
  byte[] sign(byte[] data);
}
