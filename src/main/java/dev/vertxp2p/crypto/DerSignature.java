package dev.vertxp2p.crypto;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;

/** ECDSA signatures as DER {@code SEQUENCE { r INTEGER, s INTEGER }}, parsed strictly. */
final class DerSignature {
  /**
   * Upper bound on an encoded ECDSA signature: P-521 needs at most 139 bytes; anything longer is
   * refused before parsing.
   */
  static final int MAX_BYTES = 160;

  private DerSignature() {}

  /**
   * Verifies a DER-encoded ECDSA signature over the SHA-256 of {@code data}, the scheme libp2p
   * uses for both secp256k1 and NIST-curve ECDSA keys.
   *
   * @return false for a malformed signature, never an exception
   */
  static boolean verifySha256(org.bouncycastle.crypto.params.ECPublicKeyParameters key,
      byte[] data, byte[] signature) {
    BigInteger[] rs = decode(signature);
    if (rs == null) {
      return false;
    }
    org.bouncycastle.crypto.signers.ECDSASigner verifier =
        new org.bouncycastle.crypto.signers.ECDSASigner();
    verifier.init(false, key);
    return verifier.verifySignature(
        dev.vertxp2p.multiformats.Multihash.sha256Digest(data), rs[0], rs[1]);
  }

  /** {r, s}, or null when {@code sig} is not strict DER of two positive integers. */
  static BigInteger[] decode(byte[] sig) {
    if (sig == null || sig.length == 0 || sig.length > MAX_BYTES) {
      return null;
    }
    try {
      ASN1Primitive p = ASN1Primitive.fromByteArray(sig);
      if (!(p instanceof ASN1Sequence seq) || seq.size() != 2
          || !(seq.getObjectAt(0) instanceof ASN1Integer r)
          || !(seq.getObjectAt(1) instanceof ASN1Integer s)) {
        return null;
      }
      // BIP-0062 "DER encoding" and the peer-ids spec ask for DER; BER variants
      // (long-form lengths, padding) are refused by requiring a byte-exact re-encoding.
      if (!Arrays.equals(seq.getEncoded(ASN1Encoding.DER), sig)) {
        return null;
      }
      BigInteger rv = r.getValue();
      BigInteger sv = s.getValue();
      if (rv.signum() <= 0 || sv.signum() <= 0) {
        return null;
      }
      return new BigInteger[] {rv, sv};
    } catch (IOException | IllegalArgumentException | IllegalStateException e) {
      return null;
    }
  }

  static byte[] encode(BigInteger r, BigInteger s) {
    try {
      return new DERSequence(new ASN1Integer[] {new ASN1Integer(r), new ASN1Integer(s)})
          .getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding of two integers cannot fail", e);
    }
  }
}
