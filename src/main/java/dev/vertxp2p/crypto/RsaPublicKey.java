package dev.vertxp2p.crypto;

import dev.vertxp2p.multiformats.Multihash;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * An RSA public key, DER SubjectPublicKeyInfo (peer-ids spec, "RSA"). Verifies RSASSA-PKCS1-v1_5
 * signatures with SHA-256. Verification only: this node never signs with RSA.
 *
 * <p>A key arrives from the network before its holder is authenticated, so parsing and
 * verification must cost little whatever the bytes say. The modulus is bounded in size and the
 * public exponent to at most 32 bits, which caps a verification at a few dozen modular
 * multiplications. The modulus is not tested for primality or small factors (BouncyCastle's
 * {@code RSAKeyParameters} does, at up to a second per fresh 8192-bit key, and records every
 * modulus it has seen in a process-wide synchronized cache): a key that is not a real RSA key
 * cannot produce a signature that verifies, so the test buys nothing here.
 */
public final class RsaPublicKey implements PublicKey {
  /**
   * Smallest modulus accepted. The peer-ids spec sets no size; go-libp2p refuses keys under 2048
   * bits ("rsa keys must be >= 2048 bits to be useful"), and so do we.
   */
  public static final int MIN_BITS = 2048;

  /** Largest modulus accepted; go-libp2p's limit, which also bounds verification cost. */
  public static final int MAX_BITS = 8192;

  /**
   * Largest public exponent, in bits: e < 2^32. RFC 8017 section 3.1 allows any odd e from 3 to
   * n - 1, but a huge e makes one verification cost as much as a private-key operation (a
   * 7,700-bit e on an 8192-bit modulus: hundreds of milliseconds). Real keys use 65537; go's
   * crypto/rsa refuses e above 2^31 - 1 and Windows CryptoAPI above 2^32 - 1.
   */
  public static final int MAX_EXPONENT_BITS = 32;

  /** RFC 8017 section 3.1: e is at least 3. */
  private static final BigInteger MIN_EXPONENT = BigInteger.valueOf(3);

  /**
   * DER DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1): the bytes an EMSA-PKCS1-v1_5
   * encoding puts before the 32-byte hash.
   */
  private static final byte[] SHA256_DIGEST_INFO = {
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, (byte) 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    0x05, 0x00, 0x04, 0x20
  };

  private static final int SHA256_LENGTH = 32;

  private final byte[] der;
  private final BigInteger modulus;
  private final BigInteger exponent;

  private RsaPublicKey(byte[] der, BigInteger modulus, BigInteger exponent) {
    this.der = der;
    this.modulus = modulus;
    this.exponent = exponent;
  }

  /**
   * The key from DER SubjectPublicKeyInfo.
   *
   * @throws KeyFormatException if it is not canonical DER rsaEncryption (NULL parameters, an
   *     RSAPublicKey of two positive INTEGERs), its modulus is even or outside [{@link #MIN_BITS},
   *     {@link #MAX_BITS}], or its exponent is even, below 3 or above 2^32
   */
  public static RsaPublicKey fromRaw(byte[] raw) {
    byte[] der = raw.clone();
    SubjectPublicKeyInfo spki = Spki.parse("RSA", der);
    AlgorithmIdentifier alg = spki.getAlgorithm();
    if (!PKCSObjectIdentifiers.rsaEncryption.equals(alg.getAlgorithm())) {
      throw new KeyFormatException("RSA public key has algorithm " + alg.getAlgorithm()
          + ", expected rsaEncryption " + PKCSObjectIdentifiers.rsaEncryption);
    }
    // RFC 3279 section 2.3.1: the parameters field of rsaEncryption MUST be NULL (go's x509 too).
    if (!DERNull.INSTANCE.equals(alg.getParameters())) {
      throw new KeyFormatException("RSA public key must have NULL algorithm parameters, got "
          + (alg.getParameters() == null ? "none" : "ASN.1 type "
              + alg.getParameters().getClass().getSimpleName()));
    }
    byte[] inner = spki.getPublicKeyData().getOctets();
    org.bouncycastle.asn1.pkcs.RSAPublicKey key;
    try {
      // RFC 8017 appendix A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent
      // INTEGER }. Only the ASN.1 is read here; nothing is computed on the numbers.
      key = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(ASN1Primitive.fromByteArray(inner));
      // The peer id hashes the outer bytes, so the inner structure must be canonical DER too.
      if (key == null || !Arrays.equals(key.getEncoded(ASN1Encoding.DER), inner)) {
        throw new KeyFormatException("RSA public key is not a canonical DER RSAPublicKey");
      }
    } catch (KeyFormatException e) {
      throw e;
    } catch (IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
      throw new KeyFormatException("RSA public key is not a DER RSAPublicKey: " + e.getMessage(), e);
    }
    BigInteger n = key.getModulus();
    BigInteger e = key.getPublicExponent();
    checkModulus(n);
    checkExponent(e);
    return new RsaPublicKey(der, n, e);
  }

