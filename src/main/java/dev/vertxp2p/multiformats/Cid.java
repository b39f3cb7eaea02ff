package dev.vertxp2p.multiformats;


/**
 * A minimal CIDv1: {@code <varint 1><varint content codec><multihash>}, enough to read and write
 * peer IDs in their CID text form (multicodec libp2p-key).
 */
public final class Cid {
  /** multicodec table: libp2p-key. */
  public static final int LIBP2P_KEY = 0x72;
  /** The only CID version this type handles. */
  public static final int VERSION_1 = 1;

  private final long codec;
  private final Multihash multihash;

  private Cid(long codec, Multihash multihash) {
    this.codec = codec;
    this.multihash = multihash;
  }

  /** A CIDv1 of {@code codec} over {@code multihash}. */
  public static Cid v1(long codec, Multihash multihash) {
    if (codec < 0) {
      throw new IllegalArgumentException("negative codec " + codec);
    }
    return new Cid(codec, multihash);
  }

  /**
   * Decodes binary CIDv1.
   *
   * @throws MultiformatException if it is not version 1 or the multihash is malformed
   */
  public static Cid fromBytes(byte[] bytes) {
    UnsignedVarint.Decoded version = UnsignedVarint.decode(bytes, 0, bytes.length);
    if (version.value() != VERSION_1) {
      // CID spec, decoding: CIDv0 is a bare 34-byte sha2-256 multihash with no version varint.
      throw new MultiformatException("expected CID version 1, got " + version.value());
    }
    UnsignedVarint.Decoded codec = UnsignedVarint.decode(bytes, version.length(), bytes.length);
    int pos = version.length() + codec.length();
    return new Cid(codec.value(), Multihash.decode(bytes, pos, bytes.length, true));
  }

  /** Decodes CIDv1 multibase text. */
  public static Cid parse(String text) {
    return fromBytes(Multibase.decode(text));
  }

  /** The content multicodec (0x72 for a peer ID). */
  public long codec() {
    return codec;
  }

  /** The multihash. */
  public Multihash multihash() {
    return multihash;
  }

  /** The binary CID. */
  public byte[] bytes() {
    byte[] mh = multihash.bytes();
    int vl = UnsignedVarint.encodedLength(VERSION_1);
    int cl = UnsignedVarint.encodedLength(codec);
    byte[] out = new byte[vl + cl + mh.length];
    UnsignedVarint.write(VERSION_1, out, 0);
    UnsignedVarint.write(codec, out, vl);
    System.arraycopy(mh, 0, out, vl + cl, mh.length);
    return out;
  }

  /** Multibase text in {@code base}. */
  public String toString(Multibase.Base base) {
    return Multibase.encode(base, bytes());
  }

  /** Multibase base32 text, the default for CIDv1. */
  @Override
  public String toString() {
    return toString(Multibase.Base.BASE32);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cid c && c.codec == codec && c.multihash.equals(multihash);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(codec) * 31 + multihash.hashCode();
  }

}
