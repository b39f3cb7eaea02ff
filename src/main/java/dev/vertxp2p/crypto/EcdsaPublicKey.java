package dev.vertxp2p.crypto;

import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * An ECDSA public key, DER SubjectPublicKeyInfo with a named NIST curve (peer-ids spec, "ECDSA").
 * Verifies DER signatures over SHA-256 of the message, whatever the curve, as go-libp2p signs.
 * Verification only: this node never signs with ECDSA.
 */
public final class EcdsaPublicKey implements PublicKey {
  /**
   * Named curves accepted, P-256, P-384 and P-521 (what go-libp2p's x509 parsing allows), with the
   * length of an uncompressed point on each (SEC 1 section 2.3.3: 0x04 and two coordinates of the
   * field's size in bytes).
   */
  private static final Map<ASN1ObjectIdentifier, Integer> CURVES = Map.of(
      SECObjectIdentifiers.secp256r1, 1 + 2 * 32,
      SECObjectIdentifiers.secp384r1, 1 + 2 * 48,
      SECObjectIdentifiers.secp521r1, 1 + 2 * 66);

  private final byte[] der;
  private final ECPublicKeyParameters params;

  private EcdsaPublicKey(byte[] der, ECPublicKeyParameters params) {
    this.der = der;
    this.params = params;
  }

  /**
   * The key from DER SubjectPublicKeyInfo.
   *
   * @throws KeyFormatException if it is not canonical DER, not id-ecPublicKey on an accepted named
   *     curve, not an uncompressed point, or not on the curve
   */
  public static EcdsaPublicKey fromRaw(byte[] raw) {
    byte[] der = raw.clone();
    SubjectPublicKeyInfo spki = Spki.parse("ECDSA", der);
    AlgorithmIdentifier alg = spki.getAlgorithm();
    if (!X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())) {
      throw new KeyFormatException("ECDSA public key has algorithm " + alg.getAlgorithm()
          + ", expected id-ecPublicKey " + X9ObjectIdentifiers.id_ecPublicKey);
    }
    if (!(alg.getParameters() instanceof ASN1ObjectIdentifier curve) || !CURVES.containsKey(curve)) {
      // Never print the remote's parameters as they are: BouncyCastle's toString() of some ASN.1
      // strings throws on bytes that are not valid text (found by KeysFuzzTest).
      String got = alg.getParameters() instanceof ASN1ObjectIdentifier oid ? "curve " + oid.getId()
          : alg.getParameters() == null ? "no curve parameter" : "curve parameter of ASN.1 type "
              + alg.getParameters().getClass().getSimpleName();
      throw new KeyFormatException("ECDSA public key has " + got
          + ", expected a named P-256, P-384 or P-521 curve");
    }
    byte[] point = spki.getPublicKeyData().getOctets();
    if (point.length == 0 || point[0] != 0x04) {
      // RFC 5480 section 2.2: uncompressed form is mandatory to support; go-libp2p only takes it.
      throw new KeyFormatException("ECDSA public key point must be uncompressed (0x04 prefix)");
    }
    int pointLength = CURVES.get(curve);
    if (point.length != pointLength) {
      // Checked before any arithmetic on the point: its size bounds the work.
      throw new KeyFormatException("ECDSA public key point on curve " + curve.getId() + " must be "
          + pointLength + " bytes, got " + point.length);
    }
    try {
      AsymmetricKeyParameter p = PublicKeyFactory.createKey(spki);
      return new EcdsaPublicKey(der, (ECPublicKeyParameters) p);
    } catch (IOException | IllegalArgumentException | ClassCastException e) {
      throw new KeyFormatException("ECDSA public key point is invalid: " + e.getMessage(), e);
    }
  }

  @Override
  public KeyType type() {
    return KeyType.ECDSA;
  }

  @Override
  public byte[] raw() {
    return der.clone();
  }

  @Override
  public boolean verify(byte[] data, byte[] signature) {
    return DerSignature.verifySha256(params, data, signature);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EcdsaPublicKey k && Arrays.equals(k.der, der);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(der);
  }

  @Override
  public String toString() {
    return "EcdsaPublicKey[" + HexFormat.of().formatHex(der) + "]";
  }
}
