package dev.vertxp2p.proto.noise;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;

/**
 * The transport phase of a libp2p Noise connection (libp2p noise spec, "Wire Format" and
 * "Encryption and I/O"): every message is a 2-byte big-endian length followed by a ChaChaPoly
 * ciphertext of at most 65535 bytes, tag included.
 *
 * <p>Sans-IO: {@link #encrypt} turns plaintext into framed ciphertext to write; {@link #receive}
 * takes socket bytes in chunks of any size and {@link #pollPlaintext()} hands out what they
 * decrypted to. A bad tag, a frame too short to hold a tag, or nonce exhaustion fails the session
 * for good: the caller must close the connection. Once the connection is closed, {@link
 * #destroy()} wipes both directions' keys.
 */
public final class NoiseSession {
  /** Largest {@code noise_message} (libp2p noise spec "Wire Format"; Noise section 3). */
  public static final int MAX_MESSAGE_LENGTH = 65535;

  /** Largest plaintext one message carries: the message maximum less the 16-byte tag. */
  public static final int MAX_PLAINTEXT_LENGTH = MAX_MESSAGE_LENGTH - NoiseAead.TAG_LENGTH;

  /** Size of the big-endian length prefix (libp2p noise spec "Wire Format"). */
  public static final int LENGTH_PREFIX = 2;

  private static final int FRAME_OVERHEAD = LENGTH_PREFIX + NoiseAead.TAG_LENGTH;
  /** A gathering buffer up to this size is kept between messages; a larger one is let go. */
  static final int RETAINED_PARTIAL_LIMIT = 1024;
  private static final byte[] EMPTY = new byte[0];

  private final CipherState sender;
  private final CipherState receiver;
  private final ArrayDeque<byte[]> plaintexts = new ArrayDeque<>();

  private final byte[] header = new byte[LENGTH_PREFIX];
  private int headerFill;
  /**
   * A message that straddles chunks is gathered here. Reused while messages keep straddling (a
   * busy connection), dropped once a chunk ends on a message boundary, so a connection that once
   * carried a large message does not hold up to 64 KiB for the rest of its idle life.
   */
  private byte[] partial;
  private int partialLength = -1;
  private int partialFill;
  private NoiseException failure;
  private boolean destroyed;

  NoiseSession(CipherState sender, CipherState receiver) {
    this.sender = sender;
    this.receiver = receiver;
  }

  /**
   * Bytes {@link #encrypt} produces for {@code plaintextLength} bytes of plaintext: one frame per
   * {@value #MAX_PLAINTEXT_LENGTH} bytes or part thereof, each adding 18 bytes; 0 for 0.
   */
  public static int encryptedLength(int plaintextLength) {
    if (plaintextLength < 0) {
      throw new IllegalArgumentException("negative length " + plaintextLength);
    }
    int frames = plaintextLength / MAX_PLAINTEXT_LENGTH
        + (plaintextLength % MAX_PLAINTEXT_LENGTH == 0 ? 0 : 1);
    return Math.addExact(plaintextLength, Math.multiplyExact(frames, FRAME_OVERHEAD));
  }

  /**
   * Encrypts {@code plaintext[off, off+len)} into framed messages, split so that none exceeds
   * {@value #MAX_MESSAGE_LENGTH} bytes. Zero bytes give an empty array (nothing to send).
   */
  public byte[] encrypt(byte[] plaintext, int off, int len) {
    byte[] out = new byte[encryptedLength(len)];
    encrypt(plaintext, off, len, out, 0);
    return out;
  }

  /**
   * Like {@link #encrypt(byte[], int, int)} but writes into {@code out} at {@code outOff}, which
   * must have {@link #encryptedLength(int)} bytes of room and must not overlap the plaintext.
   *
   * @return the number of bytes written
   */
  public int encrypt(byte[] plaintext, int off, int len, byte[] out, int outOff) {
    Objects.checkFromIndexSize(off, len, plaintext.length);
    Objects.checkFromIndexSize(outOff, encryptedLength(len), out.length);
    requireUsable();
    int pos = outOff;
    int end = off + len;
    try {
      for (int p = off; p < end; ) {
        int chunk = Math.min(MAX_PLAINTEXT_LENGTH, end - p);
        int messageLength = chunk + NoiseAead.TAG_LENGTH;
        out[pos] = (byte) (messageLength >>> 8);
        out[pos + 1] = (byte) messageLength;
        sender.encryptWithAd(null, plaintext, p, chunk, out, pos + LENGTH_PREFIX);
        pos += LENGTH_PREFIX + messageLength;
        p += chunk;
      }
    } catch (NoiseException e) {
      failure = e;
      throw e;
    }
    return pos - outOff;
  }

