package dev.vertxp2p.transport;

import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.proto.mplex.MplexConfig;
import dev.vertxp2p.proto.yamux.YamuxConfig;

/** The muxer engines' configs that the {@code limits} section gives. */
public final class MuxerConfigs {
  private MuxerConfigs() {}

  /** The Yamux engine config: the window, and both stream counts together. */
  public static YamuxConfig yamux(LimitsOptions limits) {
    return new YamuxConfig()
        .maxStreams(limits.getMaxStreamsInbound() + limits.getMaxStreamsOutbound())
        .maxReceiveWindow(Math.max(limits.getYamuxStreamWindow(), limits.getYamuxMaxStreamWindow()))
        .initialWindow(limits.getYamuxStreamWindow());
  }

  /** The mplex engine config. */
  public static MplexConfig mplex(LimitsOptions limits) {
    return new MplexConfig()
        .maxStreams(limits.getMaxStreamsInbound() + limits.getMaxStreamsOutbound())
        .maxBufferedPerStream(limits.getMplexStreamBuffer());
  }
}
