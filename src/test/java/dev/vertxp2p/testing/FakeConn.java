package dev.vertxp2p.testing;

import dev.vertxp2p.ConnectionHealth;
import dev.vertxp2p.SelectableConnection;

/** A connection with settable stats, for selector tests. */
public final class FakeConn implements SelectableConnection {
  public final String id;
  public boolean open = true;
  public int streams;
  public long openedAt;
  public double latency = Double.NaN;
  public ConnectionHealth health = ConnectionHealth.UNKNOWN;
  public long inFlight;
  public String transport = "tcp";

  public FakeConn(String id, long openedAt) {
    this.id = id;
    this.openedAt = openedAt;
  }

  public FakeConn streams(int n) {
    streams = n;
    return this;
  }

  public FakeConn latency(double ms) {
    latency = ms;
    return this;
  }

  public FakeConn health(ConnectionHealth h) {
    health = h;
    return this;
  }

  public FakeConn inFlight(long bytes) {
    inFlight = bytes;
    return this;
  }

  @Override
  public ConnectionHealth health() {
    return health;
  }

  @Override
  public long bytesInFlight() {
    return inFlight;
  }

  public FakeConn transport(String name) {
    transport = name;
    return this;
  }

  @Override
  public String transport() {
    return transport;
  }

  public FakeConn closed() {
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
