package dev.vertxp2p.proto.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import java.security.SecureRandom;
import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random and mutated input to the certificate parsers: nothing but {@link TlsCertificateException}
 * ever escapes, a SignedKey that parses is DER (re-encodes identically), and any SignedKey
 * round-trips.
 */
class TlsParserProperties {
  private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");
  private static final PrivateKey HOST = Ed25519PrivateKey.fromSeed(new byte[32]);
  private static final byte[] VALID = valid();

  private static byte[] valid() {
    try {
      return Libp2pTlsCertificate.create(HOST, new SecureRandom(), NOW).certificate().getEncoded();
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Property(tries = 2000)
  void randomBytesAreRefusedAsMalformedExtensionsOrParseAsDer(
      @ForAll @Size(max = 600) byte[] bytes) {
    try {
      SignedKey key = SignedKey.parse(bytes);
      assertArrayEquals(bytes, key.encode());
    } catch (TlsCertificateException e) {
      assertEquals(TlsCertificateException.Reason.MALFORMED_EXTENSION, e.reason());
    }
  }

  @Property(tries = 500)
  void signedKeysRoundTrip(@ForAll @Size(min = 1, max = 4096) byte[] publicKey,
      @ForAll @Size(min = 1, max = 1024) byte[] signature) {
    SignedKey key = new SignedKey(publicKey, signature);
    assertEquals(key, SignedKey.parse(key.encode()));
  }

  @Property(tries = 1000)
  void randomBytesAreRefusedAsCertificates(@ForAll @Size(max = 2000) byte[] bytes) {
    try {
      Libp2pTlsCertificate.verify(bytes, NOW);
    } catch (TlsCertificateException expected) {
      // the only way out
    }
  }

  @Property(tries = 1000)
  void mutatedCertificatesNeverThrowAnythingElse(@ForAll @IntRange(min = 0, max = 4000) int at,
      @ForAll byte xor, @ForAll @IntRange(min = 0, max = 3) int kind) {
    byte[] der = VALID.clone();
    int i = at % der.length;
    switch (kind) {
      case 0 -> der[i] ^= (byte) (xor == 0 ? 1 : xor);
      case 1 -> der = java.util.Arrays.copyOf(der, i);
      case 2 -> der[i] = (byte) 0x80;
      default -> der[i] = (byte) 0xff;
    }
    try {
      Libp2pTlsCertificate.verify(der, NOW);
    } catch (TlsCertificateException expected) {
      // the only way out
    }
  }
}
