package dev.vertxp2p.crypto;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The libp2p key envelope of the peer-ids spec ("Keys"):
 *
 * <pre>
 * message PublicKey  { required KeyType Type = 1; required bytes Data = 2; }
 * message PrivateKey { required KeyType Type = 1; required bytes Data = 2; }
 * </pre>
 *
 * <p>Encoding is deterministic as the spec demands (minimal varints, fields in tag order, both
 * present, nothing else), and decoding accepts exactly that form: any other byte sequence for the
 * same key would hash to a different peer ID.
 *
 * <p>Unlike the Noise and identify messages, this envelope is not parsed by protoc-generated
 * classes. This package is API, and the generated classes live in an implementation package it may
 * not depend on; and a generated parser accepts fields in any order and padded varints, so every
 * check here would remain. The tests hold it against classes generated from the spec's schema
 * ({@code src/test/proto/keys.proto}).
 */
public final class Keys {
  /** Field number of {@code Type}. */
  private static final int FIELD_TYPE = 1;
  /** Field number of {@code Data}. */
  private static final int FIELD_DATA = 2;
  private static final int TAG_TYPE = (FIELD_TYPE << 3) | WireFormat.WIRETYPE_VARINT;
  private static final int TAG_DATA = (FIELD_DATA << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /**
   * Largest marshaled key accepted. The biggest supported public key is an 8192-bit RSA
   * SubjectPublicKeyInfo (about 1060 bytes); private keys here are Ed25519 or Secp256k1.
   */
  public static final int MAX_MARSHALED_BYTES = 4096;

  private Keys() {}

  /** A fresh Ed25519 key, the default libp2p identity. */
  public static Ed25519PrivateKey generateEd25519(SecureRandom random) {
    return Ed25519PrivateKey.generate(random);
  }

  /** The deterministic protobuf envelope of {@code type} and {@code data}. */
  public static byte[] marshal(KeyType type, byte[] data) {
    int size = CodedOutputStream.computeEnumSize(FIELD_TYPE, type.number())
        + CodedOutputStream.computeByteArraySize(FIELD_DATA, data);
    byte[] out = new byte[size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      // peer-ids spec: fields in tag order, all present (even Type = RSA = 0).
      cos.writeEnum(FIELD_TYPE, type.number());
      cos.writeByteArray(FIELD_DATA, data);
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("sized buffer cannot overflow", e);
    }
    return out;
  }

  /**
   * Decodes a protobuf {@code PublicKey}.
   *
   * @throws KeyFormatException if the envelope is not the deterministic form, the type is unknown,
   *     or the key data is invalid for its type
   */
  public static PublicKey unmarshalPublicKey(byte[] bytes) {
    Envelope e = parse("PublicKey", bytes);
    return publicKeyFromRaw(e.type, e.data);
  }

  /**
   * Decodes a protobuf {@code PrivateKey}. Supported: Ed25519 and Secp256k1.
   *
   * @throws KeyFormatException as {@link #unmarshalPublicKey}, or for RSA and ECDSA private keys
   */
  public static PrivateKey unmarshalPrivateKey(byte[] bytes) {
    Envelope e = parse("PrivateKey", bytes);
    return switch (e.type) {
      case ED25519 -> Ed25519PrivateKey.fromRaw(e.data);
      case SECP256K1 -> Secp256k1PrivateKey.fromRaw(e.data);
      case RSA, ECDSA -> throw new KeyFormatException(
          e.type + " private keys are not supported; use an Ed25519 identity");
    };
  }

  /**
   * The public key of {@code type} from its type-specific {@code Data} encoding.
   *
   * @throws KeyFormatException if the data is invalid for the type
   */
  public static PublicKey publicKeyFromRaw(KeyType type, byte[] data) {
    return switch (type) {
      case ED25519 -> Ed25519PublicKey.fromRaw(data);
      case SECP256K1 -> Secp256k1PublicKey.fromRaw(data);
      case ECDSA -> EcdsaPublicKey.fromRaw(data);
      case RSA -> RsaPublicKey.fromRaw(data);
    };
  }

  private record Envelope(KeyType type, byte[] data) {}

  private static Envelope parse(String message, byte[] bytes) {
    if (bytes.length > MAX_MARSHALED_BYTES) {
      throw new KeyFormatException(message + " of " + bytes.length + " bytes exceeds the limit of "
          + MAX_MARSHALED_BYTES);
    }
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    KeyType type;
    byte[] data;
    try {
      int tag = in.readTag();
      if (tag != TAG_TYPE) {
        // peer-ids spec: Type is required and comes first (fields in tag order).
        throw new KeyFormatException(message + ": expected field 1 (Type, varint) first, got "
            + describe(tag));
      }
      int number = in.readEnum();
      type = KeyType.fromNumber(number);
      tag = in.readTag();
      if (tag != TAG_DATA) {
        throw new KeyFormatException(message + ": expected field 2 (Data, bytes) after Type, got "
            + describe(tag));
      }
      data = in.readByteArray();
      if (!in.isAtEnd()) {
        // peer-ids spec: "No additional fields may be defined."
        throw new KeyFormatException(message + ": unexpected " + describe(in.readTag())
            + " after Data");
      }
    } catch (IOException e) {
      throw new KeyFormatException(message + ": malformed protobuf: " + e.getMessage(), e);
    }
    // peer-ids spec: "Fields must be minimally encoded"; re-encoding shows any padded varint.
    if (!Arrays.equals(marshal(type, data), bytes)) {
      throw new KeyFormatException(message + ": not deterministically encoded (non-minimal varint)");
    }
    return new Envelope(type, data);
  }

  private static String describe(int tag) {
    if (tag == 0) {
      return "end of input";
    }
    return "field " + WireFormat.getTagFieldNumber(tag) + " with wire type "
        + WireFormat.getTagWireType(tag);
  }
}
