package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.proto.tls.Libp2pTlsCertificate;
import dev.vertxp2p.proto.tls.SignedKey;
import dev.vertxp2p.proto.tls.TlsCertificateException;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.proto.tls.TlsException;
import dev.vertxp2p.proto.tls.TlsHandshake;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;

/**
 * libp2p TLS input from a remote: the SignedKey extension value, a whole certificate, and the raw
 * bytes a listener reads. Only the typed errors may escape ({@link TlsCertificateException} from
 * the parsers, {@link TlsException} from the engine); a SignedKey that parses re-encodes to the
 * same DER; a certificate that verifies names the peer of the key it carries; a listener that
 * threw is failed for good.
 */
class TlsFuzzTest {
  /** Inside the validity of both our certificates and the spec's vectors (1975 to 4096). */
  private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");
  private static final PrivateKey HOST = Ed25519PrivateKey.fromSeed(new byte[32]);
  /** One certificate for every run: an input costs the TLS parsing, not a key generation. */
  private static final TlsConfig LISTENER = TlsConfig.builder(HOST)
      .certificate(Libp2pTlsCertificate.create(HOST, new SecureRandom(), NOW))
      .muxers(List.of("/yamux/1.0.0"))
      .build();

  @FuzzTest(maxDuration = "60s")
  void signedKey(byte[] der) {
    if (der.length > SignedKey.MAX_BYTES + 16) {
      return;
    }
    SignedKey key;
    try {
      key = SignedKey.parse(der);
    } catch (TlsCertificateException e) {
      assertEquals(TlsCertificateException.Reason.MALFORMED_EXTENSION, e.reason());
      return;
    }
    assertArrayEquals(der, key.encode(), "a parsed SignedKey must re-encode to the same DER");
  }

  @FuzzTest(maxDuration = "60s")
  void certificate(byte[] der) {
    if (der.length > Libp2pTlsCertificate.MAX_CERTIFICATE_BYTES + 16) {
      return;
    }
    Libp2pTlsCertificate.VerifiedPeer peer;
    try {
      peer = Libp2pTlsCertificate.verify(der, NOW);
    } catch (TlsCertificateException expected) {
      return;
    }
    assertTrue(peer.peerId().matches(peer.hostKey()));
    assertEquals(peer.peerId(), PeerId.fromPublicKey(peer.hostKey()));
  }

  @FuzzTest(maxDuration = "60s")
  void listener(FuzzedDataProvider data) {
    TlsHandshake listener = TlsHandshake.listener(LISTENER, NOW);
    int written = 0;
    int read = 0;
    try {
      while (data.remainingBytes() > 0 && !listener.isComplete()) {
        byte[] chunk = data.consumeBytes(1 + data.consumeInt(0, 4096));
        read += chunk.length;
        listener.feed(chunk, 0, chunk.length);
        written += listener.drainOutput().length;
      }
    } catch (TlsException e) {
      assertTrue(listener.isFailed());
      assertThrows(IllegalStateException.class, () -> listener.feed(new byte[1], 0, 1));
      written += listener.drainOutput().length;
    }
    // A listener answers one ClientHello with one flight: its certificate and a few KiB more.
    assertTrue(written <= read + 8 * 1024, "wrote " + written + " bytes for " + read + " read");
  }
}
