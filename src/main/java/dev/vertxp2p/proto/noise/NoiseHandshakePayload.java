package dev.vertxp2p.proto.noise;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The libp2p {@code NoiseHandshakePayload} protobuf (libp2p noise spec, "The libp2p Handshake
 * Payload"), encoded and decoded by hand:
 *
 * <pre>
 * message NoiseExtensions {
 *   repeated bytes webtransport_certhashes = 1;
 *   repeated string stream_muxers = 2;
 * }
 * message NoiseHandshakePayload {
 *   optional bytes identity_key = 1;
 *   optional bytes identity_sig = 2;
 *   optional NoiseExtensions extensions = 4;
 * }
 * </pre>
 *
 * <p>Decoding skips unknown fields (protobuf rules), rejects a known field with the wrong wire type
 * and bounds every length before reading it. Absent fields decode as empty.
 */
public final class NoiseHandshakePayload {
  /** Bound on identity_key: a protobuf PublicKey; RSA-8192 SPKI is about 1.1 KB. */
  public static final int MAX_IDENTITY_KEY_LENGTH = 4096;

  /** Bound on identity_sig: an RSA-8192 signature is 1024 bytes. */
  public static final int MAX_SIGNATURE_LENGTH = 2048;

  /** Bound on the number of stream_muxers; go-libp2p uses the same 100 (maxProtoNum). */
  public static final int MAX_STREAM_MUXERS = 100;

  /** Bound on one stream_muxers entry (a multistream protocol id). */
  public static final int MAX_PROTOCOL_ID_LENGTH = 1024;

  /** Bound on the number of webtransport_certhashes. */
  public static final int MAX_CERTHASHES = 64;

  /** Bound on one certhash (a multihash). */
  public static final int MAX_CERTHASH_LENGTH = 1024;

  private static final int FIELD_IDENTITY_KEY = 1;
  private static final int FIELD_IDENTITY_SIG = 2;
  private static final int FIELD_EXTENSIONS = 4;
  private static final int FIELD_CERTHASHES = 1;
  private static final int FIELD_STREAM_MUXERS = 2;

  private static final byte[] EMPTY = new byte[0];

  private final byte[] identityKey;
  private final byte[] identitySig;
  private final List<byte[]> webtransportCerthashes;
  private final List<String> streamMuxers;
  private final boolean hasExtensions;

  /**
   * A payload; the lists are copied. {@code hasExtensions} decides whether field 4 is written when
   * both lists are empty.
   */
  public NoiseHandshakePayload(
      byte[] identityKey,
      byte[] identitySig,
      List<byte[]> webtransportCerthashes,
      List<String> streamMuxers,
      boolean hasExtensions) {
    this.identityKey = identityKey == null ? EMPTY : identityKey.clone();
    this.identitySig = identitySig == null ? EMPTY : identitySig.clone();
    List<byte[]> hashes = new ArrayList<>();
    for (byte[] hash : webtransportCerthashes) {
      hashes.add(hash.clone());
    }
    this.webtransportCerthashes = List.copyOf(hashes);
    this.streamMuxers = List.copyOf(streamMuxers);
    this.hasExtensions =
        hasExtensions || !this.webtransportCerthashes.isEmpty() || !this.streamMuxers.isEmpty();
  }

  /** The identity key (protobuf PublicKey) and its signature, with the given muxers. */
  public static NoiseHandshakePayload of(
      byte[] identityKey, byte[] identitySig, List<String> streamMuxers) {
    return new NoiseHandshakePayload(identityKey, identitySig, List.of(), streamMuxers, false);
  }

  /** identity_key: a protobuf-encoded libp2p PublicKey; empty when absent. */
  public byte[] identityKey() {
    return identityKey.clone();
  }

  /** identity_sig; empty when absent. */
  public byte[] identitySig() {
    return identitySig.clone();
  }

  /** extensions.webtransport_certhashes (copies). */
  public List<byte[]> webtransportCerthashes() {
    List<byte[]> out = new ArrayList<>(webtransportCerthashes.size());
    for (byte[] hash : webtransportCerthashes) {
      out.add(hash.clone());
    }
    return out;
  }

  /** extensions.stream_muxers, in the sender's order of preference. */
  public List<String> streamMuxers() {
    return streamMuxers;
  }

  /** Whether field 4 (extensions) was present. */
  public boolean hasExtensions() {
    return hasExtensions;
  }

  /** The protobuf encoding. */
  public byte[] encode() {
    int extensionsSize = extensionsSize();
    int size = 0;
    if (identityKey.length > 0) {
      size += CodedOutputStream.computeByteArraySize(FIELD_IDENTITY_KEY, identityKey);
    }
    if (identitySig.length > 0) {
      size += CodedOutputStream.computeByteArraySize(FIELD_IDENTITY_SIG, identitySig);
    }
    if (hasExtensions) {
      size +=
          CodedOutputStream.computeTagSize(FIELD_EXTENSIONS)
              + CodedOutputStream.computeUInt32SizeNoTag(extensionsSize)
              + extensionsSize;
    }
    byte[] out = new byte[size];
    CodedOutputStream cos = CodedOutputStream.newInstance(out);
    try {
      if (identityKey.length > 0) {
        cos.writeByteArray(FIELD_IDENTITY_KEY, identityKey);
      }
      if (identitySig.length > 0) {
        cos.writeByteArray(FIELD_IDENTITY_SIG, identitySig);
      }
      if (hasExtensions) {
        cos.writeTag(FIELD_EXTENSIONS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        cos.writeUInt32NoTag(extensionsSize);
        for (byte[] hash : webtransportCerthashes) {
          cos.writeByteArray(FIELD_CERTHASHES, hash);
        }
        for (String muxer : streamMuxers) {
          cos.writeString(FIELD_STREAM_MUXERS, muxer);
        }
      }
      cos.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("payload size miscomputed", e);
    }
    return out;
  }

  private int extensionsSize() {
    int size = 0;
    for (byte[] hash : webtransportCerthashes) {
      size += CodedOutputStream.computeByteArraySize(FIELD_CERTHASHES, hash);
    }
    for (String muxer : streamMuxers) {
      size += CodedOutputStream.computeStringSize(FIELD_STREAM_MUXERS, muxer);
    }
    return size;
  }

  /**
   * Decodes a payload.
   *
   * @throws NoiseException if it is not a valid protobuf of this schema or exceeds a bound
   */
  public static NoiseHandshakePayload decode(byte[] data, int off, int len) {
    CodedInputStream in = CodedInputStream.newInstance(data, off, len);
    byte[] key = EMPTY;
    byte[] sig = EMPTY;
    List<byte[]> hashes = new ArrayList<>();
    List<String> muxers = new ArrayList<>();
    boolean extensions = false;
    try {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        switch (field) {
          case FIELD_IDENTITY_KEY:
            key = readBytes(in, tag, "identity_key", MAX_IDENTITY_KEY_LENGTH);
            break;
          case FIELD_IDENTITY_SIG:
            sig = readBytes(in, tag, "identity_sig", MAX_SIGNATURE_LENGTH);
            break;
          case FIELD_EXTENSIONS:
            int length = readLength(in, tag, "extensions", len);
            int oldLimit = in.pushLimit(length);
            readExtensions(in, hashes, muxers);
            in.popLimit(oldLimit);
            extensions = true;
            break;
          default:
            // Protobuf rules: unknown fields (e.g. the retired libp2p_data = 3) are skipped.
            in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new NoiseException(
          "expected a NoiseHandshakePayload protobuf, got malformed bytes: " + e.getMessage(), e);
    }
    return new NoiseHandshakePayload(key, sig, hashes, muxers, extensions);
  }

  private static void readExtensions(
      CodedInputStream in, List<byte[]> hashes, List<String> muxers) throws IOException {
    while (true) {
      int tag = in.readTag();
      if (tag == 0) {
        return;
      }
      switch (WireFormat.getTagFieldNumber(tag)) {
        case FIELD_CERTHASHES:
          if (hashes.size() == MAX_CERTHASHES) {
            throw new NoiseException(
                "expected at most " + MAX_CERTHASHES + " webtransport_certhashes, got more");
          }
          hashes.add(readBytes(in, tag, "webtransport_certhash", MAX_CERTHASH_LENGTH));
          break;
        case FIELD_STREAM_MUXERS:
          if (muxers.size() == MAX_STREAM_MUXERS) {
            throw new NoiseException(
                "expected at most " + MAX_STREAM_MUXERS + " stream_muxers, got more");
          }
          byte[] raw = readBytes(in, tag, "stream_muxer", MAX_PROTOCOL_ID_LENGTH);
          muxers.add(utf8(raw));
          break;
        default:
          in.skipField(tag);
      }
    }
  }

  private static String utf8(byte[] raw) {
    // Protobuf string fields must hold valid UTF-8; replacing bad bytes would alter protocol ids.
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new NoiseException("expected a UTF-8 stream_muxer, got invalid UTF-8");
    }
  }

  private static byte[] readBytes(CodedInputStream in, int tag, String name, int max)
      throws IOException {
    int length = readLength(in, tag, name, max);
    return in.readRawBytes(length);
  }

  private static int readLength(CodedInputStream in, int tag, String name, int max)
      throws IOException {
    if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
      throw new NoiseException(
          "expected " + name + " as a length-delimited field, got wire type "
              + WireFormat.getTagWireType(tag));
    }
    int length = in.readRawVarint32();
    // Check the declared length against its bound before reading any of it.
    if (length < 0 || length > max) {
      throw new NoiseException(
          "expected " + name + " of at most " + max + " bytes, got a length of "
              + Integer.toUnsignedString(length));
    }
    return length;
  }
}
