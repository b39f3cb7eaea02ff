package dev.vertxp2p.bench.jmh;

import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.multistream.MultistreamResponder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** A complete multistream-select negotiation, initiator and responder in memory. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MultistreamBench {
  private final List<String> proposals = List.of("/perf/1.0.0");
  private final List<String> supported =
      List.of("/ipfs/ping/1.0.0", "/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/perf/1.0.0");

  @Benchmark
  public String negotiate() {
    MultistreamInitiator i = new MultistreamInitiator(proposals);
    MultistreamResponder r = new MultistreamResponder(supported);
    for (int round = 0; round < 8 && !(i.isDone() && r.isDone()); round++) {
      byte[] out;
      while ((out = i.pollOutbound()) != null) {
        r.receive(out, 0, out.length);
      }
      while ((out = r.pollOutbound()) != null) {
        i.receive(out, 0, out.length);
      }
    }
    return i.selected();
  }
}
