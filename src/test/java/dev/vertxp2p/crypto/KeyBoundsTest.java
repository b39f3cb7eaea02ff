package dev.vertxp2p.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Identity keys come from peers that have not yet proved anything, so their parsing is bounded
 * and cheap. RSA: the exponent is odd and in [3, 2^32), the modulus odd and in [2048, 8192] bits, and
 * nothing tests the modulus for primality. Verification stays exact: the JDK's own signatures
 * verify under any accepted exponent, and nothing else does.
 */
class KeyBoundsTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] MSG = "noise-libp2p-static-key:rsa".getBytes(StandardCharsets.UTF_8);
  /** A genuine 2048-bit modulus, so that only the exponent is wrong in the exponent cases. */
  private static BigInteger realModulus;

  @BeforeAll
  static void genuineKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048, RANDOM);
    realModulus = ((RSAPublicKey) g.generateKeyPair().getPublic()).getModulus();
  }

  /** The canonical SubjectPublicKeyInfo of (n, e), with the spec's NULL parameters. */
  static byte[] spki(BigInteger n, BigInteger e) throws Exception {
    return new SubjectPublicKeyInfo(
        new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
        new org.bouncycastle.asn1.pkcs.RSAPublicKey(n, e)).getEncoded(ASN1Encoding.DER);
  }

  /** A random odd number of exactly {@code bits} bits. */
  static BigInteger randomOdd(int bits) {
    return new BigInteger(bits, RANDOM).setBit(bits - 1).setBit(0);
  }

  private static KeyFormatException refused(BigInteger n, BigInteger e) throws Exception {
    byte[] raw = spki(n, e);
    return assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.RSA, raw)));
  }

  @Test
  void evenExponentIsRefusedByName() throws Exception {
    KeyFormatException e = refused(realModulus, BigInteger.valueOf(65536));
    assertTrue(e.getMessage().contains("exponent must be odd, got 65536"), e.getMessage());
  }

  @Test
  void exponentBelowThreeIsRefusedByName() throws Exception {
    KeyFormatException e = refused(realModulus, BigInteger.ONE);
    assertTrue(e.getMessage().contains("exponent must be at least 3, got 1"), e.getMessage());
  }

  @Test
  void exponentOfTwoToTheThirtyTwoOrMoreIsRefusedByName() throws Exception {
    KeyFormatException e = refused(realModulus, BigInteger.ONE.shiftLeft(32).add(BigInteger.ONE));
    assertTrue(e.getMessage().contains("exponent must be less than 2^32, got one of 33 bits"),
        e.getMessage());
    // what the stall of issue 17 used: a ~7,700-bit exponent on a genuine modulus
    e = refused(realModulus, randomOdd(7700));
    assertTrue(e.getMessage().contains("got one of 7700 bits"), e.getMessage());
  }

  @Test
  void largestExponentIsAccepted() throws Exception {
    BigInteger e = BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE);
    RsaPublicKey key = (RsaPublicKey) Keys.publicKeyFromRaw(KeyType.RSA, spki(realModulus, e));
    assertEquals(e, key.exponent());
  }

  @Test
  void evenModulusIsRefusedByName() throws Exception {
    KeyFormatException e = refused(randomOdd(4096).clearBit(0), BigInteger.valueOf(65537));
    assertTrue(e.getMessage().contains("modulus must be odd, got an even one of 4096 bits"),
        e.getMessage());
  }

  @Test
  void modulusOutsideTheSizeBoundsIsRefused() throws Exception {
    KeyFormatException e = refused(randomOdd(RsaPublicKey.MAX_BITS + 1), BigInteger.valueOf(65537));
    assertTrue(e.getMessage().contains("8193 bits is outside the accepted range 2048..8192"),
        e.getMessage());
    e = refused(randomOdd(RsaPublicKey.MIN_BITS - 1), BigInteger.valueOf(65537));
    assertTrue(e.getMessage().contains("2047 bits"), e.getMessage());
  }

  /**
   * No primality or small-factor test: a random odd 8192-bit number (almost surely with small
   * factors) parses as a modulus, and a garbage signature simply does not verify under it.
   */
  @Test
  void randomOddModulusParsesWithoutPrimalityTest() throws Exception {
    // n = 3 (mod 6): odd, and a multiple of 3 that any factor test would catch
    BigInteger six = BigInteger.valueOf(6);
    BigInteger r = randomOdd(8192);
    BigInteger n = r.subtract(r.mod(six)).add(BigInteger.valueOf(3));
    assertEquals(BigInteger.ZERO, n.mod(BigInteger.valueOf(3)));
    assertEquals(8192, n.bitLength());
    PublicKey key = Keys.unmarshalPublicKey(Keys.marshal(KeyType.RSA, spki(n, BigInteger.valueOf(65537))));
    assertEquals(8192, ((RsaPublicKey) key).bits());
    byte[] garbage = new byte[1024];
    RANDOM.nextBytes(garbage);
    garbage[0] = 0; // below the modulus
    assertFalse(key.verify(MSG, garbage));
  }

  @Test
  void algorithmParametersMustBeNull() throws Exception {
    byte[] raw = new SubjectPublicKeyInfo(
        new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption),
        new org.bouncycastle.asn1.pkcs.RSAPublicKey(realModulus, BigInteger.valueOf(65537)))
        .getEncoded(ASN1Encoding.DER);
    KeyFormatException e = assertThrows(KeyFormatException.class,
        () -> RsaPublicKey.fromRaw(raw));
    assertTrue(e.getMessage().contains("NULL algorithm parameters, got none"), e.getMessage());
  }

  /** The JDK signs with e = 3, 65537 and 2^32 - 5 (all odd): each verifies, and only over MSG. */
  @Test
  void jdkSignaturesVerifyUnderEveryAcceptedExponentSize() throws Exception {
    for (long exponent : new long[] {3, 65537, 4294967291L}) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(new RSAKeyGenParameterSpec(2048, BigInteger.valueOf(exponent)), RANDOM);
      KeyPair kp = g.generateKeyPair();
      PublicKey key = Keys.unmarshalPublicKey(
          Keys.marshal(KeyType.RSA, kp.getPublic().getEncoded()));
      byte[] sig = sign("SHA256withRSA", kp, MSG);
      assertTrue(key.verify(MSG, sig), "e=" + exponent);
      assertFalse(key.verify("other".getBytes(StandardCharsets.UTF_8), sig), "e=" + exponent);
      byte[] altered = sig.clone();
      altered[altered.length / 2] ^= 1;
      assertFalse(key.verify(MSG, altered), "e=" + exponent);
      // the right key and data, another hash's DigestInfo: the encoding differs
      assertFalse(key.verify(MSG, sign("SHA1withRSA", kp, MSG)), "e=" + exponent);
      assertFalse(key.verify(MSG, sign("SHA512withRSA", kp, MSG)), "e=" + exponent);
    }
  }

  @Test
  void signatureOfTheWrongLengthOrNotBelowTheModulusDoesNotVerify() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048, RANDOM);
    KeyPair kp = g.generateKeyPair();
    PublicKey key = Keys.unmarshalPublicKey(Keys.marshal(KeyType.RSA, kp.getPublic().getEncoded()));
    byte[] sig = sign("SHA256withRSA", kp, MSG);
    assertFalse(key.verify(MSG, Arrays.copyOf(sig, sig.length + 1)));
    assertFalse(key.verify(MSG, Arrays.copyOfRange(sig, 1, sig.length)));
    // s + n has the same residue but is not a valid representative (RFC 8017 section 5.2.2)
    BigInteger n = ((RSAPublicKey) kp.getPublic()).getModulus();
    BigInteger s = new BigInteger(1, sig).add(n);
    if (s.bitLength() <= 2048) {
      byte[] big = s.toByteArray();
      byte[] exact = Arrays.copyOfRange(big, big.length - 256, big.length);
      assertFalse(key.verify(MSG, exact));
    }
    byte[] ones = new byte[256];
    Arrays.fill(ones, (byte) 0xff);
    assertFalse(key.verify(MSG, ones));
  }

  /** An ECDSA point is exactly the size its curve needs, checked before any arithmetic on it. */
  @Test
  void ecdsaPointOfTheWrongSizeForItsCurveIsRefusedByName() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"), RANDOM);
    SubjectPublicKeyInfo p384 = SubjectPublicKeyInfo.getInstance(
        ec.generateKeyPair().getPublic().getEncoded());
    byte[] shortPoint = Arrays.copyOf(p384.getPublicKeyData().getOctets(), 65); // a P-256 size
    byte[] raw = new SubjectPublicKeyInfo(p384.getAlgorithm(), shortPoint)
        .getEncoded(ASN1Encoding.DER);
    KeyFormatException e = assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.ECDSA, raw)));
    assertTrue(e.getMessage().contains("must be 97 bytes, got 65"), e.getMessage());
  }

  private static byte[] sign(String algorithm, KeyPair kp, byte[] data) throws Exception {
    Signature s = Signature.getInstance(algorithm);
    s.initSign(kp.getPrivate());
    s.update(data);
    return s.sign();
  }
}
