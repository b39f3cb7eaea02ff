package dev.vertxp2p.multiformats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** The package-local varint: every value up to 63 bits survives encode then byte-wise decode. */
class VarintDecoderProperties {

  @Property(tries = 500)
  void roundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long value) {
    byte[] encoded = UnsignedVarint.encode(value);
    assertEquals(UnsignedVarint.encodedLength(value), encoded.length);
    assertEquals(true, encoded.length <= UnsignedVarint.MAX_BYTES);
    VarintDecoder d = new VarintDecoder();
    for (int i = 0; i < encoded.length - 1; i++) {
      assertEquals(VarintDecoder.MORE, d.offer(encoded[i]));
    }
    assertEquals(VarintDecoder.DONE, d.offer(encoded[encoded.length - 1]));
    assertEquals(value, d.value());
  }

  @Property(tries = 100)
  void paddedEncodingsAreRefused(@ForAll @LongRange(min = 0, max = 1L << 40) long value) {
    byte[] encoded = UnsignedVarint.encode(value);
    VarintDecoder d = new VarintDecoder();
    for (byte b : encoded) {
      d.offer((byte) (b | 0x80));
    }
    assertEquals(VarintDecoder.NOT_MINIMAL, d.offer((byte) 0));
  }

  @Property(tries = 20)
  void tenthByteIsRefused(@ForAll @LongRange(min = 1, max = 127) long low) {
    VarintDecoder d = new VarintDecoder();
    for (int i = 0; i < UnsignedVarint.MAX_BYTES; i++) {
      assertEquals(VarintDecoder.MORE, d.offer((byte) (0x80 | low)));
    }
    assertEquals(VarintDecoder.TOO_LONG, d.offer((byte) 1));
  }
}
