package dev.vertxp2p.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 private key: the 32-byte RFC 8032 seed plus its public key, marshaled as {@code
 * seed || public} (64 bytes) per the peer-ids spec, "Ed25519".
 *
 * <p>The public key is derived once and handed to every signing call, so signing costs one scalar
 * multiplication rather than two.
 */
public final class Ed25519PrivateKey implements PrivateKey {
  /** RFC 8032 section 5.1.5: the private key (seed) is 32 bytes. */
  public static final int SEED_LENGTH = Ed25519.SECRET_KEY_SIZE;
  /** peer-ids spec, "Ed25519": preferred encoding, {@code [private][public]}. */
  public static final int MARSHALED_LENGTH = SEED_LENGTH + Ed25519PublicKey.LENGTH;
  /** peer-ids spec, "Ed25519": legacy encoding, {@code [private][public][public]}. */
  public static final int LEGACY_MARSHALED_LENGTH = MARSHALED_LENGTH + Ed25519PublicKey.LENGTH;

  private final byte[] seed;
  private final byte[] publicBytes;
  private final Ed25519PublicKey publicKey;

  private Ed25519PrivateKey(byte[] seed) {
    this.seed = seed;
    this.publicBytes = new byte[Ed25519PublicKey.LENGTH];
    Ed25519.generatePublicKey(seed, 0, publicBytes, 0);
    this.publicKey = Ed25519PublicKey.fromRaw(publicBytes);
  }

  /** A fresh key from {@code random}. */
  public static Ed25519PrivateKey generate(SecureRandom random) {
    byte[] seed = new byte[SEED_LENGTH];
    Ed25519.generatePrivateKey(random, seed);
    return new Ed25519PrivateKey(seed);
  }

  /**
   * The key for a 32-byte seed.
   *
   * @throws IllegalArgumentException if the seed is not 32 bytes
   */
  public static Ed25519PrivateKey fromSeed(byte[] seed) {
    if (seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException("Ed25519 seed must be " + SEED_LENGTH + " bytes, got " + seed.length);
    }
    return new Ed25519PrivateKey(seed.clone());
  }

  /**
   * The key from its libp2p {@code Data} encoding: 64 bytes {@code seed || public}, or the legacy
   * 96 bytes {@code seed || public || public}.
   *
   * @throws KeyFormatException on another length, or when the public half does not belong to the
   *     seed
   */
  public static Ed25519PrivateKey fromRaw(byte[] raw) {
    if (raw.length != MARSHALED_LENGTH && raw.length != LEGACY_MARSHALED_LENGTH) {
      throw new KeyFormatException("Ed25519 private key must be " + MARSHALED_LENGTH + " (or legacy "
          + LEGACY_MARSHALED_LENGTH + ") bytes, got " + raw.length);
    }
    if (raw.length == LEGACY_MARSHALED_LENGTH
        && !Arrays.equals(raw, SEED_LENGTH, MARSHALED_LENGTH, raw, MARSHALED_LENGTH, LEGACY_MARSHALED_LENGTH)) {
      // peer-ids spec, "Ed25519": the two public key copies of the legacy form must be identical.
      throw new KeyFormatException("legacy 96-byte Ed25519 private key carries two different public keys");
    }
    Ed25519PrivateKey key = new Ed25519PrivateKey(Arrays.copyOf(raw, SEED_LENGTH));
    if (!MessageDigest.isEqual(key.publicBytes, Arrays.copyOfRange(raw, SEED_LENGTH, MARSHALED_LENGTH))) {
      throw new KeyFormatException("Ed25519 private key: the stored public key does not match the seed");
    }
    return key;
  }

  /** A copy of the 32-byte seed. */
  public byte[] seed() {
    return seed.clone();
  }

  @Override
  public KeyType type() {
    return KeyType.ED25519;
  }

  @Override
  public byte[] sign(byte[] data) {
    byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicBytes, 0, data, 0, data.length, sig, 0);
    return sig;
  }

  @Override
  public Ed25519PublicKey publicKey() {
    return publicKey;
  }

  @Override
  public byte[] raw() {
    byte[] out = new byte[MARSHALED_LENGTH];
    System.arraycopy(seed, 0, out, 0, SEED_LENGTH);
    System.arraycopy(publicBytes, 0, out, SEED_LENGTH, Ed25519PublicKey.LENGTH);
    return out;
  }

  @Override
  public String toString() {
    return "Ed25519PrivateKey[public=" + publicKey + "]";
  }
}
