package dev.vertxp2p.proto.noise;

/**
 * The Noise CipherState object (rev 34, section 5.1): a key {@code k} and a 64-bit nonce {@code n}.
 * {@link #destroy()} ends it: the key is wiped and every later use throws.
 */
final class CipherState {
  /** Noise section 5.1: nonce 2^64-1 is reserved; reaching it is an error. */
  static final long RESERVED_NONCE = -1L; // 2^64-1 as an unsigned long

  private final NoiseAead aead;
  private boolean hasKey;
  private long n;
  private boolean destroyed;

  CipherState(NoiseAead aead) {
    this.aead = aead;
  }

  void initializeKey(byte[] key) {
    requireLive();
    aead.setKey(key);
    hasKey = true;
    n = 0;
  }

  boolean hasKey() {
    return hasKey;
  }

  void setNonce(long nonce) {
    n = nonce;
  }

  long nonce() {
    return n;
  }

  NoiseAead aead() {
    return aead;
  }

  /**
   * Wipes the key ({@link NoiseAead#destroy()}) once this cipher state is done with: the
   * handshake's after Split, a transport one when its connection closes. Idempotent; afterwards encryption and decryption throw {@link IllegalStateException}, with or
   * without a key (a destroyed state must not fall back to copying plaintext as it is).
   */
  void destroy() {
    if (!destroyed) {
      destroyed = true;
      aead.destroy();
    }
  }

  boolean isDestroyed() {
    return destroyed;
  }

  private void requireLive() {
    if (destroyed) {
      throw new IllegalStateException(
          "expected a live cipher state, got one destroyed: its key is wiped");
    }
  }

  /** Bytes {@link #encryptWithAd} writes for {@code plaintextLength} bytes. */
  int ciphertextLength(int plaintextLength) {
    return hasKey ? plaintextLength + NoiseAead.TAG_LENGTH : plaintextLength;
  }

  /** EncryptWithAd (section 5.1); without a key the plaintext is copied as is. */
  int encryptWithAd(byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    requireLive();
    if (!hasKey) {
      System.arraycopy(in, inOff, out, outOff, inLen);
      return inLen;
    }
    checkNonce();
    int written = aead.encrypt(n, ad, in, inOff, inLen, out, outOff);
    n++;
    return written;
  }

  /** EncryptWithAd of a plaintext given in pieces (see {@link NoiseAead}); needs a key. */
  int encryptWithAd(byte[] ad, byte[][] arrays, int[] offsets, int[] lengths, int count,
      byte[] out, int outOff) {
    requireLive();
    if (!hasKey) {
      throw new IllegalStateException("piecewise encryption needs a key (transport phase)");
    }
    checkNonce();
    int written = aead.encrypt(n, ad, arrays, offsets, lengths, count, out, outOff);
    n++;
    return written;
  }

  /**
   * DecryptWithAd (section 5.1); without a key the ciphertext is copied as is. On a bad tag {@code
   * n} is not incremented and {@link NoiseException} is thrown.
   */
  int decryptWithAd(byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    requireLive();
    if (!hasKey) {
      System.arraycopy(in, inOff, out, outOff, inLen);
      return inLen;
    }
    checkNonce();
    int written = aead.decrypt(n, ad, in, inOff, inLen, out, outOff);
    n++;
    return written;
  }

  private void checkNonce() {
    // Noise section 5.1 / libp2p noise "Encryption and I/O": never use nonce 2^64-1; the
    // connection must end before nonces could repeat.
    if (n == RESERVED_NONCE) {
      throw new NoiseException(
          "expected a nonce below 2^64-1, got the reserved nonce 2^64-1: too many messages");
    }
  }
}
