package dev.vertxp2p;

import dev.vertxp2p.crypto.KeyFormatException;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.multiformats.Base58;
import dev.vertxp2p.multiformats.Cid;
import dev.vertxp2p.multiformats.Multibase;
import dev.vertxp2p.multiformats.MultiformatException;
import dev.vertxp2p.multiformats.Multihash;
import java.util.Arrays;
import java.util.Optional;

/**
 * A libp2p peer ID: the multihash of a peer's marshaled public key (peer-ids spec, "Peer Ids").
 *
 * <p>Keys whose protobuf encoding is at most {@value #MAX_INLINE_KEY_LENGTH} bytes (Ed25519,
 * Secp256k1) are inlined with the identity multihash, so the key can be read back; longer keys are
 * hashed with sha2-256. Only those two multihash codes are accepted. Immutable; ordered by the
 * unsigned bytes of the multihash.
 */
public final class PeerId implements Comparable<PeerId> {
  /** peer-ids spec: keys serializing to at most 42 bytes use the identity multihash. */
  public static final int MAX_INLINE_KEY_LENGTH = 42;

  private final byte[] bytes;
  private final Multihash multihash;
  private final String base58;

  private PeerId(Multihash multihash) {
    this.multihash = multihash;
    this.bytes = multihash.bytes();
    this.base58 = Base58.encode(bytes);
  }

  /** The peer ID of {@code key}. */
  public static PeerId fromPublicKey(PublicKey key) {
    byte[] marshaled = key.marshal();
    // peer-ids spec, "Peer Ids" steps 4/5: identity for <= 42 bytes, sha2-256 above.
    if (marshaled.length <= MAX_INLINE_KEY_LENGTH) {
      return new PeerId(Multihash.identity(marshaled));
    }
    return new PeerId(Multihash.sha256(marshaled));
  }

  /**
   * The peer ID whose binary form (a multihash) is {@code bytes}.
   *
   * @throws InvalidPeerIdException if it is not an identity multihash of at most 42 bytes or a
   *     sha2-256 multihash
   */
  public static PeerId fromBytes(byte[] bytes) {
    Multihash mh;
    try {
      mh = Multihash.decode(bytes);
    } catch (MultiformatException e) {
      throw new InvalidPeerIdException("peer ID is not a valid multihash: " + e.getMessage(), e);
    }
    return fromMultihash(mh);
  }

  /**
   * The peer ID from {@code mh}.
   *
   * @throws InvalidPeerIdException for hash codes other than identity and sha2-256, or an identity
   *     digest over 42 bytes
   */
  public static PeerId fromMultihash(Multihash mh) {
    if (mh.code() == Multihash.IDENTITY) {
      if (mh.digestLength() > MAX_INLINE_KEY_LENGTH) {
        throw new InvalidPeerIdException("identity peer ID inlines " + mh.digestLength()
            + " bytes; at most " + MAX_INLINE_KEY_LENGTH + " are allowed");
      }
    } else if (mh.code() != Multihash.SHA2_256) {
      throw new InvalidPeerIdException("peer ID multihash code 0x" + Integer.toHexString(mh.code())
          + " is neither identity (0x00) nor sha2-256 (0x12)");
    }
    return new PeerId(mh);
  }

  /**
   * Parses a peer ID in either text form of the peer-ids spec ("String representation"): a bare
   * base58btc multihash ("12D3KooW...", "Qm...") or a multibase CIDv1 with the libp2p-key codec
   * ("bafz...").
   *
   * @throws InvalidPeerIdException naming what is wrong with {@code text}
   */
  public static PeerId parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidPeerIdException("empty peer ID");
    }
    try {
      // peer-ids spec, "Decoding": '1' or 'Qm' starts a bare base58btc multihash, anything else
      // must be a multibase CID.
      if (text.startsWith("1") || text.startsWith("Qm")) {
        return fromBytes(Base58.decode(text));
      }
      Cid cid = Cid.parse(text);
      if (cid.codec() != Cid.LIBP2P_KEY) {
        throw new InvalidPeerIdException("CID codec 0x" + Long.toHexString(cid.codec())
            + " is not libp2p-key (0x72) in peer ID '" + text + "'");
      }
      return fromMultihash(cid.multihash());
    } catch (MultiformatException e) {
      throw new InvalidPeerIdException("invalid peer ID '" + text + "': " + e.getMessage(), e);
    } catch (InvalidPeerIdException e) {
      if (e.getMessage().contains(text)) {
        throw e;
      }
      throw new InvalidPeerIdException("invalid peer ID '" + text + "': " + e.getMessage(), e);
    }
  }

  /** The binary form: the multihash. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The multihash. */
  public Multihash multihash() {
    return multihash;
  }

  /** The canonical base58btc text. */
  public String toBase58() {
    return base58;
  }

  /** The CIDv1 text form: base32 multibase, libp2p-key codec ("bafz..." / "bafzaa..."). */
  public String toCidString() {
    return Cid.v1(Cid.LIBP2P_KEY, multihash).toString(Multibase.Base.BASE32);
  }

  /**
   * The public key inlined in an identity peer ID; empty for hashed peer IDs and for inlined bytes
   * that are not a valid key.
   */
  public Optional<PublicKey> extractPublicKey() {
    if (multihash.code() != Multihash.IDENTITY) {
      return Optional.empty();
    }
    try {
      return Optional.of(Keys.unmarshalPublicKey(multihash.digest()));
    } catch (KeyFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether {@code key} is the key this peer ID was derived from. */
  public boolean matches(PublicKey key) {
    return equals(fromPublicKey(key));
  }

  @Override
  public int compareTo(PeerId o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId p && Arrays.equals(p.bytes, bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The base58btc text, as the peer-ids spec recommends for display. */
  @Override
  public String toString() {
    return base58;
  }
}
