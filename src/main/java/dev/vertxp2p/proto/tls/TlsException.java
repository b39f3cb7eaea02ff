package dev.vertxp2p.proto.tls;

import dev.vertxp2p.ProtocolException;

/**
 * The remote broke the libp2p TLS handshake or a TLS record: a refused certificate, no common
 * TLS version or application protocol, a bad record or alert. The engine that threw it is failed
 * for good; the connection must be closed (after writing what {@code drainOutput()} still holds,
 * the alert that tells the remote why).
 */
public class TlsException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public TlsException(String message) {
    super(message);
  }

  public TlsException(String message, Throwable cause) {
    super(message, cause);
  }
}
