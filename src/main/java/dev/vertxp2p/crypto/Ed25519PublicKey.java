package dev.vertxp2p.crypto;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key: 32 bytes, unencoded (peer-ids spec, "Ed25519"). The curve point is
 * decoded once here so each verification skips the decompression.
 */
public final class Ed25519PublicKey implements PublicKey {
  /** RFC 8032 section 5.1.5: a public key is 32 bytes. */
  public static final int LENGTH = Ed25519.PUBLIC_KEY_SIZE;

  private final byte[] key;
  private final Ed25519.PublicPoint point;

  private Ed25519PublicKey(byte[] key, Ed25519.PublicPoint point) {
    this.key = key;
    this.point = point;
  }

  /**
   * The key from its 32 raw bytes.
   *
   * @throws KeyFormatException if the length is wrong or the bytes are not a curve point
   */
  public static Ed25519PublicKey fromRaw(byte[] raw) {
    if (raw.length != LENGTH) {
      throw new KeyFormatException("Ed25519 public key must be " + LENGTH + " bytes, got " + raw.length);
    }
    byte[] copy = raw.clone();
    // RFC 8032 section 5.1.3: the encoding must decode to a point on the curve.
    Ed25519.PublicPoint p = Ed25519.validatePublicKeyPartialExport(copy, 0);
    if (p == null) {
      throw new KeyFormatException("Ed25519 public key does not decode to a curve point");
    }
    return new Ed25519PublicKey(copy, p);
  }

  @Override
  public KeyType type() {
    return KeyType.ED25519;
  }

  @Override
  public byte[] raw() {
    return key.clone();
  }

  @Override
  public boolean verify(byte[] data, byte[] signature) {
    if (signature == null || signature.length != Ed25519.SIGNATURE_SIZE) {
      return false;
    }
    return Ed25519.verify(signature, 0, point, data, 0, data.length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ed25519PublicKey k && Arrays.equals(k.key, key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }

  @Override
  public String toString() {
    return "Ed25519PublicKey[" + HexFormat.of().formatHex(key) + "]";
  }
}
