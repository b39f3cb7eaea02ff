package dev.vertxp2p.proto.noise;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.vertxp2p.proto.pb.NoisePb;
import dev.vertxp2p.proto.pb.WrongWireType;
import java.util.ArrayList;
import java.util.List;

/**
 * The libp2p {@code NoiseHandshakePayload} protobuf (libp2p noise spec, "The libp2p Handshake
 * Payload"), as a value. The wire format is {@code noise.proto}'s, encoded and parsed by the
 * classes protoc generates from it ({@link NoisePb}).
 *
 * <p>Decoding parses, then validates: it skips unknown fields (protobuf rules), rejects a known
 * field with the wrong wire type, and checks every length and count against the bounds below.
 * Checking after the parse is safe because the whole payload is already bounded: it is one Noise
 * message of at most 65535 bytes, and the parser allocates no more than the bytes it is given.
 * Absent fields decode as empty.
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
    NoisePb.NoiseHandshakePayload.Builder message = NoisePb.NoiseHandshakePayload.newBuilder();
    // Empty byte fields stay absent, as the hand-written encoder before did.
    if (identityKey.length > 0) {
      message.setIdentityKey(ByteString.copyFrom(identityKey));
    }
    if (identitySig.length > 0) {
      message.setIdentitySig(ByteString.copyFrom(identitySig));
    }
    if (hasExtensions) {
      NoisePb.NoiseExtensions.Builder extensions = NoisePb.NoiseExtensions.newBuilder();
      for (byte[] hash : webtransportCerthashes) {
        extensions.addWebtransportCerthashes(ByteString.copyFrom(hash));
      }
      extensions.addAllStreamMuxers(streamMuxers);
      message.setExtensions(extensions);
    }
    return message.build().toByteArray();
  }

  /**
   * Decodes a payload.
   *
   * @throws NoiseException if it is not a valid protobuf of this schema or exceeds a bound
   */
  public static NoiseHandshakePayload decode(byte[] data, int off, int len) {
    NoisePb.NoiseHandshakePayload message;
    try {
      message = NoisePb.NoiseHandshakePayload.parser().parseFrom(data, off, len);
    } catch (InvalidProtocolBufferException e) {
      throw new NoiseException(
          "expected a NoiseHandshakePayload protobuf, got malformed bytes: " + e.getMessage(), e);
    }
    return validate(message);
  }

  /**
   * The checks the parse leaves to us, then the value. Bounds are checked in field order, so the
   * first field that breaks one is the one named.
   *
   * @throws NoiseException naming the field, what it should have been and what came
   */
  private static NoiseHandshakePayload validate(NoisePb.NoiseHandshakePayload message) {
    checkWireType(message.getUnknownFields(),
        NoisePb.NoiseHandshakePayload.IDENTITY_KEY_FIELD_NUMBER, "identity_key");
    checkWireType(message.getUnknownFields(),
        NoisePb.NoiseHandshakePayload.IDENTITY_SIG_FIELD_NUMBER, "identity_sig");
    checkWireType(message.getUnknownFields(),
        NoisePb.NoiseHandshakePayload.EXTENSIONS_FIELD_NUMBER, "extensions");
    checkLength("identity_key", message.getIdentityKey(), MAX_IDENTITY_KEY_LENGTH);
    checkLength("identity_sig", message.getIdentitySig(), MAX_SIGNATURE_LENGTH);

    NoisePb.NoiseExtensions extensions = message.getExtensions();
    checkWireType(extensions.getUnknownFields(),
        NoisePb.NoiseExtensions.WEBTRANSPORT_CERTHASHES_FIELD_NUMBER, "webtransport_certhashes");
    checkWireType(extensions.getUnknownFields(),
        NoisePb.NoiseExtensions.STREAM_MUXERS_FIELD_NUMBER, "stream_muxers");
    checkCount("webtransport_certhashes", extensions.getWebtransportCerthashesCount(),
        MAX_CERTHASHES);
    List<byte[]> hashes = new ArrayList<>(extensions.getWebtransportCerthashesCount());
    for (ByteString hash : extensions.getWebtransportCerthashesList()) {
      checkLength("webtransport_certhash", hash, MAX_CERTHASH_LENGTH);
      hashes.add(hash.toByteArray());
    }
    checkCount("stream_muxers", extensions.getStreamMuxersCount(), MAX_STREAM_MUXERS);
    List<String> muxers = new ArrayList<>(extensions.getStreamMuxersCount());
    for (int i = 0; i < extensions.getStreamMuxersCount(); i++) {
      ByteString raw = extensions.getStreamMuxersBytes(i);
      checkLength("stream_muxer", raw, MAX_PROTOCOL_ID_LENGTH);
      // Protobuf string fields must hold UTF-8; replacing bad bytes would alter protocol ids.
      if (!raw.isValidUtf8()) {
        throw new NoiseException("expected a UTF-8 stream_muxer, got invalid UTF-8");
      }
      muxers.add(raw.toStringUtf8());
    }
    return new NoiseHandshakePayload(message.getIdentityKey().toByteArray(),
        message.getIdentitySig().toByteArray(), hashes, muxers, message.hasExtensions());
  }

  private static void checkWireType(UnknownFieldSet unknown, int field, String name) {
    int wireType = WrongWireType.of(unknown, field);
    if (wireType != WrongWireType.NONE) {
      throw new NoiseException(
          "expected " + name + " as a length-delimited field, got wire type " + wireType);
    }
  }

  private static void checkLength(String name, ByteString value, int max) {
    if (value.size() > max) {
      throw new NoiseException("expected " + name + " of at most " + max + " bytes, got "
          + value.size() + " bytes");
    }
  }

  private static void checkCount(String name, int count, int max) {
    if (count > max) {
      throw new NoiseException("expected at most " + max + " " + name + ", got " + count);
    }
  }
}
