package dev.vertxp2p.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.vertxp2p.proto.pb.KeysPb;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link Keys}' hand-written envelope against the classes protoc generates from the peer-ids
 * spec's schema ({@code src/test/proto/keys.proto}): the same bytes out, the same fields in, and
 * where they part — the generated parser takes forms the spec's deterministic encoding forbids,
 * which is why {@link Keys} keeps its own.
 */
class KeysSchemaTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Property(tries = 300)
  void marshalIsTheSchemasEncoding(@ForAll KeyType type, @ForAll @Size(max = 300) byte[] data) {
    byte[] generatedPublic = KeysPb.PublicKey.newBuilder()
        .setType(KeysPb.KeyType.forNumber(type.number()))
        .setData(ByteString.copyFrom(data))
        .build()
        .toByteArray();
    byte[] generatedPrivate = KeysPb.PrivateKey.newBuilder()
        .setType(KeysPb.KeyType.forNumber(type.number()))
        .setData(ByteString.copyFrom(data))
        .build()
        .toByteArray();
    assertArrayEquals(generatedPublic, Keys.marshal(type, data));
    assertArrayEquals(generatedPrivate, Keys.marshal(type, data));
  }

  @Test
  void specVectorsReadTheSameBothWays() throws InvalidProtocolBufferException {
    for (String vector : new String[] {
        KeysTest.ED25519_PUB, KeysTest.SECP_PUB, KeysTest.ECDSA_PUB, KeysTest.RSA_PUB}) {
      PublicKey ours = Keys.unmarshalPublicKey(hex(vector));
      KeysPb.PublicKey generated = KeysPb.PublicKey.parseFrom(hex(vector));
      assertEquals(ours.type().number(), generated.getType().getNumber(), vector);
      assertArrayEquals(ours.raw(), generated.getData().toByteArray(), vector);
    }
    PrivateKey ours = Keys.unmarshalPrivateKey(hex(KeysTest.ED25519_PRIV));
    KeysPb.PrivateKey generated = KeysPb.PrivateKey.parseFrom(hex(KeysTest.ED25519_PRIV));
    assertEquals(KeysPb.KeyType.Ed25519, generated.getType());
    assertArrayEquals(ours.raw(), generated.getData().toByteArray());
  }

  @Test
  void generatedParserTakesWhatTheSpecForbids() throws InvalidProtocolBufferException {
    // The Ed25519 vector with Data before Type: protobuf allows any field order, the peer-ids
    // spec ("fields in tag order") does not, since these bytes would hash to another peer ID.
    String data = "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
    byte[] swapped = hex("1220" + data + "0801");
    assertEquals(KeysPb.KeyType.Ed25519, KeysPb.PublicKey.parseFrom(swapped).getType());
    KeyFormatException e =
        assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(swapped));
    assertEquals("PublicKey: expected field 1 (Type, varint) first, got field 2 with wire type 2",
        e.getMessage());
    // Type as a padded varint (0x81 0x00 = 1).
    byte[] padded = hex("088100" + "1220" + data);
    assertEquals(KeysPb.KeyType.Ed25519, KeysPb.PublicKey.parseFrom(padded).getType());
    e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(padded));
    assertEquals("PublicKey: not deterministically encoded (non-minimal varint)", e.getMessage());
  }

  @Test
  void marshaledSizeBound() {
    // Type (2 bytes) + Data's tag (1) and length (2) + 4091 bytes of data = 4096: within the
    // bound, so the envelope is read and the Ed25519 data is what fails.
    byte[] inside = Keys.marshal(KeyType.ED25519, new byte[4091]);
    assertEquals(4096, inside.length);
    KeyFormatException e =
        assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(inside));
    assertEquals("Ed25519 public key must be 32 bytes, got 4091", e.getMessage());
    byte[] over = Keys.marshal(KeyType.ED25519, new byte[4092]);
    e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPublicKey(over));
    assertEquals("PublicKey of 4097 bytes exceeds the limit of 4096", e.getMessage());
    e = assertThrows(KeyFormatException.class, () -> Keys.unmarshalPrivateKey(over));
    assertEquals("PrivateKey of 4097 bytes exceeds the limit of 4096", e.getMessage());
  }
}
