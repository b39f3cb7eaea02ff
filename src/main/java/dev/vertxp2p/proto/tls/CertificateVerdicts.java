package dev.vertxp2p.proto.tls;

/**
 * Certificates already checked, for the handshakes of one node to share: a peer that presents the
 * same certificate again (go-libp2p and this project keep one per node; js-libp2p makes one per
 * connection) is named from memory instead of by verifying the certificate's self-signature and
 * its host-key signature again. What the memory cannot vouch for is checked on every handshake
 * all the same: the validity period at the handshake's time, the peer a dialer expects, and (by
 * TLS itself) the remote's proof that it holds the certificate's key.
 *
 * <p>Keyed by the SHA-256 of the certificate's DER encoding. Called from the threads that run
 * handshake tasks, so implementations are thread-safe and bounded.
 */
public interface CertificateVerdicts {
  /** The peer a certificate with this DER SHA-256 proved when it was checked, or null. */
  Libp2pTlsCertificate.VerifiedPeer get(byte[] derSha256);

  /** Records a certificate that passed every check. */
  void put(byte[] derSha256, Libp2pTlsCertificate.VerifiedPeer peer);
}
