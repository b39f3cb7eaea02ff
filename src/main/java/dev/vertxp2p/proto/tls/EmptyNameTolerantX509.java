package dev.vertxp2p.proto.tls;

import java.io.IOException;
import java.io.InputStream;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.Security;
import java.security.cert.CRL;
import java.security.cert.CRLException;
import java.security.cert.CertPath;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateFactorySpi;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * An X.509 {@link CertificateFactory} that parses what the JDK's own does and, where the JDK
 * refuses a certificate, tries BouncyCastle's parser. Installed JVM-wide, first in the provider
 * list, by {@link #install()}: JSSE parses a peer's TLS certificates with whatever {@code
 * CertificateFactory.getInstance("X.509")} returns, and offers no per-engine choice.
 *
 * <p>The fallback is taken only when the JDK's refusal names the empty issuer, and a certificate
 * BouncyCastle then returns is decoded whole before it is handed out.
 *
 * <p>Why: js-libp2p's {@code @libp2p/tls} makes certificates with an empty issuer and subject
 * name. RFC 5280 wants a non-empty issuer, the libp2p TLS spec says nothing of names, and the
 * JDK's parser refuses such a certificate outright ("Empty issuer DN not allowed"), so no JDK
 * TLS handshake with a js peer could succeed. Every certificate the JDK parses still comes from
 * the JDK; only those it refuses are parsed by BouncyCastle, so the rest of the JVM sees a
 * difference only for certificates it would have refused (and a PKIX check still refuses a
 * certificate with an empty issuer, since it cannot chain to an authority).
 */
public final class EmptyNameTolerantX509 extends CertificateFactorySpi {
  /** The provider's name in the JVM's list. */
  public static final String PROVIDER_NAME = "vertxp2p-x509";

  /** Most bytes a certificate read through the fallback may have (a mark's read limit). */
  static final int MAX_FALLBACK_BYTES = 4 * Libp2pTlsCertificate.MAX_CERTIFICATE_BYTES;

  private final CertificateFactory jdk;
  private final org.bouncycastle.jcajce.provider.asymmetric.x509.CertificateFactory fallback =
      new org.bouncycastle.jcajce.provider.asymmetric.x509.CertificateFactory();

  public EmptyNameTolerantX509() {
    try {
      this.jdk = CertificateFactory.getInstance("X.509", "SUN");
    } catch (CertificateException | NoSuchProviderException e) {
      throw new IllegalStateException("the JDK's SUN provider offers no X.509 factory", e);
    }
  }

  /**
   * Puts the provider first in the JVM's list, once (idempotent, from any thread). Called before
   * every TLS handshake is made, so that a js peer's certificate parses.
   */
  public static void install() {
    if (!installedOnce) {
      installOnce();
    }
  }

  /** Set once the provider is in the list: later handshakes skip the lock. */
  private static volatile boolean installedOnce;

  private static synchronized void installOnce() {
    if (Security.getProvider(PROVIDER_NAME) != null) {
      installedOnce = true;
      return;
    }
    Provider p = new Provider(PROVIDER_NAME, "1.0",
        "X.509 certificates the JDK refuses for an empty name, parsed by BouncyCastle") {
      private static final long serialVersionUID = 1L;

      {
        putService(new Service(this, "CertificateFactory", "X.509",
            EmptyNameTolerantX509.class.getName(), List.of("X509"), null));
      }
    };
    Security.insertProviderAt(p, 1);
    installedOnce = true;
  }

  /** Whether the provider is installed and answers {@code CertificateFactory("X.509")}. */
  public static boolean installed() {
    try {
      return PROVIDER_NAME.equals(CertificateFactory.getInstance("X.509").getProvider()
          .getName());
    } catch (CertificateException e) {
      return false;
    }
  }

  @Override
  public Certificate engineGenerateCertificate(InputStream in) throws CertificateException {
    if (!in.markSupported()) {
      return jdk.generateCertificate(in); // no second reading possible: the JDK's verdict
    }
    in.mark(MAX_FALLBACK_BYTES);
    try {
      return jdk.generateCertificate(in);
    } catch (CertificateException refused) {
      if (!refusedForTheEmptyIssuer(refused)) {
        throw refused; // anything else the JDK refuses stays refused
      }
      try {
        in.reset();
      } catch (IOException e) {
        throw refused;
      }
      try {
        return decodedWhole((X509Certificate) fallback.engineGenerateCertificate(in));
      } catch (CertificateException | RuntimeException e) {
        refused.addSuppressed(e);
        throw refused;
      }
    }
  }

  /** Whether the JDK refused only for the empty issuer name (X509CertInfo's own message). */
  static boolean refusedForTheEmptyIssuer(CertificateException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.contains("Empty issuer DN")) {
        return true;
      }
    }
    return false;
  }

  /**
   * BouncyCastle decodes some fields only when asked (a bad date throws then, as an unchecked
   * exception): every field a TLS peer's check reads is decoded here, so a certificate that
   * cannot be is refused now, as a parse error.
   */
  private static X509Certificate decodedWhole(X509Certificate c) {
    c.getNotBefore();
    c.getNotAfter();
    c.getPublicKey();
    c.getSigAlgName();
    c.getSigAlgParams();
    c.getSubjectX500Principal();
    c.getIssuerX500Principal();
    c.getCriticalExtensionOIDs();
    c.getNonCriticalExtensionOIDs();
    c.getKeyUsage();
    return c;
  }

  @Override
  public Collection<? extends Certificate> engineGenerateCertificates(InputStream in)
      throws CertificateException {
    return jdk.generateCertificates(in);
  }

  @Override
  public CRL engineGenerateCRL(InputStream in) throws CRLException {
    return jdk.generateCRL(in);
  }

  @Override
  public Collection<? extends CRL> engineGenerateCRLs(InputStream in) throws CRLException {
    return jdk.generateCRLs(in);
  }

  @Override
  public CertPath engineGenerateCertPath(InputStream in) throws CertificateException {
    return jdk.generateCertPath(in);
  }

  @Override
  public CertPath engineGenerateCertPath(InputStream in, String encoding)
      throws CertificateException {
    return jdk.generateCertPath(in, encoding);
  }

  @Override
  public CertPath engineGenerateCertPath(List<? extends Certificate> certificates)
      throws CertificateException {
    return jdk.generateCertPath(certificates);
  }

  @Override
  public Iterator<String> engineGetCertPathEncodings() {
    return jdk.getCertPathEncodings();
  }
}
