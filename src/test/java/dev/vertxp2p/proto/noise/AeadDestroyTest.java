package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a finished cipher leaves behind: {@link NoiseAead#destroy()} on each implementation, the
 * per-message wipe of our own cipher's scratch, and the cipher states and sessions that call it.
 */
class AeadDestroyTest {
  private static final byte[] KEY = key(3);

  private static byte[] key(int seed) {
    byte[] k = new byte[NoiseAead.KEY_LENGTH];
    new Random(seed).nextBytes(k);
    return k;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(int[] w) {
    return Arrays.stream(w).allMatch(x -> x == 0);
  }

  private static boolean allZero(long[] w) {
    return Arrays.stream(w).allMatch(x -> x == 0);
  }

  private static void assertRefused(Executable use, String what) {
    IllegalStateException e = assertThrows(IllegalStateException.class, use, what);
    assertTrue(e.getMessage().contains("destroy"), what + ": " + e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void afterDestroyEveryUseThrows(NoiseAeads.Kind kind) {
    NoiseAead a = NoiseAeads.create(kind);
    a.setKey(KEY);
    byte[] sealed = new byte[10 + NoiseAead.TAG_LENGTH];
    a.encrypt(0, null, new byte[10], 0, 10, sealed, 0);
    a.destroy();
    a.destroy(); // idempotent

    byte[] out = new byte[64];
    assertRefused(() -> a.setKey(KEY), kind + " setKey");
    assertRefused(() -> a.encrypt(1, null, new byte[10], 0, 10, out, 0), kind + " encrypt");
    assertRefused(() -> a.encrypt(1, null, new byte[][] {new byte[10]}, new int[] {0},
        new int[] {10}, 1, out, 0), kind + " encrypt in pieces");
    assertRefused(() -> a.decrypt(0, null, sealed, 0, sealed.length, out, 0), kind + " decrypt");
  }

  @Test
  void ourOwnDestroyZeroesKeyWordsKeystreamAndPoly1305() {
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.setKey(KEY);
    c.start(new byte[12], new byte[] {9});
    // 100 bytes: the second keystream block is half used, Poly1305 is mid-message
    c.encrypt(new byte[100], 0, 100, new byte[100], 0);
    int[] keyWords = c.keyWords();
    assertFalse(allZero(keyWords), "the key is in place before");
    assertFalse(allZero(c.keystreamScratch()), "keystream is left mid-message");
    assertFalse(allZero(c.polyState()), "Poly1305 is keyed mid-message");

    c.destroy();
    assertTrue(allZero(keyWords), "key words " + Arrays.toString(keyWords));
    assertTrue(allZero(c.keystreamScratch()), "keystream scratch");
    assertTrue(allZero(c.polyState()), "Poly1305 r, s and accumulator");
  }

  @Test
  void ourOwnAeadDestroyReachesItsCipher() {
    JavaChaChaPolyAead a = (JavaChaChaPolyAead) NoiseAeads.create(NoiseAeads.Kind.JAVA);
    a.setKey(KEY);
    int[] keyWords = a.cipher().keyWords();
    assertFalse(allZero(keyWords));
    a.destroy();
    assertTrue(allZero(keyWords), "key words " + Arrays.toString(keyWords));
  }

  /** Between messages our cipher keeps neither leftover keystream nor a one-time Poly1305 key. */
  @Test
  void aFinishedMessageLeavesNoKeystreamOrOneTimeKey() {
    byte[] nonce = new byte[12];
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.setKey(KEY);
    c.start(nonce, null);
    byte[] sealed = new byte[100 + 16];
    c.encrypt(new byte[100], 0, 100, sealed, 0);
    c.finishEncrypt(sealed, 100);
    assertTrue(allZero(c.keystreamScratch()), "after encryption: keystream scratch");
    assertTrue(allZero(c.polyState()), "after encryption: Poly1305 state");

    for (boolean tamper : new boolean[] {false, true}) {
      byte[] in = sealed.clone();
      if (tamper) {
        in[100] ^= 1;
      }
      c.start(nonce, null);
      c.decrypt(in, 0, 100, new byte[100], 0);
      assertTrue(c.finishDecrypt(in, 100) != tamper, "tag verdict");
      assertTrue(allZero(c.keystreamScratch()), "after decryption (bad tag " + tamper + ")");
      assertTrue(allZero(c.polyState()), "after decryption (bad tag " + tamper + ")");
    }
  }

  @Test
  void jdkDestroyZeroesTheKeyBytesItHolds() {
    assertDestroyZeroesTheKeyBytes(NoiseAeads.Kind.JDK, a -> ((JdkChaChaPolyAead) a).keyBytes());
  }

  @Test
  void bouncyCastleDestroyZeroesTheKeyBytesItHolds() {
    assertDestroyZeroesTheKeyBytes(NoiseAeads.Kind.BC, a -> ((BcChaChaPolyAead) a).keyBytes());
  }

  /**
   * The provider-backed AEADs keep the key bytes they hand the provider: a replaced key is zeroed,
   * and so is the last one on destroy.
   */
  private static void assertDestroyZeroesTheKeyBytes(NoiseAeads.Kind kind,
      java.util.function.Function<NoiseAead, byte[]> keyBytes) {
    NoiseAead a = NoiseAeads.create(kind);
    a.setKey(key(1));
    byte[] first = keyBytes.apply(a);
    a.setKey(KEY);
    assertTrue(allZero(first), "a replaced key is zeroed");
    byte[] held = keyBytes.apply(a);
    assertArrayEquals(KEY, held);
    a.encrypt(0, null, new byte[1], 0, 1, new byte[17], 0);
    a.destroy();
    assertTrue(allZero(held), "key bytes " + Arrays.toString(held));
    assertNull(keyBytes.apply(a));
  }

  /** A destroyed cipher state refuses even without a key, where it would copy plaintext as is. */
  @Test
  void aDestroyedCipherStateRefusesWithOrWithoutAKey() {
    CipherState keyless = new CipherState(NoiseAeads.create(NoiseAeads.Kind.JAVA));
    keyless.destroy();
    assertTrue(keyless.isDestroyed());
    byte[] out = new byte[64];
    assertThrows(IllegalStateException.class,
        () -> keyless.encryptWithAd(null, new byte[5], 0, 5, out, 0));
    assertThrows(IllegalStateException.class,
        () -> keyless.decryptWithAd(null, new byte[5], 0, 5, out, 0));
    assertThrows(IllegalStateException.class, () -> keyless.initializeKey(KEY));

    JavaChaChaPolyAead aead = (JavaChaChaPolyAead) NoiseAeads.create(NoiseAeads.Kind.JAVA);
    CipherState keyed = new CipherState(aead);
    keyed.initializeKey(KEY);
    keyed.destroy();
    assertTrue(allZero(aead.cipher().keyWords()));
    assertThrows(IllegalStateException.class,
        () -> keyed.encryptWithAd(null, new byte[5], 0, 5, out, 0));
  }

  @Test
  void splitDestroysTheHandshakeCipherState() {
    SymmetricState s = new SymmetricState("Noise_XX_25519_ChaChaPoly_SHA256",
        NoiseAeads.create(NoiseAeads.Kind.JAVA));
    s.mixKey(KEY);
    CipherState handshake = s.cipherState();
    CipherState[] transport = s.split(NoiseAeads.create(NoiseAeads.Kind.JAVA),
        NoiseAeads.create(NoiseAeads.Kind.JAVA));
    assertTrue(handshake.isDestroyed(), "the handshake's cipher state");
    assertFalse(transport[0].isDestroyed());
    assertFalse(transport[1].isDestroyed());
  }

  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void aDestroyedSessionWipesBothDirectionsAndRefusesUse(NoiseAeads.Kind kind) {
    NoiseSession[] pair = NoiseSessionTest.pair(kind, kind);
    byte[] wire = pair[0].encrypt(new byte[] {1, 2, 3}, 0, 3);
    pair[1].receive(wire, 0, wire.length); // queued, not yet polled

    JavaChaChaPolyAead send = (JavaChaChaPolyAead) NoiseAeads.create(NoiseAeads.Kind.JAVA);
    JavaChaChaPolyAead receive = (JavaChaChaPolyAead) NoiseAeads.create(NoiseAeads.Kind.JAVA);
    CipherState sender = new CipherState(send);
    sender.initializeKey(key(1));
    CipherState receiver = new CipherState(receive);
    receiver.initializeKey(key(2));
    NoiseSession own = new NoiseSession(sender, receiver);

    for (NoiseSession s : new NoiseSession[] {pair[1], own}) {
      s.destroy();
      s.destroy(); // idempotent
      assertTrue(s.isDestroyed());
      assertNull(s.pollPlaintext(), "what was queued is dropped");
      assertRefused(() -> s.encrypt(new byte[3], 0, 3), "encrypt");
      assertRefused(() -> s.encryptMessage(new byte[][] {new byte[3]}, new int[] {0},
          new int[] {3}, 1, new byte[64], 0), "encryptMessage");
      assertRefused(() -> s.receive(wire, 0, wire.length), "receive");
    }
    assertTrue(sender.isDestroyed() && receiver.isDestroyed(), "both cipher states");
    assertTrue(allZero(send.cipher().keyWords()), "sending key");
    assertTrue(allZero(receive.cipher().keyWords()), "receiving key");
    assertFalse(pair[0].isDestroyed(), "the other end is its own");
  }
}
