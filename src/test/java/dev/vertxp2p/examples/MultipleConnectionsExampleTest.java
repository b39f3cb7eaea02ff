package dev.vertxp2p.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs examples/multiple-connections and checks what it prints. */
class MultipleConnectionsExampleTest {

  @Test
  void theExampleShowsThreeConnectionsAndTheSpread() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.out;
    Vertx vertx = Vertx.vertx();
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      examples.MultipleConnections.run(vertx);
    } finally {
      System.setOut(original);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("Connections established to B: 3"), out);
    assertTrue(out.matches("(?s).*getConnections\\(B\\): \\[\\w+, \\w+, \\w+\\].*"), out);
    assertTrue(out.contains("B hung up one connection; A: dial.retry"), out);
    assertTrue(out.contains("Connections to B after the hang-up: 3 [KeptPeer[peer="), out);
    assertTrue(out.contains("target=3, open=3, downForMillis=0]"), out);
    assertTrue(out.matches("(?s).*round_robin: \\{\\w+=3, \\w+=3, \\w+=3\\}.*"), out);
    assertTrue(out.matches("(?s).*least_loaded: \\{\\w+=3, \\w+=3, \\w+=3\\}.*"), out);
    assertTrue(out.contains("lowest_latency: {"), out);
  }
}
