package dev.vertxp2p.swarm;

import dev.vertxp2p.ConnectionSelector;
import dev.vertxp2p.NoConnectionException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ProtocolNotSupportedException;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.proto.mux.MuxerException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Proxy;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Stream failover over fake connections: no sockets, every outcome chosen by the test. */
class StreamFailoverTest {
  static final PeerId PEER =
      PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());

  /** A connection whose newStream answers what the test says, counting calls. */
  static final class FakeConnection implements Connection {
    final String id;
    final Supplier<Future<P2pStream>> answer;
    int calls;
    boolean open = true;

    FakeConnection(String id, Supplier<Future<P2pStream>> answer) {
      this.id = id;
      this.answer = answer;
    }

    @Override public String id() { return id; }
    @Override public PeerId peerId() { return PEER; }
    @Override public Direction direction() { return Direction.OUTBOUND; }
    @Override public Multiaddr localAddr() { return Multiaddr.parse("/ip4/127.0.0.1/tcp/1"); }
    @Override public Multiaddr remoteAddr() { return Multiaddr.parse("/ip4/127.0.0.1/tcp/2"); }
    @Override public String security() { return "/noise"; }
    @Override public String muxer() { return "/yamux/1.0.0"; }
    @Override public int openStreams() { return 0; }
    @Override public long streamsTotal() { return calls; }
    @Override public Instant openedAt() { return Instant.EPOCH; }
    @Override public long openedAtNanos() { return 0; }
    @Override public double latencyMillis() { return Double.NaN; }
    @Override public long bytesIn() { return 0; }
    @Override public long bytesOut() { return 0; }
    @Override public boolean isOpen() { return open; }
    @Override public Future<P2pStream> newStream(String... protocols) {
      calls++;
      return answer.get();
    }
    @Override public Future<Void> close() { open = false; return Future.succeededFuture(); }
    @Override public Future<Void> closeFuture() { return Future.succeededFuture(); }
    @Override public JsonObject toJson() { return new JsonObject().put("id", id); }
  }

  static P2pStream fakeStream() {
    return (P2pStream) Proxy.newProxyInstance(P2pStream.class.getClassLoader(),
        new Class<?>[] {P2pStream.class}, (proxy, method, args) -> {
          if (method.getName().equals("toString")) {
            return "fake stream";
          }
          return null;
        });
  }

  static Future<P2pStream> limit() {
    return Future.failedFuture(new MuxerException(MuxerException.Reason.STREAM_LIMIT, "limit"));
  }

  private static Future<P2pStream> open(List<Connection> conns) {
    return StreamFailover.open(ConnectionSelector.roundRobin(), PEER.toString(), () -> conns,
        new String[] {"/x/1.0.0"}, new HashSet<>(), Runnable::run);
  }

  @Test
  void aFailingConnectionIsSkippedForTheNext() {
    P2pStream good = fakeStream();
    FakeConnection bad = new FakeConnection("c1", StreamFailoverTest::limit);
    FakeConnection ok = new FakeConnection("c2", () -> Future.succeededFuture(good));
    Future<P2pStream> f = open(List.of(bad, ok));
    assertSame(good, f.result());
    assertEquals(1, bad.calls);
    assertEquals(1, ok.calls);
  }

  @Test
  void everyConnectionFailingEndsWithATypedErrorAfterTryingEachOnce() {
    List<FakeConnection> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      all.add(new FakeConnection("c" + i, StreamFailoverTest::limit));
    }
    Future<P2pStream> f = open(new ArrayList<>(all));
    assertTrue(f.failed());
    NoConnectionException e = assertInstanceOf(NoConnectionException.class, f.cause());
    assertTrue(e.getMessage().contains("3 connections"), e.getMessage());
    for (FakeConnection c : all) {
      assertEquals(1, c.calls, c.id + " tried exactly once");
    }
  }

  @Test
  void protocolNotSupportedIsNotRetried() {
    FakeConnection first = new FakeConnection("c1",
        () -> Future.failedFuture(new ProtocolNotSupportedException(List.of("/x/1.0.0"))));
    FakeConnection second = new FakeConnection("c2", () -> Future.succeededFuture(fakeStream()));
    Future<P2pStream> f = open(List.of(first, second));
    assertInstanceOf(ProtocolNotSupportedException.class, f.cause());
    assertEquals(0, second.calls);
  }

  @Test
  void aClosedConnectionIsNeverPicked() {
    FakeConnection closed = new FakeConnection("c1", () -> Future.succeededFuture(fakeStream()));
    closed.open = false;
    FakeConnection ok = new FakeConnection("c2", () -> Future.succeededFuture(fakeStream()));
    for (int i = 0; i < 5; i++) {
      assertTrue(open(List.of(closed, ok)).succeeded());
    }
    assertEquals(0, closed.calls);
    assertEquals(5, ok.calls);
  }
}
