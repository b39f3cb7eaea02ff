package dev.vertxp2p.proto.tls;

import java.util.Objects;

/**
 * The remote's certificate is not a valid libp2p TLS certificate (libp2p TLS spec, "Peer
 * Authentication"), or it names a peer other than the one dialed. {@link #reason()} says which
 * rule it broke, and the message says what was expected and what came.
 */
public class TlsCertificateException extends TlsException {
  private static final long serialVersionUID = 1L;

  /** The rule of the spec a certificate broke. */
  public enum Reason {
    /** No certificate at all: the spec demands mutual authentication. */
    NO_CERTIFICATE,
    /** More than one certificate in the chain. */
    CHAIN_LENGTH,
    /** Over {@link Libp2pTlsCertificate#MAX_CERTIFICATE_BYTES}, or not parseable X.509 DER. */
    MALFORMED_CERTIFICATE,
    /** Its {@code NotBefore} is after the time the certificate was received. */
    NOT_YET_VALID,
    /** Its {@code NotAfter} is before the time the certificate was received. */
    EXPIRED,
    /** It carries the deprecated {@code issuerUniqueID} or {@code subjectUniqueID}. */
    UNIQUE_ID,
    /** Signed with an algorithm not allowed (a hash under 256 bits, or unknown). */
    SIGNATURE_ALGORITHM,
    /** An RSA certificate key out of bounds (what its self-signature check would cost). */
    CERTIFICATE_KEY,
    /** An elliptic curve key given by explicit parameters instead of a named curve. */
    CURVE_ENCODING,
    /** Its self-signature does not verify under its own key. */
    BAD_SELF_SIGNATURE,
    /** A critical extension this endpoint does not understand. */
    UNKNOWN_CRITICAL_EXTENSION,
    /** The libp2p Public Key Extension is missing. */
    MISSING_EXTENSION,
    /** The extension is there but its SignedKey or host key is malformed. */
    MALFORMED_EXTENSION,
    /** The host key's signature over the certificate key does not verify. */
    BAD_HOST_SIGNATURE,
    /** A valid certificate of a peer other than the one dialed. */
    UNEXPECTED_PEER
  }

  private final Reason reason;
  /** For {@link Reason#UNEXPECTED_PEER}: the peer the certificate did prove; else null. */
  private final transient dev.vertxp2p.PeerId provedPeer;

  /** A valid certificate of {@code proved} where {@code expected} was dialed. */
  public static TlsCertificateException unexpectedPeer(dev.vertxp2p.PeerId expected,
      dev.vertxp2p.PeerId proved) {
    return new TlsCertificateException(Reason.UNEXPECTED_PEER, "expected peer " + expected
        + ", got " + proved, proved);
  }

  private TlsCertificateException(Reason reason, String message, dev.vertxp2p.PeerId proved) {
    super("libp2p TLS certificate refused (" + reason.name().toLowerCase() + "): " + message);
    this.reason = reason;
    this.provedPeer = proved;
  }

  public TlsCertificateException(Reason reason, String message) {
    super("libp2p TLS certificate refused (" + reason.name().toLowerCase() + "): " + message);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.provedPeer = null;
  }

  public TlsCertificateException(Reason reason, String message, Throwable cause) {
    super("libp2p TLS certificate refused (" + reason.name().toLowerCase() + "): " + message,
        cause);
    this.reason = Objects.requireNonNull(reason, "reason");
    this.provedPeer = null;
  }

  /** The peer a certificate of {@link Reason#UNEXPECTED_PEER} proved; null for other reasons. */
  public dev.vertxp2p.PeerId provedPeer() {
    return provedPeer;
  }

  /** Which rule the certificate broke. */
  public Reason reason() {
    return reason;
  }
}