  /**
   * Encrypts one transport message whose plaintext is given in {@code count} pieces (see {@link
   * NoiseAead}), together at most {@link #MAX_PLAINTEXT_LENGTH} bytes, and writes it framed into
   * {@code out} at {@code outOff}: the pieces are encrypted where they lie, not joined first.
   *
   * @return the number of bytes written: the pieces' total plus the length prefix and the tag
   */
  public int encryptMessage(byte[][] arrays, int[] offsets, int[] lengths, int count, byte[] out,
      int outOff) {
    requireUsable();
    long total = 0;
    for (int i = 0; i < count; i++) {
      Objects.checkFromIndexSize(offsets[i], lengths[i], arrays[i].length);
      total += lengths[i];
    }
    if (total > MAX_PLAINTEXT_LENGTH) {
      throw new IllegalArgumentException("one message holds at most " + MAX_PLAINTEXT_LENGTH
          + " bytes of plaintext, got " + total);
    }
    int messageLength = (int) total + NoiseAead.TAG_LENGTH;
    Objects.checkFromIndexSize(outOff, LENGTH_PREFIX + messageLength, out.length);
    out[outOff] = (byte) (messageLength >>> 8);
    out[outOff + 1] = (byte) messageLength;
    try {
      sender.encryptWithAd(null, arrays, offsets, lengths, count, out, outOff + LENGTH_PREFIX);
    } catch (NoiseException e) {
      failure = e;
      throw e;
    }
    return LENGTH_PREFIX + messageLength;
  }

  /**
   * Feeds socket bytes in chunks of any size; complete messages are decrypted at once and queued
   * for {@link #pollPlaintext()}.
   *
   * @throws NoiseException on a bad tag or a message too short to hold one; the session is then
   *     failed
   * @throws IllegalStateException if the session already failed
   */
  public void receive(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    requireUsable();
    int pos = off;
    int end = off + len;
    try {
      while (pos < end) {
        if (partialLength >= 0) {
          int n = Math.min(partialLength - partialFill, end - pos);
          System.arraycopy(data, pos, partial, partialFill, n);
          partialFill += n;
          pos += n;
          if (partialFill == partialLength) {
            int length = partialLength;
            partialLength = -1;
            decrypt(partial, 0, length);
          }
          continue;
        }
        int length;
        if (headerFill == 0 && end - pos >= LENGTH_PREFIX) {
          length = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
          pos += LENGTH_PREFIX;
        } else {
          header[headerFill++] = data[pos++];
          if (headerFill < LENGTH_PREFIX) {
            continue;
          }
          headerFill = 0;
          length = ((header[0] & 0xff) << 8) | (header[1] & 0xff);
        }
        // Spec "Wire Format": a transport message is a ciphertext plus its 16-byte tag, so a
        // shorter one is malformed. The 2-byte prefix itself caps it at MAX_MESSAGE_LENGTH.
        if (length < NoiseAead.TAG_LENGTH) {
          throw new NoiseException(
              "expected a transport message of at least " + NoiseAead.TAG_LENGTH
                  + " bytes, got " + length);
        }
        if (end - pos >= length) {
          // Whole message in this chunk: decrypt straight from the caller's array.
          decrypt(data, pos, length);
          pos += length;
        } else {
          if (partial == null || partial.length < length) {
            partial = new byte[length];
          }
          partialLength = length;
          partialFill = 0;
        }
      }
    } catch (NoiseException e) {
      failure = e;
      partial = null;
      plaintexts.clear();
      throw e;
    }
    if (partialLength < 0 && partial != null && partial.length > RETAINED_PARTIAL_LIMIT) {
      partial = null;
    }
  }

  /**
   * Bytes this session keeps allocated between calls for gathering messages (the plaintext queue
   * aside): what an idle connection costs here.
   */
  public int retainedBufferBytes() {
    return (partial == null ? 0 : partial.length) + header.length;
  }

  private void decrypt(byte[] in, int off, int length) {
    int plainLength = length - NoiseAead.TAG_LENGTH;
    byte[] out = plainLength == 0 ? EMPTY : new byte[plainLength];
    receiver.decryptWithAd(null, in, off, length, out, 0);
    // An empty message still advances the nonce (above) but yields nothing to deliver.
    if (plainLength > 0) {
      plaintexts.add(out);
    }
  }

  /** The next decrypted plaintext, in order, or null when none is pending. */
  public byte[] pollPlaintext() {
    return plaintexts.poll();
  }

  /** True while part of a message is buffered: a close now would truncate it. */
  public boolean hasPartialMessage() {
    return headerFill > 0 || partialLength >= 0;
  }

  /**
   * Ends the session: wipes both cipher states' keys ({@link CipherState#destroy()}), zeroes the
   * plaintexts not yet polled and drops the gathering buffer. For the transport to call once, when
   * its connection closes; idempotent. Afterwards {@link #encrypt}, {@link #encryptMessage} and
   * {@link #receive} throw {@link IllegalStateException} and {@link #pollPlaintext()} returns null.
   */
  public void destroy() {
    if (destroyed) {
      return;
    }
    destroyed = true;
    sender.destroy();
    receiver.destroy();
    for (byte[] p : plaintexts) {
      Arrays.fill(p, (byte) 0);
    }
    plaintexts.clear();
    partial = null;
    partialLength = -1;
    headerFill = 0;
  }

  /** True once {@link #destroy()} ran. */
  public boolean isDestroyed() {
    return destroyed;
  }

  /** True once a {@link NoiseException} failed the session. */
  public boolean isFailed() {
    return failure != null;
  }

  private void requireUsable() {
    if (destroyed) {
      throw new IllegalStateException(
          "expected an open session, got one destroyed: its keys are wiped, its connection closed");
    }
    if (failure != null) {
      throw new IllegalStateException("session already failed: " + failure.getMessage());
    }
  }
}
