package dev.vertxp2p.testing;

import dev.vertxp2p.crypto.KeyType;
import dev.vertxp2p.crypto.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * RSA "identities" a hostile peer can make up for nothing: no key generation, just numbers of the
 * right shape, fresh on every call so that no cache of verdicts helps.
 */
public final class HostileKeys {
  /** Product of the odd primes below 1000: a modulus coprime to it has no small factor. */
  private static final BigInteger SMALL_PRIMES = smallPrimes(1000);

  private HostileKeys() {}

  /**
   * A random odd number of exactly {@code bits} bits with no prime factor below 1000: what passes
   * a small-factor screen and so reaches the costly primality test of a validating parser.
   */
  public static BigInteger modulus(int bits, SecureRandom random) {
    while (true) {
      BigInteger n = new BigInteger(bits, random).setBit(bits - 1).setBit(0);
      if (n.gcd(SMALL_PRIMES).equals(BigInteger.ONE)) {
        return n;
      }
    }
  }

  /** A random odd number of exactly {@code bits} bits, for an exponent. */
  public static BigInteger odd(int bits, SecureRandom random) {
    return new BigInteger(bits, random).setBit(bits - 1).setBit(0);
  }

  /** The libp2p public-key protobuf of the RSA key (n, e), SubjectPublicKeyInfo inside. */
  public static byte[] marshaledRsa(BigInteger n, BigInteger e) {
    try {
      byte[] spki = new SubjectPublicKeyInfo(
          new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
          new RSAPublicKey(n, e)).getEncoded(ASN1Encoding.DER);
      return Keys.marshal(KeyType.RSA, spki);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  /**
   * A signature-shaped garbage for a modulus of {@code bits} bits: the right length, below any
   * modulus of that size, so a verifier must run its exponentiation before it can say no.
   */
  public static byte[] garbageSignature(int bits, SecureRandom random) {
    byte[] sig = new byte[(bits + 7) / 8];
    random.nextBytes(sig);
    sig[0] = 0;
    return sig;
  }

  private static BigInteger smallPrimes(int below) {
    BigInteger product = BigInteger.ONE;
    for (int p = 3; p < below; p += 2) {
      if (BigInteger.valueOf(p).isProbablePrime(30)) {
        product = product.multiply(BigInteger.valueOf(p));
      }
    }
    return product;
  }
}
