package dev.vertxp2p.proto.noise;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ChaChaPoly through the JDK's own provider; one Cipher object reused for every message.
 *
 * <p>The JDK checks the tag before it decrypts, so a bad tag leaves the output as it was; {@link
 * #decrypt} zeroes it all the same, as every {@link NoiseAead} does.
 */
final class JdkChaChaPolyAead implements NoiseAead {
  private static final String TRANSFORMATION = "ChaCha20-Poly1305";

  private final Cipher cipher;
  private final byte[] nonce = new byte[12];
  private SecretKeySpec key;

  JdkChaChaPolyAead() {
    try {
      cipher = Cipher.getInstance(TRANSFORMATION);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no " + TRANSFORMATION + " cipher", e);
    }
  }

  @Override
  public void setKey(byte[] k) {
    NoiseAeads.requireKeyLength(k);
    key = new SecretKeySpec(k, "ChaCha20");
  }

  @Override
  public int encrypt(long n, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    try {
      init(Cipher.ENCRYPT_MODE, n, ad);
      return cipher.doFinal(in, inOff, inLen, out, outOff);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
    }
  }

  @Override
  public int encrypt(long n, byte[] ad, byte[][] arrays, int[] offsets, int[] lengths, int count,
      byte[] out, int outOff) {
    try {
      init(Cipher.ENCRYPT_MODE, n, ad);
      int written = 0;
      for (int i = 0; i < count; i++) {
        // ChaCha20-Poly1305 encryption streams: each piece is encrypted and written at once.
        written += cipher.update(arrays[i], offsets[i], lengths[i], out, outOff + written);
      }
      return written + cipher.doFinal(out, outOff + written);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
    }
  }

  @Override
  public int decrypt(long n, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    if (inLen < TAG_LENGTH) {
      throw new NoiseException(
          "expected a ciphertext of at least " + TAG_LENGTH + " bytes, got " + inLen);
    }
    try {
      init(Cipher.DECRYPT_MODE, n, ad);
      return cipher.doFinal(in, inOff, inLen, out, outOff);
    } catch (AEADBadTagException e) {
      Arrays.fill(out, outOff, outOff + inLen - TAG_LENGTH, (byte) 0);
      throw new NoiseException("expected a valid Poly1305 tag for nonce " + Long.toUnsignedString(n)
          + ", got a tag that does not verify");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 decryption failed", e);
    }
  }

  private void init(int mode, long n, byte[] ad) throws GeneralSecurityException {
    if (key == null) {
      throw new IllegalStateException("no key installed");
    }
    NoiseAeads.fillNonce(nonce, n);
    // The JDK refuses to reuse a (key, nonce) pair for encryption; Noise never does (the counter
    // only grows), so this init cannot trip over it.
    cipher.init(mode, key, new IvParameterSpec(nonce));
    if (ad != null && ad.length > 0) {
      cipher.updateAAD(ad);
    }
  }

  @Override
  public String implementation() {
    return "jdk";
  }
}
