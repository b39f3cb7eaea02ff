package dev.vertxp2p.transport;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.multiformats.Multihash;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded memory of identity proofs already checked, both ways: a proof that verified maps to
 * the peer id it proves, a proof that did not to why it was refused. Repeating either costs a
 * hash and a lookup instead of a key decoding and a signature check, which for RSA runs on a
 * worker thread. Proofs and refusals are kept apart, each under its own bound, so that a flood of
 * bad proofs cannot push the good ones out.
 *
 * <p>A proof is keyed by the SHA-256 of its three byte strings (length-prefixed, so none can
 * blur into the next): 32 bytes an entry whatever the key size, where the raw bytes of an RSA
 * proof would be kilobytes. Each side forgets its least recently used entry beyond its bound.
 *
 * <p>Handshakes on every event loop share one instance: each side is one access-ordered map
 * behind a lock held only for a lookup or an insertion, and its bound is exact.
 */
final class VerifiedIdentities {
  private final Lru<PeerId> proved;
  private final Lru<String> refused;

  /** The same bound for proofs and for refusals. */
  VerifiedIdentities(int capacity) {
    this(capacity, capacity);
  }

  VerifiedIdentities(int provedCapacity, int refusedCapacity) {
    this.proved = new Lru<>(provedCapacity);
    this.refused = new Lru<>(refusedCapacity);
  }

  /** The lookup key for one proof. */
  static ByteBuffer key(byte[] identityKey, byte[] signature, byte[] signedData) {
    ByteBuffer b = ByteBuffer.allocate(12 + identityKey.length + signature.length
        + signedData.length);
    b.putInt(identityKey.length).put(identityKey);
    b.putInt(signature.length).put(signature);
    b.putInt(signedData.length).put(signedData);
    return ByteBuffer.wrap(Multihash.sha256Digest(b.array())).asReadOnlyBuffer();
  }

  /** The peer id this proof was found to prove, or null when it was not (or is forgotten). */
  PeerId get(ByteBuffer key) {
    return proved.get(key);
  }

  /** Records a proof that verified. */
  void put(ByteBuffer key, PeerId peer) {
    proved.put(key, peer);
  }

  /** Why this proof was refused, or null when it was not (or is forgotten). */
  String refusal(ByteBuffer key) {
    return refused.get(key);
  }

  /** Records a proof that did not verify, with the reason given for it. */
  void refuse(ByteBuffer key, String reason) {
    refused.put(key, reason);
  }

  /** Proofs remembered as good. */
  int size() {
    return proved.size();
  }

  /** Proofs remembered as refused. */
  int refusedSize() {
    return refused.size();
  }

  /**
   * A map that drops its least recently used entry beyond a bound: an access-ordered {@link
   * LinkedHashMap} behind one lock, so a lookup and an eviction are each O(1). (A scan for the
   * oldest entry, as before, cost a pass over the whole map on every new peer once it was full:
   * 7 % of a 19,000-connection node's CPU.) The lock is held for a hash lookup, against the
   * handshake around it.
   */
  private static final class Lru<V> {
    private final int capacity;
    private final LinkedHashMap<ByteBuffer, V> entries;

    Lru(int capacity) {
      if (capacity < 1) {
        throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
      }
      this.capacity = capacity;
      this.entries = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, V> eldest) {
          return size() > Lru.this.capacity;
        }
      };
    }

    synchronized V get(ByteBuffer key) {
      return entries.get(key);
    }

    synchronized void put(ByteBuffer key, V value) {
      entries.put(key, value);
    }

    synchronized int size() {
      return entries.size();
    }
  }
}
