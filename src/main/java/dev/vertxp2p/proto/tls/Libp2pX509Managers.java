package dev.vertxp2p.proto.tls;

import dev.vertxp2p.PeerId;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The key and trust managers of one handshake. The key manager offers exactly the libp2p
 * certificate; the trust manager accepts exactly a certificate {@link Libp2pTlsCertificate#verify}
 * accepts (and, when dialing, only the expected peer's), never consulting a trust store. Both run
 * inside the SSLEngine's delegated tasks, which {@link TlsHandshake} runs on the caller's thread.
 *
 * <p>Both are the plain JSSE interfaces, not the {@code X509Extended*} classes, whose socket
 * overloads would tie this sans-IO package to {@code java.net} (the engine purity rule). JSSE
 * wraps a plain trust manager and, after our check, also applies its algorithm constraints to the
 * chain; a certificate those refuse fails with a plain {@link TlsException}.
 */
final class Libp2pX509Managers {
  private static final String ALIAS = "libp2p";
  /** Protects the key inside a keystore that never leaves this object. */
  private static final char[] STORE_PASSWORD = new char[0];

  private Libp2pX509Managers() {}

  /**
   * The JDK's own key manager over an in-memory keystore holding the one certificate and its key.
   * The JKS format protects a key with a fast keyed hash; PKCS#12 would spend 10,000 PBKDF
   * iterations per handshake on a key that never leaves memory.
   */
  static KeyManager[] keyManagers(Libp2pTlsCertificate certificate) {
    try {
      KeyStore store = KeyStore.getInstance("JKS");
      store.load(null, null);
      store.setKeyEntry(ALIAS, certificate.privateKey(), STORE_PASSWORD,
          new X509Certificate[] {certificate.certificate()});
      KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
      factory.init(store, STORE_PASSWORD);
      return factory.getKeyManagers();
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("the JDK cannot hold the TLS certificate", e);
    }
  }

  /**
   * Runs {@link Libp2pTlsCertificate#verify} on the remote's chain at the handshake's time, checks
   * the expected peer, and keeps the verdict: the peer on success, the typed error on refusal (JSSE
   * wraps what a trust manager throws in its own exception; the engine rethrows this one).
   */
  static final class TrustManager implements X509TrustManager {
    private final Instant now;
    private final PeerId expectedPeer;
    private final CertificateVerdicts verdicts;
    private Libp2pTlsCertificate.VerifiedPeer verified;
    private TlsCertificateException refusal;

    TrustManager(Instant now, PeerId expectedPeer) {
      this(now, expectedPeer, null);
    }

    TrustManager(Instant now, PeerId expectedPeer, CertificateVerdicts verdicts) {
      this.now = now;
      this.expectedPeer = expectedPeer;
      this.verdicts = verdicts;
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
        Libp2pTlsCertificate.VerifiedPeer peer = verifiedOrRemembered(chain);
        // Spec: "Clients MUST verify that the peer ID derived from the certificate matches the
        // peer ID they intended to connect to".
        if (remoteIsServer && expectedPeer != null && !expectedPeer.equals(peer.peerId())) {
          throw TlsCertificateException.unexpectedPeer(expectedPeer, peer.peerId());
        }
        verified = peer;
      } catch (TlsCertificateException e) {
        refusal = e;
        throw new CertificateException(e.getMessage(), e);
      }
    }

    /**
     * The full check, or for a certificate checked before (same DER) only what depends on this
     * handshake: its validity period at {@code now}. The expected peer is checked by the caller
     * either way.
     */
    private Libp2pTlsCertificate.VerifiedPeer verifiedOrRemembered(X509Certificate[] chain) {
      byte[] digest = null;
      if (verdicts != null && chain != null && chain.length == 1) {
        try {
          byte[] der = chain[0].getEncoded();
          if (der.length <= Libp2pTlsCertificate.MAX_CERTIFICATE_BYTES) {
            digest = java.security.MessageDigest.getInstance("SHA-256").digest(der);
          }
        } catch (java.security.GeneralSecurityException e) {
          digest = null; // not encodable: the full check says what is wrong
        }
      }
      Libp2pTlsCertificate.VerifiedPeer known = digest == null ? null : verdicts.get(digest);
      if (known != null) {
        Libp2pTlsCertificate.checkValidity(chain[0], now);
        return known;
      }
      Libp2pTlsCertificate.VerifiedPeer peer = Libp2pTlsCertificate.verify(chain, now);
      if (digest != null) {
        verdicts.put(digest, peer);
      }
      return peer;
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
    public X509Certificate[] getAcceptedIssuers() {
      // No certificate_authorities: any self-signed libp2p certificate is welcome.
      return new X509Certificate[0];
    }
  }
}
