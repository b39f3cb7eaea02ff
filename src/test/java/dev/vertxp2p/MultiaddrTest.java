package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.multiformats.Multihash;
import dev.vertxp2p.multiformats.UnsignedVarint;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class MultiaddrTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  private static final String PEER = "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC";
  private static final String ED_PEER = "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV";

  @Test
  void knownTextBytePairs() {
    // multiaddr spec (test/multiaddr.feature) and go-multiaddr's string/bytes table.
    String[][] pairs = {
        {"/ip4/192.0.2.42/tcp/443", "04c000022a0601bb"},
        {"/ip4/127.0.0.1/udp/1234", "047f000001910204d2"},
        {"/ip4/127.0.0.1/tcp/4321", "047f0000010610e1"},
        {"/ip4/127.0.0.1/udp/1234/ip4/127.0.0.1/tcp/4321", "047f000001910204d2047f0000010610e1"},
        {"/ip6zone/eth0/ip6/::1", "2a04657468302900000000000000000000000000000001"},
    };
    for (String[] p : pairs) {
      Multiaddr m = Multiaddr.parse(p[0]);
      assertArrayEquals(hex(p[1]), m.bytes(), p[0]);
      assertEquals(p[0], Multiaddr.fromBytes(hex(p[1])).toString());
    }
  }

  @Test
  void componentEncodingsMatchTheTable() {
    // varint codes: udp 273 = 0x91 0x02, p2p 421 = 0xa5 0x03, quic-v1 461 = 0xcd 0x03,
    // ws 477 = 0xdd 0x03, p2p-circuit 290 = 0xa2 0x02, dns4 54 = 0x36 with length prefix.
    assertArrayEquals(hex("cd03"), Multiaddr.parse("/quic-v1").bytes());
    assertArrayEquals(hex("dd03"), Multiaddr.parse("/ws").bytes());
    assertArrayEquals(hex("de03"), Multiaddr.parse("/wss").bytes());
    assertArrayEquals(hex("a202"), Multiaddr.parse("/p2p-circuit").bytes());
    assertArrayEquals(hex("c603"), Multiaddr.parse("/noise").bytes());
    assertArrayEquals(hex("c003"), Multiaddr.parse("/tls").bytes());
    assertArrayEquals(hex("d103"), Multiaddr.parse("/webtransport").bytes());
    assertArrayEquals(hex("cc03"), Multiaddr.parse("/quic").bytes());
    assertArrayEquals(hex("360b6578616d706c652e636f6d"), Multiaddr.parse("/dns4/example.com").bytes());
    byte[] peer = PeerId.parse(PEER).bytes();
    byte[] p2p = Multiaddr.parse("/p2p/" + PEER).bytes();
    assertEquals((byte) 0xa5, p2p[0]);
    assertEquals(0x03, p2p[1]);
    assertEquals(peer.length, p2p[2]);
    assertArrayEquals(peer, Arrays.copyOfRange(p2p, 3, p2p.length));
  }

  @Test
  void goodAddressesParseAndRoundTrip() {
    String[] good = {
        "/ip4/1.2.3.4", "/ip4/0.0.0.0", "/ip6/::1", "/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21",
        "/ip6/2601:9:4f81:9700:803e:ca65:66e8:c21/udp/1234/quic-v1", "/ip6/::", "/ip6/fe80::1/tcp/1",
        "/ip6/::ffff:127.0.0.1/tcp/111", "/ip4/192.0.2.0/ipcidr/24", "/udp/0", "/tcp/65535",
        "/p2p/" + PEER, "/p2p/" + ED_PEER, "/ip4/127.0.0.1/tcp/127/ws", "/ip4/127.0.0.1/tcp/127/wss",
        "/ip4/127.0.0.1/tcp/127/tls/ws", "/ip4/127.0.0.1/tcp/127/noise",
        "/ip4/127.0.0.1/udp/1234/quic", "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport",
        "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
        "/dns/example.com/tcp/443/wss/p2p/" + ED_PEER, "/dns6/x/tcp/1", "/dnsaddr/bootstrap.libp2p.io",
        "/ip4/1.2.3.4/tcp/1/p2p/" + PEER + "/p2p-circuit/p2p/" + ED_PEER,
        "/ip4/127.0.0.1/tcp/443/tls/sni/example.com/http", "/ip4/1.2.3.4/udp/1/webrtc-direct",
    };
    for (String s : good) {
      Multiaddr m = Multiaddr.parse(s);
      assertEquals(s, m.toString(), s);
      assertEquals(m, Multiaddr.fromBytes(m.bytes()));
      assertEquals(m.hashCode(), Multiaddr.fromBytes(m.bytes()).hashCode());
    }
  }

  @Test
  void aliasesAndAlternateFormsCanonicalise() {
    assertEquals(Multiaddr.parse("/p2p/" + PEER), Multiaddr.parse("/ipfs/" + PEER));
    assertEquals("/p2p/" + PEER, Multiaddr.parse("/ipfs/" + PEER).toString());
    assertEquals("/p2p/" + PEER,
        Multiaddr.parse("/p2p/bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4bm").toString());
    assertEquals(Multiaddr.parse("/ip4/127.0.0.1/tcp/1234"), Multiaddr.parse("/ip4/127.0.0.1/tcp/1234/"));
    assertEquals("/ip6/2001:db8::1", Multiaddr.parse("/ip6/2001:0DB8:0:0:0:0:0:1").toString());
    assertEquals("/ip6/1:0:0:1::", Multiaddr.parse("/ip6/1:0:0:1:0:0:0:0").toString());
    // RFC 5952 section 4.2.3: the longest zero run is compressed, the first one on a tie.
    assertEquals("/ip6/1:0:0:1::1", Multiaddr.parse("/ip6/1:0:0:1:0:0:0:1").toString());
    assertEquals("/ip6/1::1:0:0:1:1", Multiaddr.parse("/ip6/1:0:0:1:0:0:1:1").toString());
    // section 4.2.2: a single zero group is not compressed.
    assertEquals("/ip6/1:0:1:1:1:1:1:1", Multiaddr.parse("/ip6/1:0:1:1:1:1:1:1").toString());
    assertEquals("/ip6/::102:304", Multiaddr.parse("/ip6/::1.2.3.4").toString());
    assertEquals("/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g",
        Multiaddr.parse("/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g").toString());
  }

  @Test
  void badTextIsRejectedWithPosition() {
    String[] bad = {
        "", "/", "ip4/1.2.3.4", "/ip4", "/ip4/::1", "/ip4/1.2.3", "/ip4/1.2.3.256", "/ip4/01.2.3.4",
        "/ip4/1.2.3.4.5", "/ip6", "/ip6/1:2", "/ip6/::1::", "/ip6/12345::", "/ip6/1:2:3:4:5:6:7:8:9",
        "/ip6/1:2:3:4:5:6:7::8", "/ip6/::g", "/udp", "/tcp", "/udp/65536", "/tcp/65536", "/tcp/-1",
        "/tcp/jfodsajfidosajfoidsa", "/ip4/127.0.0.1/quic/1234", "/ip4/127.0.0.1/p2p",
        "/ip4/127.0.0.1/p2p/tcp", "/ip4/127.0.0.1/ipfs", "/dns4//tcp/1", "/dns4", "//ip4/1.2.3.4",
        "/ip4/1.2.3.4//tcp/1", "/foo/bar", "/ipcidr/256",
        "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash",
        "/ip4/127.0.0.1/udp/1234/quic-v1/webtransport/certhash/b2uaraocy6yrdblb4sfptaddgimjmmp",
        "/p2p/QmxoHT6iViN5xAjoz1VZ553cL31U9F94ht3QvWR1FrEbZY",
        "/p2p/k2jmtxwoe2phm1hbqp0e7nufqf6umvuu2e9qd7ana7h411a0haqj6i2z",
        "/dns/" + "a".repeat(256),
    };
    for (String s : bad) {
      assertThrows(MultiaddrException.class, () -> Multiaddr.parse(s), s);
    }
    MultiaddrException e = assertThrows(MultiaddrException.class,
        () -> Multiaddr.parse("/ip4/1.2.3.4/tcp/99999"));
    assertTrue(e.getMessage().contains("/tcp") && e.getMessage().contains("component 2")
        && e.getMessage().contains("character 17"), e.getMessage());
    e = assertThrows(MultiaddrException.class, () -> Multiaddr.parse("/ip4/1.2.3.4/foo"));
    assertTrue(e.getMessage().contains("unknown protocol 'foo'") && e.getMessage().contains("character 13"),
        e.getMessage());
  }

  @Test
  void badBytesAreRejectedWithOffset() {
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(new byte[0]));
    // truncated ip4
    MultiaddrException e = assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("047f0000")));
    assertTrue(e.getMessage().contains("truncated /ip4") && e.getMessage().contains("offset 0"), e.getMessage());
    // truncated port in second component
    e = assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("047f0000010610")));
    assertTrue(e.getMessage().contains("offset 5"), e.getMessage());
    // unknown code 0x7f = 127
    e = assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("7f")));
    assertTrue(e.getMessage().contains("unknown protocol code 127"), e.getMessage());
    // truncated varint code
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("a5")));
    // p2p whose multihash declares 33 bytes but holds 32 (go-multiaddr's TestInvalidP2PAddrBytes)
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(
        hex("a503221221c05877cbae039d70a5e600ea02c6f9f2942439285c9e344e26f8d280c850fad6")));
    // a length prefix larger than what is left
    e = assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("3605616263")));
    assertTrue(e.getMessage().contains("declares 5"), e.getMessage());
    // dns name with a slash, and invalid UTF-8
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("3603612f62")));
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("3602c328")));
    // empty dns name
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(hex("3600")));
    // oversized
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(new byte[Multiaddr.MAX_BYTES + 1]));
  }

  @Test
  void everyTruncationOfAValidAddressFails() {
    byte[] b = Multiaddr.parse("/dns4/example.com/tcp/443/wss/p2p/" + ED_PEER).bytes();
    int accepted = 0;
    for (int n = 1; n < b.length; n++) {
      byte[] cut = Arrays.copyOf(b, n);
      try {
        Multiaddr.fromBytes(cut);
        accepted++; // cutting exactly between components is a shorter valid address
      } catch (MultiaddrException expected) {
        // fine
      }
    }
    assertEquals(3, accepted); // cut right after /dns4/example.com, /tcp/443 and /wss
  }

  @Test
  void encapsulateAndDecapsulate() {
    Multiaddr base = Multiaddr.parse("/ip4/127.0.0.1/udp/1234");
    Multiaddr both = base.encapsulate(Multiaddr.parse("/udp/5678"));
    assertEquals("/ip4/127.0.0.1/udp/1234/udp/5678", both.toString());
    assertEquals(base, both.decapsulate(Multiaddr.parse("/udp/5678")));
    assertTrue(base.decapsulate(Multiaddr.parse("/ip4/127.0.0.1")).isEmpty());
    assertEquals("", Multiaddr.EMPTY.toString());
    // go-multiaddr's decapsulate table
    String[][] t = {
        {"/ip4/1.2.3.4", "/ip4/1.2.3.4/tcp/1234", "/ip4/1.2.3.4"},
        {"/ip4/1.2.3.5/tcp/1234", "/ip4/5.3.2.1", "/ip4/1.2.3.5/tcp/1234"},
        {"/ip4/1.2.3.5/udp/1234/quic-v1", "/udp/1234", "/ip4/1.2.3.5"},
        {"/ip4/1.2.3.6/udp/1234/quic-v1", "/udp/1234/quic-v1", "/ip4/1.2.3.6"},
        {"/ip4/1.2.3.7/tcp/1234", "/ws", "/ip4/1.2.3.7/tcp/1234"},
        {"/dnsaddr/wss.com/tcp/4001/ws", "/wss", "/dnsaddr/wss.com/tcp/4001/ws"},
        {"/dnsaddr/wss.com/tcp/4001/wss", "/wss", "/dnsaddr/wss.com/tcp/4001"},
    };
    for (String[] c : t) {
      assertEquals(c[2], Multiaddr.parse(c[0]).decapsulate(Multiaddr.parse(c[1])).toString(), c[0]);
    }
    Multiaddr relayed = Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + PEER + "/p2p-circuit/p2p/" + ED_PEER);
    assertEquals("/ip4/1.2.3.4/tcp/1/p2p/" + PEER,
        relayed.decapsulate(MultiaddrProtocol.P2P_CIRCUIT).toString());
    assertEquals("/ip4/1.2.3.4/tcp/1/p2p/" + PEER + "/p2p-circuit",
        relayed.decapsulate(MultiaddrProtocol.P2P).toString());
    assertSame(relayed, relayed.decapsulate(MultiaddrProtocol.WS));
  }

  @Test
  void peerIdHelpers() {
    PeerId ed = PeerId.parse(ED_PEER);
    Multiaddr bare = Multiaddr.parse("/ip4/1.2.3.4/tcp/4001");
    assertTrue(bare.peerId().isEmpty());
    Multiaddr with = bare.withPeerId(ed);
    assertEquals("/ip4/1.2.3.4/tcp/4001/p2p/" + ED_PEER, with.toString());
    assertEquals(ed, with.peerId().orElseThrow());
    assertEquals(bare, with.withoutPeerId());
    assertSame(with, with.withPeerId(ed));
    assertThrows(IllegalArgumentException.class, () -> with.withPeerId(PeerId.parse(PEER)));
    Multiaddr relayed = Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + PEER + "/p2p-circuit/p2p/" + ED_PEER);
    assertEquals(ed, relayed.peerId().orElseThrow());
    assertTrue(Multiaddr.parse("/ip4/1.2.3.4/tcp/1/p2p/" + PEER + "/p2p-circuit").peerId().isEmpty());
    assertTrue(Multiaddr.parse("/p2p/" + ED_PEER).withoutPeerId().isEmpty());
  }

  @Test
  void hostPortHelpers() {
    Multiaddr.HostPort hp = Multiaddr.parse("/ip4/10.0.0.1/tcp/4001/p2p/" + ED_PEER).hostPort().orElseThrow();
    assertEquals(new Multiaddr.HostPort(MultiaddrProtocol.IP4, "10.0.0.1", MultiaddrProtocol.TCP, 4001), hp);
    hp = Multiaddr.parse("/dns6/example.org/udp/443/quic-v1").hostPort().orElseThrow();
    assertEquals("example.org", hp.host());
    assertEquals(MultiaddrProtocol.UDP, hp.transport());
    assertEquals("::1", Multiaddr.parse("/ip6/::1/tcp/1").host().orElseThrow());
    assertEquals(1, Multiaddr.parse("/ip6/::1/tcp/1").port().getAsInt());
    assertTrue(Multiaddr.parse("/dnsaddr/bootstrap.libp2p.io").hostPort().isEmpty());
    assertTrue(Multiaddr.parse("/dnsaddr/bootstrap.libp2p.io").host().isEmpty());
    assertTrue(Multiaddr.parse("/ip4/1.2.3.4/ws").port().isEmpty());
    assertTrue(Multiaddr.parse("/ip4/1.2.3.4").has(MultiaddrProtocol.IP4));
    assertFalse(Multiaddr.parse("/ip4/1.2.3.4").has(MultiaddrProtocol.TCP));
    assertEquals(List.of(MultiaddrProtocol.IP4, MultiaddrProtocol.TCP),
        Multiaddr.parse("/ip4/1.2.3.4/tcp/5").protocols());
    assertEquals("5", Multiaddr.parse("/ip4/1.2.3.4/tcp/5").valueOf(MultiaddrProtocol.TCP).orElseThrow());
  }

  @Test
  void componentsExposeProtocolAndValue() {
    Multiaddr m = Multiaddr.parse("/ip4/1.2.3.4/tcp/5/ws");
    List<Multiaddr.Component> cs = m.components();
    assertEquals(3, cs.size());
    assertEquals(MultiaddrProtocol.IP4, cs.get(0).protocol());
    assertEquals("1.2.3.4", cs.get(0).value());
    assertArrayEquals(new byte[] {1, 2, 3, 4}, cs.get(0).rawValue());
    assertEquals("", cs.get(2).value());
    assertEquals("/tcp/5", cs.get(1).toString());
    assertEquals(m, Multiaddr.of(cs));
    assertEquals(cs.get(1), Multiaddr.Component.of(MultiaddrProtocol.TCP, "5"));
    assertThrows(MultiaddrException.class, () -> Multiaddr.Component.of(MultiaddrProtocol.WS, "x"));
    assertThrows(UnsupportedOperationException.class, () -> cs.remove(0));
    assertNotEquals(Multiaddr.parse("/ip4/1.2.3.4/tcp/5"), Multiaddr.parse("/ip4/1.2.3.4/udp/5"));
  }

  // ---- properties -------------------------------------------------------------------------

  @Provide
  Arbitrary<byte[]> componentBytes() {
    Arbitrary<byte[]> ip4 = Arbitraries.bytes().array(byte[].class).ofSize(4).map(v -> frame(4, v, false));
    Arbitrary<byte[]> ip6 = Arbitraries.bytes().array(byte[].class).ofSize(16).map(v -> frame(41, v, false));
    Arbitrary<byte[]> port = Arbitraries.integers().between(0, 65535)
        .flatMap(p -> Arbitraries.of(6, 273, 132, 33)
            .map(code -> frame(code, new byte[] {(byte) (p >>> 8), (byte) (int) p}, false)));
    Arbitrary<byte[]> dns = Arbitraries.strings().withCharRange('a', 'z').withChars('.', '-', 'é', '9')
        .ofMinLength(1).ofMaxLength(40)
        .flatMap(s -> Arbitraries.of(53, 54, 55, 56, 449, 42)
            .map(code -> frame(code, s.getBytes(StandardCharsets.UTF_8), true)));
    Arbitrary<byte[]> p2pSha = Arbitraries.bytes().array(byte[].class).ofSize(32)
        .map(d -> frame(421, Multihash.of(Multihash.SHA2_256, d).bytes(), true));
    Arbitrary<byte[]> p2pIdentity = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(42)
        .map(d -> frame(421, Multihash.of(Multihash.IDENTITY, d).bytes(), true));
    Arbitrary<byte[]> certhash = Arbitraries.bytes().array(byte[].class).ofSize(32)
        .map(d -> frame(466, Multihash.of(Multihash.SHA2_256, d).bytes(), true));
    Arbitrary<byte[]> bare = Arbitraries.of(448, 454, 460, 461, 465, 477, 478, 290, 280, 281, 480, 443)
        .map(code -> frame(code, new byte[0], false));
    Arbitrary<byte[]> one = Arbitraries.oneOf(ip4, ip6, port, dns, p2pSha, p2pIdentity, certhash, bare);
    return one.list().ofMinSize(1).ofMaxSize(6).map(list -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      list.forEach(out::writeBytes);
      return out.toByteArray();
    });
  }

  private static byte[] frame(int code, byte[] value, boolean lengthPrefixed) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(UnsignedVarint.encode(code));
    if (lengthPrefixed) {
      out.writeBytes(UnsignedVarint.encode(value.length));
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  @Property
  void bytesToTextToBytesRoundTrips(@ForAll("componentBytes") byte[] bytes) {
    Multiaddr m = Multiaddr.fromBytes(bytes);
    assertArrayEquals(bytes, m.bytes());
    String text = m.toString();
    Multiaddr back = Multiaddr.parse(text);
    assertArrayEquals(bytes, back.bytes(), text);
    assertEquals(text, back.toString());
    assertEquals(m, back);
  }

  @Property
  void textToBytesToTextRoundTrips(@ForAll("componentBytes") byte[] seed) {
    String text = Multiaddr.fromBytes(seed).toString();
    Multiaddr parsed = Multiaddr.parse(text);
    assertEquals(text, Multiaddr.fromBytes(parsed.bytes()).toString());
  }

  @Property
  void truncatedBytesNeverThrowAnythingElse(@ForAll("componentBytes") byte[] bytes) {
    for (int n = 0; n < bytes.length; n++) {
      byte[] cut = Arrays.copyOf(bytes, n);
      try {
        Multiaddr.fromBytes(cut);
      } catch (MultiaddrException expected) {
        // the only permitted failure
      }
    }
  }
}