  private static void checkModulus(BigInteger n) {
    if (n.signum() <= 0) {
      throw new KeyFormatException("RSA modulus must be positive, got "
          + (n.signum() == 0 ? "zero" : "a negative number"));
    }
    int bits = n.bitLength();
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new KeyFormatException("RSA modulus of " + bits + " bits is outside the accepted range "
          + MIN_BITS + ".." + MAX_BITS);
    }
    // A product of two odd primes is odd; an even modulus is no RSA key.
    if (!n.testBit(0)) {
      throw new KeyFormatException("RSA modulus must be odd, got an even one of " + bits + " bits");
    }
  }

  private static void checkExponent(BigInteger e) {
    if (e.compareTo(MIN_EXPONENT) < 0) {
      throw new KeyFormatException("RSA public exponent must be at least 3, got " + e);
    }
    if (e.bitLength() > MAX_EXPONENT_BITS) {
      throw new KeyFormatException("RSA public exponent must be less than 2^" + MAX_EXPONENT_BITS
          + ", got one of " + e.bitLength() + " bits");
    }
    // RFC 8017 section 3.1: e is coprime to lambda(n), which is even, so e is odd.
    if (!e.testBit(0)) {
      throw new KeyFormatException("RSA public exponent must be odd, got " + e);
    }
  }

  /** Modulus size in bits. */
  public int bits() {
    return modulus.bitLength();
  }

  /** The public exponent. */
  public BigInteger exponent() {
    return exponent;
  }

  @Override
  public KeyType type() {
    return KeyType.RSA;
  }

  @Override
  public byte[] raw() {
    return der.clone();
  }

  /**
   * RSASSA-PKCS1-v1_5-VERIFY with SHA-256 (RFC 8017 section 8.2.2): recovers the encoded message
   * from the signature and compares it with the encoding built from {@code data}, byte for byte,
   * as step 4 asks (comparing encodings, not parsing the recovered one, leaves no room for the
   * lenient-parsing forgeries that low exponents allow).
   */
  @Override
  public boolean verify(byte[] data, byte[] signature) {
    int k = (bits() + 7) / 8;
    // Step 1: the signature is exactly k octets.
    if (signature == null || signature.length != k) {
      return false;
    }
    // Step 2.a-b: OS2IP, then RSAVP1 refuses a representative outside [0, n - 1].
    BigInteger s = new BigInteger(1, signature);
    if (s.compareTo(modulus) >= 0) {
      return false;
    }
    BigInteger m = s.modPow(exponent, modulus);
    byte[] expected = encode(data, k);
    if (expected == null) {
      return false;
    }
    // Step 2.c: I2OSP(m, k); m < n < 256^k, so it fits.
    byte[] recovered = toOctets(m, k);
    return MessageDigest.isEqual(recovered, expected);
  }

  /**
   * EMSA-PKCS1-v1_5-ENCODE (RFC 8017 section 9.2): 0x00 0x01, at least eight 0xff, 0x00, then the
   * SHA-256 DigestInfo. Null when k is too short for it (never for a modulus of {@link #MIN_BITS}).
   */
  private static byte[] encode(byte[] data, int k) {
    int tLen = SHA256_DIGEST_INFO.length + SHA256_LENGTH;
    if (k < tLen + 11) {
      return null;
    }
    byte[] em = new byte[k];
    em[1] = 0x01;
    Arrays.fill(em, 2, k - tLen - 1, (byte) 0xff);
    System.arraycopy(SHA256_DIGEST_INFO, 0, em, k - tLen, SHA256_DIGEST_INFO.length);
    byte[] hash = Multihash.sha256Digest(data);
    System.arraycopy(hash, 0, em, k - SHA256_LENGTH, SHA256_LENGTH);
    return em;
  }

  private static byte[] toOctets(BigInteger m, int k) {
    byte[] b = m.toByteArray();
    if (b.length == k) {
      return b;
    }
    byte[] out = new byte[k];
    if (b.length > k) {
      // a leading sign byte
      System.arraycopy(b, b.length - k, out, 0, k);
    } else {
      System.arraycopy(b, 0, out, k - b.length, b.length);
    }
    return out;
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
    return "RsaPublicKey[" + bits() + " bits, e=" + exponent + "]";
  }
}
