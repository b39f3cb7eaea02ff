package dev.vertxp2p.crypto;

/**
 * A libp2p public key: one of the four types of the peer-ids spec, able to verify signatures and
 * to marshal itself into the deterministic protobuf {@code PublicKey} encoding.
 *
 * <p>Implementations are immutable; {@code equals} compares type and {@link #raw()} bytes.
 */
public interface PublicKey {
  /** The key type. */
  KeyType type();

  /** The type-specific encoding that goes into the protobuf {@code Data} field (a copy). */
  byte[] raw();

  /**
   * Whether {@code signature} is a valid signature of {@code data} under this key, using the
   * signing method the peer-ids spec defines for the key type. Malformed signatures yield false.
   */
  boolean verify(byte[] data, byte[] signature);

  /** The protobuf {@code PublicKey} message, deterministically encoded (peer-ids spec "Keys"). */
  default byte[] marshal() {
    return Keys.marshal(type(), raw());
  }
}
