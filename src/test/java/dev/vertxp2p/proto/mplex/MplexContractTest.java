package dev.vertxp2p.proto.mplex;

import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mux.MuxerEngineContractTest;

/** The shared muxer contract, run against mplex with its default limits. */
class MplexContractTest extends MuxerEngineContractTest {
  @Override
  protected MuxerEngine newEngine(boolean initiator) {
    return new MplexEngine(initiator, new MplexConfig());
  }
}
