package dev.vertxp2p.proto.noise;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * ChaCha20-Poly1305 (RFC 8439) in plain Java, for JDKs whose own cipher has no intrinsics. The JDK
 * 17 provider runs ChaCha20 through a general 64-byte keystream buffer and Poly1305 through its
 * generic field arithmetic; this one keeps the ChaCha20 state in locals, XORs a word at a time and
 * multiplies Poly1305 in five 26-bit limbs held in longs (the "donna" layout), all in one pass.
 * Runs of at least {@value ChaCha20Lanes#MIN_BLOCKS} whole blocks go through {@link
 * ChaCha20Lanes}, many blocks per vector instruction, where the CPU and JIT allow.
 *
 * <p>Nothing here branches on or indexes by secret data, and the tag is compared in constant time.
 * One instance holds one key and the state of one message at a time; it is not thread-safe. Once a
 * message's tag is written or checked, the keystream left over and the message's one-time
 * Poly1305 key are zeroed; {@link #destroy()} zeroes the key itself.
 */
final class ChaCha20Poly1305 {
  private static final VarHandle LE_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LE_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  static final int C0 = 0x61707865;
  static final int C1 = 0x3320646e;
  static final int C2 = 0x79622d32;
  static final int C3 = 0x6b206574;

  /** Whether runs of whole blocks go through {@link ChaCha20Lanes}. */
  private final boolean lanes;

  private final int[] key = new int[8];
  private int n0;
  private int n1;
  private int n2;
  /** The block counter of the next keystream block. */
  private int counter;
  /** Keystream left over from a block a piece ended inside of, and how much of it is used. */
  private final byte[] stream = new byte[64];
  private int streamUsed = 64;

  // Poly1305: r in five 26-bit limbs, s, the accumulator h, and a partial 16-byte block.
  private long r0;
  private long r1;
  private long r2;
  private long r3;
  private long r4;
  private int s0;
  private int s1;
  private int s2;
  private int s3;
  private long h0;
  private long h1;
  private long h2;
  private long h3;
  private long h4;
  private final byte[] partial = new byte[16];
  private int partialLength;
  private long adLength;
  private long textLength;

  ChaCha20Poly1305() {
    this(AeadLanes.ENABLED);
  }

  /** For tests that pin one of the two ChaCha20 paths. */
  ChaCha20Poly1305(boolean lanes) {
    this.lanes = lanes;
  }

  void setKey(byte[] k) {
    for (int i = 0; i < 8; i++) {
      key[i] = (int) LE_INT.get(k, 4 * i);
    }
  }

  /**
   * Zeroes the key, the nonce and block counter, the keystream scratch and all Poly1305 state. The
   * instance can be keyed again afterwards; {@link JavaChaChaPolyAead} refuses that itself.
   */
  void destroy() {
    Arrays.fill(key, 0);
    n0 = 0;
    n1 = 0;
    n2 = 0;
    counter = 0;
    forgetMessage();
    Arrays.fill(partial, (byte) 0);
    partialLength = 0;
    adLength = 0;
    textLength = 0;
  }

  /**
   * Zeroes what only the message just finished needed: the keystream left in {@link #stream} (or
   * the tag computed there) and the one-time Poly1305 key and accumulator. 64 bytes and fourteen
   * fields per message, next to at least two ChaCha20 blocks.
   */
  private void forgetMessage() {
    Arrays.fill(stream, (byte) 0);
    streamUsed = 64;
    r0 = 0;
    r1 = 0;
    r2 = 0;
    r3 = 0;
    r4 = 0;
    s0 = 0;
    s1 = 0;
    s2 = 0;
    s3 = 0;
    h0 = 0;
    h1 = 0;
    h2 = 0;
    h3 = 0;
    h4 = 0;
  }

  /** The live key words, for tests of {@link #destroy()}. */
  int[] keyWords() {
    return key;
  }

  /** The live keystream scratch, for tests of what a finished message leaves. */
  byte[] keystreamScratch() {
    return stream;
  }

  /** Poly1305's r, s and accumulator as they are now, for tests of what is wiped. */
  long[] polyState() {
    return new long[] {r0, r1, r2, r3, r4, s0, s1, s2, s3, h0, h1, h2, h3, h4};
  }

  /** Starts a message: the 12-byte nonce, the Poly1305 key from block 0, the associated data. */
  void start(byte[] nonce12, byte[] ad) {
    n0 = (int) LE_INT.get(nonce12, 0);
    n1 = (int) LE_INT.get(nonce12, 4);
    n2 = (int) LE_INT.get(nonce12, 8);
    counter = 0;
    // block 0 gives the Poly1305 key; it is not keystream, so it counts as used up at once
    keystream(stream);
    initPoly(stream);
    streamUsed = 64;
    adLength = 0;
    textLength = 0;
    if (ad != null && ad.length > 0) {
      polyUpdate(ad, 0, ad.length);
      polyPad();
      adLength = ad.length;
    }
  }

  /** Poly1305's one-time key: r (clamped, RFC 8439 2.5) and s from {@code k[0, 32)}. */
  private void initPoly(byte[] k) {
    int t0 = (int) LE_INT.get(k, 0);
    int t1 = (int) LE_INT.get(k, 4);
    int t2 = (int) LE_INT.get(k, 8);
    int t3 = (int) LE_INT.get(k, 12);
    r0 = t0 & 0x3ffffff;
    r1 = ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03;
    r2 = ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff;
    r3 = ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff;
    r4 = (t3 >>> 8) & 0x00fffff;
    s0 = (int) LE_INT.get(k, 16);
    s1 = (int) LE_INT.get(k, 20);
    s2 = (int) LE_INT.get(k, 24);
    s3 = (int) LE_INT.get(k, 28);
    h0 = 0;
    h1 = 0;
    h2 = 0;
    h3 = 0;
    h4 = 0;
    partialLength = 0;
  }

  /**
   * Poly1305 alone over a message of whole 16-byte blocks, for tests of its arithmetic against
   * RFC 8439's edge cases (appendix A.3).
   */
  static byte[] poly1305(byte[] key32, byte[] message) {
    if (message.length % 16 != 0) {
      throw new IllegalArgumentException("whole blocks only, got " + message.length + " bytes");
    }
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.initPoly(key32);
    c.polyBlocks(message, 0, message.length / 16);
    byte[] tag = new byte[16];
    c.finish(tag, 0);
    return tag;
  }

  /** Encrypts a piece of the message's plaintext into {@code out}, authenticating the result. */
  void encrypt(byte[] in, int inOff, int len, byte[] out, int outOff) {
    crypt(in, inOff, len, out, outOff, true);
  }

  /** Authenticates a piece of the message's ciphertext and decrypts it into {@code out}. */
  void decrypt(byte[] in, int inOff, int len, byte[] out, int outOff) {
    crypt(in, inOff, len, out, outOff, false);
  }

  /** Ends an encrypted message: writes the 16-byte tag. */
  void finishEncrypt(byte[] out, int outOff) {
    tag(out, outOff);
    forgetMessage();
  }

  /** Ends a decrypted message: whether {@code expected} holds the right tag (constant time). */
  boolean finishDecrypt(byte[] expected, int off) {
    tag(stream, 0); // the keystream block is spent by now: reused for the computed tag
    int diff = 0;
    for (int i = 0; i < 16; i++) {
      diff |= stream[i] ^ expected[off + i];
    }
    forgetMessage();
    return diff == 0;
  }

  private void crypt(byte[] in, int inOff, int len, byte[] out, int outOff, boolean encrypting) {
    textLength += len;
    int i = 0;
    // use up the keystream left from a block the last piece ended inside of
    while (streamUsed < 64 && i < len) {
      byte c = in[inOff + i];
      byte p = (byte) (c ^ stream[streamUsed++]);
      out[outOff + i] = p;
      polyByte(encrypting ? p : c);
      i++;
    }
    int whole = partialLength == 0 ? (len - i) & ~63 : 0;
    if (whole > 0) {
      // whole 64-byte blocks: Poly1305 over the ciphertext in one sweep (before decrypting it,
      // after encrypting it), ChaCha20 over the same bytes; in place works too
      if (!encrypting) {
        polyBlocks(in, inOff + i, whole >>> 4);
      }
      int blocks = whole >>> 6;
      if (lanes && blocks >= ChaCha20Lanes.MIN_BLOCKS) {
        ChaCha20Lanes.xor(key, n0, n1, n2, counter, blocks, in, inOff + i, out, outOff + i);
        counter += blocks;
      } else {
        for (int b = 0; b < whole; b += 64) {
          xorBlock(in, inOff + i + b, out, outOff + i + b);
        }
      }
      if (encrypting) {
        polyBlocks(out, outOff + i, whole >>> 4);
      }
      i += whole;
    }
    while (i < len) {
      if (streamUsed == 64) {
        keystream(stream);
        streamUsed = 0;
      }
      byte c = in[inOff + i];
      byte p = (byte) (c ^ stream[streamUsed++]);
      out[outOff + i] = p;
      polyByte(encrypting ? p : c);
      i++;
    }
  }

  // ---- ChaCha20 ------------------------------------------------------------------------------

  /** The next keystream block itself, into {@code into[0, 64)}. */
  private void keystream(byte[] into) {
    Arrays.fill(into, 0, 64, (byte) 0);
    xorBlock(into, 0, into, 0);
  }

  /**
   * ChaCha20 alone (RFC 8439 section 2.4): {@code in} XOR the keystream from block {@code
   * counter} on, of a 32-byte key and 12-byte nonce, through the same {@link #encrypt} as the
   * AEAD. For tests against the RFC's block function and encryption vectors (appendix A.1, A.2).
   */
  static byte[] chacha20(byte[] key32, byte[] nonce12, int counter, byte[] in) {
    ChaCha20Poly1305 c = new ChaCha20Poly1305();
    c.setKey(key32);
    c.n0 = (int) LE_INT.get(nonce12, 0);
    c.n1 = (int) LE_INT.get(nonce12, 4);
    c.n2 = (int) LE_INT.get(nonce12, 8);
    c.counter = counter;
    byte[] out = new byte[in.length];
    c.encrypt(in, 0, in.length, out, 0); // Poly1305 runs along with a zero key, unread
    return out;
  }

  /**
   * {@code out[outOff, +64) = in[inOff, +64) ^} the next keystream block. The same double round
   * as {@link ChaCha20Lanes}, but on sixteen locals the JIT keeps in registers: run through the
   * lane code with one lane (its state in an array), this path, which is all of ChaCha20 without
   * AVX2 and the short messages with it, measured 30–45 % slower.
   */
  private void xorBlock(byte[] in, int inOff, byte[] out, int outOff) {
    int x0 = C0;
    int x1 = C1;
    int x2 = C2;
    int x3 = C3;
    int x4 = key[0];
    int x5 = key[1];
    int x6 = key[2];
    int x7 = key[3];
    int x8 = key[4];
    int x9 = key[5];
    int x10 = key[6];
    int x11 = key[7];
    int x12 = counter++;
    int x13 = n0;
    int x14 = n1;
    int x15 = n2;
    int block = x12;
    for (int round = 0; round < 10; round++) {
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
    }
    int[] k = key;
    xorWords(in, inOff, out, outOff, x0 + C0, x1 + C1);
    xorWords(in, inOff + 8, out, outOff + 8, x2 + C2, x3 + C3);
    xorWords(in, inOff + 16, out, outOff + 16, x4 + k[0], x5 + k[1]);
    xorWords(in, inOff + 24, out, outOff + 24, x6 + k[2], x7 + k[3]);
    xorWords(in, inOff + 32, out, outOff + 32, x8 + k[4], x9 + k[5]);
    xorWords(in, inOff + 40, out, outOff + 40, x10 + k[6], x11 + k[7]);
    xorWords(in, inOff + 48, out, outOff + 48, x12 + block, x13 + n0);
    xorWords(in, inOff + 56, out, outOff + 56, x14 + n1, x15 + n2);
  }


  /** XORs 8 bytes with two keystream words, the first in the low half (little-endian). */
  static void xorWords(byte[] in, int inOff, byte[] out, int outOff, int lo, int hi) {
    LE_LONG.set(out, outOff,
        (long) LE_LONG.get(in, inOff) ^ ((lo & 0xffffffffL) | ((long) hi << 32)));
  }

  // ---- Poly1305 ------------------------------------------------------------------------------

  private void polyByte(byte b) {
    partial[partialLength++] = b;
    if (partialLength == 16) {
      polyBlocks(partial, 0, 1);
      partialLength = 0;
    }
  }

  private void polyUpdate(byte[] data, int off, int len) {
    for (int i = 0; i < len; i++) {
      polyByte(data[off + i]);
    }
  }

  /** Pads the MAC input to 16 bytes with zeros (RFC 8439 2.8). */
  private void polyPad() {
    if (partialLength > 0) {
      Arrays.fill(partial, partialLength, 16, (byte) 0);
      polyBlocks(partial, 0, 1);
      partialLength = 0;
    }
  }

  /** Absorbs {@code blocks} full 16-byte blocks at {@code off}. */
  private void polyBlocks(byte[] m, int off, int blocks) {
    long a0 = h0;
    long a1 = h1;
    long a2 = h2;
    long a3 = h3;
    long a4 = h4;
    long q0 = r0;
    long q1 = r1;
    long q2 = r2;
    long q3 = r3;
    long q4 = r4;
    long s1x = q1 * 5;
    long s2x = q2 * 5;
    long s3x = q3 * 5;
    long s4x = q4 * 5;
    for (int b = 0; b < blocks; b++, off += 16) {
      long t0 = (int) LE_INT.get(m, off) & 0xffffffffL;
      long t1 = (int) LE_INT.get(m, off + 4) & 0xffffffffL;
      long t2 = (int) LE_INT.get(m, off + 8) & 0xffffffffL;
      long t3 = (int) LE_INT.get(m, off + 12) & 0xffffffffL;
      a0 += t0 & 0x3ffffff;
      a1 += ((t0 >>> 26) | (t1 << 6)) & 0x3ffffff;
      a2 += ((t1 >>> 20) | (t2 << 12)) & 0x3ffffff;
      a3 += ((t2 >>> 14) | (t3 << 18)) & 0x3ffffff;
      a4 += (t3 >>> 8) | (1L << 24);
      long d0 = a0 * q0 + a1 * s4x + a2 * s3x + a3 * s2x + a4 * s1x;
      long d1 = a0 * q1 + a1 * q0 + a2 * s4x + a3 * s3x + a4 * s2x;
      long d2 = a0 * q2 + a1 * q1 + a2 * q0 + a3 * s4x + a4 * s3x;
      long d3 = a0 * q3 + a1 * q2 + a2 * q1 + a3 * q0 + a4 * s4x;
      long d4 = a0 * q4 + a1 * q3 + a2 * q2 + a3 * q1 + a4 * q0;
      long c = d0 >>> 26;
      a0 = d0 & 0x3ffffff;
      d1 += c;
      c = d1 >>> 26;
      a1 = d1 & 0x3ffffff;
      d2 += c;
      c = d2 >>> 26;
      a2 = d2 & 0x3ffffff;
      d3 += c;
      c = d3 >>> 26;
      a3 = d3 & 0x3ffffff;
      d4 += c;
      c = d4 >>> 26;
      a4 = d4 & 0x3ffffff;
      a0 += c * 5;
      c = a0 >>> 26;
      a0 &= 0x3ffffff;
      a1 += c;
    }
    h0 = a0;
    h1 = a1;
    h2 = a2;
    h3 = a3;
    h4 = a4;
  }

  private void tag(byte[] out, int off) {
    polyPad();
    // the lengths block, written into the partial-block buffer the padding just emptied
    long ad = adLength;
    long text = textLength;
    for (int i = 0; i < 8; i++) {
      partial[i] = (byte) (ad >>> (8 * i));
      partial[8 + i] = (byte) (text >>> (8 * i));
    }
    polyBlocks(partial, 0, 1);
    finish(out, off);
  }

  /** The tag from the accumulator: h fully reduced mod 2^130-5, plus s, mod 2^128. */
  private void finish(byte[] out, int off) {
    // full carry, then h mod 2^130-5 (RFC 8439 2.5.1), in constant time
    long a0 = h0;
    long a1 = h1;
    long a2 = h2;
    long a3 = h3;
    long a4 = h4;
    long c = a1 >>> 26;
    a1 &= 0x3ffffff;
    a2 += c;
    c = a2 >>> 26;
    a2 &= 0x3ffffff;
    a3 += c;
    c = a3 >>> 26;
    a3 &= 0x3ffffff;
    a4 += c;
    c = a4 >>> 26;
    a4 &= 0x3ffffff;
    a0 += c * 5;
    c = a0 >>> 26;
    a0 &= 0x3ffffff;
    a1 += c;
    // g = h + 5 - 2^130; take g when it does not go negative
    long g0 = a0 + 5;
    c = g0 >>> 26;
    g0 &= 0x3ffffff;
    long g1 = a1 + c;
    c = g1 >>> 26;
    g1 &= 0x3ffffff;
    long g2 = a2 + c;
    c = g2 >>> 26;
    g2 &= 0x3ffffff;
    long g3 = a3 + c;
    c = g3 >>> 26;
    g3 &= 0x3ffffff;
    long g4 = a4 + c - (1L << 26);
    long mask = (g4 >>> 63) - 1; // all ones when g4 >= 0
    a0 = (a0 & ~mask) | (g0 & mask);
    a1 = (a1 & ~mask) | (g1 & mask);
    a2 = (a2 & ~mask) | (g2 & mask);
    a3 = (a3 & ~mask) | (g3 & mask);
    a4 = (a4 & ~mask) | (g4 & mask);
    // h as four 32-bit words, plus s, mod 2^128
    long w0 = (a0 | (a1 << 26)) & 0xffffffffL;
    long w1 = ((a1 >>> 6) | (a2 << 20)) & 0xffffffffL;
    long w2 = ((a2 >>> 12) | (a3 << 14)) & 0xffffffffL;
    long w3 = ((a3 >>> 18) | (a4 << 8)) & 0xffffffffL;
    long f = w0 + (s0 & 0xffffffffL);
    LE_INT.set(out, off, (int) f);
    f = w1 + (s1 & 0xffffffffL) + (f >>> 32);
    LE_INT.set(out, off + 4, (int) f);
    f = w2 + (s2 & 0xffffffffL) + (f >>> 32);
    LE_INT.set(out, off + 8, (int) f);
    f = w3 + (s3 & 0xffffffffL) + (f >>> 32);
    LE_INT.set(out, off + 12, (int) f);
  }
}
