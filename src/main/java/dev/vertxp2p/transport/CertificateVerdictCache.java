package dev.vertxp2p.transport;

import dev.vertxp2p.proto.tls.CertificateVerdicts;
import dev.vertxp2p.proto.tls.Libp2pTlsCertificate;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The upgrader's memory of TLS certificates that passed every check, shared by the handshakes of
 * every event loop: an access-ordered map behind one lock held for a lookup or an insertion,
 * forgetting its least recently used entry beyond its bound (as {@link VerifiedIdentities} does
 * for Noise proofs). Refusals are not remembered: a refused certificate cost its sender a whole
 * TLS handshake.
 */
final class CertificateVerdictCache implements CertificateVerdicts {
  private final int capacity;
  private final LinkedHashMap<ByteBuffer, Libp2pTlsCertificate.VerifiedPeer> entries;

  CertificateVerdictCache(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    this.capacity = capacity;
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(
          Map.Entry<ByteBuffer, Libp2pTlsCertificate.VerifiedPeer> eldest) {
        return size() > CertificateVerdictCache.this.capacity;
      }
    };
  }

  @Override
  public synchronized Libp2pTlsCertificate.VerifiedPeer get(byte[] derSha256) {
    return entries.get(ByteBuffer.wrap(derSha256));
  }

  @Override
  public synchronized void put(byte[] derSha256, Libp2pTlsCertificate.VerifiedPeer peer) {
    entries.put(ByteBuffer.wrap(derSha256.clone()), peer);
  }

  synchronized int size() {
    return entries.size();
  }
}
