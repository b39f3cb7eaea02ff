package dev.vertxp2p.swarm;

/** A connection with settable stats, for selector tests. */
final class FakeConn implements SelectableConnection {
  final String id;
  boolean open = true;
  int streams;
  long openedAt;
  double latency = Double.NaN;

  FakeConn(String id, long openedAt) {
    this.id = id;
    this.openedAt = openedAt;
  }

  FakeConn streams(int n) {
    streams = n;
    return this;
  }

  FakeConn latency(double ms) {
    latency = ms;
    return this;
  }

  FakeConn closed() {
    open = false;
    return this;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public int openStreams() {
    return streams;
  }

  @Override
  public long openedAtNanos() {
    return openedAt;
  }

  @Override
  public double latencyMillis() {
    return latency;
  }

  @Override
  public String toString() {
    return id;
  }
}
