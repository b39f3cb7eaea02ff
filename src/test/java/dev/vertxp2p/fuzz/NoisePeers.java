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
import java.security.SecureRandom;
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

  static NoiseConfig.Builder config(NoiseIdentitySigner signer, int keySeed) {
    return NoiseConfig.builder(signer, VERIFIER)
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
