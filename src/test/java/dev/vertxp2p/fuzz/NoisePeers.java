package dev.vertxp2p.fuzz;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.KeyFormatException;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseIdentitySigner;
import dev.vertxp2p.proto.noise.NoiseKeyPair;
import dev.vertxp2p.proto.noise.RemoteIdentityVerifier;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;

/**
 * Deterministic Noise peers for the fuzz targets: fixed identities, static and ephemeral keys, so
 * that a whole handshake transcript is the same on every run and a committed seed can hold a valid
 * message 2 or 3 for the fuzzer to mutate.
 */
final class NoisePeers {
  static final String YAMUX = "/yamux/1.0.0";
  static final String MPLEX = "/mplex/6.7.0";
  static final SecureRandom RANDOM = new SecureRandom();

  static final PrivateKey INITIATOR_IDENTITY = Ed25519PrivateKey.fromSeed(fill(0x11));
  static final PrivateKey RESPONDER_IDENTITY = Ed25519PrivateKey.fromSeed(fill(0x22));
  /** An identity a forger claims without holding its private key (the test signs with it). */
  static final PrivateKey CLAIMED_IDENTITY = Ed25519PrivateKey.fromSeed(fill(0x33));

  private NoisePeers() {}

  static byte[] fill(int b) {
    byte[] out = new byte[32];
    Arrays.fill(out, (byte) b);
    return out;
  }

  static NoiseIdentitySigner signer(PrivateKey identity) {
    byte[] marshaled = identity.publicKey().marshal();
    return new NoiseIdentitySigner() {
      @Override
      public byte[] publicKeyProtobuf() {
        return marshaled;
      }

      @Override
      public byte[] sign(byte[] data) {
        return identity.sign(data);
      }
    };
  }

  /** A signer that presents whatever key and signature the fuzzer chose. */
  static NoiseIdentitySigner forged(byte[] key, byte[] signature) {
    return new NoiseIdentitySigner() {
      @Override
      public byte[] publicKeyProtobuf() {
        return key;
      }

      @Override
      public byte[] sign(byte[] data) {
        return signature;
      }
    };
  }

  /** What the upgrader does: decode the identity key with Keys, verify the signature with it. */
  static final RemoteIdentityVerifier VERIFIER =
      (identityKey, signature, signedData) -> {
        PublicKey key;
        try {
          key = Keys.unmarshalPublicKey(identityKey);
        } catch (KeyFormatException e) {
          throw new NoiseException("remote identity key is malformed: " + e.getMessage());
        }
        if (!key.verify(signedData, signature)) {
          throw new NoiseException("remote's signature over its Noise static key does not verify");
        }
      };

  /** The static Noise public key of the peer built with {@code keySeed} by {@link #config}. */
  static byte[] staticPublicKey(int keySeed) {
    return NoiseKeyPair.fromPrivateKey(fill(keySeed)).publicKey();
  }

  /** What an identity key signs in the Noise handshake payload (libp2p noise spec). */
  static byte[] signedData(byte[] staticPublicKey) {
    byte[] prefix = NoiseHandshake.STATIC_KEY_SIGNATURE_PREFIX.getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(prefix, prefix.length + staticPublicKey.length);
    System.arraycopy(staticPublicKey, 0, out, prefix.length, staticPublicKey.length);
    return out;
  }

  /**
   * Whether {@code signature} is a valid Ed25519 signature over {@code data} by the key in {@code
   * marshaledKey} (the libp2p protobuf {@code 08 01 12 20} followed by the 32-byte key), judged by
   * the JDK's own Ed25519 rather than the BouncyCastle code the project verifies with.
   */
  static boolean jdkVerifiesEd25519(byte[] marshaledKey, byte[] data, byte[] signature) {
    // RFC 8032 section 5.1.7 splits a signature into two 32-octet halves: it is 64 bytes. JDK 17
    // also accepts the 64 bytes with a zero byte appended (the fuzzer found it), so say it here.
    if (signature.length != 64) {
      return false;
    }
    byte[] protobufPrefix = {0x08, 0x01, 0x12, 0x20};
    if (marshaledKey.length != 36
        || !Arrays.equals(Arrays.copyOf(marshaledKey, 4), protobufPrefix)) {
      throw new IllegalArgumentException("not a marshaled Ed25519 public key");
    }
    // RFC 8410 SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID 1.3.101.112 } BIT STRING key }
    byte[] spki = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    byte[] encoded = Arrays.copyOf(spki, spki.length + 32);
    System.arraycopy(marshaledKey, 4, encoded, spki.length, 32);
    try {
      Signature v = Signature.getInstance("Ed25519");
      v.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded)));
      v.update(data);
      return v.verify(signature);
    } catch (java.security.SignatureException malformed) {
      return false;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no Ed25519", e);
    }
  }

  static NoiseConfig.Builder config(NoiseIdentitySigner signer, int keySeed) {
    return NoiseConfig.builder(signer, VERIFIER)
        .streamMuxers(List.of(YAMUX, MPLEX))
        .staticKeyPair(NoiseKeyPair.fromPrivateKey(fill(keySeed)))
        .ephemeralKeyPair(NoiseKeyPair.fromPrivateKey(fill(keySeed + 1)))
        .random(RANDOM);
  }

  /** As {@link #config}, with the identity check left to the caller (the upgrader's mode). */
  static NoiseConfig.Builder deferred(NoiseIdentitySigner signer, int keySeed) {
    return NoiseConfig.deferredBuilder(signer)
        .streamMuxers(List.of(YAMUX, MPLEX))
        .staticKeyPair(NoiseKeyPair.fromPrivateKey(fill(keySeed)))
        .ephemeralKeyPair(NoiseKeyPair.fromPrivateKey(fill(keySeed + 1)))
        .random(RANDOM);
  }

  static NoiseHandshake initiator() {
    return NoiseHandshake.initiator(config(signer(INITIATOR_IDENTITY), 0x31).build());
  }

  static NoiseHandshake responder() {
    return NoiseHandshake.responder(config(signer(RESPONDER_IDENTITY), 0x41).build());
  }

  /** Runs two handshakes to completion, delivering every message whole. */
  static void pump(NoiseHandshake a, NoiseHandshake b) {
    boolean moved = true;
    while (moved) {
      moved = false;
      for (byte[] m; (m = a.pollOutbound()) != null; moved = true) {
        if (!b.isComplete() && !b.isFailed()) {
          b.receive(m, 0, m.length);
        }
      }
      for (byte[] m; (m = b.pollOutbound()) != null; moved = true) {
        if (!a.isComplete() && !a.isFailed()) {
          a.receive(m, 0, m.length);
        }
      }
    }
  }
}
