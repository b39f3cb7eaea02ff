package dev.vertxp2p.proto.tls;

import dev.vertxp2p.PeerId;
import java.net.Socket;
import java.security.Principal;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The key and trust managers of one handshake. The key manager offers exactly the libp2p
 * certificate; the trust manager accepts exactly a certificate {@link Libp2pTlsCertificate#verify}
 * accepts (and, when dialing, only the expected peer's), never consulting a trust store. Both run
 * inside the SSLEngine's delegated tasks, which {@link TlsHandshake} runs on the caller's thread.
 */
final class Libp2pX509Managers {
  private static final String ALIAS = "libp2p";
  /** The JSSE key type of an EC key (ECDSA signature schemes). */
  private static final String KEY_TYPE = "EC";

  private Libp2pX509Managers() {}

  /** Offers the one certificate for the EC key type, whatever issuers the remote asks for. */
  static final class KeyManager extends X509ExtendedKeyManager {
    private final Libp2pTlsCertificate certificate;

    KeyManager(Libp2pTlsCertificate certificate) {
      this.certificate = certificate;
    }

    private static String aliasFor(String keyType) {
      return KEY_TYPE.equals(keyType) ? ALIAS : null;
    }

    private static String aliasFor(String[] keyTypes) {
      return keyTypes != null && Arrays.asList(keyTypes).contains(KEY_TYPE) ? ALIAS : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return aliasFor(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
      return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers,
        SSLEngine engine) {
      return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return aliasFor(keyType) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return aliasFor(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return ALIAS.equals(alias) ? new X509Certificate[] {certificate.certificate()} : null;
    }

    @Override
    public java.security.PrivateKey getPrivateKey(String alias) {
      return ALIAS.equals(alias) ? certificate.privateKey() : null;
    }
  }

  /**
   * Runs {@link Libp2pTlsCertificate#verify} on the remote's chain at the handshake's time, checks
   * the expected peer, and keeps the verdict: the peer on success, the typed error on refusal (JSSE
   * wraps what a trust manager throws in its own exception; the engine rethrows this one).
   */
  static final class TrustManager extends X509ExtendedTrustManager {
    private final Instant now;
    private final PeerId expectedPeer;
    private Libp2pTlsCertificate.VerifiedPeer verified;
    private TlsCertificateException refusal;

    TrustManager(Instant now, PeerId expectedPeer) {
      this.now = now;
      this.expectedPeer = expectedPeer;
    }

    Libp2pTlsCertificate.VerifiedPeer verified() {
      return verified;
    }

    TlsCertificateException refusal() {
      return refusal;
    }

    private void check(X509Certificate[] chain, boolean remoteIsServer)
        throws CertificateException {
      try {
        Libp2pTlsCertificate.VerifiedPeer peer = Libp2pTlsCertificate.verify(chain, now);
        // Spec: "Clients MUST verify that the peer ID derived from the certificate matches the
        // peer ID they intended to connect to".
        if (remoteIsServer && expectedPeer != null && !expectedPeer.equals(peer.peerId())) {
          throw new TlsCertificateException(TlsCertificateException.Reason.UNEXPECTED_PEER,
              "expected peer " + expectedPeer + ", got " + peer.peerId());
        }
        verified = peer;
      } catch (TlsCertificateException e) {
        refusal = e;
        throw new CertificateException(e.getMessage(), e);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      check(chain, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      check(chain, true);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain, false);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      check(chain, true);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      // No certificate_authorities: any self-signed libp2p certificate is welcome.
      return new X509Certificate[0];
    }
  }
}
