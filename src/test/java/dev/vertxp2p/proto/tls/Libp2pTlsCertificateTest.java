package dev.vertxp2p.proto.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.Secp256k1PrivateKey;
import dev.vertxp2p.proto.tls.TlsCertificateException.Reason;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The certificate of the libp2p TLS spec: ours verify and name our peer; the spec's own test
 * vectors (certificates made by other implementations) verify to the peer IDs the spec gives; and
 * a certificate breaking any one rule is refused with the reason and a message naming it.
 */
class Libp2pTlsCertificateTest {
  static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final PrivateKey HOST = Ed25519PrivateKey.generate(RANDOM);

  @Test
  void ownCertificateVerifiesToOwnPeerId() {
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.create(HOST, RANDOM, NOW);
    Libp2pTlsCertificate.VerifiedPeer peer =
        Libp2pTlsCertificate.verify(new X509Certificate[] {cert.certificate()}, NOW);
    assertEquals(PeerId.fromPublicKey(HOST.publicKey()), peer.peerId());
    assertEquals(HOST.publicKey(), peer.hostKey());
    assertEquals("EC", cert.privateKey().getAlgorithm());
    assertEquals(NOW.minus(Libp2pTlsCertificate.BACKDATE),
        cert.certificate().getNotBefore().toInstant());
  }

  @Test
  void secp256k1HostKeyVerifies() throws Exception {
    PrivateKey host = Secp256k1PrivateKey.generate(RANDOM);
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.create(host, RANDOM, NOW);
    assertEquals(PeerId.fromPublicKey(host.publicKey()),
        Libp2pTlsCertificate.verify(cert.certificate().getEncoded(), NOW).peerId());
  }

  @Test
  void certificatesAreFreshPerCall() {
    Libp2pTlsCertificate a = Libp2pTlsCertificate.create(HOST, RANDOM, NOW);
    Libp2pTlsCertificate b = Libp2pTlsCertificate.create(HOST, RANDOM, NOW);
    assertFalse(a.certificate().getPublicKey().equals(b.certificate().getPublicKey()),
        "each certificate must have its own ephemeral key");
  }

  // The spec's "Test vectors": certificates made by another implementation.

  @Test
  void specVectorEd25519() {
    assertEquals("12D3KooWM6CgA9iBFZmcYAHA6A2qvbAxqfkmrYiRQuz3XEsk4Ksv",
        Libp2pTlsCertificate.verify(TlsSpecVectors.ED25519, NOW).peerId().toBase58());
  }

  @Test
  void specVectorEcdsa() {
    assertEquals("QmfXbAwNjJLXfesgztEHe8HwgVDCMMpZ9Eax1HYq6hn9uE",
        Libp2pTlsCertificate.verify(TlsSpecVectors.ECDSA, NOW).peerId().toBase58());
  }

  @Test
  void specVectorSecp256k1() {
    assertEquals("16Uiu2HAkutTMoTzDw1tCvSRtu6YoixJwS46S1ZFxW8hSx9fWHiPs",
        Libp2pTlsCertificate.verify(TlsSpecVectors.SECP256K1, NOW).peerId().toBase58());
  }

