package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Poly1305 arithmetic of {@link ChaCha20Poly1305} on its own (the AEAD is in NoiseAeadTest). */
class ChaCha20Poly1305Test {

  /** RFC 8439 appendix A.3, vectors 5 to 11: the carries and reductions that are easy to get wrong. */
  @ParameterizedTest(name = "A.3 #{0}")
  @CsvSource({
      "5, 02000000000000000000000000000000, 00000000000000000000000000000000,"
          + " ffffffffffffffffffffffffffffffff, 03000000000000000000000000000000",
      "6, 02000000000000000000000000000000, ffffffffffffffffffffffffffffffff,"
          + " 02000000000000000000000000000000, 03000000000000000000000000000000",
      "7, 01000000000000000000000000000000, 00000000000000000000000000000000,"
          + " fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff"
          + "11000000000000000000000000000000, 05000000000000000000000000000000",
      "8, 01000000000000000000000000000000, 00000000000000000000000000000000,"
          + " fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe"
          + "01010101010101010101010101010101, 00000000000000000000000000000000",
      "9, 02000000000000000000000000000000, 00000000000000000000000000000000,"
          + " fdffffffffffffffffffffffffffffff, faffffffffffffffffffffffffffffff",
      "10, 01000000000000000400000000000000, 00000000000000000000000000000000,"
          + " e33594d7505e43b900000000000000003394d7505e4379cd0100000000000000"
          + "0000000000000000000000000000000001000000000000000000000000000000,"
          + " 14000000000000005500000000000000",
      "11, 01000000000000000400000000000000, 00000000000000000000000000000000,"
          + " e33594d7505e43b900000000000000003394d7505e4379cd0100000000000000"
          + "00000000000000000000000000000000, 13000000000000000000000000000000",
  })
  void rfc8439EdgeCases(int vector, String r, String s, String data, String tag) {
    byte[] key = hex(r + s);
    byte[] expected = hex(tag);
    assertArrayEquals(expected, ChaCha20Poly1305.poly1305(key, hex(data)));
    assertArrayEquals(expected, bouncyCastle(key, hex(data)), "the vector itself");
  }

  @Property(tries = 300)
  void agreesWithBouncyCastleOnWholeBlocks(
      @ForAll @Size(32) byte[] key, @ForAll @IntRange(max = 40) int blocks,
      @ForAll @Size(max = 640) byte[] seed) {
    byte[] message = new byte[16 * blocks];
    for (int i = 0; i < message.length && seed.length > 0; i++) {
      message[i] = seed[i % seed.length];
    }
    assertArrayEquals(bouncyCastle(key, message), ChaCha20Poly1305.poly1305(key, message));
  }

  @Property(tries = 100)
  void agreesWithBouncyCastleNearTheModulus(@ForAll @Size(32) byte[] key,
      @ForAll @IntRange(max = 4) int blocks) {
    // all-ones blocks keep the accumulator close to 2^130 - 5, where the final reduction matters
    byte[] message = new byte[16 * blocks];
    java.util.Arrays.fill(message, (byte) 0xff);
    assertArrayEquals(bouncyCastle(key, message), ChaCha20Poly1305.poly1305(key, message));
  }

  private static byte[] bouncyCastle(byte[] key, byte[] message) {
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(key));
    mac.update(message, 0, message.length);
    byte[] out = new byte[16];
    mac.doFinal(out, 0);
    return out;
  }

  private static byte[] hex(String s) {
    s = s.replace(" ", "");
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }
}
