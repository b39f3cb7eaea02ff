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
 */
final class BcChaChaPolyAead implements NoiseAead {
  private final ChaCha20Poly1305 cipher = new ChaCha20Poly1305();
  private final byte[] nonce = new byte[12];
  private KeyParameter key;

  @Override
  public void setKey(byte[] k) {
    NoiseAeads.requireKeyLength(k);
    key = new KeyParameter(k);
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

  private void init(boolean encrypt, long n, byte[] ad) {
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
