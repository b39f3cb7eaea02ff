package dev.vertxp2p.interop;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialFailedException;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.protocols.Echo;
import dev.vertxp2p.testing.EchoStreams;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.Future;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What every interop test against a foreign peer sets up: one Java node per test on the
 * fixture's Vert.x instance, both closed after it, and the echo exchanges they check.
 */
abstract class InteropFixture extends SwarmFixture {
  /** The Java node of the current test, closed after it; set by {@link #start}. */
  protected Swarm node;

  /** Creates and starts the test's node from {@code options}. */
  protected Swarm start(SwarmOptions options) {
    node = started(options);
    return node;
  }

  /** Options listening on {@code listen} with {@code transport}, serving echo (and perf). */
  static SwarmOptions serving(String listen, TransportOptions transport, boolean perf) {
    SwarmOptions o = new SwarmOptions().setListen(List.of(listen)).setTransport(transport);
    o.getServices().setEcho(true).setPerf(perf);
    return o;
  }

  static String sha256Hex(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  /** {@code bytes} random bytes echoed on a new echo stream of {@code c} come back unchanged. */
  static void echoesBack(Connection c, int bytes, Duration timeout) throws Exception {
    byte[] payload = new byte[bytes];
    new SecureRandom().nextBytes(payload);
    P2pStream s = await(c.newStream(Echo.PROTOCOL));
    byte[] back = await(EchoStreams.echo(s, payload), timeout);
    assertEquals(sha256Hex(payload), sha256Hex(back));
  }

  /** {@code streams} echo streams on {@code c}, all open at once, each with its own bytes back. */
  static void echoesConcurrently(Connection c, int streams, int bytes, Duration timeout) {
    List<Future<byte[]>> all = new ArrayList<>();
    List<byte[]> sent = new ArrayList<>();
    SecureRandom r = new SecureRandom();
    for (int i = 0; i < streams; i++) {
      byte[] p = new byte[bytes];
      r.nextBytes(p);
      sent.add(p);
      all.add(c.newStream(Echo.PROTOCOL).compose(st -> EchoStreams.echo(st, p)));
    }
    for (int i = 0; i < streams; i++) {
      assertArrayEquals(sent.get(i), await(all.get(i), timeout));
    }
  }

  /** Whether {@code t}, one of its causes, or a failed dial's address failure is a {@code type}. */
  static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
      if (c instanceof DialFailedException d) {
        for (var f : d.failures()) {
          if (hasCause(f.lastError(), type)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
