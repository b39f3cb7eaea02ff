package dev.vertxp2p.crypto;

/**
 * A libp2p private key that can sign. Never transmitted; {@link #marshal()} gives the protobuf
 * {@code PrivateKey} encoding that libp2p implementations keep in identity files.
 */
public interface PrivateKey {
  /** The key type. */
  KeyType type();

  /** Signs {@code data} with the method the peer-ids spec defines for the key type. */
  byte[] sign(byte[] data);

  /** The matching public key. */
  PublicKey publicKey();

  /** The type-specific private key encoding for the protobuf {@code Data} field (a copy). */
  byte[] raw();

  /** The protobuf {@code PrivateKey} message, deterministically encoded. */
  default byte[] marshal() {
    return Keys.marshal(type(), raw());
  }
}
