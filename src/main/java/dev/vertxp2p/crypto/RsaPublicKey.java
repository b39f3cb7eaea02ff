package dev.vertxp2p.crypto;

import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.signers.RSADigestSigner;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * An RSA public key, DER SubjectPublicKeyInfo (peer-ids spec, "RSA"). Verifies RSASSA-PKCS1-v1_5
 * signatures with SHA-256. Verification only: this node never signs with RSA.
 */
public final class RsaPublicKey implements PublicKey {
  /**
   * Smallest modulus accepted. The peer-ids spec sets no size; go-libp2p refuses keys under 2048
   * bits ("rsa keys must be >= 2048 bits to be useful"), and so do we.
   */
  public static final int MIN_BITS = 2048;

  /** Largest modulus accepted; go-libp2p's limit, which also bounds verification cost. */
  public static final int MAX_BITS = 8192;

  private final byte[] der;
  private final RSAKeyParameters params;

  private RsaPublicKey(byte[] der, RSAKeyParameters params) {
    this.der = der;
    this.params = params;
  }

  /**
   * The key from DER SubjectPublicKeyInfo.
   *
   * @throws KeyFormatException if it is not canonical DER rsaEncryption, or its modulus is outside
   *     [{@link #MIN_BITS}, {@link #MAX_BITS}]
   */
  public static RsaPublicKey fromRaw(byte[] raw) {
    byte[] der = raw.clone();
    SubjectPublicKeyInfo spki = Spki.parse("RSA", der);
    if (!PKCSObjectIdentifiers.rsaEncryption.equals(spki.getAlgorithm().getAlgorithm())) {
      throw new KeyFormatException("RSA public key has algorithm " + spki.getAlgorithm().getAlgorithm()
          + ", expected rsaEncryption " + PKCSObjectIdentifiers.rsaEncryption);
    }
    RSAKeyParameters params;
    try {
      AsymmetricKeyParameter p = PublicKeyFactory.createKey(spki);
      params = (RSAKeyParameters) p;
    } catch (IOException | IllegalArgumentException | ClassCastException e) {
      throw new KeyFormatException("RSA public key is invalid: " + e.getMessage(), e);
    }
    int bits = params.getModulus().bitLength();
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new KeyFormatException("RSA modulus of " + bits + " bits is outside the accepted range "
          + MIN_BITS + ".." + MAX_BITS);
    }
    return new RsaPublicKey(der, params);
  }

  /** Modulus size in bits. */
  public int bits() {
    return params.getModulus().bitLength();
  }

  @Override
  public KeyType type() {
    return KeyType.RSA;
  }

  @Override
  public byte[] raw() {
    return der.clone();
  }

  @Override
  public boolean verify(byte[] data, byte[] signature) {
    if (signature == null || signature.length != (bits() + 7) / 8) {
      return false;
    }
    RSADigestSigner verifier = new RSADigestSigner(new SHA256Digest());
    verifier.init(false, params);
    verifier.update(data, 0, data.length);
    try {
      return verifier.verifySignature(signature);
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RsaPublicKey k && Arrays.equals(k.der, der);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(der);
  }

  @Override
  public String toString() {
    return "RsaPublicKey[" + bits() + " bits]";
  }
}
