package dev.vertxp2p.proto.noise;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The Noise SymmetricState object (rev 34, section 5.2) with SHA256 as HASH (section 12.5) and HKDF
 * built on HMAC-SHA256 (section 4.3).
 */
final class SymmetricState {
  /** HASHLEN of SHA256 (Noise section 12.5). */
  static final int HASH_LENGTH = 32;

  private final SHA256Digest digest = new SHA256Digest();
  private final HMac hmac = new HMac(new SHA256Digest());
  private final CipherState cipher;
  private byte[] ck;
  private byte[] h;

  /** InitializeSymmetric(protocol_name). */
  SymmetricState(String protocolName, NoiseAead aead) {
    byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
    // Section 5.2: a name of at most HASHLEN bytes is zero-padded, a longer one hashed.
    if (name.length <= HASH_LENGTH) {
      h = Arrays.copyOf(name, HASH_LENGTH);
    } else {
      h = hash(name);
    }
    ck = h.clone();
    cipher = new CipherState(aead);
  }

  boolean hasKey() {
    return cipher.hasKey();
  }

  CipherState cipherState() {
    return cipher;
  }

  void mixKey(byte[] inputKeyMaterial) {
    byte[][] out = hkdf(ck, inputKeyMaterial, 2);
    ck = out[0];
    // HASHLEN is 32 already, so temp_k needs no truncation (section 5.2).
    cipher.initializeKey(out[1]);
  }

  void mixHash(byte[] data, int off, int len) {
    digest.update(h, 0, h.length);
    digest.update(data, off, len);
    byte[] next = new byte[HASH_LENGTH];
    digest.doFinal(next, 0);
    h = next;
  }

  /** EncryptAndHash: ciphertext into {@code out} at {@code outOff}; returns its length. */
  int encryptAndHash(byte[] in, int inOff, int inLen, byte[] out, int outOff) {
    int written = cipher.encryptWithAd(h, in, inOff, inLen, out, outOff);
    mixHash(out, outOff, written);
    return written;
  }

  /** DecryptAndHash: returns the plaintext. */
  byte[] decryptAndHash(byte[] in, int inOff, int inLen) {
    int outLen = cipher.hasKey() ? inLen - NoiseAead.TAG_LENGTH : inLen;
    byte[] out = new byte[outLen];
    cipher.decryptWithAd(h, in, inOff, inLen, out, 0);
    mixHash(in, inOff, inLen);
    return out;
  }

  /** Split (section 5.2): {c1, c2}, c1 for initiator-to-responder traffic. */
  CipherState[] split(NoiseAead first, NoiseAead second) {
    byte[][] out = hkdf(ck, new byte[0], 2);
    CipherState c1 = new CipherState(first);
    c1.initializeKey(out[0]);
    CipherState c2 = new CipherState(second);
    c2.initializeKey(out[1]);
    Arrays.fill(out[0], (byte) 0);
    Arrays.fill(out[1], (byte) 0);
    Arrays.fill(ck, (byte) 0);
    cipher.destroy(); // the handshake's last key: nothing is encrypted with it after Split
    return new CipherState[] {c1, c2};
  }

  byte[] handshakeHash() {
    return h.clone();
  }

  /**
   * Wipes what a handshake that will not finish keeps secret: the cipher's key and the chaining
   * key. Idempotent.
   */
  void destroy() {
    cipher.destroy();
    java.util.Arrays.fill(ck, (byte) 0);
  }

  private byte[] hash(byte[] data) {
    digest.update(data, 0, data.length);
    byte[] out = new byte[HASH_LENGTH];
    digest.doFinal(out, 0);
    return out;
  }

  /** HKDF(chaining_key, input_key_material, num_outputs) of Noise section 4.3. */
  byte[][] hkdf(byte[] chainingKey, byte[] inputKeyMaterial, int outputs) {
    byte[] tempKey = hmac(chainingKey, inputKeyMaterial, (byte) 0, false);
    byte[][] out = new byte[outputs][];
    byte[] previous = null;
    for (int i = 0; i < outputs; i++) {
      previous = hmac(tempKey, previous == null ? new byte[0] : previous, (byte) (i + 1), true);
      out[i] = previous;
    }
    Arrays.fill(tempKey, (byte) 0);
    return out;
  }

  private byte[] hmac(byte[] key, byte[] data, byte suffix, boolean withSuffix) {
    hmac.init(new KeyParameter(key));
    hmac.update(data, 0, data.length);
    if (withSuffix) {
      hmac.update(suffix);
    }
    byte[] out = new byte[HASH_LENGTH];
    hmac.doFinal(out, 0);
    return out;
  }
}
