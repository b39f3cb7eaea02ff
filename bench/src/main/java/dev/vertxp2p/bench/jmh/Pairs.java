package dev.vertxp2p.bench.jmh;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.proto.noise.NoiseAeads;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseIdentitySigner;
import dev.vertxp2p.proto.noise.NoiseSession;
import java.security.SecureRandom;

/** Sans-IO engines wired back to back in memory, for the micro-benchmarks. */
final class Pairs {
  private Pairs() {}

  static NoiseIdentitySigner signer(SecureRandom random) {
    Ed25519PrivateKey key = Ed25519PrivateKey.generate(random);
    byte[] pub = key.publicKey().marshal();
    return new NoiseIdentitySigner() {
      @Override
      public byte[] publicKeyProtobuf() {
        return pub;
      }

      @Override
      public byte[] sign(byte[] data) {
        return key.sign(data);
      }
    };
  }

  static NoiseConfig config(SecureRandom random, NoiseAeads.Kind kind) {
    return NoiseConfig.builder(signer(random), (k, sig, data) -> {
      if (!Keys.unmarshalPublicKey(k).verify(data, sig)) {
        throw new IllegalStateException("bad signature");
      }
    }).random(random).aead(kind).build();
  }

  /** A full Noise XX handshake in memory; returns {initiator, responder} sessions. */
  static NoiseSession[] noise(NoiseAeads.Kind kind) {
    SecureRandom random = new SecureRandom();
    NoiseHandshake i = NoiseHandshake.initiator(config(random, kind));
    NoiseHandshake r = NoiseHandshake.responder(config(random, kind));
    for (int round = 0; round < 10 && !(i.isComplete() && r.isComplete()); round++) {
      byte[] out;
      while ((out = i.pollOutbound()) != null) {
        r.receive(out, 0, out.length);
      }
      while ((out = r.pollOutbound()) != null) {
        i.receive(out, 0, out.length);
      }
    }
    if (!i.isComplete() || !r.isComplete()) {
      throw new IllegalStateException("handshake did not complete");
    }
    return new NoiseSession[] {i.session(), r.session()};
  }
}
