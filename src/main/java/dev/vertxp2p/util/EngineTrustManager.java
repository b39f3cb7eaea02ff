package dev.vertxp2p.util;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A plain {@link X509TrustManager} presented to JSSE as an {@link X509ExtendedTrustManager}, for
 * SSLEngine use only. JSSE wraps a plain trust manager in one of its own that, after the check,
 * applies its algorithm constraints, re-parsing each certificate with the JDK's own X.509 parser;
 * an extended one is trusted to have checked everything itself. The libp2p TLS trust manager
 * checks the certificate's algorithms itself, and must accept certificates the JDK's parser
 * refuses (js-libp2p's have an empty issuer name), so it is handed over through this class.
 *
 * <p>Lives outside the sans-IO {@code proto} packages because its socket overloads name {@link
 * Socket}; they refuse, as nothing here runs TLS on a socket.
 */
public final class EngineTrustManager extends X509ExtendedTrustManager {
  private final X509TrustManager delegate;

  public EngineTrustManager(X509TrustManager delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("this trust manager serves SSLEngines only, not sockets");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("this trust manager serves SSLEngines only, not sockets");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }
}
