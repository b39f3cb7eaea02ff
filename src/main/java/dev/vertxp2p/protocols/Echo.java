package dev.vertxp2p.protocols;

import dev.vertxp2p.P2pStream;

/** {@code /echo/1.0.0}: every byte goes back; our side closes after the remote closed. */
public final class Echo {
  public static final String PROTOCOL = "/echo/1.0.0";

  private Echo() {}

  /** Serves one echo stream; back-pressure comes from the pipe. */
  public static void serve(P2pStream stream) {
    stream.pipeTo(stream);
  }
}
