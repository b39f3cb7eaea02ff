package dev.vertxp2p.proto.noise;

import java.util.Arrays;
import java.util.Objects;

/**
 * ChaChaPoly through this project's own {@link ChaCha20Poly1305}. Everything secret lives in that
 * object and in {@link ChaCha20Lanes}' per-thread scratch, and {@link #destroy()} leaves nothing
 * of it: the key words and the message state are zeroed, the scratch is zeroed after every call.
 */
final class JavaChaChaPolyAead implements NoiseAead {
  private final ChaCha20Poly1305 cipher = new ChaCha20Poly1305();
  private final byte[] nonce = new byte[12];
  private boolean keyed;
  private boolean destroyed;

  @Override
  public void setKey(byte[] k) {
    NoiseAeads.requireLive(destroyed);
    NoiseAeads.requireKeyLength(k);
    cipher.setKey(k);
    keyed = true;
  }

  @Override
  public void destroy() {
    destroyed = true;
    keyed = false;
    cipher.destroy();
    Arrays.fill(nonce, (byte) 0);
  }

  /** The cipher itself, for tests of what {@link #destroy()} leaves. */
  ChaCha20Poly1305 cipher() {
    return cipher;
  }

  private void start(long n, byte[] ad) {
    NoiseAeads.requireLive(destroyed);
    if (!keyed) {
      throw new IllegalStateException("no key installed");
    }
    NoiseAeads.fillNonce(nonce, n);
    cipher.start(nonce, ad);
  }

  @Override
  public int encrypt(long n, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    Objects.checkFromIndexSize(inOff, inLen, in.length);
    Objects.checkFromIndexSize(outOff, inLen + TAG_LENGTH, out.length);
    start(n, ad);
    cipher.encrypt(in, inOff, inLen, out, outOff);
    cipher.finishEncrypt(out, outOff + inLen);
    return inLen + TAG_LENGTH;
  }

  @Override
  public int encrypt(long n, byte[] ad, byte[][] arrays, int[] offsets, int[] lengths, int count,
      byte[] out, int outOff) {
    int total = 0;
    for (int i = 0; i < count; i++) {
      Objects.checkFromIndexSize(offsets[i], lengths[i], arrays[i].length);
      total += lengths[i];
    }
    Objects.checkFromIndexSize(outOff, total + TAG_LENGTH, out.length);
    start(n, ad);
    int pos = outOff;
    for (int i = 0; i < count; i++) {
      cipher.encrypt(arrays[i], offsets[i], lengths[i], out, pos);
      pos += lengths[i];
    }
    cipher.finishEncrypt(out, pos);
    return total + TAG_LENGTH;
  }

  @Override
  public int decrypt(long n, byte[] ad, byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    if (inLen < TAG_LENGTH) {
      throw new NoiseException(
          "expected a ciphertext of at least " + TAG_LENGTH + " bytes, got " + inLen);
    }
    int plainLength = inLen - TAG_LENGTH;
    Objects.checkFromIndexSize(inOff, inLen, in.length);
    Objects.checkFromIndexSize(outOff, plainLength, out.length);
    start(n, ad);
    cipher.decrypt(in, inOff, plainLength, out, outOff);
    if (!cipher.finishDecrypt(in, inOff + plainLength)) {
      Arrays.fill(out, outOff, outOff + plainLength, (byte) 0); // no unauthenticated plaintext
      throw new NoiseException("expected a valid Poly1305 tag for nonce "
          + Long.toUnsignedString(n) + ", got a tag that does not verify");
    }
    return plainLength;
  }

  @Override
  public String implementation() {
    return "java";
  }
}
