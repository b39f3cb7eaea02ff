package dev.vertxp2p.bench.jmh;

import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.SelectableConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** One pick of the built-in load-balancing strategies among a peer's connections. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SelectorBench {
  @Param({"LEAST_LOADED", "ROUND_ROBIN"})
  public String strategy;

  @Param({"3", "16"})
  public int connections;

  private ConnectionSelector selector;
  private final List<Conn> candidates = new ArrayList<>();

  record Conn(String id, int openStreams, long openedAtNanos) implements SelectableConnection {
    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public double latencyMillis() {
      return Double.NaN;
    }
  }

  @Setup
  public void setUp() {
    selector = ConnectionSelector.create(LoadBalancingStrategy.valueOf(strategy));
    for (int i = 0; i < connections; i++) {
      candidates.add(new Conn("c" + i, i % 4, i));
    }
  }

  @Benchmark
  public SelectableConnection pick() {
    return selector.pick("12D3KooWpeer", candidates);
  }
}
