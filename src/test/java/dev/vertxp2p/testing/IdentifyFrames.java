package dev.vertxp2p.testing;

import dev.vertxp2p.IdentifyMessage;
import dev.vertxp2p.multiformats.UnsignedVarint;
import dev.vertxp2p.protocols.IdentifyCodec;
import java.io.ByteArrayOutputStream;

/** Identify messages as they travel on a stream: each varint-length-prefixed, one after another. */
public final class IdentifyFrames {
  private IdentifyFrames() {}

  public static byte[] framed(IdentifyMessage... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (IdentifyMessage m : parts) {
      out.writeBytes(frame(IdentifyCodec.encode(m)));
    }
    return out.toByteArray();
  }

  /** One body, whatever it holds, behind its varint length. */
  public static byte[] frame(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(UnsignedVarint.encode(body.length));
    out.writeBytes(body);
    return out.toByteArray();
  }
}
