package dev.vertxp2p.crypto;

/** The libp2p key types and their protobuf enum numbers (peer-ids spec, "Keys"). */
public enum KeyType {
  RSA(0),
  ED25519(1),
  SECP256K1(2),
  ECDSA(3);

  private final int number;

  KeyType(int number) {
    this.number = number;
  }

  /** The protobuf {@code KeyType} number. */
  public int number() {
    return number;
  }

  /**
   * The type for protobuf number {@code n}.
   *
   * @throws KeyFormatException for a number the spec does not define
   */
  public static KeyType fromNumber(int n) {
    for (KeyType t : values()) {
      if (t.number == n) {
        return t;
      }
    }
    throw new KeyFormatException("unknown key type " + n + ": expected 0 (RSA), 1 (Ed25519), 2 (Secp256k1) or 3 (ECDSA)");
  }
}
