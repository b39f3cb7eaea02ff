package dev.vertxp2p.proto.mplex;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** The package-local varint: every value up to 63 bits survives encode then byte-wise decode. */
class MplexVarintProperties {

  @Property(tries = 500)
  void roundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long value) {
    byte[] encoded = MplexVarint.encode(value);
    assertEquals(MplexVarint.encodedLength(value), encoded.length);
    assertEquals(true, encoded.length <= MplexVarint.MAX_BYTES);
    MplexVarint.Decoder d = new MplexVarint.Decoder();
    for (int i = 0; i < encoded.length - 1; i++) {
      assertEquals(MplexVarint.MORE, d.offer(encoded[i]));
    }
    assertEquals(MplexVarint.DONE, d.offer(encoded[encoded.length - 1]));
    assertEquals(value, d.value());
  }

  @Property(tries = 100)
  void paddedEncodingsAreRefused(@ForAll @LongRange(min = 0, max = 1L << 40) long value) {
    byte[] encoded = MplexVarint.encode(value);
    MplexVarint.Decoder d = new MplexVarint.Decoder();
    for (byte b : encoded) {
      d.offer((byte) (b | 0x80));
    }
    assertEquals(MplexVarint.NOT_MINIMAL, d.offer((byte) 0));
  }

  @Property(tries = 20)
  void tenthByteIsRefused(@ForAll @LongRange(min = 1, max = 127) long low) {
    MplexVarint.Decoder d = new MplexVarint.Decoder();
    for (int i = 0; i < MplexVarint.MAX_BYTES; i++) {
      assertEquals(MplexVarint.MORE, d.offer((byte) (0x80 | low)));
    }
    assertEquals(MplexVarint.TOO_LONG, d.offer((byte) 1));
  }
}
