package dev.vertxp2p.transport;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.proto.mux.MuxerEvent;
import dev.vertxp2p.testing.LogCapture;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An application handler that throws ends its own stream only: a raw peer sends data for a
 * throwing stream and for an echoing one in one Noise message, so the node handles both in one
 * dispatch; the echo must still come back, the thrower is reset, and the connection goes on.
 */
class HandlerExceptionTest {
  private static final String THROWS = "/test/throws/1.0.0";
  private static final String ECHOES = "/test/echoes/1.0.0";

  private Vertx vertx;
  private Swarm node;
  private LogCapture logs;

  @BeforeEach
  void setUp() {
    logs = LogCapture.of("dev.vertxp2p");
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    node = Swarm.create(vertx, new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0")));
    await(node.start());
  }

  @AfterEach
  void tearDown() {
    logs.close();
    await(node.close());
    await(vertx.close());
  }

  private int port() {
    return node.listenAddrs().get(0).port().getAsInt();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void serve(String which) {
    switch (which) {
      case "data" -> node.handle(THROWS, s -> s.handler(b -> {
        throw new IllegalStateException("boom in data");
      }));
      case "end" -> node.handle(THROWS, s -> s.handler(b -> { }).endHandler(v -> {
        throw new IllegalStateException("boom in end");
      }));
      default -> node.handle(THROWS, s -> {
        throw new IllegalStateException("boom in open");
      });
    }
    node.handle(ECHOES, s -> s.handler(s::write));
  }

  private void throwingHandlerResetsItsStreamOnly(String which) throws Exception {
    serve(which);
    try (RawYamuxClient c = RawYamuxClient.connect(port())) {
      long echo = c.open(ECHOES);
      long thrower = which.equals("open") ? c.engine().openStream() : c.open(THROWS);
      if (which.equals("open")) {
        // the negotiation itself, in the same message as the echo's data
        byte[] ms = bytes("\u0013/multistream/1.0.0\n\u0013" + THROWS + "\n");
        c.engine().write(thrower, ms, 0, ms.length);
      } else {
        c.engine().write(thrower, bytes("first"), 0, 5);
      }
      if (which.equals("end")) {
        c.engine().closeWrite(thrower);
      }
      // the thrower's frames first, then the echo's: one message, one read on the node
      c.engine().write(echo, bytes("still here"), 0, 10);
      c.send();
      assertArrayEquals(bytes("still here"), c.awaitData(echo, 10));
      c.awaitEvent(new MuxerEvent.StreamReset(thrower));

      // the connection goes on: a new stream works too
      long again = c.open(ECHOES);
      c.engine().write(again, bytes("again"), 0, 5);
      c.send();
      assertArrayEquals(bytes("again"), c.awaitData(again, 5));
    }
    assertTrue(logs.texts().stream().anyMatch(t -> t.contains(THROWS)
            && t.contains("boom in " + which)),
        "no log naming the protocol and the exception: " + logs.texts());
  }

  @Test
  void aDataHandlerThatThrows() throws Exception {
    throwingHandlerResetsItsStreamOnly("data");
  }

  @Test
  void anEndHandlerThatThrows() throws Exception {
    throwingHandlerResetsItsStreamOnly("end");
  }

  @Test
  void aProtocolHandlerThatThrows() throws Exception {
    throwingHandlerResetsItsStreamOnly("open");
  }
}
