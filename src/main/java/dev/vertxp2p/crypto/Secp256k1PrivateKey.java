package dev.vertxp2p.crypto;

import dev.vertxp2p.multiformats.Multihash;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * A secp256k1 private key: the 32-byte big-endian scalar (peer-ids spec, "Secp256k1"). Signs the
 * SHA-256 of the message with RFC 6979 deterministic nonces and a low-S value (BIP-0062), DER
 * encoded.
 */
public final class Secp256k1PrivateKey implements PrivateKey {
  /** The scalar is 32 bytes. */
  public static final int LENGTH = 32;

  private final BigInteger d;
  private final Secp256k1PublicKey publicKey;

  private Secp256k1PrivateKey(BigInteger d) {
    this.d = d;
    this.publicKey = new Secp256k1PublicKey(Secp256k1.DOMAIN.getG().multiply(d).normalize());
  }

  /** A fresh key from {@code random}. */
  public static Secp256k1PrivateKey generate(SecureRandom random) {
    BigInteger n = Secp256k1.DOMAIN.getN();
    BigInteger d;
    do {
      d = BigIntegers.createRandomBigInteger(n.bitLength(), random);
    } while (d.signum() == 0 || d.compareTo(n) >= 0);
    return new Secp256k1PrivateKey(d);
  }

  /**
   * The key from its 32-byte scalar.
   *
   * @throws KeyFormatException on another length or a scalar outside [1, n-1]
   */
  public static Secp256k1PrivateKey fromRaw(byte[] raw) {
    if (raw.length != LENGTH) {
      throw new KeyFormatException("Secp256k1 private key must be " + LENGTH + " bytes, got " + raw.length);
    }
    BigInteger d = new BigInteger(1, raw);
    if (d.signum() == 0 || d.compareTo(Secp256k1.DOMAIN.getN()) >= 0) {
      throw new KeyFormatException("Secp256k1 private key scalar is outside [1, n-1]");
    }
    return new Secp256k1PrivateKey(d);
  }

  @Override
  public KeyType type() {
    return KeyType.SECP256K1;
  }

  @Override
  public byte[] sign(byte[] data) {
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, new ECPrivateKeyParameters(d, Secp256k1.DOMAIN));
    BigInteger[] rs = signer.generateSignature(Multihash.sha256Digest(data));
    BigInteger n = Secp256k1.DOMAIN.getN();
    BigInteger s = rs[1];
    // BIP-0062 "Low S values in signatures": some verifiers (libsecp256k1) refuse high S.
    if (s.compareTo(n.shiftRight(1)) > 0) {
      s = n.subtract(s);
    }
    return DerSignature.encode(rs[0], s);
  }

  @Override
  public Secp256k1PublicKey publicKey() {
    return publicKey;
  }

  @Override
  public byte[] raw() {
    return BigIntegers.asUnsignedByteArray(LENGTH, d);
  }

  @Override
  public String toString() {
    return "Secp256k1PrivateKey[public=" + publicKey + "]";
  }
}
