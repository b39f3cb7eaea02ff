package dev.vertxp2p.proto.tls;

import dev.vertxp2p.crypto.Keys;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The value of the libp2p Public Key Extension (libp2p TLS spec, "libp2p Public Key Extension"):
 *
 * <pre>
 * SignedKey ::= SEQUENCE {
 *   publicKey OCTET STRING,   -- the host key, protobuf PublicKey (peer-ids spec)
 *   signature OCTET STRING    -- by the host key over "libp2p-tls-handshake:" || SPKI
 * }
 * </pre>
 *
 * <p>The parser reads exactly that, in DER, by hand: a fixed shape needs no general ASN.1 reader,
 * and every length is checked against its cap before anything is copied. It is a fuzz target
 * ({@code TlsFuzzTest}); only {@link TlsCertificateException} with reason {@code
 * MALFORMED_EXTENSION} may escape it.
 *
 * @param publicKey the marshaled host public key (not yet decoded)
 * @param signature the host key's signature
 */
public record SignedKey(byte[] publicKey, byte[] signature) {
  /**
   * Largest signature accepted: an RSA signature is as long as the modulus, and the largest RSA
   * host key accepted has 8192 bits.
   */
  public static final int MAX_SIGNATURE_BYTES = 1024;

  /** Largest extension value accepted: both fields at their caps, plus the DER headers. */
  public static final int MAX_BYTES = Keys.MAX_MARSHALED_BYTES + MAX_SIGNATURE_BYTES + 16;

  private static final int TAG_SEQUENCE = 0x30;
  private static final int TAG_OCTET_STRING = 0x04;

  public SignedKey {
    publicKey = publicKey.clone();
    signature = signature.clone();
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /**
   * Decodes DER {@code SignedKey}.
   *
   * @throws TlsCertificateException (reason {@code MALFORMED_EXTENSION}) if {@code der} is over
   *     {@link #MAX_BYTES}, not DER, not exactly the two OCTET STRINGs, or a field is over its cap
   */
  public static SignedKey parse(byte[] der) {
    if (der.length > MAX_BYTES) {
      throw malformed("extension value of " + der.length + " bytes exceeds the limit of "
          + MAX_BYTES);
    }
    Reader r = new Reader(der);
    int seqLength = r.header(TAG_SEQUENCE, "SignedKey SEQUENCE");
    if (seqLength != der.length - r.pos) {
      throw malformed("SignedKey SEQUENCE announces " + seqLength + " bytes, " + (der.length - r.pos)
          + " follow its header");
    }
    byte[] key = r.octets("publicKey", Keys.MAX_MARSHALED_BYTES);
    byte[] sig = r.octets("signature", MAX_SIGNATURE_BYTES);
    if (r.pos != der.length) {
      throw malformed("expected the end of SignedKey after signature, got " + (der.length - r.pos)
          + " more bytes");
    }
    if (key.length == 0) {
      throw malformed("publicKey is empty");
    }
    if (sig.length == 0) {
      throw malformed("signature is empty");
    }
    return new SignedKey(key, sig);
  }

  /** The DER encoding. */
  public byte[] encode() {
    ByteArrayOutputStream body = new ByteArrayOutputStream(publicKey.length + signature.length + 8);
    writeHeader(body, TAG_OCTET_STRING, publicKey.length);
    body.writeBytes(publicKey);
    writeHeader(body, TAG_OCTET_STRING, signature.length);
    body.writeBytes(signature);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 4);
    writeHeader(out, TAG_SEQUENCE, body.size());
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  private static void writeHeader(ByteArrayOutputStream out, int tag, int length) {
    out.write(tag);
    // X.690 section 10.1: DER uses the fewest length octets.
    if (length < 0x80) {
      out.write(length);
    } else if (length <= 0xff) {
      out.write(0x81);
      out.write(length);
    } else if (length <= 0xffff) {
      out.write(0x82);
      out.write(length >>> 8);
      out.write(length & 0xff);
    } else {
      throw new IllegalArgumentException("SignedKey field of " + length + " bytes is too long");
    }
  }

  private static TlsCertificateException malformed(String message) {
    return new TlsCertificateException(TlsCertificateException.Reason.MALFORMED_EXTENSION,
        "libp2p Public Key Extension: " + message);
  }

  /** A cursor over DER with the checks X.690 section 10.1 asks of lengths. */
  private static final class Reader {
    private final byte[] in;
    private int pos;

    Reader(byte[] in) {
      this.in = in;
    }

    /** Reads a tag and a definite DER length; returns the length, checked against the input. */
    int header(int tag, String what) {
      if (pos >= in.length) {
        throw malformed("expected " + what + ", got the end of the value");
      }
      int got = in[pos++] & 0xff;
      if (got != tag) {
        throw malformed("expected " + what + " (tag 0x" + hex(tag) + "), got tag 0x" + hex(got));
      }
      if (pos >= in.length) {
        throw malformed(what + " has no length");
      }
      int first = in[pos++] & 0xff;
      int length;
      if (first < 0x80) {
        length = first;
      } else if (first == 0x80) {
        throw malformed(what + " has an indefinite length, which DER forbids");
      } else {
        int count = first & 0x7f;
        // MAX_BYTES fits in two length octets; more can only be padding or too long.
        if (count > 2) {
          throw malformed(what + " has " + count + " length octets; at most 2 fit the limit");
        }
        if (pos + count > in.length) {
          throw malformed(what + " length is truncated");
        }
        length = 0;
        for (int i = 0; i < count; i++) {
          length = (length << 8) | (in[pos++] & 0xff);
        }
        if (length < 0x80 || (count == 2 && length <= 0xff)) {
          throw malformed(what + " length " + length + " is not minimally encoded");
        }
      }
      if (length > in.length - pos) {
        throw malformed(what + " announces " + length + " bytes, only " + (in.length - pos)
            + " remain");
      }
      return length;
    }

    byte[] octets(String field, int max) {
      int length = header(TAG_OCTET_STRING, field + " OCTET STRING");
      if (length > max) {
        throw malformed(field + " of " + length + " bytes exceeds the limit of " + max);
      }
      byte[] out = Arrays.copyOfRange(in, pos, pos + length);
      pos += length;
      return out;
    }

    private static String hex(int b) {
      return HexFormat.of().toHexDigits((byte) b);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SignedKey k && Arrays.equals(k.publicKey, publicKey)
        && Arrays.equals(k.signature, signature);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(publicKey) + Arrays.hashCode(signature);
  }

  @Override
  public String toString() {
    return "SignedKey[publicKey=" + publicKey.length + " bytes, signature=" + signature.length
        + " bytes]";
  }
}
