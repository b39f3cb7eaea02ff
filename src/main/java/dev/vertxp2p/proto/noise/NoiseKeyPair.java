package dev.vertxp2p.proto.noise;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * An X25519 key pair for the Noise static or ephemeral key (Noise rev 34, section 12.1). The private
 * key is kept as given; X25519 clamps it on every use (RFC 7748 section 5).
 */
public final class NoiseKeyPair {
  /** DHLEN of the 25519 DH functions (Noise section 12.1). */
  public static final int DH_LENGTH = 32;

  private final byte[] privateKey;
  private final byte[] publicKey;

  private NoiseKeyPair(byte[] privateKey) {
    this.privateKey = privateKey;
    this.publicKey = new byte[DH_LENGTH];
    X25519.generatePublicKey(privateKey, 0, publicKey, 0);
  }

  /** A fresh key pair from {@code random}. */
  public static NoiseKeyPair generate(SecureRandom random) {
    byte[] k = new byte[DH_LENGTH];
    X25519.generatePrivateKey(random, k);
    return new NoiseKeyPair(k);
  }

  /** The key pair whose 32-byte private key is given (copied); for fixed test keys. */
  public static NoiseKeyPair fromPrivateKey(byte[] privateKey) {
    if (privateKey.length != DH_LENGTH) {
      throw new IllegalArgumentException(
          "X25519 private key must be " + DH_LENGTH + " bytes, got " + privateKey.length);
    }
    return new NoiseKeyPair(privateKey.clone());
  }

  /** The 32-byte public key, encoded per RFC 7748 section 5 (a copy). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  byte[] publicKeyRef() {
    return publicKey;
  }

  /**
   * DH(this, remotePublic) into {@code out[0..32)}.
   *
   * @throws NoiseException when the result is all zeros: the remote sent a low-order point, which
   *     Noise section 12.1 allows us to reject and which would make the shared secret guessable
   */
  void dh(byte[] remotePublic, byte[] out) {
    if (!X25519.calculateAgreement(privateKey, 0, remotePublic, 0, out, 0)) {
      Arrays.fill(out, (byte) 0);
      throw new NoiseException(
          "expected a remote X25519 public key of full order, got one giving an all-zero DH result");
    }
  }

  @Override
  public String toString() {
    return "NoiseKeyPair[public=" + hex(publicKey) + "]";
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder(b.length * 2);
    for (byte x : b) {
      s.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
    }
    return s.toString();
  }
}
