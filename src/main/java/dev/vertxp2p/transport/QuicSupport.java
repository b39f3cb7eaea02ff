package dev.vertxp2p.transport;

import io.netty.handler.codec.quic.Quic;

/**
 * Whether Netty's native QUIC codec loaded. Asked once per {@link QuicTransport} before it binds
 * or dials anything, so a missing native library fails the listen or the dial with a message that
 * says what to add, not an {@link UnsatisfiedLinkError} deep in a channel.
 */
public final class QuicSupport {
  private QuicSupport() {}

  /** True when the native codec loaded. */
  public static boolean isAvailable() {
    return Quic.isAvailable();
  }

  /**
   * Returns quietly when QUIC can run here.
   *
   * @throws QuicUnavailableException naming the platform and Netty's reason otherwise
   */
  public static void ensureAvailable() {
    if (Quic.isAvailable()) {
      return;
    }
    Throwable cause = Quic.unavailabilityCause();
    throw new QuicUnavailableException("QUIC (/quic-v1) is not available on "
        + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
        + ": Netty's native QUIC codec did not load (" + cause
        + "); put io.netty:netty-codec-native-quic with this platform's classifier on the class"
        + " path, or listen and dial on TCP and WebSocket addresses only", cause);
  }
}
