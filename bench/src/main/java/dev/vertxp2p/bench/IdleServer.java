package dev.vertxp2p.bench;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.TransportOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The listening end of the idle-connection heap benchmark, run in a child JVM: prints {@code
 * LISTEN <addr>}, then answers each {@code HEAP} line on stdin with {@code HEAP <before> <after>
 * <connections>} (heap used after GC at start and now, bytes); exits when stdin closes.
 */
public final class IdleServer {
  private IdleServer() {}

  public static void main(String[] args) throws Exception {
    try (BenchNode node = new BenchNode(new TransportOptions())) {
      Multiaddr addr = Await.get(node.listen(), 30);
      long before = Scenarios.heapAfterGc();
      System.out.println("LISTEN " + addr);
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.trim().equals("HEAP")) {
          long after = Scenarios.heapAfterGc();
          System.out.println("HEAP " + before + " " + after + " " + node.connections().size());
          System.out.flush();
        }
      }
    }
    System.exit(0);
  }
}
