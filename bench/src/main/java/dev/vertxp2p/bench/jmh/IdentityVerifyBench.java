package dev.vertxp2p.bench.jmh;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.KeyType;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.Secp256k1PrivateKey;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the upgrader pays for one remote identity proof it has not seen before: decoding the
 * marshaled public key and verifying its signature over the Noise static key. Which key types
 * verify on the event loop and which on the worker pool follows from these figures (the rule: a
 * type whose proof costs over 2 ms goes off the loop).
 *
 * <p>The RSA-8192 cases use a random odd modulus with a random signature below it: the cost of
 * the modular exponentiation does not depend on the key being genuine, and generating real
 * 8192-bit keys would take the set-up minutes. The others verify a genuine signature.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class IdentityVerifyBench {
  @Param({"ED25519", "SECP256K1", "ECDSA_P256", "ECDSA_P384", "ECDSA_P521", "RSA_2048",
      "RSA_4096", "RSA_8192", "RSA_8192_E32"})
  public String key;

  private static final byte[] SIGNED = ("noise-libp2p-static-key:"
      + "0123456789abcdef0123456789abcdef").getBytes(StandardCharsets.UTF_8);

  private byte[] marshaled;
  private byte[] signature;
  /** Whether {@link #signature} is genuine, so that {@link #decodeAndVerify} must say true. */
  private boolean genuine;

  @Setup
  public void setUp() throws GeneralSecurityException, java.io.IOException {
    SecureRandom random = new SecureRandom();
    genuine = true;
    switch (key) {
      case "ED25519" -> own(Ed25519PrivateKey.generate(random));
      case "SECP256K1" -> own(Secp256k1PrivateKey.generate(random));
      case "ECDSA_P256" -> jdk("EC", new ECGenParameterSpec("secp256r1"), "SHA256withECDSA",
          KeyType.ECDSA, random);
      case "ECDSA_P384" -> jdk("EC", new ECGenParameterSpec("secp384r1"), "SHA256withECDSA",
          KeyType.ECDSA, random);
      case "ECDSA_P521" -> jdk("EC", new ECGenParameterSpec("secp521r1"), "SHA256withECDSA",
          KeyType.ECDSA, random);
      case "RSA_2048" -> jdk("RSA", null, "SHA256withRSA", KeyType.RSA, random, 2048);
      case "RSA_4096" -> jdk("RSA", null, "SHA256withRSA", KeyType.RSA, random, 4096);
      case "RSA_8192" -> randomRsa(8192, BigInteger.valueOf(65537), random);
      case "RSA_8192_E32" -> randomRsa(8192,
          BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE), random);
      default -> throw new IllegalArgumentException("unknown key " + key);
    }
  }

  /** Decode the key, verify the proof: the upgrader's work on a cache miss. */
  @Benchmark
  public boolean decodeAndVerify() {
    boolean ok = Keys.unmarshalPublicKey(marshaled).verify(SIGNED, signature);
    if (ok != genuine) {
      throw new IllegalStateException(key + ": verified " + ok + ", expected " + genuine);
    }
    return ok;
  }

  private void own(PrivateKey k) {
    marshaled = k.publicKey().marshal();
    signature = k.sign(SIGNED);
  }

  private void jdk(String algorithm, ECGenParameterSpec curve, String signing, KeyType type,
      SecureRandom random, int... bits) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    if (curve != null) {
      g.initialize(curve, random);
    } else {
      g.initialize(bits[0], random);
    }
    KeyPair kp = g.generateKeyPair();
    Signature s = Signature.getInstance(signing);
    s.initSign(kp.getPrivate());
    s.update(SIGNED);
    signature = s.sign();
    marshaled = Keys.marshal(type, kp.getPublic().getEncoded());
  }

  private void randomRsa(int bits, BigInteger e, SecureRandom random) throws java.io.IOException {
    BigInteger n = new BigInteger(bits, random).setBit(bits - 1).setBit(0);
    byte[] spki = new SubjectPublicKeyInfo(
        new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
        new RSAPublicKey(n, e)).getEncoded(ASN1Encoding.DER);
    marshaled = Keys.marshal(KeyType.RSA, spki);
    signature = new byte[bits / 8];
    random.nextBytes(signature);
    signature[0] = 0; // below the modulus, so the exponentiation runs
    genuine = false;
  }
}
