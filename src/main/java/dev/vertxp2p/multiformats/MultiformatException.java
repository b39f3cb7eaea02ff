package dev.vertxp2p.multiformats;


/**
 * Bytes or text in a multiformats encoding (varint, multibase, multihash, CID) were malformed.
 *
 * <p>It is a {@link ProtocolException} because these codecs mostly read what a remote sent; value
 * types that parse caller input ({@code PeerId}, {@code Multiaddr}) translate it into their own
 * {@link IllegalArgumentException} subclass.
 */
public class MultiformatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MultiformatException(String message) {
    super(message);
  }

  public MultiformatException(String message, Throwable cause) {
    super(message, cause);
  }
}
