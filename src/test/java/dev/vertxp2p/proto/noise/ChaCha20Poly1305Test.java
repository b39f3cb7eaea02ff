package dev.vertxp2p.proto.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ChaCha20 and the Poly1305 of {@link ChaCha20Poly1305}, each on its own, against RFC 8439's
 * appendix A (the AEAD is in NoiseAeadTest). Each vector is also checked against the JDK's or
 * BouncyCastle's cipher, which catches a slip in its transcription.
 */
class ChaCha20Poly1305Test {

  /** RFC 8439 appendix A.1: the block function, as the keystream block it serializes to. */
  @ParameterizedTest(name = "A.1 #{0}")
  @CsvSource({
      "1, 0000000000000000000000000000000000000000000000000000000000000000,"
          + " 000000000000000000000000, 0,"
          + " 76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
          + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
      "2, 0000000000000000000000000000000000000000000000000000000000000000,"
          + " 000000000000000000000000, 1,"
          + " 9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
          + "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
      "3, 0000000000000000000000000000000000000000000000000000000000000001,"
          + " 000000000000000000000000, 1,"
          + " 3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
          + "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0",
      "4, 00ff000000000000000000000000000000000000000000000000000000000000,"
          + " 000000000000000000000000, 2,"
          + " 72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
          + "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096",
      "5, 0000000000000000000000000000000000000000000000000000000000000000,"
          + " 000000000000000000000002, 0,"
          + " c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
          + "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d",
  })
  void rfc8439BlockFunction(int vector, String key, String nonce, int counter, String keystream)
      throws Exception {
    byte[] zeros = new byte[64];
    byte[] expected = Hex.decode(keystream);
    assertArrayEquals(expected,
        ChaCha20Poly1305.chacha20(Hex.decode(key), Hex.decode(nonce), counter, zeros));
    assertArrayEquals(expected, jdkChaCha20(Hex.decode(key), Hex.decode(nonce), counter, zeros),
        "the vector itself");
  }

