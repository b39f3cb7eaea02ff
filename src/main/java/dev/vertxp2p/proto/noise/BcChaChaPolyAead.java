package dev.vertxp2p.proto.noise;

import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * ChaChaPoly through BouncyCastle's lightweight API (no JCE provider involved).
 *
 * <p>BouncyCastle decrypts as it authenticates: by the time {@code doFinal} finds a bad tag, the
 * whole plaintext is in the output, so {@link #decrypt} zeroes it before it throws.
 *
 * <p>{@link #destroy()} zeroes the bytes of our {@link KeyParameter} ({@link KeyParameter#getKey()}
 * hands out its own array) and re-keys the cipher with an all-zero key: in BouncyCastle 1.82 that
 * overwrites the cipher's copy of the key, its ChaCha20 state and keystream block and its Poly1305
 * key and accumulator in place, so only state derived from the public zero key is left. What the
 * library does not let us reach: each message's one-time Poly1305 key passes through a {@code
 * KeyParameter} that BouncyCastle drops unwiped for the garbage collector (of no use for any other
 * message).
 */
final class BcChaChaPolyAead implements NoiseAead {
  private final ChaCha20Poly1305 cipher = new ChaCha20Poly1305();
  private final byte[] nonce = new byte[12];
  private KeyParameter key;
  private boolean destroyed;

  @Override
  public void setKey(byte[] k) {
    NoiseAeads.requireLive(destroyed);
    NoiseAeads.requireKeyLength(k);
    KeyParameter old = key;
    key = new KeyParameter(k);
    if (old != null) {
      Arrays.fill(old.getKey(), (byte) 0);
    }
  }

  @Override
  public int encrypt(long n, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    init(true, n, ad);
    int written = cipher.processBytes(in, inOff, inLen, out, outOff);
    try {
      return written + cipher.doFinal(out, outOff + written);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
    }
  }

  @Override
  public int encrypt(long n, byte[] ad, byte[][] arrays, int[] offsets, int[] lengths, int count,
      byte[] out, int outOff) {
    init(true, n, ad);
    int written = 0;
    for (int i = 0; i < count; i++) {
      written += cipher.processBytes(arrays[i], offsets[i], lengths[i], out, outOff + written);
    }
    try {
      return written + cipher.doFinal(out, outOff + written);
    } catch (InvalidCipherTextException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
    }
  }

  @Override
  public int decrypt(long n, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    if (inLen < TAG_LENGTH) {
      throw new NoiseException(
          "expected a ciphertext of at least " + TAG_LENGTH + " bytes, got " + inLen);
    }
    init(false, n, ad);
    int written = cipher.processBytes(in, inOff, inLen, out, outOff);
    try {
      return written + cipher.doFinal(out, outOff + written);
    } catch (InvalidCipherTextException e) {
      Arrays.fill(out, outOff, outOff + inLen - TAG_LENGTH, (byte) 0); // unauthenticated plaintext
      throw new NoiseException("expected a valid Poly1305 tag for nonce " + Long.toUnsignedString(n)
          + ", got a tag that does not verify");
    }
  }

  @Override
  public void destroy() {
    if (destroyed) {
      return;
    }
    destroyed = true;
    // decrypt mode: BouncyCastle's nonce-reuse check guards encryption only
    cipher.init(false, new ParametersWithIV(new KeyParameter(new byte[KEY_LENGTH]), new byte[12]));
    if (key != null) {
      Arrays.fill(key.getKey(), (byte) 0);
      key = null;
    }
    Arrays.fill(nonce, (byte) 0);
  }

  /** The key bytes we hold (BouncyCastle's own array, not a copy), for tests of the wipe. */
  byte[] keyBytes() {
    return key == null ? null : key.getKey();
  }

  private void init(boolean encrypt, long n, byte[] ad) {
    NoiseAeads.requireLive(destroyed);
    if (key == null) {
      throw new IllegalStateException("no key installed");
    }
    NoiseAeads.fillNonce(nonce, n);
    cipher.init(encrypt, new ParametersWithIV(key, nonce));
    if (ad != null && ad.length > 0) {
      cipher.processAADBytes(ad, 0, ad.length);
    }
  }

  @Override
  public String implementation() {
    return "bc";
  }
}
