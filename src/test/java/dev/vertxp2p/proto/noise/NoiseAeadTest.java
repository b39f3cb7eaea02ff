package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class NoiseAeadTest {
  @Property(tries = 200)
  void jdkAndBouncyCastleProduceIdenticalBytes(
      @ForAll @Size(32) byte[] key,
      @ForAll long nonce,
      @ForAll @Size(max = 64) byte[] ad,
      @ForAll @Size(max = 3000) byte[] plaintext) {
    NoiseAead jdk = NoiseAeads.create(NoiseAeads.Kind.JDK);
    NoiseAead bc = NoiseAeads.create(NoiseAeads.Kind.BC);
    jdk.setKey(key);
    bc.setKey(key);
    byte[] a = new byte[plaintext.length + 16];
    byte[] b = new byte[plaintext.length + 16];
    assertEquals(a.length, jdk.encrypt(nonce, ad, plaintext, 0, plaintext.length, a, 0));
    assertEquals(b.length, bc.encrypt(nonce, ad, plaintext, 0, plaintext.length, b, 0));
    assertArrayEquals(a, b);
    // Fresh instances for decryption: like Noise, the JDK cipher refuses to reuse a (key, nonce)
    // pair on one instance, and a CipherState never does.
    NoiseAead jdkIn = NoiseAeads.create(NoiseAeads.Kind.JDK);
    NoiseAead bcIn = NoiseAeads.create(NoiseAeads.Kind.BC);
    jdkIn.setKey(key);
    bcIn.setKey(key);
    byte[] back = new byte[plaintext.length];
    assertEquals(back.length, bcIn.decrypt(nonce, ad, a, 0, a.length, back, 0));
    assertArrayEquals(plaintext, back);
    assertEquals(back.length, jdkIn.decrypt(nonce, ad, b, 0, b.length, back, 0));
    assertArrayEquals(plaintext, back);
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
  void systemPropertyPicksTheImplementation() {
    String old = System.getProperty(NoiseAeads.PROPERTY);
    try {
      System.clearProperty(NoiseAeads.PROPERTY);
      assertEquals("jdk", NoiseAeads.create().implementation());
      System.setProperty(NoiseAeads.PROPERTY, "bc");
      assertEquals("bc", NoiseAeads.create().implementation());
      System.setProperty(NoiseAeads.PROPERTY, "JDK");
      assertEquals("jdk", NoiseAeads.create().implementation());
      System.setProperty(NoiseAeads.PROPERTY, "rot13");
      assertThrows(IllegalArgumentException.class, NoiseAeads::create);
    } finally {
      if (old == null) {
        System.clearProperty(NoiseAeads.PROPERTY);
      } else {
        System.setProperty(NoiseAeads.PROPERTY, old);
      }
    }
  }
}
