package dev.vertxp2p.transport;

import dev.vertxp2p.PeerId;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded, least-recently-used memory of identity proofs already checked: the exact bytes of a
 * remote's identity key, its signature and the signed data, mapped to the peer id they prove.
 * Handshakes run on every event loop, so access is synchronized; an entry is a few hundred bytes
 * and a lookup a hash of them, against an Ed25519 point decoding and verification saved.
 */
final class VerifiedIdentities {
  private final Map<ByteBuffer, PeerId> entries;

  VerifiedIdentities(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
    }
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteBuffer, PeerId> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The lookup key for one proof: the three byte strings, length-prefixed so none can blur. */
  static ByteBuffer key(byte[] identityKey, byte[] signature, byte[] signedData) {
    ByteBuffer b = ByteBuffer.allocate(12 + identityKey.length + signature.length
        + signedData.length);
    b.putInt(identityKey.length).put(identityKey);
    b.putInt(signature.length).put(signature);
    b.putInt(signedData.length).put(signedData);
    return b.flip();
  }

  /** The peer id this proof was found to prove, or null when it was not checked (or forgotten). */
  synchronized PeerId get(ByteBuffer key) {
    return entries.get(key);
  }

  /** Records a proof that verified. */
  synchronized void put(ByteBuffer key, PeerId proved) {
    entries.put(key, proved);
  }

  synchronized int size() {
    return entries.size();
  }
}
