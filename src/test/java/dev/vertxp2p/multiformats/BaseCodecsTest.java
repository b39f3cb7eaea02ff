package dev.vertxp2p.multiformats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class BaseCodecsTest {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void base58MatchesTheDraftVectors() {
    // draft-msporny-base58, section 5 "Test Vectors".
    assertEquals("2NEpo7TZRRrLZSi2U", Base58.encode(ascii("Hello World!")));
    assertEquals("USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
        Base58.encode(ascii("The quick brown fox jumps over the lazy dog.")));
    assertEquals("11233QC4", Base58.encode(HexFormat.of().parseHex("0000287fb4cd")));
    assertArrayEquals(HexFormat.of().parseHex("0000287fb4cd"), Base58.decode("11233QC4"));
    assertArrayEquals(ascii("Hello World!"), Base58.decode("2NEpo7TZRRrLZSi2U"));
    assertEquals("", Base58.encode(new byte[0]));
    assertEquals("111", Base58.encode(new byte[3]));
  }

  @Test
  void base58RejectsForeignCharacters() {
    for (String bad : new String[] {"0abc", "abcO", "Il", "ab c", "abc+", "é"}) {
      MultiformatException e = assertThrows(MultiformatException.class, () -> Base58.decode(bad));
      assertTrue(e.getMessage().contains("position"), e.getMessage());
    }
  }

  @Test
  void base58RefusesOverlongInput() {
    assertThrows(MultiformatException.class, () -> Base58.decode("2".repeat(Base58.MAX_DECODE_CHARS + 1)));
  }

  @Test
  void base32MatchesRfc4648Vectors() {
    // RFC 4648 section 10, lower case and without padding.
    String[][] v = {{"", ""}, {"f", "my"}, {"fo", "mzxq"}, {"foo", "mzxw6"}, {"foob", "mzxw6yq"},
        {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
    for (String[] t : v) {
      assertEquals(t[1], Base32.encode(ascii(t[0])));
      assertArrayEquals(ascii(t[0]), Base32.decode(t[1]));
      assertArrayEquals(ascii(t[0]), Base32.decode(t[1].toUpperCase()));
    }
  }

  @Test
  void base32RejectsBadInput() {
    assertThrows(MultiformatException.class, () -> Base32.decode("m"));       // impossible length
    assertThrows(MultiformatException.class, () -> Base32.decode("mzx"));     // impossible length
    assertThrows(MultiformatException.class, () -> Base32.decode("my======")); // padding
    assertThrows(MultiformatException.class, () -> Base32.decode("m1"));      // '1' not in alphabet
    assertThrows(MultiformatException.class, () -> Base32.decode("mz"));      // non-zero tail bits
  }

  @Test
  void multibaseDispatchesOnPrefix() {
    byte[] data = ascii("foobar");
    assertEquals("bmzxw6ytboi", Multibase.encode(Multibase.Base.BASE32, data));
    assertArrayEquals(data, Multibase.decode("bmzxw6ytboi"));
    assertArrayEquals(data, Multibase.decode("BMZXW6YTBOI"));
    assertEquals("z" + Base58.encode(data), Multibase.encode(Multibase.Base.BASE58BTC, data));
    assertArrayEquals(data, Multibase.decode("z" + Base58.encode(data)));
    // multibase spec test vectors for "yes mani !"
    assertArrayEquals(ascii("yes mani !"), Multibase.decode("k2lcpzo5yikidynfl"));
    assertArrayEquals(ascii("yes mani !"), Multibase.decode("ueWVzIG1hbmkgIQ"));
    assertEquals("k2lcpzo5yikidynfl", Multibase.encode(Multibase.Base.BASE36, ascii("yes mani !")));
  }

  @Test
  void multibaseNamesUnsupportedPrefixes() {
    MultiformatException e = assertThrows(MultiformatException.class, () -> Multibase.decode("f666f6f"));
    assertTrue(e.getMessage().contains("'f'"), e.getMessage());
    assertThrows(MultiformatException.class, () -> Multibase.decode(""));
    assertThrows(MultiformatException.class, () -> Multibase.decode("ueWVzIG1hbmkgIQ=="));
  }

  @Property
  void base58RoundTrips(@ForAll @Size(max = 80) byte[] data) {
    assertArrayEquals(data, Base58.decode(Base58.encode(data)));
  }

  @Property
  void base32RoundTrips(@ForAll @Size(max = 80) byte[] data) {
    String text = Base32.encode(data);
    assertArrayEquals(data, Base32.decode(text));
    assertArrayEquals(data, Base32.decode(text.toUpperCase()));
  }

  @Property
  void multibaseRoundTrips(@ForAll @Size(max = 64) byte[] data) {
    for (Multibase.Base b : Multibase.Base.values()) {
      String text = Multibase.encode(b, data);
      assertEquals(b.prefix(), text.charAt(0));
      assertArrayEquals(data, Multibase.decode(text));
    }
  }
}
