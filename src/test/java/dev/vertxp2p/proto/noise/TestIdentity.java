package dev.vertxp2p.proto.noise;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 libp2p identity for tests. Its public key uses the peer-id spec's protobuf encoding
 * for Ed25519 (field 1 KeyType = 1, field 2 Data = 32 bytes), written out by hand.
 */
final class TestIdentity implements NoiseIdentitySigner {
  final byte[] privateKey = new byte[Ed25519.SECRET_KEY_SIZE];
  final byte[] publicKey = new byte[Ed25519.PUBLIC_KEY_SIZE];

  TestIdentity(SecureRandom random) {
    Ed25519.generatePrivateKey(random, privateKey);
    Ed25519.generatePublicKey(privateKey, 0, publicKey, 0);
  }

  @Override
  public byte[] publicKeyProtobuf() {
    return protobuf(publicKey);
  }

  static byte[] protobuf(byte[] ed25519Public) {
    byte[] out = new byte[4 + 32];
    out[0] = 0x08; // field 1, varint
    out[1] = 0x01; // Ed25519
    out[2] = 0x12; // field 2, length-delimited
    out[3] = 0x20; // 32 bytes
    System.arraycopy(ed25519Public, 0, out, 4, 32);
    return out;
  }

  @Override
  public byte[] sign(byte[] data) {
    byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
    Ed25519.sign(privateKey, 0, data, 0, data.length, sig, 0);
    return sig;
  }

  /** Verifies Ed25519 signatures and, when {@code expected} is non-null, the key itself. */
  static RemoteIdentityVerifier verifier(TestIdentity expected) {
    return (key, sig, data) -> {
      if (key.length != 36 || key[0] != 0x08 || key[1] != 0x01 || key[2] != 0x12) {
        throw new NoiseException("expected an Ed25519 PublicKey protobuf");
      }
      if (expected != null && !Arrays.equals(key, expected.publicKeyProtobuf())) {
        throw new NoiseException("expected the dialled peer, got another identity");
      }
      if (sig.length != Ed25519.SIGNATURE_SIZE
          || !Ed25519.verify(sig, 0, key, 4, data, 0, data.length)) {
        throw new NoiseException("expected a valid identity_sig, got a bad one");
      }
    };
  }
}
