package dev.vertxp2p.proto.tls;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.KeyFormatException;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.proto.tls.TlsCertificateException.Reason;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * The self-signed certificate of the libp2p TLS handshake (libp2p TLS spec, "Peer
 * Authentication"): a fresh ECDSA P-256 key signs the certificate, and the host key, which TLS
 * never sees, proves in the libp2p Public Key Extension that it vouches for that key.
 *
 * <p>{@link #create} makes one; {@link #verify} checks a remote's chain and names its peer.
 * Built on the JDK's X.509 parser and BouncyCastle's ASN.1 structures (bcprov): no PKIX path
 * validation and no trust store is involved, a libp2p certificate is trusted for its extension
 * alone.
 */
public final class Libp2pTlsCertificate {
  /** The libp2p Public Key Extension, allocated by IANA to libp2p (spec, same section). */
  public static final String EXTENSION_OID = "1.3.6.1.4.1.53594.1.1";

  /** What the host key signs, before the certificate key's SubjectPublicKeyInfo. */
  public static final String SIGNATURE_PREFIX = "libp2p-tls-handshake:";

  /**
   * Largest certificate read. Ours are about 450 bytes; an RSA-4096 certificate carrying an
   * RSA-8192 host key stays under 3 KiB. The cap bounds the parsing before any signature check.
   */
  public static final int MAX_CERTIFICATE_BYTES = 16 * 1024;

  /** How far {@code NotBefore} is set back, for peers whose clocks run behind ours. */
  public static final Duration BACKDATE = Duration.ofHours(1);

  /** How long a certificate made by {@link #create(PrivateKey, SecureRandom, Instant)} lasts. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);

  /** Smallest RSA certificate key accepted, in bits. */
  public static final int MIN_RSA_BITS = 2048;
  /** Largest RSA certificate key accepted, in bits. */
  public static final int MAX_RSA_BITS = 8192;
  /** Largest RSA public exponent accepted, in bits. */
  public static final int MAX_RSA_EXPONENT_BITS = 32;

  private static final ASN1ObjectIdentifier EXTENSION = new ASN1ObjectIdentifier(EXTENSION_OID);
  private static final byte[] PREFIX = SIGNATURE_PREFIX.getBytes(StandardCharsets.US_ASCII);

  /**
   * Certificate signature algorithms accepted: ECDSA and RSA PKCS#1 v1.5 with SHA-256 or longer,
   * and Ed25519. The spec forbids hashes under 256 bits (MD5, SHA-1).
   */
  private static final Set<ASN1ObjectIdentifier> SIGNATURE_ALGORITHMS = Set.of(
      X9ObjectIdentifiers.ecdsa_with_SHA256,
      X9ObjectIdentifiers.ecdsa_with_SHA384,
      X9ObjectIdentifiers.ecdsa_with_SHA512,
      PKCSObjectIdentifiers.sha256WithRSAEncryption,
      PKCSObjectIdentifiers.sha384WithRSAEncryption,
      PKCSObjectIdentifiers.sha512WithRSAEncryption,
      new ASN1ObjectIdentifier("1.3.101.112")); // id-Ed25519, RFC 8410

  /**
   * Critical extensions this endpoint understands: ours, and the usual constraints of a
   * self-signed certificate, which say nothing this handshake relies on. The spec: any other
   * critical extension aborts the handshake.
   */
  private static final Set<ASN1ObjectIdentifier> UNDERSTOOD_CRITICAL = Set.of(
      EXTENSION, Extension.basicConstraints, Extension.keyUsage, Extension.extendedKeyUsage);

  private final X509Certificate certificate;
  private final java.security.PrivateKey privateKey;

  private Libp2pTlsCertificate(X509Certificate certificate, java.security.PrivateKey privateKey) {
    this.certificate = certificate;
    this.privateKey = privateKey;
  }

  /** The certificate to present. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The ephemeral key that signed it, and that TLS signs the handshake with. */
  public java.security.PrivateKey privateKey() {
    return privateKey;
  }

  /**
   * The host's identity as a remote's certificate proved it.
   *
   * @param peerId the peer ID of {@code hostKey}
   * @param hostKey the host public key from the extension
   */
  public record VerifiedPeer(PeerId peerId, PublicKey hostKey) {}

  /**
   * A certificate valid from {@link #BACKDATE} before {@code now} for {@link #DEFAULT_VALIDITY}.
   */
  public static Libp2pTlsCertificate create(PrivateKey hostKey, SecureRandom random, Instant now) {
    return create(hostKey, random, now.minus(BACKDATE), now.plus(DEFAULT_VALIDITY));
  }

  /**
   * A certificate for {@code hostKey} on a fresh ECDSA P-256 key, valid from {@code notBefore} to
   * {@code notAfter} (both truncated to seconds, as X.509 times are).
   *
   * @throws IllegalArgumentException if {@code notAfter} is before {@code notBefore}
   */
  public static Libp2pTlsCertificate create(PrivateKey hostKey, SecureRandom random,
      Instant notBefore, Instant notAfter) {
    Objects.requireNonNull(hostKey, "hostKey");
    Objects.requireNonNull(random, "random");
    if (notAfter.isBefore(notBefore)) {
      throw new IllegalArgumentException("notAfter " + notAfter + " is before notBefore "
          + notBefore);
    }
    KeyPair ephemeral = generateP256(random);
    byte[] spki = ephemeral.getPublic().getEncoded();
    byte[] signature = hostKey.sign(signedData(spki));
    byte[] extension = new SignedKey(hostKey.publicKey().marshal(), signature).encode();
    return build(ephemeral, extension, false, notBefore, notAfter, random);
  }

  /** A fresh P-256 key pair; the JDK encodes its SubjectPublicKeyInfo with the named curve. */
  static KeyPair generateP256(SecureRandom random) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no ECDSA P-256", e);
    }
  }

  /** {@code "libp2p-tls-handshake:" || spki}, what the host key signs. */
  static byte[] signedData(byte[] spki) {
    byte[] out = new byte[PREFIX.length + spki.length];
    System.arraycopy(PREFIX, 0, out, 0, PREFIX.length);
    System.arraycopy(spki, 0, out, PREFIX.length, spki.length);
    return out;
  }

  /**
   * Builds and self-signs a certificate on {@code keyPair} (ECDSA or RSA, with SHA-256) carrying {@code
   * extensionValue} as the libp2p extension, or no extension when it is null. Tests use it to
   * build certificates that break one rule each.
   */
  static Libp2pTlsCertificate build(KeyPair keyPair, byte[] extensionValue, boolean critical,
      Instant notBefore, Instant notAfter, SecureRandom random) {
    try {
      // A distinguished name the JDK's parser accepts (it refuses an empty issuer); the random
      // serial number keeps two certificates of one host apart.
      X500Name name = new X500Name("CN=libp2p");
      boolean rsa = "RSA".equals(keyPair.getPublic().getAlgorithm());
      AlgorithmIdentifier signatureAlgorithm = rsa
          ? new AlgorithmIdentifier(PKCSObjectIdentifiers.sha256WithRSAEncryption,
              org.bouncycastle.asn1.DERNull.INSTANCE)
          : new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
      V3TBSCertificateGenerator tbs = new V3TBSCertificateGenerator();
      tbs.setSerialNumber(new ASN1Integer(new BigInteger(63, random).add(BigInteger.ONE)));
      tbs.setIssuer(name);
      tbs.setSubject(name);
      tbs.setSignature(signatureAlgorithm);
      tbs.setStartDate(new Time(Date.from(notBefore.truncatedTo(ChronoUnit.SECONDS))));
      tbs.setEndDate(new Time(Date.from(notAfter.truncatedTo(ChronoUnit.SECONDS))));
      tbs.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(
          keyPair.getPublic().getEncoded()));
      if (extensionValue != null) {
        tbs.setExtensions(new Extensions(new Extension(EXTENSION, critical, extensionValue)));
      }
      TBSCertificate body = tbs.generateTBSCertificate();
      Signature signer = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
      signer.initSign(keyPair.getPrivate(), random);
      signer.update(body.getEncoded(ASN1Encoding.DER));
      ASN1EncodableVector certificate = new ASN1EncodableVector(3);
      certificate.add(body);
      certificate.add(signatureAlgorithm);
      certificate.add(new DERBitString(signer.sign()));
      byte[] der = new DERSequence(certificate).getEncoded(ASN1Encoding.DER);
      return new Libp2pTlsCertificate(parse(der), keyPair.getPrivate());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("could not build a certificate", e);
    }
  }

  private static X509Certificate parse(byte[] der) throws CertificateException {
    EmptyNameTolerantX509.install();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der));
  }

  /**
   * Checks a DER certificate as received, for callers (and fuzzers) that hold bytes.
   *
   * @throws TlsCertificateException as {@link #verify(X509Certificate[], Instant)}, or with
   *     reason {@code MALFORMED_CERTIFICATE} if the JDK cannot parse {@code der}
   */
  public static VerifiedPeer verify(byte[] der, Instant now) {
    if (der.length > MAX_CERTIFICATE_BYTES) {
      throw new TlsCertificateException(Reason.MALFORMED_CERTIFICATE, "certificate of "
          + der.length + " bytes exceeds the limit of " + MAX_CERTIFICATE_BYTES);
    }
    X509Certificate certificate;
    try {
      certificate = parse(der);
    } catch (CertificateException | RuntimeException e) {
      throw new TlsCertificateException(Reason.MALFORMED_CERTIFICATE,
          "not an X.509 certificate: " + e.getMessage(), e);
    }
    return verify(new X509Certificate[] {certificate}, now);
  }

  /**
   * Spec: abort if "the presented certificate is not yet valid, OR ... if it is expired", at
   * {@code now}.
   */
  static void checkValidity(X509Certificate x509, Instant now) {
    Instant notBefore = x509.getNotBefore().toInstant();
    Instant notAfter = x509.getNotAfter().toInstant();
    if (now.isBefore(notBefore)) {
      throw new TlsCertificateException(Reason.NOT_YET_VALID,
          "valid from " + notBefore + ", received at " + now);
    }
    if (now.isAfter(notAfter)) {
      throw new TlsCertificateException(Reason.EXPIRED,
          "expired at " + notAfter + ", received at " + now);
    }
  }

  /**
   * Checks the chain a remote presented against every rule of the spec's "Peer Authentication",
   * at {@code now}, the time it was received, and names the peer it proves.
   *
   * @throws TlsCertificateException naming the first rule broken: no certificate or more than
   *     one, too large or malformed, not yet valid or expired, a unique ID, a weak signature
   *     algorithm, an explicit curve, a bad self-signature, an unknown critical extension, the
   *     libp2p extension missing or malformed, or its host signature not verifying
   */
  public static VerifiedPeer verify(X509Certificate[] chain, Instant now) {
    Objects.requireNonNull(now, "now");
    if (chain == null || chain.length == 0) {
      throw new TlsCertificateException(Reason.NO_CERTIFICATE,
          "expected one certificate, got none");
    }
    if (chain.length != 1) {
      // Spec: "Endpoints MUST abort the connection attempt if more than one certificate is
      // received".
      throw new TlsCertificateException(Reason.CHAIN_LENGTH,
          "expected exactly one certificate, got a chain of " + chain.length);
    }
    X509Certificate x509 = chain[0];
    byte[] der;
    Certificate cert;
    try {
      der = x509.getEncoded();
      if (der.length > MAX_CERTIFICATE_BYTES) {
        throw new TlsCertificateException(Reason.MALFORMED_CERTIFICATE, "certificate of "
            + der.length + " bytes exceeds the limit of " + MAX_CERTIFICATE_BYTES);
      }
      cert = Certificate.getInstance(der);
    } catch (TlsCertificateException e) {
      throw e;
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new TlsCertificateException(Reason.MALFORMED_CERTIFICATE,
          "not a DER X.509 certificate: " + e.getMessage(), e);
    }
    TBSCertificate tbs = cert.getTBSCertificate();

    checkValidity(x509, now);
    // Spec: certificates MUST omit the deprecated unique IDs; endpoints MAY abort. We do.
    if (tbs.getIssuerUniqueId() != null || tbs.getSubjectUniqueId() != null) {
      throw new TlsCertificateException(Reason.UNIQUE_ID,
          "expected no issuerUniqueID or subjectUniqueID, got one");
    }
    ASN1ObjectIdentifier algorithm = cert.getSignatureAlgorithm().getAlgorithm();
    if (!SIGNATURE_ALGORITHMS.contains(algorithm)) {
      throw new TlsCertificateException(Reason.SIGNATURE_ALGORITHM, "expected ECDSA or RSA with"
          + " SHA-256 or longer, or Ed25519, got signature algorithm " + algorithm.getId());
    }
    SubjectPublicKeyInfo spki = tbs.getSubjectPublicKeyInfo();
    if (X9ObjectIdentifiers.id_ecPublicKey.equals(spki.getAlgorithm().getAlgorithm())) {
      ASN1Encodable parameters = spki.getAlgorithm().getParameters();
      if (!(parameters instanceof ASN1ObjectIdentifier)) {
        // Spec: "Certificates MUST use the NamedCurve encoding for elliptic curve parameters",
        // against curve substitution ("Whose Curve Is It Anyway").
        throw new TlsCertificateException(Reason.CURVE_ENCODING,
            "expected a named curve, got explicit or missing curve parameters");
      }
    }
    if (x509.getPublicKey() instanceof java.security.interfaces.RSAPublicKey rsa) {
      // Bounded before the self-signature is checked: a huge modulus or exponent would make that
      // check cost seconds. The spec discourages RSA; these are the host key bounds of crypto.
      int bits = rsa.getModulus().bitLength();
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS
          || rsa.getPublicExponent().bitLength() > MAX_RSA_EXPONENT_BITS) {
        throw new TlsCertificateException(Reason.CERTIFICATE_KEY, "expected an RSA key of "
            + MIN_RSA_BITS + " to " + MAX_RSA_BITS + " bits with an exponent under 2^"
            + MAX_RSA_EXPONENT_BITS + ", got " + bits + " bits and a "
            + rsa.getPublicExponent().bitLength() + "-bit exponent");
      }
    }
    try {
      // Spec: abort "if the certificate's self-signature is not valid".
      x509.verify(x509.getPublicKey());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new TlsCertificateException(Reason.BAD_SELF_SIGNATURE,
          "its signature does not verify under its own key (" + e.getMessage() + ")", e);
    }

    Extensions extensions = tbs.getExtensions();
    if (extensions != null) {
      for (ASN1ObjectIdentifier oid : extensions.getCriticalExtensionOIDs()) {
        if (!UNDERSTOOD_CRITICAL.contains(oid)) {
          throw new TlsCertificateException(Reason.UNKNOWN_CRITICAL_EXTENSION,
              "expected no critical extension but the libp2p one and basic constraints, key"
                  + " usage or extended key usage, got critical " + oid.getId());
        }
      }
    }
    Extension libp2p = extensions == null ? null : extensions.getExtension(EXTENSION);
    if (libp2p == null) {
      throw new TlsCertificateException(Reason.MISSING_EXTENSION,
          "expected the libp2p Public Key Extension " + EXTENSION_OID + ", the certificate has"
              + " none");
    }
    SignedKey signedKey = SignedKey.parse(libp2p.getExtnValue().getOctets());
    PublicKey hostKey;
    try {
      hostKey = Keys.unmarshalPublicKey(signedKey.publicKey());
    } catch (KeyFormatException e) {
      throw new TlsCertificateException(Reason.MALFORMED_EXTENSION,
          "the host key in the libp2p extension is invalid: " + e.getMessage(), e);
    }
    byte[] spkiDer;
    try {
      spkiDer = spki.getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new TlsCertificateException(Reason.MALFORMED_CERTIFICATE,
          "its SubjectPublicKeyInfo does not encode: " + e.getMessage(), e);
    }
    // Spec: the host key signs "libp2p-tls-handshake:" || SubjectPublicKeyInfo; peers MUST
    // verify it.
    if (!hostKey.verify(signedData(spkiDer), signedKey.signature())) {
      throw new TlsCertificateException(Reason.BAD_HOST_SIGNATURE,
          "the " + hostKey.type() + " host key's signature over the certificate key does not"
              + " verify (claimed peer " + PeerId.fromPublicKey(hostKey) + ")");
    }
    return new VerifiedPeer(PeerId.fromPublicKey(hostKey), hostKey);
  }
}
