package dev.vertxp2p.multiformats;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A multihash: {@code <varint code><varint digest length><digest>}.
 *
 * <p>Any code decodes structurally; the two codes libp2p peer IDs use are also checked for their
 * digest size: identity (0x00, any length up to {@link #MAX_DIGEST_BYTES}) and sha2-256 (0x12,
 * exactly 32 bytes). Instances are immutable.
 */
public final class Multihash {
  /** multicodec table: identity. */
  public static final int IDENTITY = 0x00;
  /** multicodec table: sha2-256. */
  public static final int SHA2_256 = 0x12;
  /** Digest size of sha2-256. */
  public static final int SHA2_256_LENGTH = 32;

  /**
   * Largest digest accepted. The longest hash in the multicodec table is 64 bytes; identity
   * multihashes inline data, and libp2p inlines at most 42 bytes of key, so 128 is ample.
   */
  public static final int MAX_DIGEST_BYTES = 128;

  private final int code;
  private final byte[] digest;

  private Multihash(int code, byte[] digest) {
    this.code = code;
    this.digest = digest;
  }

  /**
   * Wraps {@code digest} under {@code code}.
   *
   * @throws IllegalArgumentException if the digest size does not fit the code or the limit
   */
  public static Multihash of(int code, byte[] digest) {
    String problem = checkDigest(code, digest.length);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new Multihash(code, digest.clone());
  }

  /** The sha2-256 multihash of {@code data}. */
  public static Multihash sha256(byte[] data) {
    return new Multihash(SHA2_256, sha256Digest(data));
  }

  /** The identity multihash of {@code data} (the data itself, framed). */
  public static Multihash identity(byte[] data) {
    return of(IDENTITY, data);
  }

  /** The binary form {@code <code><length><digest>} of {@code code} and {@code digest}. */
  public static byte[] encode(int code, byte[] digest) {
    return of(code, digest).bytes();
  }

  /**
   * Decodes a buffer that holds exactly one multihash.
   *
   * @throws MultiformatException on a bad varint, a digest shorter or longer than declared, a
   *     digest size the code does not allow, or trailing bytes
   */
  public static Multihash decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length, true);
  }

  /**
   * Decodes one multihash at {@code offset}; when {@code exact}, it must end exactly at {@code
   * limit}.
   */
  public static Multihash decode(byte[] bytes, int offset, int limit, boolean exact) {
    UnsignedVarint.Decoded code = UnsignedVarint.decode(bytes, offset, limit);
    if (code.value() > Integer.MAX_VALUE) {
      throw new MultiformatException("multihash code " + code.value() + " is out of range");
    }
    int pos = offset + code.length();
    UnsignedVarint.Decoded len = UnsignedVarint.decode(bytes, pos, limit);
    pos += len.length();
    // Check the declared length against the limit before slicing anything.
    if (len.value() > MAX_DIGEST_BYTES) {
      throw new MultiformatException(
          "multihash digest length " + len.value() + " exceeds the limit of " + MAX_DIGEST_BYTES);
    }
    int n = (int) len.value();
    if (limit - pos < n) {
      throw new MultiformatException(
          "truncated multihash: digest declares " + n + " bytes, " + (limit - pos) + " present");
    }
    if (exact && limit - pos != n) {
      throw new MultiformatException(
          "multihash has " + (limit - pos - n) + " trailing byte(s) after a " + n + "-byte digest");
    }
    String problem = checkDigest((int) code.value(), n);
    if (problem != null) {
      throw new MultiformatException(problem);
    }
    return new Multihash((int) code.value(), Arrays.copyOfRange(bytes, pos, pos + n));
  }

  /** The multicodec hash code. */
  public int code() {
    return code;
  }

  /** A copy of the digest. */
  public byte[] digest() {
    return digest.clone();
  }

  /** Digest length in bytes. */
  public int digestLength() {
    return digest.length;
  }

  /** The binary multihash. */
  public byte[] bytes() {
    int cl = UnsignedVarint.encodedLength(code);
    int ll = UnsignedVarint.encodedLength(digest.length);
    byte[] out = new byte[cl + ll + digest.length];
    UnsignedVarint.write(code, out, 0);
    UnsignedVarint.write(digest.length, out, cl);
    System.arraycopy(digest, 0, out, cl + ll, digest.length);
    return out;
  }

  /** The SHA-256 digest of {@code data} (plain, not a multihash). */
  public static byte[] sha256Digest(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK must provide SHA-256", e);
    }
  }

  private static String checkDigest(int code, int length) {
    if (code < 0) {
      return "negative multihash code " + code;
    }
    if (length > MAX_DIGEST_BYTES) {
      return "multihash digest of " + length + " bytes exceeds the limit of " + MAX_DIGEST_BYTES;
    }
    if (code == SHA2_256 && length != SHA2_256_LENGTH) {
      return "sha2-256 multihash digest must be 32 bytes, got " + length;
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Multihash m && m.code == code && Arrays.equals(m.digest, digest);
  }

  @Override
  public int hashCode() {
    return 31 * code + Arrays.hashCode(digest);
  }

  @Override
  public String toString() {
    return "Multihash[0x" + Integer.toHexString(code) + ", " + HexFormat.of().formatHex(digest) + "]";
  }
}
