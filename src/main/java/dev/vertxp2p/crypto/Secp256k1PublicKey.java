package dev.vertxp2p.crypto;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A secp256k1 public key in the 33-byte compressed SEC1 form (peer-ids spec, "Secp256k1": the
 * standard Bitcoin encoding). Signatures are ECDSA over SHA-256 of the message, DER encoded.
 */
public final class Secp256k1PublicKey implements PublicKey {
  /** SEC1 compressed point: prefix 0x02/0x03 plus the 32-byte x coordinate. */
  public static final int LENGTH = 33;

  private final byte[] key;
  private final ECPublicKeyParameters params;

  Secp256k1PublicKey(ECPoint point) {
    this.key = point.getEncoded(true);
    this.params = new ECPublicKeyParameters(point, Secp256k1.DOMAIN);
  }

  /**
   * The key from its 33-byte compressed encoding.
   *
   * @throws KeyFormatException on another length or prefix, or a point off the curve
   */
  public static Secp256k1PublicKey fromRaw(byte[] raw) {
    if (raw.length != LENGTH) {
      throw new KeyFormatException(
          "Secp256k1 public key must be " + LENGTH + " bytes (compressed), got " + raw.length);
    }
    if (raw[0] != 0x02 && raw[0] != 0x03) {
      throw new KeyFormatException(String.format(
          "Secp256k1 public key must start with 0x02 or 0x03 (compressed), got 0x%02x", raw[0]));
    }
    ECPoint point;
    try {
      point = Secp256k1.CURVE.getCurve().decodePoint(raw);
    } catch (IllegalArgumentException e) {
      throw new KeyFormatException("Secp256k1 public key is not a point on the curve", e);
    }
    return new Secp256k1PublicKey(point);
  }

  @Override
  public KeyType type() {
    return KeyType.SECP256K1;
  }

  @Override
  public byte[] raw() {
    return key.clone();
  }

  @Override
  public boolean verify(byte[] data, byte[] signature) {
    return DerSignature.verifySha256(params, data, signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secp256k1PublicKey k && Arrays.equals(k.key, key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "Secp256k1PublicKey[" + HexFormat.of().formatHex(key) + "]";
  }
}
