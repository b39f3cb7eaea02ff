package dev.vertxp2p.proto.tls;

import dev.vertxp2p.PeerId;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The JSSE key and trust managers of libp2p TLS for a TLS stack other than {@link TlsHandshake}'s
 * SSLEngine, such as QUIC's, which takes them to build its own context that many connections
 * share. The key manager offers exactly the node's libp2p certificate; the trust manager accepts
 * exactly a certificate {@link Libp2pTlsCertificate#verify} accepts at the time of the check (the
 * caller's clock: this package reads none), and, when built for a dial, only the expected peer's.
 */
public final class Libp2pTlsManagers {
  private Libp2pTlsManagers() {}

  /** The key manager that presents {@code certificate} and its key, to servers and clients. */
  public static KeyManager keyManager(Libp2pTlsCertificate certificate) {
    return Libp2pX509Managers.keyManagers(certificate)[0];
  }

  /**
   * A trust manager for libp2p certificates.
   *
   * @param clock the time each check runs at
   * @param expectedPeer the only peer a server may prove (a dial to {@code /p2p/<id>}); null to
   *     accept any peer that proves itself (a listener, or a dial without a peer id)
   */
  public static Trust trust(Supplier<Instant> clock, PeerId expectedPeer) {
    return new Trust(clock, expectedPeer);
  }

  /**
   * Checks the remote's chain as the libp2p TLS spec's "Peer Authentication" asks. When a dial's
   * check refuses, {@link #refusal()} keeps the typed reason, since the TLS stack reports only
   * that the handshake failed.
   */
  public static final class Trust implements X509TrustManager {
    private final Supplier<Instant> clock;
    private final PeerId expectedPeer;
    private volatile TlsCertificateException refusal;

    private Trust(Supplier<Instant> clock, PeerId expectedPeer) {
      this.clock = Objects.requireNonNull(clock, "clock");
      this.expectedPeer = expectedPeer;
    }

    /** Why the last check refused, or null; meaningful for a trust manager of one dial. */
    public TlsCertificateException refusal() {
      return refusal;
    }

    private void check(X509Certificate[] chain, boolean remoteIsServer)
        throws CertificateException {
      try {
        Libp2pTlsCertificate.VerifiedPeer peer = Libp2pTlsCertificate.verify(chain, clock.get());
        // Spec: "Clients MUST verify that the peer ID derived from the certificate matches the
        // peer ID they intended to connect to".
        if (remoteIsServer && expectedPeer != null && !expectedPeer.equals(peer.peerId())) {
          throw new TlsCertificateException(TlsCertificateException.Reason.UNEXPECTED_PEER,
              "expected peer " + expectedPeer + ", got " + peer.peerId());
        }
      } catch (TlsCertificateException e) {
        refusal = e;
        throw new CertificateException(e.getMessage(), e);
      } catch (RuntimeException e) {
        // a malformed chain must fail the handshake, never escape into the TLS stack's thread
        throw new CertificateException("libp2p certificate check failed: " + e, e);
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
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
