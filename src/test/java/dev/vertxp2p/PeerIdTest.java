package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PublicKey;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class PeerIdTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  // peer-ids spec, "Test vectors" (public keys).
  static final String ED25519_PUB =
      "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
  static final String SECP_PUB =
      "08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99";
  static final String ECDSA_PUB =
      "0803125b3059301306072a8648ce3d020106082a8648ce3d03010703420004de3d300fa36ae0e8f5d530899d83abab44abf3161f162a4bc901d8e6ecda020e8b6d5f8da30525e71d6851510c098e5c47c646a597fb4dcec034e9f77c409e62";

  @Test
  void specExamplesAgreeAcrossTextForms() {
    PeerId cid = PeerId.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
    PeerId b58 = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    assertEquals(b58, cid);
    assertEquals("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", cid.toBase58());
    assertEquals("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", cid.toString());
    assertEquals("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", b58.toCidString());
    PeerId ed = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
    assertEquals("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", ed.toString());
    assertTrue(ed.extractPublicKey().isPresent());
  }

  @Test
  void goMultiaddrExamplesAgreeAcrossTextForms() {
    // go-multiaddr's test table writes the same peers in base58, base32 CID and base36 CID.
    PeerId a = PeerId.parse("QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC");
    assertEquals(a, PeerId.parse("bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4bm"));
    assertEquals(a, PeerId.parse("k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl7"));
    PeerId b = PeerId.parse("12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV");
    assertEquals(b, PeerId.parse("bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u"));
    assertEquals(b, PeerId.parse("k51qzi5uqu5dhb6l8spkdx7yxafegfkee5by8h7lmjh2ehc2sgg34z7c15vzqs"));
    assertEquals("bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u", b.toCidString());
  }

  @Test
  void shortKeysAreInlinedWithIdentity() {
    byte[] marshaled = hex(ED25519_PUB);
    PublicKey key = Keys.unmarshalPublicKey(marshaled);
    PeerId id = PeerId.fromPublicKey(key);
    byte[] expected = new byte[2 + marshaled.length];
    expected[0] = 0x00;
    expected[1] = (byte) marshaled.length;
    System.arraycopy(marshaled, 0, expected, 2, marshaled.length);
    assertArrayEquals(expected, id.bytes());
    assertTrue(id.toBase58().startsWith("12D3KooW"), id.toBase58());
    assertEquals(key, id.extractPublicKey().orElseThrow());
    assertTrue(id.matches(key));
    assertEquals(id, PeerId.parse(id.toBase58()));
    assertEquals(id, PeerId.parse(id.toCidString()));
    assertEquals(id, PeerId.fromBytes(id.bytes()));

    PeerId secp = PeerId.fromPublicKey(Keys.unmarshalPublicKey(hex(SECP_PUB)));
    assertEquals(0x00, secp.bytes()[0]);
    assertTrue(secp.toBase58().startsWith("16Uiu2"), secp.toBase58());
    assertTrue(secp.extractPublicKey().isPresent());
  }

  @Test
  void longKeysAreHashedWithSha256() throws Exception {
    byte[] marshaled = hex(ECDSA_PUB);
    assertTrue(marshaled.length > PeerId.MAX_INLINE_KEY_LENGTH);
    PeerId id = PeerId.fromPublicKey(Keys.unmarshalPublicKey(marshaled));
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(marshaled);
    byte[] expected = new byte[34];
    expected[0] = 0x12;
    expected[1] = 32;
    System.arraycopy(digest, 0, expected, 2, 32);
    assertArrayEquals(expected, id.bytes());
    assertTrue(id.toBase58().startsWith("Qm"), id.toBase58());
    assertTrue(id.extractPublicKey().isEmpty());
    assertTrue(id.matches(Keys.unmarshalPublicKey(marshaled)));
    assertFalse(id.matches(Keys.unmarshalPublicKey(hex(ED25519_PUB))));
  }

  @Test
  void parseErrorsNameTheProblem() {
    assertThrows(InvalidPeerIdException.class, () -> PeerId.parse(""));
    InvalidPeerIdException e = assertThrows(InvalidPeerIdException.class,
        () -> PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx50"));
    assertTrue(e.getMessage().contains("'0'"), e.getMessage());
    // truncated base58 multihash
    assertThrows(InvalidPeerIdException.class, () -> PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5"));
    // a CID with the dag-pb codec is a content address, not a peer
    e = assertThrows(InvalidPeerIdException.class,
        () -> PeerId.parse("bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"));
    assertTrue(e.getMessage().contains("libp2p-key"), e.getMessage());
    e = assertThrows(InvalidPeerIdException.class, () -> PeerId.parse("xyz"));
    assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    assertThrows(InvalidPeerIdException.class, () -> PeerId.parse("1"));
  }

  @Test
  void fromBytesAcceptsOnlyIdentityAndSha256() {
    byte[] sha3 = new byte[34];
    sha3[0] = 0x16;
    sha3[1] = 32;
    InvalidPeerIdException e = assertThrows(InvalidPeerIdException.class, () -> PeerId.fromBytes(sha3));
    assertTrue(e.getMessage().contains("0x16"), e.getMessage());
    byte[] tooLongIdentity = new byte[2 + 43];
    tooLongIdentity[1] = 43;
    assertThrows(InvalidPeerIdException.class, () -> PeerId.fromBytes(tooLongIdentity));
    byte[] good = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N").bytes();
    for (int n = 0; n < good.length; n++) {
      byte[] cut = Arrays.copyOf(good, n);
      assertThrows(InvalidPeerIdException.class, () -> PeerId.fromBytes(cut));
    }
  }

  @Test
  void identityOfGarbageYieldsNoKey() {
    byte[] b = {0x00, 0x03, 0x01, 0x02, 0x03};
    assertTrue(PeerId.fromBytes(b).extractPublicKey().isEmpty());
  }

  @Test
  void orderingIsByUnsignedBytesAndConsistentWithEquals() {
    PeerId ed = PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
    PeerId sha = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    assertTrue(ed.compareTo(sha) < 0); // 0x00 < 0x12
    assertTrue(sha.compareTo(ed) > 0);
    assertEquals(0, sha.compareTo(PeerId.parse(sha.toCidString())));
    assertEquals(sha.hashCode(), PeerId.parse(sha.toCidString()).hashCode());
    assertNotEquals(ed, sha);
  }
}
