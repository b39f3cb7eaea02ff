package dev.vertxp2p.proto.tls;

import dev.vertxp2p.crypto.PrivateKey;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;

/**
 * What one side of the libp2p TLS handshake needs: its host key, the muxers it offers in ALPN
 * (libp2p inlined-muxer-negotiation spec, "Multiplexer Negotiation over TLS"), a random source and,
 * optionally, a certificate to reuse. Immutable; one config serves any number of handshakes.
 */
public final class TlsConfig {
  /** The ALPN protocol of libp2p TLS; always offered last (libp2p TLS spec, "ALPN"). */
  public static final String ALPN_LIBP2P = "libp2p";

  /** The longest ALPN protocol name TLS can carry (RFC 7301 section 3.1: one length byte). */
  public static final int MAX_ALPN_LENGTH = 255;

  /** Most muxers offered; ALPN's list is bounded, and nobody has more than a few muxers. */
  public static final int MAX_MUXERS = 16;

  private final PrivateKey hostKey;
  private final List<String> muxers;
  private final SecureRandom random;
  private final Libp2pTlsCertificate certificate;
  private final boolean deferTasks;
  private final CertificateVerdicts verdicts;

  private TlsConfig(Builder b) {
    this.verdicts = b.verdicts;
    this.deferTasks = b.deferTasks;
    this.hostKey = b.hostKey;
    this.muxers = b.muxers;
    this.random = b.random;
    this.certificate = b.certificate;
  }

  /** A builder for a host key; no muxers (plain {@code "libp2p"} in ALPN), a fresh SecureRandom. */
  public static Builder builder(PrivateKey hostKey) {
    return new Builder(hostKey);
  }

  public PrivateKey hostKey() {
    return hostKey;
  }

  /** The muxer protocol ids offered in ALPN before {@code "libp2p"}, by preference. */
  public List<String> muxers() {
    return muxers;
  }

  public SecureRandom random() {
    return random;
  }

  /** The certificate to present, or null to make a fresh one for each handshake. */
  public Libp2pTlsCertificate certificate() {
    return certificate;
  }

  /**
   * Whether a handshake hands its costly steps out ({@link TlsHandshake#takeTasks()}) for the
   * caller to run where it likes, instead of running them inside {@link TlsHandshake#feed}.
   */
  public boolean deferTasks() {
    return deferTasks;
  }

  /** Certificates already checked, shared by handshakes; null when none are remembered. */
  public CertificateVerdicts verdicts() {
    return verdicts;
  }

  /** Builds a {@link TlsConfig}. */
  public static final class Builder {
    private final PrivateKey hostKey;
    private List<String> muxers = List.of();
    private SecureRandom random;
    private Libp2pTlsCertificate certificate;
    private boolean deferTasks;
    private CertificateVerdicts verdicts;

    private Builder(PrivateKey hostKey) {
      this.hostKey = Objects.requireNonNull(hostKey, "hostKey");
    }

    /**
     * The muxers to offer in ALPN, most preferred first. Empty offers only {@code "libp2p"}: the
     * muxer is then negotiated with multistream-select after the handshake.
     *
     * @throws IllegalArgumentException for more than {@link #MAX_MUXERS}, a duplicate, an empty
     *     id, one over {@link #MAX_ALPN_LENGTH} bytes, or {@code "libp2p"} itself
     */
    public Builder muxers(List<String> muxers) {
      List<String> copy = List.copyOf(muxers);
      if (copy.size() > MAX_MUXERS) {
        throw new IllegalArgumentException("at most " + MAX_MUXERS + " muxers, got "
            + copy.size());
      }
      if (copy.stream().distinct().count() != copy.size()) {
        throw new IllegalArgumentException("duplicate muxer in " + copy);
      }
      for (String m : copy) {
        int length = m.getBytes(StandardCharsets.UTF_8).length;
        if (length == 0 || length > MAX_ALPN_LENGTH) {
          throw new IllegalArgumentException("muxer id must be 1 to " + MAX_ALPN_LENGTH
              + " bytes, got " + length + ": '" + m + "'");
        }
        if (m.equals(ALPN_LIBP2P)) {
          throw new IllegalArgumentException("'" + ALPN_LIBP2P + "' is offered last by itself;"
              + " it is not a muxer");
        }
      }
      this.muxers = copy;
      return this;
    }

    /**
     * With {@code true}, handshakes do not run the SSLEngine's delegated tasks (key exchange,
     * signatures, the remote certificate's check) inside {@link TlsHandshake#feed}: they stop and
     * hand them out through {@link TlsHandshake#takeTasks()}, so that glue can run them off its
     * event loop. Off by default: the tasks run inline.
     */
    public Builder deferTasks(boolean defer) {
      this.deferTasks = defer;
      return this;
    }

    /** A memory of certificates already checked, to skip their signatures when seen again. */
    public Builder verdicts(CertificateVerdicts verdicts) {
      this.verdicts = Objects.requireNonNull(verdicts, "verdicts");
      return this;
    }

    public Builder random(SecureRandom random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * A certificate to present in every handshake (the spec allows reuse), instead of a fresh one
     * each time. It must be the host key's: this is checked.
     *
     * @throws IllegalArgumentException if it does not carry this host key
     */
    public Builder certificate(Libp2pTlsCertificate certificate) {
      byte[] carried;
      try {
        carried = Libp2pTlsCertificate.verify(certificate.certificate().getEncoded(),
            certificate.certificate().getNotBefore().toInstant()).hostKey().marshal();
      } catch (java.security.cert.CertificateEncodingException | TlsCertificateException e) {
        throw new IllegalArgumentException("not a valid libp2p certificate: " + e.getMessage(),
            e);
      }
      if (!java.util.Arrays.equals(carried, hostKey.publicKey().marshal())) {
        throw new IllegalArgumentException("the certificate carries another host key");
      }
      this.certificate = certificate;
      return this;
    }

    /** Tests only: presents {@code certificate} unchecked, to see the remote refuse it. */
    Builder certificateUnchecked(Libp2pTlsCertificate certificate) {
      this.certificate = certificate;
      return this;
    }

    public TlsConfig build() {
      if (random == null) {
        random = new SecureRandom();
      }
      return new TlsConfig(this);
    }
  }
}