  /** RFC 8439 appendix A.2: ChaCha20 over 64, 375 and 127 bytes (the last two end mid-block). */
  static Stream<Arguments> rfc8439Encryption() {
    return Stream.of(
        Arguments.of(1, 0,
            // key
            """
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            """,
            // nonce
            """
            00 00 00 00 00 00 00 00 00 00 00 00
            """,
            // plaintext
            """
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            """,
            // ciphertext
            """
            76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28
            bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7
            da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37
            6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86
            """),
        Arguments.of(2, 1,
            // key
            """
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01
            """,
            // nonce
            """
            00 00 00 00 00 00 00 00 00 00 00 02
            """,
            // plaintext
            """
            41 6e 79 20 73 75 62 6d 69 73 73 69 6f 6e 20 74
            6f 20 74 68 65 20 49 45 54 46 20 69 6e 74 65 6e
            64 65 64 20 62 79 20 74 68 65 20 43 6f 6e 74 72
            69 62 75 74 6f 72 20 66 6f 72 20 70 75 62 6c 69
            63 61 74 69 6f 6e 20 61 73 20 61 6c 6c 20 6f 72
            20 70 61 72 74 20 6f 66 20 61 6e 20 49 45 54 46
            20 49 6e 74 65 72 6e 65 74 2d 44 72 61 66 74 20
            6f 72 20 52 46 43 20 61 6e 64 20 61 6e 79 20 73
            74 61 74 65 6d 65 6e 74 20 6d 61 64 65 20 77 69
            74 68 69 6e 20 74 68 65 20 63 6f 6e 74 65 78 74
            20 6f 66 20 61 6e 20 49 45 54 46 20 61 63 74 69
            76 69 74 79 20 69 73 20 63 6f 6e 73 69 64 65 72
            65 64 20 61 6e 20 22 49 45 54 46 20 43 6f 6e 74
            72 69 62 75 74 69 6f 6e 22 2e 20 53 75 63 68 20
            73 74 61 74 65 6d 65 6e 74 73 20 69 6e 63 6c 75
            64 65 20 6f 72 61 6c 20 73 74 61 74 65 6d 65 6e
            74 73 20 69 6e 20 49 45 54 46 20 73 65 73 73 69
            6f 6e 73 2c 20 61 73 20 77 65 6c 6c 20 61 73 20
            77 72 69 74 74 65 6e 20 61 6e 64 20 65 6c 65 63
            74 72 6f 6e 69 63 20 63 6f 6d 6d 75 6e 69 63 61
            74 69 6f 6e 73 20 6d 61 64 65 20 61 74 20 61 6e
            79 20 74 69 6d 65 20 6f 72 20 70 6c 61 63 65 2c
            20 77 68 69 63 68 20 61 72 65 20 61 64 64 72 65
            73 73 65 64 20 74 6f
            """,
            // ciphertext
            """
            a3 fb f0 7d f3 fa 2f de 4f 37 6c a2 3e 82 73 70
            41 60 5d 9f 4f 4f 57 bd 8c ff 2c 1d 4b 79 55 ec
            2a 97 94 8b d3 72 29 15 c8 f3 d3 37 f7 d3 70 05
            0e 9e 96 d6 47 b7 c3 9f 56 e0 31 ca 5e b6 25 0d
            40 42 e0 27 85 ec ec fa 4b 4b b5 e8 ea d0 44 0e
            20 b6 e8 db 09 d8 81 a7 c6 13 2f 42 0e 52 79 50
            42 bd fa 77 73 d8 a9 05 14 47 b3 29 1c e1 41 1c
            68 04 65 55 2a a6 c4 05 b7 76 4d 5e 87 be a8 5a
            d0 0f 84 49 ed 8f 72 d0 d6 62 ab 05 26 91 ca 66
            42 4b c8 6d 2d f8 0e a4 1f 43 ab f9 37 d3 25 9d
            c4 b2 d0 df b4 8a 6c 91 39 dd d7 f7 69 66 e9 28
            e6 35 55 3b a7 6c 5c 87 9d 7b 35 d4 9e b2 e6 2b
            08 71 cd ac 63 89 39 e2 5e 8a 1e 0e f9 d5 28 0f
            a8 ca 32 8b 35 1c 3c 76 59 89 cb cf 3d aa 8b 6c
            cc 3a af 9f 39 79 c9 2b 37 20 fc 88 dc 95 ed 84
            a1 be 05 9c 64 99 b9 fd a2 36 e7 e8 18 b0 4b 0b
            c3 9c 1e 87 6b 19 3b fe 55 69 75 3f 88 12 8c c0
            8a aa 9b 63 d1 a1 6f 80 ef 25 54 d7 18 9c 41 1f
            58 69 ca 52 c5 b8 3f a3 6f f2 16 b9 c1 d3 00 62
            be bc fd 2d c5 bc e0 91 19 34 fd a7 9a 86 f6 e6
            98 ce d7 59 c3 ff 9b 64 77 33 8f 3d a4 f9 cd 85
            14 ea 99 82 cc af b3 41 b2 38 4d d9 02 f3 d1 ab
            7a c6 1d d2 9c 6f 21 ba 5b 86 2f 37 30 e3 7c fd
            c4 fd 80 6c 22 f2 21
            """),
        Arguments.of(3, 42,
            // key
            """
            1c 92 40 a5 eb 55 d3 8a f3 33 88 86 04 f6 b5 f0
            47 39 17 c1 40 2b 80 09 9d ca 5c bc 20 70 75 c0
            """,
            // nonce
            """
            00 00 00 00 00 00 00 00 00 00 00 02
            """,
            // plaintext
            """
            27 54 77 61 73 20 62 72 69 6c 6c 69 67 2c 20 61
            6e 64 20 74 68 65 20 73 6c 69 74 68 79 20 74 6f
            76 65 73 0a 44 69 64 20 67 79 72 65 20 61 6e 64
            20 67 69 6d 62 6c 65 20 69 6e 20 74 68 65 20 77
            61 62 65 3a 0a 41 6c 6c 20 6d 69 6d 73 79 20 77
            65 72 65 20 74 68 65 20 62 6f 72 6f 67 6f 76 65
            73 2c 0a 41 6e 64 20 74 68 65 20 6d 6f 6d 65 20
            72 61 74 68 73 20 6f 75 74 67 72 61 62 65 2e
            """,
            // ciphertext
            """
            62 e6 34 7f 95 ed 87 a4 5f fa e7 42 6f 27 a1 df
            5f b6 91 10 04 4c 0d 73 11 8e ff a9 5b 01 e5 cf
            16 6d 3d f2 d7 21 ca f9 b2 1e 5f b1 4c 61 68 71
            fd 84 c5 4f 9d 65 b2 83 19 6c 7f e4 f6 05 53 eb
            f3 9c 64 02 c4 22 34 e3 2a 35 6b 3e 76 43 12 a6
            1a 55 32 05 57 16 ea d6 96 25 68 f8 7d 3f 3f 77
            04 c6 a8 d1 bc d1 bf 4d 50 d6 15 4b 6d a7 31 b1
            87 b5 8d fd 72 8a fa 36 75 7a 79 7a c1 88 d1
            """));
  }

  @ParameterizedTest(name = "A.2 #{0}")
  @MethodSource
  void rfc8439Encryption(int vector, int counter, String key, String nonce, String plaintext,
      String ciphertext) throws Exception {
    byte[] k = Hex.decode(key);
    byte[] n = Hex.decode(nonce);
    byte[] expected = Hex.decode(ciphertext);
    assertArrayEquals(expected, ChaCha20Poly1305.chacha20(k, n, counter, Hex.decode(plaintext)));
    assertArrayEquals(expected, jdkChaCha20(k, n, counter, Hex.decode(plaintext)),
        "the vector itself");
    assertArrayEquals(Hex.decode(plaintext), ChaCha20Poly1305.chacha20(k, n, counter, expected),
        "decryption is the same XOR");
  }

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
    byte[] key = Hex.decode(r + s);
    byte[] expected = Hex.decode(tag);
    assertArrayEquals(expected, ChaCha20Poly1305.poly1305(key, Hex.decode(data)));
    assertArrayEquals(expected, bouncyCastle(key, Hex.decode(data)), "the vector itself");
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

  private static byte[] jdkChaCha20(byte[] key, byte[] nonce, int counter, byte[] in)
      throws Exception {
    Cipher c = Cipher.getInstance("ChaCha20");
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"),
        new ChaCha20ParameterSpec(nonce, counter));
    return c.doFinal(in);
  }

  private static byte[] bouncyCastle(byte[] key, byte[] message) {
    Poly1305 mac = new Poly1305();
    mac.init(new KeyParameter(key));
    mac.update(message, 0, message.length);
    byte[] out = new byte[16];
    mac.doFinal(out, 0);
    return out;
  }
}
