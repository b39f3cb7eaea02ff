package dev.vertxp2p.proto.noise;

import static dev.vertxp2p.proto.noise.ChaCha20Poly1305.xorWords;

import java.util.Arrays;

/**
 * ChaCha20 over many consecutive blocks at once, written so that HotSpot's C2 auto-vectorizer
 * (SuperWord) runs it on SIMD registers: the sixteen state words of up to {@value #LANES} blocks
 * lie in sixteen rows of one {@code int} array, one lane per block, and each double round is one
 * loop over the lanes whose body is plain adds, XORs and rotates. On AVX2 or AVX-512 that is 8 or
 * 16 blocks per instruction, about twice to three times the speed of one block at a time in
 * locals. Without vector units it is slower than the scalar code, which is why {@link
 * AeadLanes#ENABLED} checks for them.
 *
 * <p>One array and not sixteen: its rows are 1 KiB apart, so the sixteen accesses of a loop all
 * sit alike against the vector size, where sixteen arrays each fell wherever the allocator put
 * them. Alternated on JDK 17 here, the AEAD did 3.9–5.6 Gbit/s per core with one array and
 * 2.8–4.5 with sixteen.
 *
 * <p>The array is scratch space, one per thread, so a connection holds none of it while idle. After
 * the rounds it holds each block's final state, from which running the rounds backwards gives the
 * key, so every call zeroes the lanes it used before it returns: one 16 KiB fill at most per call,
 * against 16 KiB or more of ChaCha20. Nothing here branches on or indexes by key or data.
 */
final class ChaCha20Lanes {
  /** Blocks per pass; 16 KiB of keystream, the size the vectorized loops ran fastest at. */
  static final int LANES = 256;

  /** The distance between two state words' rows in the scratch array. */
  private static final int L = LANES;

  /** Fewer blocks than this go through the scalar code: the loops' set-up would not pay off. */
  static final int MIN_BLOCKS = 32;

  private static final ThreadLocal<int[]> SCRATCH =
      ThreadLocal.withInitial(() -> new int[16 * LANES]);

  private ChaCha20Lanes() {}

  /**
   * {@code out[outOff, +64 * blocks) = in[inOff, +64 * blocks) ^} the keystream blocks {@code
   * counter, counter + 1, …} of the given key and nonce words. In place works too.
   */
  static void xor(int[] key, int n0, int n1, int n2, int counter, int blocks,
      byte[] in, int inOff, byte[] out, int outOff) {
    int[] s = SCRATCH.get();
    int used = Math.min(blocks, LANES);
    while (blocks > 0) {
      int n = Math.min(blocks, LANES);
      pass(s, key, n0, n1, n2, counter, n, in, inOff, out, outOff);
      counter += n;
      blocks -= n;
      inOff += 64 * n;
      outOff += 64 * n;
    }
    for (int w = 0; w < 16; w++) {
      Arrays.fill(s, w * L, w * L + used, 0);
    }
  }

  /** This thread's scratch array itself, for tests that it holds nothing between calls. */
  static int[] scratchOfThisThread() {
    return SCRATCH.get();
  }

  private static void pass(int[] s, int[] key, int n0, int n1, int n2, int counter, int n,
      byte[] in, int inOff, byte[] out, int outOff) {
    Arrays.fill(s, 0, n, ChaCha20Poly1305.C0);
    Arrays.fill(s, L, L + n, ChaCha20Poly1305.C1);
    Arrays.fill(s, 2 * L, 2 * L + n, ChaCha20Poly1305.C2);
    Arrays.fill(s, 3 * L, 3 * L + n, ChaCha20Poly1305.C3);
    for (int w = 0; w < 8; w++) {
      Arrays.fill(s, (4 + w) * L, (4 + w) * L + n, key[w]);
    }
    for (int j = 0; j < n; j++) {
      s[12 * L + j] = counter + j;
    }
    Arrays.fill(s, 13 * L, 13 * L + n, n0);
    Arrays.fill(s, 14 * L, 14 * L + n, n1);
    Arrays.fill(s, 15 * L, 15 * L + n, n2);
    for (int round = 0; round < 10; round++) {
      doubleRound(s, n);
    }
    // feed-forward (the input words added back) and XOR, block by block
    for (int j = 0; j < n; j++) {
      int i = inOff + 64 * j;
      int o = outOff + 64 * j;
      xorWords(in, i, out, o, s[j] + ChaCha20Poly1305.C0, s[L + j] + ChaCha20Poly1305.C1);
      xorWords(in, i + 8, out, o + 8,
          s[2 * L + j] + ChaCha20Poly1305.C2, s[3 * L + j] + ChaCha20Poly1305.C3);
      xorWords(in, i + 16, out, o + 16, s[4 * L + j] + key[0], s[5 * L + j] + key[1]);
      xorWords(in, i + 24, out, o + 24, s[6 * L + j] + key[2], s[7 * L + j] + key[3]);
      xorWords(in, i + 32, out, o + 32, s[8 * L + j] + key[4], s[9 * L + j] + key[5]);
      xorWords(in, i + 40, out, o + 40, s[10 * L + j] + key[6], s[11 * L + j] + key[7]);
      xorWords(in, i + 48, out, o + 48, s[12 * L + j] + counter + j, s[13 * L + j] + n0);
      xorWords(in, i + 56, out, o + 56, s[14 * L + j] + n1, s[15 * L + j] + n2);
    }
  }

