package dev.vertxp2p.proto.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A certificate as js-libp2p's {@code @libp2p/tls} 3.1.10 makes it (captured from it): empty
 * issuer and subject names, which the JDK's own parser refuses, and a critical libp2p extension.
 */
class EmptyNameCertificateTest {
  /** Made by @libp2p/tls for an Ed25519 host key; valid 2026-12-06T04:29:21Z to 2126. */
  static final byte[] JS_CERTIFICATE = HexFormat.of().parseHex(""
      + "308201763082011da00302010202080542121652309503300a06082a8648ce3d0403023000302017"
      + "0d3236313230363034323932315a180f32313236313131323035323932315a30003059301306072a"
      + "8648ce3d020106082a8648ce3d03010703420004b67074b04132ed93e4d0fc5499941e8de9344e11"
      + "0796695dba3311649d777892ff200e63c9d5675261b853d845b376ff9571ba2092561b4f4ad9f410"
      + "97a3da31a37f307d307b060a2b0601040183a25a01010101ff046a3068042408011220ea5c24babe"
      + "2ebb83de90d2951cd2517cb15a392efc3a2218776bbacd4cb3db8c04401ec0f4c7228d70aee4e841"
      + "46ac115ed1d9a2ea1b27f1a199d1ef56652875b42c6839d19a15080c93efffdf3361e0c10542195a"
      + "407ba9c28cffaad29291d74708300a06082a8648ce3d040302034700304402203ae1e542fbb9d0f1"
      + "c9a0c18119fd3015966d77ed7e09f0bd979d771d75b0437b0220287c8f39f80feebeb3b1d509ccfe"
      + "fd1467f2be45a41a975fffc954396092e3b2");

  @Test
  void theJdkAloneRefusesIt() throws Exception {
    CertificateFactory sun = CertificateFactory.getInstance("X.509", "SUN");
    CertificateException e = assertThrows(CertificateException.class,
        () -> sun.generateCertificate(new ByteArrayInputStream(JS_CERTIFICATE)));
    assertTrue(e.getMessage().contains("Empty issuer DN"), e.getMessage());
  }

  @Test
  void onceInstalledItParsesAndVerifies() throws Exception {
    EmptyNameTolerantX509.install();
    EmptyNameTolerantX509.install(); // idempotent
    assertTrue(EmptyNameTolerantX509.installed());
    X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(JS_CERTIFICATE));
    assertEquals("", c.getIssuerX500Principal().getName());
    Libp2pTlsCertificate.VerifiedPeer peer = Libp2pTlsCertificate.verify(JS_CERTIFICATE,
        Instant.parse("2026-12-06T06:00:00Z"));
    assertTrue(peer.peerId().toString().startsWith("12D3KooW"), peer.peerId().toString());
  }

  @Test
  void whatTheJdkParsesStillComesFromTheJdk() throws Exception {
    EmptyNameTolerantX509.install();
    byte[] ours = Libp2pTlsCertificate.create(
        dev.vertxp2p.crypto.Ed25519PrivateKey.generate(new java.security.SecureRandom()),
        new java.security.SecureRandom(), Instant.now()).certificate().getEncoded();
    X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(ours));
    assertTrue(c.getClass().getName().startsWith("sun.security"), c.getClass().getName());
  }

  @Test
  void garbageIsStillRefused() {
    EmptyNameTolerantX509.install();
    assertThrows(CertificateException.class, () -> CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(new byte[] {0x30, 0x03, 1, 2, 3})));
  }

  @Test
  void aCertificateTheFallbackCannotDecodeWholeIsRefusedAsAParseError() throws Exception {
    EmptyNameTolerantX509.install();
    // the js certificate with its NotBefore's year digits replaced by letters: the JDK refuses
    // the empty issuer first; BouncyCastle would parse it and fail only when the date is read
    // (an unchecked exception, in the middle of a TLS handshake), so the factory refuses it
    byte[] bad = JS_CERTIFICATE.clone();
    String der = new String(bad, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = der.indexOf("2612");
    assertTrue(at > 0, "the UTCTime of NotBefore");
    bad[at] = 'x';
    bad[at + 1] = 'y';
    CertificateException e = assertThrows(CertificateException.class,
        () -> CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(bad)));
    assertTrue(e.getSuppressed().length == 1, "the fallback's complaint is kept");
  }
}
