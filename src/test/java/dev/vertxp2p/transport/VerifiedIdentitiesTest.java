package dev.vertxp2p.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class VerifiedIdentitiesTest {
  static PeerId peer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
  }

  @Test
  void remembersExactProofsOnly() {
    VerifiedIdentities v = new VerifiedIdentities(8);
    PeerId p = peer();
    byte[] key = {1, 2, 3};
    byte[] sig = {4, 5};
    byte[] data = {6};
    v.put(VerifiedIdentities.key(key, sig, data), p);
    assertEquals(p, v.get(VerifiedIdentities.key(key.clone(), sig.clone(), data.clone())));
    assertNull(v.get(VerifiedIdentities.key(key, new byte[] {4, 6}, data)), "another signature");
    assertNull(v.get(VerifiedIdentities.key(key, sig, new byte[] {7})), "other signed data");
    // the same bytes split differently between the fields are a different proof
    assertNotEquals(VerifiedIdentities.key(new byte[] {1, 2}, new byte[] {3, 4, 5}, data),
        VerifiedIdentities.key(key, sig, data));
  }

  @Test
  void forgetsTheLeastRecentlyUsedBeyondItsBound() {
    VerifiedIdentities v = new VerifiedIdentities(2);
    PeerId p = peer();
    v.put(VerifiedIdentities.key(new byte[] {1}, new byte[0], new byte[0]), p);
    v.put(VerifiedIdentities.key(new byte[] {2}, new byte[0], new byte[0]), p);
    v.get(VerifiedIdentities.key(new byte[] {1}, new byte[0], new byte[0])); // 1 is now recent
    v.put(VerifiedIdentities.key(new byte[] {3}, new byte[0], new byte[0]), p);
    assertEquals(2, v.size());
    assertNull(v.get(VerifiedIdentities.key(new byte[] {2}, new byte[0], new byte[0])));
    assertEquals(p, v.get(VerifiedIdentities.key(new byte[] {1}, new byte[0], new byte[0])));
  }

  @Test
  void theBoundIsExactWithEveryEventLoopInsertingAtOnce() throws Exception {
    VerifiedIdentities v = new VerifiedIdentities(64);
    PeerId p = PeerId.fromPublicKey(dev.vertxp2p.crypto.Ed25519PrivateKey
        .generate(new java.security.SecureRandom()).publicKey());
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger over = new java.util.concurrent.atomic.AtomicInteger();
    for (int t = 0; t < 4; t++) {
      int base = t * 10_000;
      Thread th = new Thread(() -> {
        for (int i = 0; i < 2_000; i++) {
          v.put(VerifiedIdentities.key(java.nio.ByteBuffer.allocate(4).putInt(base + i).array(),
              new byte[0], new byte[0]), p);
          if (v.size() > 64) {
            over.incrementAndGet();
          }
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertEquals(0, over.get(), "the bound was exceeded");
    assertEquals(64, v.size());
  }
}
