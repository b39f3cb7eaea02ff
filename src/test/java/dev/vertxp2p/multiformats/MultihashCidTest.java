package dev.vertxp2p.multiformats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class MultihashCidTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void sha256OfAbcMatchesFips180() {
    Multihash mh = Multihash.sha256("abc".getBytes(StandardCharsets.US_ASCII));
    assertArrayEquals(
        hex("1220ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), mh.bytes());
    assertEquals(Multihash.SHA2_256, mh.code());
  }

  @Test
  void identityWrapsData() {
    assertArrayEquals(hex("0003010203"), Multihash.encode(Multihash.IDENTITY, hex("010203")));
    Multihash m = Multihash.decode(hex("0003010203"));
    assertEquals(Multihash.IDENTITY, m.code());
    assertArrayEquals(hex("010203"), m.digest());
  }

  @Test
  void decodeIsStrict() {
    byte[] good = Multihash.sha256(new byte[0]).bytes();
    // truncated digest
    assertThrows(MultiformatException.class, () -> Multihash.decode(Arrays.copyOf(good, good.length - 1)));
    // trailing byte
    assertThrows(MultiformatException.class, () -> Multihash.decode(Arrays.copyOf(good, good.length + 1)));
    // sha2-256 with a 31-byte digest
    byte[] short31 = new byte[33];
    short31[0] = 0x12;
    short31[1] = 31;
    MultiformatException e = assertThrows(MultiformatException.class, () -> Multihash.decode(short31));
    assertTrue(e.getMessage().contains("32"), e.getMessage());
    // empty, or only the code
    assertThrows(MultiformatException.class, () -> Multihash.decode(new byte[0]));
    assertThrows(MultiformatException.class, () -> Multihash.decode(hex("12")));
    // a length over the limit is refused before anything is copied
    assertThrows(MultiformatException.class, () -> Multihash.decode(hex("00ffff03")));
    // non-minimal varint length
    assertThrows(VarintException.class, () -> Multihash.decode(hex("008000")));
  }

  @Test
  void ofChecksDigestSize() {
    assertThrows(IllegalArgumentException.class, () -> Multihash.of(Multihash.SHA2_256, new byte[31]));
  }

  @Test
  void cidOfPeerIdSpecExample() {
    // peer-ids spec examples: the same sha256 peer ID as CID and as base58 multihash.
    Cid cid = Cid.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
    assertEquals(Cid.LIBP2P_KEY, cid.codec());
    assertArrayEquals(Base58.decode("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"), cid.multihash().bytes());
    assertEquals("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe", cid.toString());
  }

  @Test
  void cidRejectsOtherVersionsAndTruncation() {
    byte[] v0ish = Base58.decode("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    MultiformatException e = assertThrows(MultiformatException.class, () -> Cid.fromBytes(v0ish));
    assertTrue(e.getMessage().contains("version"), e.getMessage());
    byte[] cid = Cid.v1(Cid.LIBP2P_KEY, Multihash.sha256(new byte[0])).bytes();
    assertThrows(MultiformatException.class, () -> Cid.fromBytes(Arrays.copyOf(cid, cid.length - 1)));
    assertThrows(MultiformatException.class, () -> Cid.fromBytes(hex("01")));
  }
}
