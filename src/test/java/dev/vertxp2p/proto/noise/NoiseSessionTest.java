package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NoiseSessionTest {
  /** A connected pair: [0] initiator side, [1] responder side, keys from a fixed split. */
  static NoiseSession[] pair(NoiseAeads.Kind a, NoiseAeads.Kind b) {
    byte[] k1 = new byte[32];
    byte[] k2 = new byte[32];
    new Random(7).nextBytes(k1);
    new Random(8).nextBytes(k2);
    return new NoiseSession[] {
      new NoiseSession(cs(a, k1), cs(a, k2)), new NoiseSession(cs(b, k2), cs(b, k1))
    };
  }

  static CipherState cs(NoiseAeads.Kind kind, byte[] key) {
    CipherState c = new CipherState(NoiseAeads.create(kind));
    c.initializeKey(key);
    return c;
  }

  static byte[] drain(NoiseSession s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p; (p = s.pollPlaintext()) != null; ) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Property(tries = 10)
  void oneMebibyteRoundTripInRandomChunks(
      @ForAll long seed,
      @ForAll @IntRange(min = 64, max = 200_000) int maxWrite,
      @ForAll @IntRange(min = 1, max = 200_000) int maxChunk) {
    Random rnd = new Random(seed);
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.BC);
    byte[] data = new byte[1 << 20];
    rnd.nextBytes(data);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    for (int p = 0; p < data.length; ) {
      int n = Math.min(1 + rnd.nextInt(maxWrite), data.length - p);
      wire.writeBytes(s[0].encrypt(data, p, n));
      p += n;
    }
    byte[] w = wire.toByteArray();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (int p = 0; p < w.length; ) {
      int n = Math.min(1 + rnd.nextInt(maxChunk), w.length - p);
      s[1].receive(w, p, n);
      got.writeBytes(drain(s[1]));
      p += n;
    }
    assertArrayEquals(data, got.toByteArray());
    assertFalse(s[1].hasPartialMessage());
  }

  @Test
  void largeWritesAreSplitIntoMaximalMessages() {
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    byte[] data = new byte[NoiseSession.MAX_PLAINTEXT_LENGTH + 1];
    byte[] wire = s[0].encrypt(data, 0, data.length);
    assertEquals(data.length + 2 * (2 + 16), wire.length);
    assertEquals(wire.length, NoiseSession.encryptedLength(data.length));
    // First message: exactly 65535 bytes, the most a length prefix can announce.
    assertEquals(0xff, wire[0] & 0xff);
    assertEquals(0xff, wire[1] & 0xff);
    int second = 2 + 65535;
    assertEquals(0, wire[second]);
    assertEquals(17, wire[second + 1]);
    s[1].receive(wire, 0, wire.length);
    assertEquals(NoiseSession.MAX_PLAINTEXT_LENGTH, s[1].pollPlaintext().length);
    assertEquals(1, s[1].pollPlaintext().length);
    assertNull(s[1].pollPlaintext());
    assertEquals(0, s[0].encrypt(data, 0, 0).length);
  }

  /**
   * A message encrypted from pieces is byte for byte the message of the joined plaintext, with
   * either implementation on either side.
   */
  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void piecesEncryptAsTheirConcatenation(NoiseAeads.Kind kind) {
    NoiseSession[] pieces = pair(kind, NoiseAeads.Kind.JDK);
    NoiseSession[] joined = pair(kind, NoiseAeads.Kind.BC);
    Random r = new Random(11);
    byte[] a = new byte[70_000];
    byte[] b = new byte[5];
    byte[] c = new byte[40_000];
    r.nextBytes(a);
    r.nextBytes(b);
    r.nextBytes(c);
    // a's tail, all of b (and an empty piece), c's head: one maximal message
    int fromA = 30_000;
    int fromC = NoiseSession.MAX_PLAINTEXT_LENGTH - fromA - b.length;
    byte[] plain = new byte[NoiseSession.MAX_PLAINTEXT_LENGTH];
    System.arraycopy(a, a.length - fromA, plain, 0, fromA);
    System.arraycopy(b, 0, plain, fromA, b.length);
    System.arraycopy(c, 0, plain, fromA + b.length, fromC);
    byte[] out = new byte[3 + NoiseSession.encryptedLength(plain.length)];
    int n = pieces[0].encryptMessage(new byte[][] {a, b, b, c},
        new int[] {a.length - fromA, 0, 5, 0}, new int[] {fromA, b.length, 0, fromC}, 4, out, 3);
    assertEquals(NoiseSession.encryptedLength(plain.length), n);
    byte[] expected = joined[0].encrypt(plain, 0, plain.length);
    assertArrayEquals(expected, java.util.Arrays.copyOfRange(out, 3, 3 + n));
    pieces[1].receive(out, 3, n);
    assertArrayEquals(plain, pieces[1].pollPlaintext());
    assertThrows(IllegalArgumentException.class, () -> pieces[0].encryptMessage(
        new byte[][] {a}, new int[] {0}, new int[] {NoiseSession.MAX_PLAINTEXT_LENGTH + 1}, 1,
        new byte[a.length + 100], 0), "more than one message holds");
  }

  @Test
  void encryptIntoCallerArray() {
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    byte[] data = {1, 2, 3};
    byte[] out = new byte[5 + NoiseSession.encryptedLength(3)];
    assertEquals(21, s[0].encrypt(data, 0, 3, out, 5));
    s[1].receive(out, 5, 21);
    assertArrayEquals(data, s[1].pollPlaintext());
    assertThrows(IndexOutOfBoundsException.class, () -> s[0].encrypt(data, 0, 3, new byte[20], 0));
  }

  @Test
  void tamperedCiphertextFailsTheSessionForGood() {
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    byte[] wire = s[0].encrypt(new byte[100], 0, 100);
    wire[50] ^= 1;
    NoiseException e = assertThrows(NoiseException.class, () -> s[1].receive(wire, 0, wire.length));
    assertTrue(e.getMessage().contains("tag"), e.getMessage());
    assertTrue(s[1].isFailed());
    assertThrows(IllegalStateException.class, () -> s[1].receive(wire, 0, 1));
    assertThrows(IllegalStateException.class, () -> s[1].encrypt(wire, 0, 1));
  }

  @Test
  void replayedMessageFails() {
    NoiseSession[] s = pair(NoiseAeads.Kind.BC, NoiseAeads.Kind.BC);
    byte[] wire = s[0].encrypt(new byte[10], 0, 10);
    s[1].receive(wire, 0, wire.length);
    assertEquals(10, s[1].pollPlaintext().length);
    // Same bytes again: the receiver's nonce has moved on.
    assertThrows(NoiseException.class, () -> s[1].receive(wire, 0, wire.length));
  }

  @Test
  void messageShorterThanATagIsRejected() {
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    byte[] wire = {0, 15};
    NoiseException e = assertThrows(NoiseException.class, () -> s[1].receive(wire, 0, 2));
    assertTrue(e.getMessage().contains("at least 16"), e.getMessage());
  }

  @Test
  void maximalLengthPrefixIsBufferedThenFailsOnTheTag() {
    // 0xffff is the largest length a prefix can say; a frame of 65536+ cannot be announced.
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    byte[] wire = new byte[2 + 65535];
    wire[0] = (byte) 0xff;
    wire[1] = (byte) 0xff;
    s[1].receive(wire, 0, 40_000);
    assertTrue(s[1].hasPartialMessage());
    assertThrows(NoiseException.class, () -> s[1].receive(wire, 40_000, wire.length - 40_000));
  }

  @Test
  void emptyMessageAdvancesTheNonceAndDeliversNothing() {
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    CipherState raw = new CipherState(NoiseAeads.create(NoiseAeads.Kind.JDK));
    byte[] k1 = new byte[32];
    new Random(7).nextBytes(k1);
    raw.initializeKey(k1);
    byte[] empty = new byte[2 + 16];
    empty[1] = 16;
    raw.encryptWithAd(null, new byte[0], 0, 0, empty, 2);
    s[1].receive(empty, 0, empty.length);
    assertNull(s[1].pollPlaintext());
    // The session's own sender is one nonce behind the raw one now; catch it up.
    s[0].encrypt(new byte[1], 0, 1);
    byte[] next = s[0].encrypt(new byte[] {42}, 0, 1);
    s[1].receive(next, 0, next.length);
    assertArrayEquals(new byte[] {42}, s[1].pollPlaintext());
  }

  @Test
  void aLargeStraddlingMessageIsNotHeldOnceTheStreamGoesQuiet() {
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    byte[] data = new byte[3 * NoiseSession.MAX_PLAINTEXT_LENGTH];
    new Random(3).nextBytes(data);
    byte[] wire = s[0].encrypt(data, 0, data.length);
    int idle = s[1].retainedBufferBytes();
    // Chunks that never end on a message boundary: each message straddles two of them, and the
    // gathering buffer is in use from one chunk to the next.
    int chunk = 40_000;
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (int off = 0; off < wire.length; off += chunk) {
      s[1].receive(wire, off, Math.min(chunk, wire.length - off));
      for (byte[] p; (p = s[1].pollPlaintext()) != null; ) {
        got.writeBytes(p);
      }
      if (s[1].hasPartialMessage()) {
        assertTrue(s[1].retainedBufferBytes() > NoiseSession.MAX_PLAINTEXT_LENGTH / 2);
      }
    }
    assertArrayEquals(data, got.toByteArray());
    assertFalse(s[1].hasPartialMessage());
    // The last chunk ended on a boundary: back to what an idle session holds.
    assertEquals(idle, s[1].retainedBufferBytes());
    assertTrue(idle <= 16, "idle session holds " + idle + " bytes");
  }

  @Test
  void truncatedStreamLeavesAPartialMessage() {
    NoiseSession[] s = pair(NoiseAeads.Kind.JDK, NoiseAeads.Kind.JDK);
    byte[] wire = s[0].encrypt(new byte[100], 0, 100);
    s[1].receive(wire, 0, 1);
    assertTrue(s[1].hasPartialMessage());
    s[1].receive(wire, 1, wire.length - 2);
    assertTrue(s[1].hasPartialMessage());
    assertNull(s[1].pollPlaintext());
    s[1].receive(wire, wire.length - 1, 1);
    assertFalse(s[1].hasPartialMessage());
    assertEquals(100, s[1].pollPlaintext().length);
  }

  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void reservedNonceIsNeverUsed(NoiseAeads.Kind kind) {
    CipherState c = cs(kind, new byte[32]);
    c.setNonce(-2L); // 2^64 - 2, the last usable nonce
    byte[] out = new byte[16];
    c.encryptWithAd(null, new byte[0], 0, 0, out, 0);
    assertEquals(-1L, c.nonce());
    assertThrows(NoiseException.class, () -> c.encryptWithAd(null, new byte[0], 0, 0, out, 0));
    assertThrows(NoiseException.class, () -> c.decryptWithAd(null, out, 0, 16, new byte[0], 0));
  }

  @Test
  void encryptedLengthCounts() {
    assertEquals(0, NoiseSession.encryptedLength(0));
    assertEquals(19, NoiseSession.encryptedLength(1));
    assertEquals(65537, NoiseSession.encryptedLength(65519));
    assertEquals(65537 + 19, NoiseSession.encryptedLength(65520));
    assertThrows(ArithmeticException.class, () -> NoiseSession.encryptedLength(Integer.MAX_VALUE));
  }
}
