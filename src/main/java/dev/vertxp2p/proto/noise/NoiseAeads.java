package dev.vertxp2p.proto.noise;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Creates {@link NoiseAead} instances. Three implementations produce identical bytes: the JDK's
 * {@code ChaCha20-Poly1305} cipher, BouncyCastle's lightweight {@code ChaCha20Poly1305}, and this
 * project's own {@link ChaCha20Poly1305}. By default Noise uses the JDK's on JDK 20 and later,
 * where HotSpot runs ChaCha20 and Poly1305 as vector intrinsics (about 2 GB/s per core here), and
 * its own before that, where the JDK's cipher is plain Java too and ours is faster (on JDK 17 here
 * 3.9–5.6 Gbit/s with {@link ChaCha20Lanes}, 1.4–1.8 without, the JDK's 1.9, BouncyCastle's
 * 1.1). The system property {@value #PROPERTY} ({@code jdk}, {@code bc} or {@code java})
 * overrides the default, so a benchmark can compare them without a rebuild.
 */
public final class NoiseAeads {
  /** System property that picks the implementation: {@code jdk}, {@code bc} or {@code java}. */
  public static final String PROPERTY = "vertxp2p.noise.aead";

  /**
   * How ChaCha20 runs in {@link Kind#JAVA}: {@code "lanes"} when many blocks go through vector
   * instructions at once ({@link ChaCha20Lanes}), {@code "scalar"} otherwise. For reports.
   */
  public static String javaChaCha20Path() {
    return AeadLanes.ENABLED ? "lanes" : "scalar";
  }

  /** The available implementations. */
  public enum Kind {
    /** {@code javax.crypto.Cipher} "ChaCha20-Poly1305" (JDK 11+, intrinsified on newer JDKs). */
    JDK,
    /** BouncyCastle's lightweight {@code org.bouncycastle.crypto.modes.ChaCha20Poly1305}. */
    BC,
    /** This project's own {@link ChaCha20Poly1305}, in plain Java. */
    JAVA
  }

  private NoiseAeads() {}

  /** The first JDK whose ChaCha20-Poly1305 HotSpot intrinsifies (ChaCha20 arrived in 20). */
  static final int INTRINSIC_CHACHA_JDK = 20;

  /**
   * The kind named by {@value #PROPERTY}, or when it is unset, the faster one on this JDK: {@link
   * Kind#JDK} from {@value #INTRINSIC_CHACHA_JDK} on, {@link Kind#JAVA} before.
   */
  public static Kind configuredKind() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      return defaultKind(Runtime.version().feature());
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "jdk":
        return Kind.JDK;
      case "bc":
        return Kind.BC;
      case "java":
        return Kind.JAVA;
      default:
        throw new IllegalArgumentException(
            "system property " + PROPERTY + " must be jdk, bc or java, got '" + value + "'");
    }
  }

  /** The default kind on a JDK of the given feature version. */
  static Kind defaultKind(int jdkFeature) {
    return jdkFeature >= INTRINSIC_CHACHA_JDK ? Kind.JDK : Kind.JAVA;
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
      case JAVA:
        return new JavaChaChaPolyAead();
      default:
        throw new IllegalArgumentException("unknown AEAD kind " + kind);
    }
  }

  /** A supplier of new instances of the given kind. */
  public static Supplier<NoiseAead> supplier(Kind kind) {
    return () -> create(kind);
  }

  /** Every implementation's check of a key handed to {@link NoiseAead#setKey}. */
  static void requireKeyLength(byte[] k) {
    if (k.length != NoiseAead.KEY_LENGTH) {
      throw new IllegalArgumentException(
          "ChaChaPoly key must be " + NoiseAead.KEY_LENGTH + " bytes, got " + k.length);
    }
  }

  /** Every implementation's refusal of use after {@link NoiseAead#destroy()}. */
  static void requireLive(boolean destroyed) {
    if (destroyed) {
      throw new IllegalStateException(
          "expected a live AEAD, got one whose key destroy() has wiped (its cipher state ended)");
    }
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
