package dev.vertxp2p.proto.noise;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Creates {@link NoiseAead} instances. Two implementations produce identical bytes: the JDK's
 * {@code ChaCha20-Poly1305} cipher (the default) and BouncyCastle's lightweight {@code
 * ChaCha20Poly1305}; the system property {@value #PROPERTY} ({@code jdk} or {@code bc}) overrides
 * the default, so a benchmark can compare them without a rebuild.
 */
public final class NoiseAeads {
  /** System property that picks the implementation: {@code jdk} or {@code bc}. */
  public static final String PROPERTY = "vertxp2p.noise.aead";

  /** The available implementations. */
  public enum Kind {
    /** {@code javax.crypto.Cipher} "ChaCha20-Poly1305" (JDK 11+, intrinsified on newer JDKs). */
    JDK,
    /** BouncyCastle's lightweight {@code org.bouncycastle.crypto.modes.ChaCha20Poly1305}. */
    BC
  }

  private NoiseAeads() {}

  /** The kind named by {@value #PROPERTY}, or {@link Kind#JDK} when it is unset. */
  public static Kind configuredKind() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      return Kind.JDK;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "jdk":
        return Kind.JDK;
      case "bc":
        return Kind.BC;
      default:
        throw new IllegalArgumentException(
            "system property " + PROPERTY + " must be jdk or bc, got '" + value + "'");
    }
  }

  /** A new instance of the configured kind. */
  public static NoiseAead create() {
    return create(configuredKind());
  }

  /** A new instance of the given kind. */
  public static NoiseAead create(Kind kind) {
    switch (kind) {
      case JDK:
        return new JdkChaChaPolyAead();
      case BC:
        return new BcChaChaPolyAead();
      default:
        throw new IllegalArgumentException("unknown AEAD kind " + kind);
    }
  }

  /** A supplier of new instances of the given kind. */
  public static Supplier<NoiseAead> supplier(Kind kind) {
    return () -> create(kind);
  }

  /** Writes the ChaChaPoly nonce: 4 zero bytes then the counter little-endian (Noise 12.3). */
  static void fillNonce(byte[] nonce12, long counter) {
    nonce12[0] = 0;
    nonce12[1] = 0;
    nonce12[2] = 0;
    nonce12[3] = 0;
    for (int i = 0; i < 8; i++) {
      nonce12[4 + i] = (byte) (counter >>> (8 * i));
    }
  }
}
