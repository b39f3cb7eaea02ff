package dev.vertxp2p.transport;

/**
 * QUIC cannot run in this JVM: Netty's native QUIC codec (quiche and BoringSSL) did not load, most
 * often because no native jar for this operating system and CPU is on the class path. The
 * message names the platform and Netty's own reason.
 */
public final class QuicUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  QuicUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
