package dev.vertxp2p.proto.noise;

/**
 * The ChaChaPoly cipher functions of the Noise framework (rev 34, section 12.3): ChaCha20-Poly1305
 * (RFC 8439) with a 96-bit nonce made of 32 zero bits followed by the 64-bit counter in
 * little-endian order.
 *
 * <p>One instance belongs to one {@code CipherState}; it keeps its key and reusable cipher objects
 * between calls, so it must not be shared. Obtain instances from {@link NoiseAeads}. When its
 * {@code CipherState} is done, {@link #destroy()} wipes the key; the instance is dead from then on.
 */
public interface NoiseAead {
  /** ChaChaPoly key length (Noise section 4.2: 32 bytes). */
  int KEY_LENGTH = 32;

  /** Poly1305 tag appended to every ciphertext (Noise section 4.2: 16 bytes). */
  int TAG_LENGTH = 16;

  /**
   * Installs a 32-byte key; later calls use it until the next {@code setKey}.
   *
   * @throws IllegalStateException after {@link #destroy()}
   */
  void setKey(byte[] key);

  /**
   * Encrypts {@code in[inOff, inOff+inLen)} with associated data {@code ad} (null means empty)
   * into {@code out} at {@code outOff}, writing {@code inLen + TAG_LENGTH} bytes.
   *
   * @return the number of bytes written
   */
  int encrypt(long nonce, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff);

  /**
   * Like {@link #encrypt(long, byte[], byte[], int, int, byte[], int)} for a plaintext given in
   * {@code count} pieces: {@code arrays[i][offsets[i], offsets[i]+lengths[i])} in order. The pieces
   * are encrypted where they lie, never joined into one array first.
   *
   * @return the number of bytes written: the pieces' total plus {@link #TAG_LENGTH}
   */
  int encrypt(long nonce, byte[] ad, byte[][] arrays, int[] offsets, int[] lengths, int count,
      byte[] out, int outOff);

  /**
   * Authenticates and decrypts {@code in[inOff, inOff+inLen)} (ciphertext plus tag) into {@code
   * out} at {@code outOff}, writing {@code inLen - TAG_LENGTH} bytes.
   *
   * <p>When the tag does not verify, {@code out[outOff, outOff + inLen - TAG_LENGTH)} is all zeros
   * on return, whatever it held before: implementations that decrypt while they authenticate
   * have written plaintext there by then, and none of it may outlive the failed check.
   *
   * @return the number of bytes written
   * @throws NoiseException if the tag does not verify
   */
  int decrypt(long nonce, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff);

  /**
   * Wipes the key and whatever this instance keeps that was derived from it (keystream, one-time
   * Poly1305 keys) as far as the underlying library lets it; each implementation says what is
   * left. Idempotent. Afterwards {@link #setKey}, {@code encrypt} and {@code decrypt} throw
   * {@link IllegalStateException}.
   */
  void destroy();

  /** A short name of the implementation, for logs and benchmarks. */
  String implementation();
}
