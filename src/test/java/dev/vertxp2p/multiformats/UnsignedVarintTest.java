package dev.vertxp2p.multiformats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class UnsignedVarintTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void encodesTheSpecExamples() {
    // unsigned-varint spec, "Examples".
    assertArrayEquals(hex("01"), UnsignedVarint.encode(1));
    assertArrayEquals(hex("7f"), UnsignedVarint.encode(127));
    assertArrayEquals(hex("8001"), UnsignedVarint.encode(128));
    assertArrayEquals(hex("ff01"), UnsignedVarint.encode(255));
    assertArrayEquals(hex("ac02"), UnsignedVarint.encode(300));
    assertArrayEquals(hex("808001"), UnsignedVarint.encode(16384));
    assertArrayEquals(hex("00"), UnsignedVarint.encode(0));
  }

  @Test
  void largestValueTakesNineBytes() {
    byte[] max = UnsignedVarint.encode(Long.MAX_VALUE);
    assertArrayEquals(hex("ffffffffffffffff7f"), max);
    assertEquals(9, UnsignedVarint.encodedLength(Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, UnsignedVarint.decodeExact(max));
  }

  @Test
  void refusesNegativeValues() {
    assertThrows(IllegalArgumentException.class, () -> UnsignedVarint.encode(-1));
  }

  @Test
  void rejectsNonMinimalEncodings() {
    VarintException e = assertThrows(VarintException.class, () -> UnsignedVarint.decodeExact(hex("8100")));
    assertTrue(e.getMessage().contains("non-minimal"), e.getMessage());
    assertThrows(VarintException.class, () -> UnsignedVarint.decodeExact(hex("808000")));
    assertThrows(VarintException.class, () -> UnsignedVarint.decodeExact(hex("8080808080808080 00".replace(" ", ""))));
  }

  @Test
  void rejectsTenthByte() {
    VarintException e = assertThrows(VarintException.class,
        () -> UnsignedVarint.tryDecode(hex("ffffffffffffffffff01"), 0, 10));
    assertTrue(e.getMessage().contains("9"), e.getMessage());
    // Even before the 10th byte arrives, nine continuation bytes are already an error.
    assertThrows(VarintException.class, () -> UnsignedVarint.length(hex("ffffffffffffffff80"), 0, 9));
  }

  @Test
  void signalsNeedMoreOnPartialInput() {
    byte[] b = hex("ac02");
    assertEquals(UnsignedVarint.NEED_MORE, UnsignedVarint.length(b, 0, 1));
    assertNull(UnsignedVarint.tryDecode(b, 0, 1));
    assertNull(UnsignedVarint.tryDecode(b, 0, 0));
    assertEquals(new UnsignedVarint.Decoded(300, 2), UnsignedVarint.tryDecode(b, 0, 2));
    VarintException e = assertThrows(VarintException.class, () -> UnsignedVarint.decode(b, 0, 1));
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void decodesAtAnOffsetAndReportsLength() {
    byte[] b = hex("ffac02ff");
    assertEquals(new UnsignedVarint.Decoded(300, 2), UnsignedVarint.decode(b, 1, 4));
  }

  @Test
  void decodeExactRefusesTrailingBytes() {
    assertThrows(VarintException.class, () -> UnsignedVarint.decodeExact(hex("0101")));
  }

  @Test
  void writeChecksRoom() {
    assertThrows(IndexOutOfBoundsException.class, () -> UnsignedVarint.write(300, new byte[2], 1));
    byte[] dst = new byte[4];
    assertEquals(2, UnsignedVarint.write(300, dst, 1));
    assertArrayEquals(hex("00ac0200"), dst);
  }

  @Property
  void roundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long v) {
    byte[] enc = UnsignedVarint.encode(v);
    assertEquals(UnsignedVarint.encodedLength(v), enc.length);
    assertEquals(v, UnsignedVarint.decodeExact(enc));
  }

  @Property
  void streamingByteByByteNeedsMoreUntilComplete(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long v) {
    byte[] enc = UnsignedVarint.encode(v);
    for (int limit = 0; limit < enc.length; limit++) {
      assertNull(UnsignedVarint.tryDecode(enc, 0, limit));
    }
    assertEquals(new UnsignedVarint.Decoded(v, enc.length), UnsignedVarint.tryDecode(enc, 0, enc.length));
  }
}