  /**
   * One column round and one diagonal round on every lane. The body is kept to one double round:
   * a loop of two or more did not vectorize on JDK 17, and one loop per quarter round cost the
   * loads and stores of the state four times as often.
   */
  private static void doubleRound(int[] s, int n) {
    for (int j = 0; j < n; j++) {
      int x0 = s[j];
      int x1 = s[L + j];
      int x2 = s[2 * L + j];
      int x3 = s[3 * L + j];
      int x4 = s[4 * L + j];
      int x5 = s[5 * L + j];
      int x6 = s[6 * L + j];
      int x7 = s[7 * L + j];
      int x8 = s[8 * L + j];
      int x9 = s[9 * L + j];
      int x10 = s[10 * L + j];
      int x11 = s[11 * L + j];
      int x12 = s[12 * L + j];
      int x13 = s[13 * L + j];
      int x14 = s[14 * L + j];
      int x15 = s[15 * L + j];
      // columns
      x0 += x4; x12 = Integer.rotateLeft(x12 ^ x0, 16);
      x8 += x12; x4 = Integer.rotateLeft(x4 ^ x8, 12);
      x0 += x4; x12 = Integer.rotateLeft(x12 ^ x0, 8);
      x8 += x12; x4 = Integer.rotateLeft(x4 ^ x8, 7);
      x1 += x5; x13 = Integer.rotateLeft(x13 ^ x1, 16);
      x9 += x13; x5 = Integer.rotateLeft(x5 ^ x9, 12);
      x1 += x5; x13 = Integer.rotateLeft(x13 ^ x1, 8);
      x9 += x13; x5 = Integer.rotateLeft(x5 ^ x9, 7);
      x2 += x6; x14 = Integer.rotateLeft(x14 ^ x2, 16);
      x10 += x14; x6 = Integer.rotateLeft(x6 ^ x10, 12);
      x2 += x6; x14 = Integer.rotateLeft(x14 ^ x2, 8);
      x10 += x14; x6 = Integer.rotateLeft(x6 ^ x10, 7);
      x3 += x7; x15 = Integer.rotateLeft(x15 ^ x3, 16);
      x11 += x15; x7 = Integer.rotateLeft(x7 ^ x11, 12);
      x3 += x7; x15 = Integer.rotateLeft(x15 ^ x3, 8);
      x11 += x15; x7 = Integer.rotateLeft(x7 ^ x11, 7);
      // diagonals
      x0 += x5; x15 = Integer.rotateLeft(x15 ^ x0, 16);
      x10 += x15; x5 = Integer.rotateLeft(x5 ^ x10, 12);
      x0 += x5; x15 = Integer.rotateLeft(x15 ^ x0, 8);
      x10 += x15; x5 = Integer.rotateLeft(x5 ^ x10, 7);
      x1 += x6; x12 = Integer.rotateLeft(x12 ^ x1, 16);
      x11 += x12; x6 = Integer.rotateLeft(x6 ^ x11, 12);
      x1 += x6; x12 = Integer.rotateLeft(x12 ^ x1, 8);
      x11 += x12; x6 = Integer.rotateLeft(x6 ^ x11, 7);
      x2 += x7; x13 = Integer.rotateLeft(x13 ^ x2, 16);
      x8 += x13; x7 = Integer.rotateLeft(x7 ^ x8, 12);
      x2 += x7; x13 = Integer.rotateLeft(x13 ^ x2, 8);
      x8 += x13; x7 = Integer.rotateLeft(x7 ^ x8, 7);
      x3 += x4; x14 = Integer.rotateLeft(x14 ^ x3, 16);
      x9 += x14; x4 = Integer.rotateLeft(x4 ^ x9, 12);
      x3 += x4; x14 = Integer.rotateLeft(x14 ^ x3, 8);
      x9 += x14; x4 = Integer.rotateLeft(x4 ^ x9, 7);
      s[j] = x0;
      s[L + j] = x1;
      s[2 * L + j] = x2;
      s[3 * L + j] = x3;
      s[4 * L + j] = x4;
      s[5 * L + j] = x5;
      s[6 * L + j] = x6;
      s[7 * L + j] = x7;
      s[8 * L + j] = x8;
      s[9 * L + j] = x9;
      s[10 * L + j] = x10;
      s[11 * L + j] = x11;
      s[12 * L + j] = x12;
      s[13 * L + j] = x13;
      s[14 * L + j] = x14;
      s[15 * L + j] = x15;
    }
  }
}
