package dev.vertxp2p.proto.noise;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.IvParameterSpec;

/**
 * ChaChaPoly through the JDK's own provider; one Cipher object reused for every message.
 *
 * <p>The JDK checks the tag before it decrypts, so a bad tag leaves the output as it was; {@link
 * #decrypt} zeroes it all the same, as every {@link NoiseAead} does.
 *
 * <p>The key is held in a {@link RawKey} of our own rather than a {@code SecretKeySpec}, whose
 * copy of the bytes nobody outside the JDK can reach: {@link #destroy()} zeroes ours, then re-keys
 * the cipher with an all-zero key, which replaces its copy of the key, its initial state and its
 * keystream block (the JDK's ChaCha20 cipher zeroes the key array it held when re-keyed: seen on
 * JDKs 17 and 25). Each {@code init} hands the provider a fresh copy of the key through {@link
 * RawKey#getEncoded()}, and that same re-keying zeroes the copy of the message before.
 */
final class JdkChaChaPolyAead implements NoiseAead {
  private static final String TRANSFORMATION = "ChaCha20-Poly1305";

  private final Cipher cipher;
  private final byte[] nonce = new byte[12];
  private RawKey key;
  private boolean destroyed;

  JdkChaChaPolyAead() {
    try {
      cipher = Cipher.getInstance(TRANSFORMATION);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no " + TRANSFORMATION + " cipher", e);
    }
  }

  @Override
  public void setKey(byte[] k) {
    NoiseAeads.requireLive(destroyed);
    NoiseAeads.requireKeyLength(k);
    RawKey old = key;
    key = new RawKey(k);
    if (old != null) {
      old.destroy();
    }
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

  @Override
  public void destroy() {
    if (destroyed) {
      return;
    }
    destroyed = true;
    if (key != null) {
      key.destroy();
      key = null;
      try {
        // decrypt mode: the JDK's check against reusing a key and nonce guards encryption only
        cipher.init(Cipher.DECRYPT_MODE, new RawKey(new byte[KEY_LENGTH]),
            new IvParameterSpec(new byte[12]));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("re-keying " + TRANSFORMATION + " to wipe it failed", e);
      }
    }
    Arrays.fill(nonce, (byte) 0);
  }

  /** The key bytes we hold (the array itself), for tests of the wipe; null before a key. */
  byte[] keyBytes() {
    return key == null ? null : key.bytes;
  }

  private void init(int mode, long n, byte[] ad) throws GeneralSecurityException {
    NoiseAeads.requireLive(destroyed);
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

  /** A raw ChaCha20 key whose bytes {@link #destroy()} zeroes (a SecretKeySpec's cannot be). */
  private static final class RawKey implements SecretKey {
    private static final long serialVersionUID = 1L;

    private final byte[] bytes;
    private boolean destroyed;

    RawKey(byte[] k) {
      bytes = k.clone();
    }

    @Override
    public String getAlgorithm() {
      return "ChaCha20";
    }

    @Override
    public String getFormat() {
      return "RAW";
    }

    /** A copy, as the {@link java.security.Key} contract asks: the provider keeps what it gets. */
    @Override
    public byte[] getEncoded() {
      return bytes.clone();
    }

    @Override
    public void destroy() {
      Arrays.fill(bytes, (byte) 0);
      destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
      return destroyed;
    }
  }
}
