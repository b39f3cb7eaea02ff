package dev.vertxp2p.swarm;

import dev.vertxp2p.testing.SwarmFixture;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.StreamClosedException;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Swarm.close(): GOAWAY, a bounded grace period for open streams, nothing left listening. */
class GracefulShutdownTest extends SwarmFixture {

  private Swarm node(Duration grace) {
    SwarmOptions o = loopbackOptions();
    o.getTransport().setShutdownGracePeriod(grace);
    Swarm s = started(o);
    return s;
  }

  @Test
  void afterCloseNothingListens() {
    Swarm b = node(Duration.ofSeconds(5));
    Swarm a = node(Duration.ofSeconds(5));
    await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    int port = b.listenAddrs().get(0).hostPort().orElseThrow().port();
    await(b.close());
    assertTrue(b.getConnections().isEmpty());
    NetClient client = vertx.createNetClient();
    Throwable err = failure(client.connect(port, "127.0.0.1"));
    assertTrue(String.valueOf(err.getMessage()).toLowerCase().contains("refused"), err.toString());
  }

  @Test
  void aStreamInProgressFinishesWithinTheGracePeriod() {
    Swarm b = node(Duration.ofSeconds(10));
    Swarm a = node(Duration.ofSeconds(10));
    Promise<Void> closed = Promise.promise();
    // b's service starts b's shutdown when the request arrives, then answers a little later:
    // the answer is sent after GOAWAY, inside the grace period.
    b.handle("/slow/1.0.0", st -> st.handler(req -> {
      b.close().onComplete(closed);
      vertx.setTimer(200, t -> st.end(Buffer.buffer("answer to " + req)));
    }));
    P2pStream s = await(a.newStream(dialed(a, b), "/slow/1.0.0"));
    Buffer got = Buffer.buffer();
    Promise<Buffer> done = Promise.promise();
    s.handler(got::appendBuffer);
    s.exceptionHandler(done::tryFail);
    s.endHandler(v -> done.tryComplete(got));
    s.end(Buffer.buffer("q"));
    assertEquals("answer to q", await(done.future()).toString());
    await(closed.future());
    assertTrue(b.getConnections().isEmpty());
  }

  @Test
  void aStreamThatDoesNotFinishIsResetAfterTheGracePeriod() {
    Duration grace = Duration.ofMillis(400);
    Swarm b = node(grace);
    Swarm a = node(Duration.ofSeconds(5));
    b.handle("/hold/1.0.0", st -> st.handler(x -> { }));
    P2pStream s = await(a.newStream(dialed(a, b), "/hold/1.0.0"));
    Promise<Throwable> broken = Promise.promise();
    s.exceptionHandler(broken::tryComplete);
    s.endHandler(v -> broken.tryFail("ended cleanly, expected a reset"));
    long start = System.nanoTime();
    await(b.close());
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(tookMs >= grace.toMillis() - 20, "closed after " + tookMs + " ms");
    assertInstanceOf(StreamClosedException.class, await(broken.future()));
  }

  @Test
  void goAwayRefusesNewStreamsDuringTheGracePeriod() {
    Swarm b = node(Duration.ofSeconds(10));
    Swarm a = node(Duration.ofSeconds(5));
    Promise<Void> closing = Promise.promise();
    Promise<Void> closed = Promise.promise();
    b.handle("/hold/1.0.0", st -> {
      b.close().onComplete(closed);
      // Keep this stream open until a has tried (and failed) to open another.
      closing.future().onComplete(v -> st.end());
      st.handler(x -> { });
    });
    Connection conn = await(a.dial(b.listenAddrs().get(0), new DialOptions())).get(0);
    P2pStream held = await(conn.newStream("/hold/1.0.0"));
    held.write(Buffer.buffer("x"));
    // b sent GOAWAY: a second stream on the same connection must not open.
    Promise<Throwable> refused = Promise.promise();
    retryUntilRefused(conn, refused, 200);
    await(refused.future());
    closing.complete();
    held.end();
    await(closed.future());
  }

  private static void retryUntilRefused(Connection conn, Promise<Throwable> done, int left) {
    conn.newStream("/hold/1.0.0").onComplete(ar -> {
      if (ar.failed()) {
        done.complete(ar.cause());
      } else if (left == 0) {
        done.fail("streams still open after GOAWAY");
      } else {
        ar.result().reset();
        retryUntilRefused(conn, done, left - 1);
      }
    });
  }

  private static dev.vertxp2p.PeerId dialed(Swarm a, Swarm b) {
    await(a.dial(b.listenAddrs().get(0), new DialOptions()));
    return b.peerId();
  }
}
