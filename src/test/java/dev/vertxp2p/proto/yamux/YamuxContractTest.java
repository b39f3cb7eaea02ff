package dev.vertxp2p.proto.yamux;

import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerEngineContractTest;

/** The muxer contract every engine must meet, run against Yamux. */
class YamuxContractTest extends MuxerEngineContractTest {
  @Override
  protected MuxerEngine newEngine(boolean initiator) {
    return new YamuxEngine(initiator, new YamuxConfig());
  }
}
