package dev.vertxp2p.proto.noise;

import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * What one {@link NoiseHandshake} needs: the local identity, how the remote one is checked, the
 * local stream muxers for inlined negotiation, and optionally fixed key material.
 *
 * <p>The remote identity is checked either by a {@link RemoteIdentityVerifier} the engine calls
 * inline ({@link #builder(NoiseIdentitySigner, RemoteIdentityVerifier)}), or by the caller, at its
 * own pace ({@link #deferredBuilder(NoiseIdentitySigner)}): the engine then stops at the proof
 * ({@link NoiseHandshake#pendingProof()}) until told the verdict, so that a costly check can run
 * elsewhere while the engine stays free of threads and I/O.
 *
 * <p>Without a static key pair each handshake generates its own, which the libp2p noise spec
 * allows ("Static Key Authentication"). An injected ephemeral key pair is for deterministic tests
 * only: a config carrying one must not be used for two handshakes.
 */
public final class NoiseConfig {
  private final NoiseIdentitySigner signer;
  private final RemoteIdentityVerifier verifier;
  private final List<String> streamMuxers;
  private final NoiseKeyPair staticKeyPair;
  private final NoiseKeyPair ephemeralKeyPair;
  private final SecureRandom random;
  private final NoiseAeads.Kind aeadKind;

  private NoiseConfig(Builder b) {
    this.signer = b.signer;
    this.verifier = b.verifier;
    this.streamMuxers = b.streamMuxers;
    this.staticKeyPair = b.staticKeyPair;
    this.ephemeralKeyPair = b.ephemeralKeyPair;
    this.random = b.random;
    this.aeadKind = b.aeadKind;
  }

  /** A builder whose handshakes check the remote identity inline with {@code verifier}. */
  public static Builder builder(NoiseIdentitySigner signer, RemoteIdentityVerifier verifier) {
    return new Builder(signer, Objects.requireNonNull(verifier, "verifier"));
  }

  /**
   * A builder whose handshakes leave the remote identity to the caller: each stops at the remote's
   * proof and waits for {@link NoiseHandshake#proofAccepted()} or {@link
   * NoiseHandshake#proofRejected}.
   */
  public static Builder deferredBuilder(NoiseIdentitySigner signer) {
    return new Builder(signer, null);
  }

  NoiseIdentitySigner signer() {
    return signer;
  }

  /** The inline verifier, or null when verification is deferred to the caller. */
  RemoteIdentityVerifier verifier() {
    return verifier;
  }

  List<String> streamMuxers() {
    return streamMuxers;
  }

  NoiseKeyPair staticKeyPair() {
    return staticKeyPair;
  }

  NoiseKeyPair ephemeralKeyPair() {
    return ephemeralKeyPair;
  }

  SecureRandom random() {
    return random;
  }

  NoiseAeads.Kind aeadKind() {
    return aeadKind;
  }

  /** Builds a {@link NoiseConfig}. */
  public static final class Builder {
    private final NoiseIdentitySigner signer;
    private final RemoteIdentityVerifier verifier;
    private List<String> streamMuxers = List.of();
    private NoiseKeyPair staticKeyPair;
    private NoiseKeyPair ephemeralKeyPair;
    private SecureRandom random;
    private NoiseAeads.Kind aeadKind;

    private Builder(NoiseIdentitySigner signer, RemoteIdentityVerifier verifier) {
      this.signer = Objects.requireNonNull(signer, "signer");
      this.verifier = verifier;
    }

    /**
     * Local stream muxer protocol ids, most preferred first, sent in the {@code stream_muxers}
     * extension; empty (the default) sends no extension and leaves muxer choice to multistream.
     */
    public Builder streamMuxers(List<String> muxers) {
      if (muxers.size() > NoiseHandshakePayload.MAX_STREAM_MUXERS) {
        throw new IllegalArgumentException(
            "at most " + NoiseHandshakePayload.MAX_STREAM_MUXERS + " muxers, got " + muxers.size());
      }
      this.streamMuxers = List.copyOf(muxers);
      return this;
    }

    /** The static Noise key pair; generated per handshake when not set. */
    public Builder staticKeyPair(NoiseKeyPair keyPair) {
      this.staticKeyPair = keyPair;
      return this;
    }

    /** A fixed ephemeral key pair: for deterministic tests only. */
    public Builder ephemeralKeyPair(NoiseKeyPair keyPair) {
      this.ephemeralKeyPair = keyPair;
      return this;
    }

    /** Source of generated keys; a new {@link SecureRandom} when not set. */
    public Builder random(SecureRandom random) {
      this.random = random;
      return this;
    }

    /** The AEAD implementation; {@link NoiseAeads#configuredKind()} when not set. */
    public Builder aead(NoiseAeads.Kind kind) {
      this.aeadKind = kind;
      return this;
    }

    public NoiseConfig build() {
      if (random == null) {
        random = new SecureRandom();
      }
      if (aeadKind == null) {
        aeadKind = NoiseAeads.configuredKind();
      }
      return new NoiseConfig(this);
    }
  }
}
