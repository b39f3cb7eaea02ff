package dev.vertxp2p.crypto;

import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/** Strict parsing of DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7), shared by RSA and ECDSA. */
final class Spki {
  /** Largest SubjectPublicKeyInfo read: an 8192-bit RSA key needs about 1060 bytes. */
  static final int MAX_BYTES = 2048;

  private Spki() {}

  static SubjectPublicKeyInfo parse(String what, byte[] der) {
    if (der.length > MAX_BYTES) {
      throw new KeyFormatException(what + " public key of " + der.length
          + " bytes exceeds the limit of " + MAX_BYTES);
    }
    SubjectPublicKeyInfo spki;
    try {
      spki = SubjectPublicKeyInfo.getInstance(ASN1Primitive.fromByteArray(der));
      // peer-ids spec: keys must be encoded deterministically, and the peer ID hashes these exact
      // bytes, so only the canonical DER form is accepted.
      if (spki == null || !Arrays.equals(spki.getEncoded(ASN1Encoding.DER), der)) {
        throw new KeyFormatException(what + " public key is not canonical DER SubjectPublicKeyInfo");
      }
    } catch (KeyFormatException e) {
      throw e;
    } catch (IOException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
      throw new KeyFormatException(what + " public key is not DER SubjectPublicKeyInfo: " + e.getMessage(), e);
    }
    // The key is whole bytes; BouncyCastle's getOctets() throws an unchecked exception otherwise
    // (found by KeysFuzzTest#unmarshalPublicKey).
    int padBits = spki.getPublicKeyData().getPadBits();
    if (padBits != 0) {
      throw new KeyFormatException(what + " public key BIT STRING has " + padBits
          + " unused bits; a key must be whole bytes");
    }
    return spki;
  }
}
