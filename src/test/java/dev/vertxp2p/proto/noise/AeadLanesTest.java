package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The many-blocks-at-once ChaCha20 path of our ChaCha20-Poly1305 ({@link ChaCha20Lanes}, switched
 * by {@link AeadLanes}) against the one-block path and the JDK's cipher, at the lengths where it
 * runs: from {@value ChaCha20Lanes#MIN_BLOCKS} whole blocks on, one pass of {@value
 * ChaCha20Lanes#LANES} or several, with pieces cut anywhere.
 */
class AeadLanesTest {

  @Property(tries = 60)
  void lanesScalarAndJdkAgree(
      @ForAll @Size(32) byte[] key,
      @ForAll @Size(max = 32) byte[] ad,
      @ForAll @IntRange(min = 0, max = 70_000) int length,
      @ForAll @IntRange(min = 0, max = 70_000) int cut,
      @ForAll long seed) throws Exception {
    byte[] plaintext = new byte[length];
    new Random(seed).nextBytes(plaintext);
    byte[] nonce = new byte[12];
    new Random(~seed).nextBytes(nonce);
    int c = Math.min(cut, length);

    byte[] lanes = seal(new ChaCha20Poly1305(true), key, nonce, ad, plaintext, c);
    byte[] scalar = seal(new ChaCha20Poly1305(false), key, nonce, ad, plaintext, c);
    assertArrayEquals(jdk(key, nonce, ad, plaintext), lanes, "lanes against the JDK");
    assertArrayEquals(scalar, lanes, "lanes against one block at a time");

    for (boolean path : new boolean[] {true, false}) {
      ChaCha20Poly1305 open = new ChaCha20Poly1305(path);
      open.setKey(key);
      open.start(nonce, ad);
      byte[] back = lanes.clone(); // in place, as the Noise session decrypts
      open.decrypt(back, 0, c, back, 0);
      open.decrypt(back, c, length - c, back, c);
      assertTrue(open.finishDecrypt(lanes, length), "tag verifies, lanes=" + path);
      assertArrayEquals(plaintext, java.util.Arrays.copyOf(back, length), "lanes=" + path);
    }
  }

  @Test
  void onePieceAtTheLengthsWherePassesBeginAndEnd() throws Exception {
    byte[] key = new byte[32];
    new Random(1).nextBytes(key);
    byte[] nonce = new byte[12];
    int[] lengths = {64 * ChaCha20Lanes.MIN_BLOCKS - 1, 64 * ChaCha20Lanes.MIN_BLOCKS,
        64 * ChaCha20Lanes.LANES, 64 * ChaCha20Lanes.LANES + 64 * ChaCha20Lanes.MIN_BLOCKS + 5,
        3 * 64 * ChaCha20Lanes.LANES + 17, 65_519};
    for (int length : lengths) {
      byte[] plaintext = new byte[length];
      new Random(length).nextBytes(plaintext);
      assertArrayEquals(jdk(key, nonce, null, plaintext),
          seal(new ChaCha20Poly1305(true), key, nonce, null, plaintext, 0), "length " + length);
    }
  }

  @Test
  void aFlippedBitInALongMessageFailsTheTag() {
    byte[] key = new byte[32];
    byte[] nonce = new byte[12];
    byte[] plaintext = new byte[64 * ChaCha20Lanes.LANES + 100];
    new Random(7).nextBytes(plaintext);
    byte[] sealed = seal(new ChaCha20Poly1305(true), key, nonce, null, plaintext, 0);
    sealed[64 * 100 + 3] ^= 0x10;
    ChaCha20Poly1305 open = new ChaCha20Poly1305(true);
    open.setKey(key);
    open.start(nonce, null);
    byte[] back = new byte[plaintext.length];
    open.decrypt(sealed, 0, plaintext.length, back, 0);
    assertFalse(open.finishDecrypt(sealed, plaintext.length));
  }

  /**
   * After the rounds the lane scratch holds each block's final state, from which the key follows
   * by running the rounds backwards: nothing of it may stay behind in the thread's array.
   */
  @Test
  void theLaneScratchHoldsNothingAfterACall() {
    byte[] key = new byte[32];
    new Random(2).nextBytes(key);
    // more than one pass, the last one partial: every lane is used, some twice
    byte[] plaintext = new byte[64 * (ChaCha20Lanes.LANES + ChaCha20Lanes.MIN_BLOCKS) + 9];
    seal(new ChaCha20Poly1305(true), key, new byte[12], null, plaintext, 0);
    int[] scratch = ChaCha20Lanes.scratchOfThisThread();
    long nonZero = java.util.Arrays.stream(scratch).filter(w -> w != 0).count();
    assertEquals(0, nonZero, "non-zero words left in the lane scratch of " + scratch.length);
  }

  @Test
  void thePropertyTakesAutoTrueOrFalseAndNamesItselfOtherwise() {
    assertTrue(AeadLanes.enabled("true"));
    assertTrue(AeadLanes.enabled(" TRUE "));
    assertFalse(AeadLanes.enabled("false"));
    assertEquals(AeadLanes.enabled(null), AeadLanes.enabled("auto"));
    assertEquals(AeadLanes.enabled(""), AeadLanes.enabled("auto"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> AeadLanes.enabled("yes"));
    assertTrue(e.getMessage().contains(AeadLanes.PROPERTY), e.getMessage());
    assertTrue(e.getMessage().contains("'yes'"), e.getMessage());
  }

  /** Ciphertext and tag, the plaintext given to the cipher in two pieces cut at {@code cut}. */
  private static byte[] seal(ChaCha20Poly1305 cipher, byte[] key, byte[] nonce, byte[] ad,
      byte[] plaintext, int cut) {
    cipher.setKey(key);
    cipher.start(nonce, ad);
    byte[] out = new byte[plaintext.length + 16];
    cipher.encrypt(plaintext, 0, cut, out, 0);
    cipher.encrypt(plaintext, cut, plaintext.length - cut, out, cut);
    cipher.finishEncrypt(out, plaintext.length);
    return out;
  }

  private static byte[] jdk(byte[] key, byte[] nonce, byte[] ad, byte[] plaintext)
      throws Exception {
    Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
    if (ad != null && ad.length > 0) {
      c.updateAAD(ad);
    }
    return c.doFinal(plaintext);
  }
}