  @Test
  void specVectorInvalidIsRefused() {
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> Libp2pTlsCertificate.verify(TlsSpecVectors.INVALID, NOW));
    assertEquals(Reason.BAD_HOST_SIGNATURE, e.reason());
  }

  // One broken rule each.

  @Test
  void missingExtensionIsRefused() {
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.build(
        Libp2pTlsCertificate.generateP256(RANDOM), null, false, NOW.minusSeconds(60),
        NOW.plusSeconds(3600), RANDOM);
    TlsCertificateException e = refused(cert.certificate(), NOW);
    assertEquals(Reason.MISSING_EXTENSION, e.reason());
    assertTrue(e.getMessage().contains("1.3.6.1.4.1.53594.1.1"), e.getMessage());
  }

  @Test
  void hostSignatureOverAnotherKeyIsRefused() {
    // A genuine signature by the host key, but over some other certificate key.
    KeyPair certKey = Libp2pTlsCertificate.generateP256(RANDOM);
    KeyPair otherKey = Libp2pTlsCertificate.generateP256(RANDOM);
    byte[] signature = HOST.sign(
        Libp2pTlsCertificate.signedData(otherKey.getPublic().getEncoded()));
    byte[] ext = new SignedKey(HOST.publicKey().marshal(), signature).encode();
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.build(certKey, ext, false,
        NOW.minusSeconds(60), NOW.plusSeconds(3600), RANDOM);
    TlsCertificateException e = refused(cert.certificate(), NOW);
    assertEquals(Reason.BAD_HOST_SIGNATURE, e.reason());
    assertTrue(e.getMessage().contains("does not verify"), e.getMessage());
  }

  @Test
  void signatureWithoutThePrefixIsRefused() {
    KeyPair certKey = Libp2pTlsCertificate.generateP256(RANDOM);
    byte[] signature = HOST.sign(certKey.getPublic().getEncoded());
    byte[] ext = new SignedKey(HOST.publicKey().marshal(), signature).encode();
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.build(certKey, ext, true,
        NOW.minusSeconds(60), NOW.plusSeconds(3600), RANDOM);
    assertEquals(Reason.BAD_HOST_SIGNATURE, refused(cert.certificate(), NOW).reason());
  }

  @Test
  void criticalExtensionIsAccepted() {
    KeyPair certKey = Libp2pTlsCertificate.generateP256(RANDOM);
    byte[] signature = HOST.sign(
        Libp2pTlsCertificate.signedData(certKey.getPublic().getEncoded()));
    byte[] ext = new SignedKey(HOST.publicKey().marshal(), signature).encode();
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.build(certKey, ext, true,
        NOW.minusSeconds(60), NOW.plusSeconds(3600), RANDOM);
    assertEquals(PeerId.fromPublicKey(HOST.publicKey()), Libp2pTlsCertificate.verify(
        new X509Certificate[] {cert.certificate()}, NOW).peerId());
  }

  @Test
  void garbageExtensionIsRefused() {
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.build(
        Libp2pTlsCertificate.generateP256(RANDOM), new byte[] {0x30, 0x03, 0x04, 0x01, 0x00},
        false, NOW.minusSeconds(60), NOW.plusSeconds(3600), RANDOM);
    TlsCertificateException e = refused(cert.certificate(), NOW);
    assertEquals(Reason.MALFORMED_EXTENSION, e.reason());
  }

  @Test
  void expiredIsRefused() {
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.create(HOST, RANDOM,
        NOW.minus(Duration.ofDays(2)), NOW.minus(Duration.ofDays(1)));
    TlsCertificateException e = refused(cert.certificate(), NOW);
    assertEquals(Reason.EXPIRED, e.reason());
    assertTrue(e.getMessage().contains("expired at"), e.getMessage());
  }

  @Test
  void notYetValidIsRefused() {
    Libp2pTlsCertificate cert = Libp2pTlsCertificate.create(HOST, RANDOM,
        NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(2)));
    assertEquals(Reason.NOT_YET_VALID, refused(cert.certificate(), NOW).reason());
  }

  @Test
  void twoCertificatesAreRefused() {
    X509Certificate a = Libp2pTlsCertificate.create(HOST, RANDOM, NOW).certificate();
    X509Certificate b = Libp2pTlsCertificate.create(HOST, RANDOM, NOW).certificate();
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> Libp2pTlsCertificate.verify(new X509Certificate[] {a, b}, NOW));
    assertEquals(Reason.CHAIN_LENGTH, e.reason());
    assertTrue(e.getMessage().contains("exactly one certificate, got a chain of 2"),
        e.getMessage());
  }

  @Test
  void noCertificateIsRefused() {
    assertEquals(Reason.NO_CERTIFICATE, assertThrows(TlsCertificateException.class,
        () -> Libp2pTlsCertificate.verify(new X509Certificate[0], NOW)).reason());
  }

  @Test
  void alteredSelfSignatureIsRefused() throws Exception {
    byte[] der = Libp2pTlsCertificate.create(HOST, RANDOM, NOW).certificate().getEncoded();
    // The last bytes are the ECDSA signature's s value; flipping one bit breaks it but keeps
    // the DER shape.
    der[der.length - 2] ^= 0x01;
    TlsCertificateException e = assertThrows(TlsCertificateException.class,
        () -> Libp2pTlsCertificate.verify(der, NOW));
    assertEquals(Reason.BAD_SELF_SIGNATURE, e.reason());
  }

  @Test
  void oversizeAndGarbageBytesAreRefused() {
    assertEquals(Reason.MALFORMED_CERTIFICATE, assertThrows(TlsCertificateException.class,
        () -> Libp2pTlsCertificate.verify(new byte[Libp2pTlsCertificate.MAX_CERTIFICATE_BYTES
            + 1], NOW)).reason());
    assertEquals(Reason.MALFORMED_CERTIFICATE, assertThrows(TlsCertificateException.class,
        () -> Libp2pTlsCertificate.verify(new byte[] {0x30, 0x00}, NOW)).reason());
  }

  @Test
  void signedKeyRoundTripsAndIsDer() {
    SignedKey key = new SignedKey(new byte[200], new byte[64]);
    byte[] der = key.encode();
    assertEquals(key, SignedKey.parse(der));
    assertArrayEquals(HexFormat.of().parseHex("308201"), java.util.Arrays.copyOf(der, 3));
    // The same value with a padded length is not DER.
    byte[] padded = HexFormat.of().parseHex("3081070481020000040100");
    assertEquals(Reason.MALFORMED_EXTENSION,
        assertThrows(TlsCertificateException.class, () -> SignedKey.parse(padded)).reason());
  }

  private static Libp2pTlsCertificate rsaCertificate(int bits) throws Exception {
    java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
    generator.initialize(bits, RANDOM);
    KeyPair certKey = generator.generateKeyPair();
    byte[] signature = HOST.sign(
        Libp2pTlsCertificate.signedData(certKey.getPublic().getEncoded()));
    byte[] ext = new SignedKey(HOST.publicKey().marshal(), signature).encode();
    return Libp2pTlsCertificate.build(certKey, ext, false, NOW.minusSeconds(60),
        NOW.plusSeconds(3600), RANDOM);
  }

  @Test
  void rsaCertificateKeyWithinBoundsVerifies() throws Exception {
    assertEquals(PeerId.fromPublicKey(HOST.publicKey()), Libp2pTlsCertificate.verify(
        new X509Certificate[] {rsaCertificate(2048).certificate()}, NOW).peerId());
  }

  @Test
  void smallRsaCertificateKeyIsRefusedBeforeItsSignatureIsChecked() throws Exception {
    TlsCertificateException e = refused(rsaCertificate(1024).certificate(), NOW);
    assertEquals(Reason.CERTIFICATE_KEY, e.reason());
    assertTrue(e.getMessage().contains("got 1024 bits"), e.getMessage());
  }

  private static TlsCertificateException refused(X509Certificate cert, Instant now) {
    return assertThrows(TlsCertificateException.class,
        () -> Libp2pTlsCertificate.verify(new X509Certificate[] {cert}, now));
  }
}
