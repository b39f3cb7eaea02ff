package dev.vertxp2p.proto.tls;

import dev.vertxp2p.crypto.PrivateKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * TLS configs that present a certificate breaking one rule of the libp2p TLS spec, for tests
 * outside this package that play a hostile peer against a real node.
 */
public final class HostileTlsConfigs {
  private HostileTlsConfigs() {}

  /** A certificate without the libp2p Public Key Extension (spec, "Peer Authentication"). */
  public static TlsConfig withoutExtension(PrivateKey host, List<String> muxers,
      SecureRandom random, Instant now) {
    Libp2pTlsCertificate bare = Libp2pTlsCertificate.build(
        Libp2pTlsCertificate.generateP256(random), null, false, now.minusSeconds(3600),
        now.plusSeconds(3600), random);
    return TlsConfig.builder(host).muxers(muxers).random(random).certificateUnchecked(bare)
        .build();
  }

  /** A certificate whose extension carries {@code host}'s key with a signature that is wrong. */
  public static TlsConfig withBadSignature(PrivateKey host, List<String> muxers,
      SecureRandom random, Instant now) {
    byte[] wrong = new byte[64];
    random.nextBytes(wrong);
    byte[] extension = new SignedKey(host.publicKey().marshal(), wrong).encode();
    Libp2pTlsCertificate forged = Libp2pTlsCertificate.build(
        Libp2pTlsCertificate.generateP256(random), extension, false, now.minusSeconds(3600),
        now.plusSeconds(3600), random);
    return TlsConfig.builder(host).muxers(muxers).random(random).certificateUnchecked(forged)
        .build();
  }

  /**
   * A certificate whose extension carries any host key bytes (a protobuf-encoded public key, say
   * an RSA key with a huge modulus and exponent) with any signature: what the remote's check of
   * it costs is the point.
   */
  public static TlsConfig withHostKey(byte[] marshaledPublicKey, byte[] signature,
      List<String> muxers, SecureRandom random, Instant now) {
    byte[] extension = new SignedKey(marshaledPublicKey, signature).encode();
    Libp2pTlsCertificate forged = Libp2pTlsCertificate.build(
        Libp2pTlsCertificate.generateP256(random), extension, false, now.minusSeconds(3600),
        now.plusSeconds(3600), random);
    return TlsConfig.builder(dev.vertxp2p.crypto.Ed25519PrivateKey.generate(random))
        .muxers(muxers).random(random).certificateUnchecked(forged).build();
  }
}
