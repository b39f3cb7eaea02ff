package dev.vertxp2p.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.junit.jupiter.api.Test;

class KeysTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  // peer-ids spec, "Test vectors".
  static final String ED25519_PRIV =
      "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
  static final String ED25519_PUB =
      "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
  static final String SECP_PRIV =
      "0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB";
  static final String SECP_PUB =
      "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
  static final String ECDSA_PRIV =
      "08031279307702010104203E5B1FE9712E6C314942A750BD67485DE3C1EFE85B1BFB520AE8F9AE3DFA4A4CA00A06082A8648CE3D030107A14403420004DE3D300FA36AE0E8F5D530899D83ABAB44ABF3161F162A4BC901D8E6ECDA020E8B6D5F8DA30525E71D6851510C098E5C47C646A597FB4DCEC034E9F77C409E62";
  static final String ECDSA_PUB =
      "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";
  static final String RSA_PUB =
      "080012a60430820222300d06092a864886f70d01010105000382020f003082020a0282020100e1beab071d08200bde24eef00d049449b07770ff9910257b2d7d5dda242ce8f0e2f12e1af4b32d9efd2c090f66b0f29986dbb645dae9880089704a94e5066d594162ae6ee8892e6ec70701db0a6c445c04778eb3de1293aa1a23c3825b85c6620a2bc3f82f9b0c309bc0ab3aeb1873282bebd3da03c33e76c21e9beb172fd44c9e43be32e2c99827033cf8d0f0c606f4579326c930eb4e854395ad941256542c793902185153c474bed109d6ff5141ebf9cd256cf58893a37f83729f97e7cb435ec679d2e33901d27bb35aa0d7e20561da08885ef0abbf8e2fb48d6a5487047a9ecb1ad41fa7ed84f6e3e8ecd5d98b3982d2a901b4454991766da295ab78822add5612a2df83bcee814cf50973e80d7ef38111b1bd87da2ae92438a2c8cbcc70b31ee319939a3b9c761dbc13b5c086d6b64bf7ae7dacc14622375d92a8ff9af7eb962162bbddebf90acb32adb5e4e4029f1c96019949ecfbfeffd7ac1e3fbcc6b6168c34be3d5a2e5999fcbb39bba7adbca78eab09b9bc39f7fa4b93411f4cc175e70c0a083e96bfaefb04a9580b4753c1738a6a760ae1afd851a1a4bdad231cf56e9284d832483df215a46c1c21bdf0c6cfe951c18f1ee4078c79c13d63edb6e14feaeffabc90ad317e4875fe648101b0864097e998f0ca3025ef9638cd2b0caecd3770ab54a1d9c6ca959b0f5dcbc90caeefc4135baca6fd475224269bbe1b0203010001";

  private static final byte[] MSG = "libp2p".getBytes(StandardCharsets.UTF_8);

  @Test
  void ed25519SpecVectorRoundTripsAndDerivesItsPublicKey() {
    PrivateKey priv = Keys.unmarshalPrivateKey(hex(ED25519_PRIV));
    assertEquals(KeyType.ED25519, priv.type());
    assertArrayEquals(hex(ED25519_PUB), priv.publicKey().marshal());
    assertArrayEquals(hex(ED25519_PRIV), priv.marshal());
    PublicKey pub = Keys.unmarshalPublicKey(hex(ED25519_PUB));
    assertEquals(priv.publicKey(), pub);
    assertArrayEquals(hex(ED25519_PUB), pub.marshal());
    assertTrue(pub.verify(MSG, priv.sign(MSG)));
  }

  @Test
  void ed25519MatchesRfc8032TestVector1() {
    Ed25519PrivateKey k = Ed25519PrivateKey.fromSeed(
        hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    assertArrayEquals(hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
        k.publicKey().raw());
    byte[] expected = hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    assertArrayEquals(expected, k.sign(new byte[0]));
    assertTrue(k.publicKey().verify(new byte[0], expected));
    expected[10] ^= 1;
    assertFalse(k.publicKey().verify(new byte[0], expected));
    assertFalse(k.publicKey().verify(new byte[0], Arrays.copyOf(expected, 63)));
  }

  @Test
  void ed25519GenerateSignVerifyAndTamper() {
    Ed25519PrivateKey k = Keys.generateEd25519(new SecureRandom());
    byte[] sig = k.sign(MSG);
    assertTrue(k.publicKey().verify(MSG, sig));
    assertFalse(k.publicKey().verify("libp2q".getBytes(StandardCharsets.UTF_8), sig));
    Ed25519PrivateKey other = Keys.generateEd25519(new SecureRandom());
    assertFalse(other.publicKey().verify(MSG, sig));
    // identity-file round trip
    PrivateKey back = Keys.unmarshalPrivateKey(k.marshal());
    assertEquals(k.publicKey(), back.publicKey());
  }

  @Test
  void ed25519PrivateKeyChecksLegacyAndMismatch() {
    byte[] raw = Arrays.copyOfRange(hex(ED25519_PRIV), 4, 68);
    byte[] legacy = Arrays.copyOf(raw, 96);
    System.arraycopy(raw, 32, legacy, 64, 32);
    assertEquals(Ed25519PrivateKey.fromRaw(raw).publicKey(), Ed25519PrivateKey.fromRaw(legacy).publicKey());
    legacy[95] ^= 1;
    assertThrows(KeyFormatException.class, () -> Ed25519PrivateKey.fromRaw(legacy));
    byte[] wrongPub = raw.clone();
    wrongPub[63] ^= 1;
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Ed25519PrivateKey.fromRaw(wrongPub));
    assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    assertThrows(KeyFormatException.class, () -> Ed25519PrivateKey.fromRaw(new byte[63]));
  }

  @Test
  void ed25519PublicKeyLengthChecked() {
    KeyFormatException e = assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.ED25519, new byte[31])));
    assertTrue(e.getMessage().contains("32"), e.getMessage());
  }

  @Test
  void secp256k1SpecVectorDerivesItsPublicKey() {
    PrivateKey priv = Keys.unmarshalPrivateKey(hex(SECP_PRIV));
    assertEquals(KeyType.SECP256K1, priv.type());
    assertArrayEquals(hex(SECP_PUB), priv.publicKey().marshal());
    assertArrayEquals(hex(SECP_PRIV), priv.marshal());
    PublicKey pub = Keys.unmarshalPublicKey(hex(SECP_PUB));
    byte[] sig = priv.sign(MSG);
    assertTrue(pub.verify(MSG, sig));
    assertFalse(pub.verify("other".getBytes(StandardCharsets.UTF_8), sig));
    // BER/garbage signatures are refused rather than thrown
    assertFalse(pub.verify(MSG, new byte[0]));
    assertFalse(pub.verify(MSG, Arrays.copyOf(sig, sig.length + 1)));
    byte[] longForm = new byte[sig.length + 1];
    longForm[0] = 0x30;
    longForm[1] = (byte) 0x81;
    longForm[2] = sig[1];
    System.arraycopy(sig, 2, longForm, 3, sig.length - 2);
    assertFalse(pub.verify(MSG, longForm));
  }

  @Test
  void secp256k1SignaturesAreLowS() {
    Secp256k1PrivateKey k = Secp256k1PrivateKey.generate(new SecureRandom());
    java.math.BigInteger half = org.bouncycastle.crypto.ec.CustomNamedCurves.getByName("secp256k1")
        .getN().shiftRight(1);
    for (int i = 0; i < 20; i++) {
      byte[] msg = ("m" + i).getBytes(StandardCharsets.UTF_8);
      byte[] sig = k.sign(msg);
      java.math.BigInteger s = DerSignature.decode(sig)[1];
      assertTrue(s.compareTo(half) <= 0);
      assertTrue(k.publicKey().verify(msg, sig));
    }
  }

  @Test
  void secp256k1PublicKeyChecks() {
    byte[] uncompressedPrefix = hex(SECP_PUB).clone();
    uncompressedPrefix[4] = 0x04;
    assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(uncompressedPrefix));
    assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.SECP256K1, new byte[32])));
    byte[] offCurve = new byte[33];
    offCurve[0] = 0x02;
    offCurve[32] = 5; // x = 5: x^3 + 7 = 132 is not a square mod p
    assertThrows(KeyFormatException.class, () -> Secp256k1PublicKey.fromRaw(offCurve));
    assertThrows(KeyFormatException.class, () -> Secp256k1PrivateKey.fromRaw(new byte[32]));
  }

  @Test
  void ecdsaSpecVectorPublicKeyBelongsToThePrivateKey() throws Exception {
    PublicKey pub = Keys.unmarshalPublicKey(hex(ECDSA_PUB));
    assertEquals(KeyType.ECDSA, pub.type());
    assertArrayEquals(hex(ECDSA_PUB), pub.marshal());
    // The private vector is SEC1 ECPrivateKey DER; its embedded public point must be our key's.
    byte[] privDer = Arrays.copyOfRange(hex(ECDSA_PRIV), 4, hex(ECDSA_PRIV).length);
    ECPrivateKey sec1 = ECPrivateKey.getInstance(ASN1Primitive.fromByteArray(privDer));
    byte[] point = sec1.getPublicKey().getOctets();
    byte[] spki = pub.raw();
    assertArrayEquals(point, Arrays.copyOfRange(spki, spki.length - 65, spki.length));
    assertThrows(KeyFormatException.class, () -> Keys.unmarshalPrivateKey(hex(ECDSA_PRIV)));
  }

  @Test
  void ecdsaVerifiesJdkSignatures() throws Exception {
    for (String curve : new String[] {"secp256r1", "secp384r1"}) {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      KeyPair kp = g.generateKeyPair();
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(kp.getPrivate());
      s.update(MSG);
      byte[] sig = s.sign();
      PublicKey pub = Keys.unmarshalPublicKey(Keys.marshal(KeyType.ECDSA, kp.getPublic().getEncoded()));
      assertInstanceOf(EcdsaPublicKey.class, pub);
      assertTrue(pub.verify(MSG, sig), curve);
      assertFalse(pub.verify("x".getBytes(StandardCharsets.UTF_8), sig), curve);
    }
  }

  @Test
  void ecdsaRejectsNonEcAndGarbage() throws Exception {
    assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.ECDSA, new byte[] {0x30, 0x00})));
    byte[] rsaSpki = Arrays.copyOfRange(hex(RSA_PUB), 5, hex(RSA_PUB).length);
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> EcdsaPublicKey.fromRaw(rsaSpki));
    assertTrue(e.getMessage().contains("algorithm"), e.getMessage());
  }

  /**
   * A canonical-DER SubjectPublicKeyInfo whose BIT STRING claims unused bits is refused with a
   * typed error, for ECDSA and RSA (a fuzzer found the unchecked exception this used to escape as).
   */
  @Test
  void keyBitStringWithUnusedBitsIsRejected() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    for (Object[] c : new Object[][] {
        {KeyType.ECDSA, ec.generateKeyPair().getPublic().getEncoded()},
        {KeyType.RSA, rsa.generateKeyPair().getPublic().getEncoded()}}) {
      byte[] spki = ((byte[]) c[1]).clone();
      spki[bitStringPadByte(spki)] = 1;
      spki[spki.length - 1] &= (byte) 0xfe; // DER: the unused bit is zero, so still canonical
      KeyFormatException e = assertThrows(KeyFormatException.class,
          () -> Keys.unmarshalPublicKey(Keys.marshal((KeyType) c[0], spki)));
      assertTrue(e.getMessage().contains("1 unused bits"), e.getMessage());
    }
  }

  /** A curve parameter that is not an OID is named by its type, never printed (a fuzzer finding). */
  @Test
  void ecdsaCurveParameterThatIsNotAnOidIsRejectedByType() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    byte[] spki = ec.generateKeyPair().getPublic().getEncoded();
    // 30 59 | 30 13 | 06 07 <id-ecPublicKey> | 06 08 <prime256v1>: the curve's OID tag is at 13
    assertEquals(0x06, spki[13]);
    spki[13] = 0x0c; // a UTF8String whose bytes are not UTF-8
    KeyFormatException e = assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.ECDSA, spki)));
    assertTrue(e.getMessage().contains("curve parameter of ASN.1 type"), e.getMessage());
    byte[] other = ec.generateKeyPair().getPublic().getEncoded();
    other[other.length - 65 - 3 - 1] = 0x08; // prime256v1 1.2.840.10045.3.1.7 -> ...3.1.8
    e = assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.ECDSA, other)));
    assertTrue(e.getMessage().contains("curve 1.2.840.10045.3.1.8"), e.getMessage());
  }

  /** Index of the unused-bits byte of an SPKI's BIT STRING: after the outer and AlgorithmIdentifier headers. */
  private static int bitStringPadByte(byte[] spki) {
    int i = 1 + derLengthSize(spki, 1); // outer SEQUENCE tag and length
    i += 1 + derLengthSize(spki, i + 1) + derLength(spki, i + 1); // AlgorithmIdentifier
    assertEquals(0x03, spki[i]);
    return i + 1 + derLengthSize(spki, i + 1);
  }

  private static int derLengthSize(byte[] der, int at) {
    return (der[at] & 0x80) == 0 ? 1 : 1 + (der[at] & 0x7f);
  }

  private static int derLength(byte[] der, int at) {
    if ((der[at] & 0x80) == 0) {
      return der[at];
    }
    int n = 0;
    for (int k = 1; k <= (der[at] & 0x7f); k++) {
      n = (n << 8) | (der[at + k] & 0xff);
    }
    return n;
  }

  @Test
  void rsaSpecVectorParsesAndJdkSignaturesVerify() throws Exception {
    RsaPublicKey vec = (RsaPublicKey) Keys.unmarshalPublicKey(hex(RSA_PUB));
    assertEquals(4096, vec.bits());
    assertArrayEquals(hex(RSA_PUB), vec.marshal());

    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair kp = g.generateKeyPair();
    Signature s = Signature.getInstance("SHA256withRSA");
    s.initSign(kp.getPrivate());
    s.update(MSG);
    byte[] sig = s.sign();
    PublicKey pub = Keys.unmarshalPublicKey(Keys.marshal(KeyType.RSA, kp.getPublic().getEncoded()));
    assertTrue(pub.verify(MSG, sig));
    assertFalse(pub.verify("y".getBytes(StandardCharsets.UTF_8), sig));
    assertFalse(pub.verify(MSG, Arrays.copyOf(sig, sig.length - 1)));
  }

  @Test
  void rsaUnder2048BitsIsRejected() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(1024);
    byte[] spki = g.generateKeyPair().getPublic().getEncoded();
    KeyFormatException e = assertThrows(KeyFormatException.class,
        () -> Keys.unmarshalPublicKey(Keys.marshal(KeyType.RSA, spki)));
    assertTrue(e.getMessage().contains("1024"), e.getMessage());
  }

  @Test
  void envelopeIsStrict() {
    byte[] good = hex(ED25519_PUB);
    // unknown key type 7
    byte[] unknown = good.clone();
    unknown[1] = 7;
    KeyFormatException e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(unknown));
    assertTrue(e.getMessage().contains("unknown key type 7"), e.getMessage());
    // fields swapped
    byte[] swapped = new byte[good.length];
    System.arraycopy(good, 2, swapped, 0, good.length - 2);
    swapped[good.length - 2] = 0x08;
    swapped[good.length - 1] = 0x01;
    e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(swapped));
    assertTrue(e.getMessage().contains("field 1"), e.getMessage());
    // missing Data
    e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(hex("0801")));
    assertTrue(e.getMessage().contains("end of input"), e.getMessage());
    // missing Type
    assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(Arrays.copyOfRange(good, 2, good.length)));
    // trailing field
    byte[] extra = Arrays.copyOf(good, good.length + 2);
    extra[good.length] = 0x18;
    extra[good.length + 1] = 0x01;
    e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(extra));
    assertTrue(e.getMessage().contains("field 3"), e.getMessage());
    // truncated Data
    assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(Arrays.copyOf(good, good.length - 1)));
    // non-minimal type varint (0x81 0x00 = 1)
    byte[] padded = new byte[good.length + 1];
    padded[0] = 0x08;
    padded[1] = (byte) 0x81;
    padded[2] = 0x00;
    System.arraycopy(good, 2, padded, 3, good.length - 2);
    e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(padded));
    assertTrue(e.getMessage().contains("deterministic"), e.getMessage());
    // empty input
    assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(new byte[0]));
    // oversized input is refused before parsing
    assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(new byte[Keys.MAX_MARSHALED_BYTES + 1]));
  }

  @Test
  void everyTruncationOfEveryVectorFailsCleanly() {
    for (String v : new String[] {ED25519_PUB, SECP_PUB, ECDSA_PUB, RSA_PUB}) {
      byte[] b = hex(v);
      for (int n = 0; n < b.length; n++) {
        byte[] cut = Arrays.copyOf(b, n);
        assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(cut));
      }
    }
  }
}
