package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NoiseAeadTest {
  @Property(tries = 300)
  void allImplementationsProduceAndAcceptIdenticalBytes(
      @ForAll @Size(32) byte[] key,
      @ForAll long nonce,
      @ForAll @Size(max = 64) byte[] ad,
      @ForAll @Size(max = 3000) byte[] plaintext,
      @ForAll @IntRange(min = 0, max = 3000) int cut1,
      @ForAll @IntRange(min = 0, max = 3000) int cut2) {
    byte[] reference = null;
    for (NoiseAeads.Kind kind : NoiseAeads.Kind.values()) {
      NoiseAead a = NoiseAeads.create(kind);
      a.setKey(key);
      byte[] out = new byte[plaintext.length + 16];
      assertEquals(out.length, a.encrypt(nonce, ad, plaintext, 0, plaintext.length, out, 0));
      if (reference == null) {
        reference = out;
      } else {
        assertArrayEquals(reference, out, kind.name());
      }
      // the same plaintext in three pieces, cut anywhere (mid-block included)
      int c1 = Math.min(cut1, plaintext.length);
      int c2 = Math.max(c1, Math.min(cut2, plaintext.length));
      NoiseAead p = NoiseAeads.create(kind);
      p.setKey(key);
      byte[] pieces = new byte[plaintext.length + 16];
      p.encrypt(nonce, ad, new byte[][] {plaintext, plaintext, plaintext},
          new int[] {0, c1, c2}, new int[] {c1, c2 - c1, plaintext.length - c2}, 3, pieces, 0);
      assertArrayEquals(reference, pieces, kind.name() + " in pieces");
    }
    // Fresh instances for decryption: like Noise, the JDK cipher refuses to reuse a (key, nonce)
    // pair on one instance, and a CipherState never does.
    for (NoiseAeads.Kind kind : NoiseAeads.Kind.values()) {
      NoiseAead in = NoiseAeads.create(kind);
      in.setKey(key);
      byte[] back = new byte[plaintext.length];
      assertEquals(back.length, in.decrypt(nonce, ad, reference, 0, reference.length, back, 0));
      assertArrayEquals(plaintext, back, kind.name());
    }
  }

  /** RFC 8439 section 2.8.2: the AEAD_CHACHA20_POLY1305 example, as a raw 96-bit nonce. */
  @Test
  void ownImplementationMatchesTheRfc8439Example() {
    byte[] key = Hex.decode("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    byte[] nonce = Hex.decode("070000004041424344454647");
    byte[] ad = Hex.decode("50515253c0c1c2c3c4c5c6c7");
    byte[] plaintext = ("Ladies and Gentlemen of the class of '99: If I could offer you only one"
        + " tip for the future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
    String expected = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        + "3ff4def08e4b7a9de576d26586cec64b6116"
        + "1ae10b594f09e26a7e902ecbd0600691"; // the tag
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.setKey(key);
    c.start(nonce, ad);
    byte[] out = new byte[plaintext.length + 16];
    c.encrypt(plaintext, 0, plaintext.length, out, 0);
    c.finishEncrypt(out, plaintext.length);
    assertArrayEquals(Hex.decode(expected), out);
    c.start(nonce, ad);
    byte[] back = new byte[plaintext.length];
    c.decrypt(out, 0, plaintext.length, back, 0);
    assertTrue(c.finishDecrypt(out, plaintext.length));
    assertArrayEquals(plaintext, back);
  }

  /**
   * RFC 8439 appendix A.5, through the Noise interface: its nonce begins with four zero bytes, as
   * every ChaChaPoly nonce of Noise does, so it is the counter 0x0807060504030201.
   */
  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void rfc8439AppendixA5Decrypts(NoiseAeads.Kind kind) {
    byte[] key = Hex.decode(
        """
        1c 92 40 a5 eb 55 d3 8a f3 33 88 86 04 f6 b5 f0
        47 39 17 c1 40 2b 80 09 9d ca 5c bc 20 70 75 c0
        """);
    byte[] ciphertext = Hex.decode(
        """
        64 a0 86 15 75 86 1a f4 60 f0 62 c7 9b e6 43 bd
        5e 80 5c fd 34 5c f3 89 f1 08 67 0a c7 6c 8c b2
        4c 6c fc 18 75 5d 43 ee a0 9e e9 4e 38 2d 26 b0
        bd b7 b7 3c 32 1b 01 00 d4 f0 3b 7f 35 58 94 cf
        33 2f 83 0e 71 0b 97 ce 98 c8 a8 4a bd 0b 94 81
        14 ad 17 6e 00 8d 33 bd 60 f9 82 b1 ff 37 c8 55
        97 97 a0 6e f4 f0 ef 61 c1 86 32 4e 2b 35 06 38
        36 06 90 7b 6a 7c 02 b0 f9 f6 15 7b 53 c8 67 e4
        b9 16 6c 76 7b 80 4d 46 a5 9b 52 16 cd e7 a4 e9
        90 40 c5 a4 04 33 22 5e e2 82 a1 b0 a0 6c 52 3e
        af 45 34 d7 f8 3f a1 15 5b 00 47 71 8c bc 54 6a
        0d 07 2b 04 b3 56 4e ea 1b 42 22 73 f5 48 27 1a
        0b b2 31 60 53 fa 76 99 19 55 eb d6 31 59 43 4e
        ce bb 4e 46 6d ae 5a 10 73 a6 72 76 27 09 7a 10
        49 e6 17 d9 1d 36 10 94 fa 68 f0 ff 77 98 71 30
        30 5b ea ba 2e da 04 df 99 7b 71 4d 6c 6f 2c 29
        a6 ad 5c b4 02 2b 02 70 9b
        """);
    byte[] nonce = Hex.decode("00 00 00 00 01 02 03 04 05 06 07 08");
    byte[] ad = Hex.decode("f3 33 88 86 00 00 00 00 00 00 4e 91");
    byte[] tag = Hex.decode("ee ad 9d 67 89 0c bb 22 39 23 36 fe a1 85 1f 38");
    byte[] plaintext = Hex.decode(
        """
        49 6e 74 65 72 6e 65 74 2d 44 72 61 66 74 73 20
        61 72 65 20 64 72 61 66 74 20 64 6f 63 75 6d 65
        6e 74 73 20 76 61 6c 69 64 20 66 6f 72 20 61 20
        6d 61 78 69 6d 75 6d 20 6f 66 20 73 69 78 20 6d
        6f 6e 74 68 73 20 61 6e 64 20 6d 61 79 20 62 65
        20 75 70 64 61 74 65 64 2c 20 72 65 70 6c 61 63
        65 64 2c 20 6f 72 20 6f 62 73 6f 6c 65 74 65 64
        20 62 79 20 6f 74 68 65 72 20 64 6f 63 75 6d 65
        6e 74 73 20 61 74 20 61 6e 79 20 74 69 6d 65 2e
        20 49 74 20 69 73 20 69 6e 61 70 70 72 6f 70 72
        69 61 74 65 20 74 6f 20 75 73 65 20 49 6e 74 65
        72 6e 65 74 2d 44 72 61 66 74 73 20 61 73 20 72
        65 66 65 72 65 6e 63 65 20 6d 61 74 65 72 69 61
        6c 20 6f 72 20 74 6f 20 63 69 74 65 20 74 68 65
        6d 20 6f 74 68 65 72 20 74 68 61 6e 20 61 73 20
        2f e2 80 9c 77 6f 72 6b 20 69 6e 20 70 72 6f 67
        72 65 73 73 2e 2f e2 80 9d
        """);
    long counter = 0x0807060504030201L;
    byte[] noiseNonce = new byte[12];
    NoiseAeads.fillNonce(noiseNonce, counter);
    assertArrayEquals(nonce, noiseNonce, "the RFC's nonce as a Noise counter");

    byte[] sealed = new byte[ciphertext.length + tag.length];
    System.arraycopy(ciphertext, 0, sealed, 0, ciphertext.length);
    System.arraycopy(tag, 0, sealed, ciphertext.length, tag.length);
    NoiseAead a = NoiseAeads.create(kind);
    a.setKey(key);
    byte[] out = new byte[plaintext.length];
    assertEquals(plaintext.length, a.decrypt(counter, ad, sealed, 0, sealed.length, out, 0));
    assertArrayEquals(plaintext, out);
  }

  /**
   * A message whose tag fails leaves no plaintext in the output, with every implementation and
   * wherever the damage is: BouncyCastle decrypts before it checks the tag, and the output of a
   * message with a forged tag and intact ciphertext would otherwise be its exact plaintext. The
   * bytes around the output region stay untouched.
   */
  @ParameterizedTest
  @EnumSource(NoiseAeads.Kind.class)
  void aBadTagLeavesTheOutputZeroedWithNoPlaintextInIt(NoiseAeads.Kind kind) {
    final byte marker = (byte) 0xa5;
    final int guard = 7;
    Random random = new Random(17);
    byte[] key = new byte[32];
    random.nextBytes(key);
    byte[] ad = {1, 2, 3};
    // long enough for the lane path of our own; no byte is 0 or the marker, so that any byte
    // left equal to the plaintext is a leak and not a coincidence with the fill
    byte[] plaintext = new byte[64 * 40 + 23];
    for (int i = 0; i < plaintext.length; i++) {
      plaintext[i] = (byte) (1 + random.nextInt(0x7f));
    }
    for (String damage : new String[] {"tag", "ciphertext", "associated data"}) {
      NoiseAead sealer = NoiseAeads.create(kind);
      sealer.setKey(key);
      byte[] sealed = new byte[plaintext.length + NoiseAead.TAG_LENGTH];
      sealer.encrypt(5, ad, plaintext, 0, plaintext.length, sealed, 0);
      byte[] adUsed = ad.clone();
      switch (damage) {
        case "tag" -> sealed[plaintext.length + 3] ^= 0x40;
        case "ciphertext" -> sealed[100] ^= 0x01;
        default -> adUsed[0] ^= 0x01;
      }
      byte[] out = new byte[guard + plaintext.length + guard];
      java.util.Arrays.fill(out, marker);
      NoiseAead opener = NoiseAeads.create(kind);
      opener.setKey(key);
      NoiseException e = assertThrows(NoiseException.class,
          () -> opener.decrypt(5, adUsed, sealed, 0, sealed.length, out, guard));
      assertTrue(e.getMessage().contains("tag"), e.getMessage());

      int leaked = 0;
      for (int i = 0; i < plaintext.length; i++) {
        if (out[guard + i] == plaintext[i]) {
          leaked++;
        }
      }
      assertEquals(0, leaked, kind + ", bad " + damage + ": plaintext bytes left in the output");
      assertArrayEquals(new byte[plaintext.length],
          java.util.Arrays.copyOfRange(out, guard, guard + plaintext.length),
          kind + ", bad " + damage + ": the output region is zeroed");
      for (int i = 0; i < guard; i++) {
        assertEquals(marker, out[i], "byte before the region");
        assertEquals(marker, out[guard + plaintext.length + i], "byte after the region");
      }
    }
  }

  @Property(tries = 100)
  void ownImplementationRejectsAnyFlippedBitAndLeavesNoPlaintext(
      @ForAll @Size(32) byte[] key,
      @ForAll @Size(max = 16) byte[] ad,
      @ForAll @Size(min = 1, max = 300) byte[] plaintext,
      @ForAll @IntRange(min = 0, max = 10_000) int where,
      @ForAll @IntRange(min = 0, max = 7) int bit) {
    NoiseAead a = NoiseAeads.create(NoiseAeads.Kind.JAVA);
    a.setKey(key);
    byte[] sealed = new byte[plaintext.length + 16];
    a.encrypt(7, ad, plaintext, 0, plaintext.length, sealed, 0);
    byte[] adCopy = ad.clone();
    int at = where % (sealed.length + adCopy.length);
    if (at < sealed.length) {
      sealed[at] ^= (byte) (1 << bit);
    } else {
      adCopy[at - sealed.length] ^= (byte) (1 << bit);
    }
    byte[] back = new byte[plaintext.length];
    NoiseException e = assertThrows(NoiseException.class,
        () -> a.decrypt(7, adCopy, sealed, 0, sealed.length, back, 0));
    assertTrue(e.getMessage().contains("tag"), e.getMessage());
    assertArrayEquals(new byte[plaintext.length], back);
  }

  @Test
  void nonceIsFourZeroBytesThenLittleEndianCounter() {
    byte[] n = new byte[12];
    NoiseAeads.fillNonce(n, 0x0102030405060708L);
    assertArrayEquals(new byte[] {0, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1}, n);
  }

  @Test
  void shortCiphertextIsANoiseError() {
    for (NoiseAeads.Kind kind : NoiseAeads.Kind.values()) {
      NoiseAead a = NoiseAeads.create(kind);
      a.setKey(new byte[32]);
      assertThrows(NoiseException.class, () -> a.decrypt(0, null, new byte[15], 0, 15, new byte[0], 0));
    }
  }

  @Test
  void theDefaultIsTheJdksWhereItIsIntrinsifiedAndOursBefore() {
    assertEquals(NoiseAeads.Kind.JAVA, NoiseAeads.defaultKind(17));
    assertEquals(NoiseAeads.Kind.JAVA, NoiseAeads.defaultKind(19));
    assertEquals(NoiseAeads.Kind.JDK, NoiseAeads.defaultKind(20));
    assertEquals(NoiseAeads.Kind.JDK, NoiseAeads.defaultKind(25));
  }

  @Test
  void systemPropertyPicksTheImplementation() {
    String old = System.getProperty(NoiseAeads.PROPERTY);
    try {
      System.clearProperty(NoiseAeads.PROPERTY);
      assertEquals(NoiseAeads.defaultKind(Runtime.version().feature()).name().toLowerCase(),
          NoiseAeads.create().implementation());
      System.setProperty(NoiseAeads.PROPERTY, "bc");
      assertEquals("bc", NoiseAeads.create().implementation());
      System.setProperty(NoiseAeads.PROPERTY, "JDK");
      assertEquals("jdk", NoiseAeads.create().implementation());
      System.setProperty(NoiseAeads.PROPERTY, "java");
      assertEquals("java", NoiseAeads.create().implementation());
      System.setProperty(NoiseAeads.PROPERTY, "rot13");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, NoiseAeads::create);
      assertTrue(e.getMessage().contains("rot13"), e.getMessage());
    } finally {
      if (old == null) {
        System.clearProperty(NoiseAeads.PROPERTY);
      } else {
        System.setProperty(NoiseAeads.PROPERTY, old);
      }
    }
  }
}
