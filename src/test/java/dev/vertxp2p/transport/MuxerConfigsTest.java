package dev.vertxp2p.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.proto.mplex.MplexConfig;
import dev.vertxp2p.proto.yamux.YamuxConfig;
import org.junit.jupiter.api.Test;

/** The engines' configs that the limits section gives, and the limits' copies of spec values. */
class MuxerConfigsTest {

  @Test
  void limitsBecomeEngineConfigs() {
    LimitsOptions limits = new LimitsOptions().setMaxStreamsInbound(3).setMaxStreamsOutbound(4)
        .setYamuxStreamWindow(1 << 20).setYamuxMaxStreamWindow(4 << 20)
        .setMplexStreamBuffer(8 << 20);
    YamuxConfig yamux = MuxerConfigs.yamux(limits);
    assertEquals(1 << 20, yamux.initialWindow());
    assertEquals(4 << 20, yamux.maxReceiveWindow());
    assertEquals(7, yamux.maxStreams(), "inbound + outbound");
    MplexConfig mplex = MuxerConfigs.mplex(limits);
    assertEquals(7, mplex.maxStreams());
    assertEquals(8 << 20, mplex.maxBufferedPerStream());
  }

  @Test
  void aCapBelowTheInitialWindowMeansNoGrowthNotAnError() {
    LimitsOptions limits = new LimitsOptions().setYamuxStreamWindow(1 << 20)
        .setYamuxMaxStreamWindow(1 << 18);
    assertEquals(1 << 20, MuxerConfigs.yamux(limits).maxReceiveWindow());
  }

  /** The options keep their own copies of these (the API depends on no engine); they must agree. */
  @Test
  void theLimitsCopiesOfSpecValuesMatchTheEngines() {
    assertEquals(YamuxConfig.SPEC_INITIAL_WINDOW, LimitsOptions.SPEC_YAMUX_WINDOW);
    assertEquals(YamuxConfig.DEFAULT_MAX_RECEIVE_WINDOW, LimitsOptions.MAX_YAMUX_WINDOW);
    assertEquals(MplexConfig.DEFAULT_MAX_MESSAGE_SIZE, LimitsOptions.MPLEX_MAX_MESSAGE);
    assertEquals(MplexConfig.DEFAULT_MAX_BUFFERED_PER_STREAM,
        LimitsOptions.DEFAULT_MPLEX_STREAM_BUFFER);
  }
}
