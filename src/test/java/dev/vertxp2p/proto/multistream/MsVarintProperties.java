package dev.vertxp2p.proto.multistream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** The package-local varint: every value up to 63 bits survives encode then byte-wise decode. */
class MsVarintProperties {

  @Property(tries = 500)
  void roundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long value) {
    byte[] encoded = MsVarint.encode(value);
    assertEquals(MsVarint.encodedLength(value), encoded.length);
    assertEquals(true, encoded.length <= MsVarint.MAX_BYTES);
    MsVarint.Decoder d = new MsVarint.Decoder();
    for (int i = 0; i < encoded.length - 1; i++) {
      assertEquals(MsVarint.MORE, d.offer(encoded[i]));
    }
    assertEquals(MsVarint.DONE, d.offer(encoded[encoded.length - 1]));
    assertEquals(value, d.value());
  }

  @Property(tries = 100)
  void paddedEncodingsAreRefused(@ForAll @LongRange(min = 0, max = 1L << 40) long value) {
    byte[] encoded = MsVarint.encode(value);
    MsVarint.Decoder d = new MsVarint.Decoder();
    for (byte b : encoded) {
      d.offer((byte) (b | 0x80));
    }
    assertEquals(MsVarint.NOT_MINIMAL, d.offer((byte) 0));
  }

  @Property(tries = 20)
  void tenthByteIsRefused(@ForAll @LongRange(min = 1, max = 127) long low) {
    MsVarint.Decoder d = new MsVarint.Decoder();
    for (int i = 0; i < MsVarint.MAX_BYTES; i++) {
      assertEquals(MsVarint.MORE, d.offer((byte) (0x80 | low)));
    }
    assertEquals(MsVarint.TOO_LONG, d.offer((byte) 1));
  }
}
