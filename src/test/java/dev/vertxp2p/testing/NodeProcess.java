package dev.vertxp2p.testing;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A node started from the fat jar in its own JVM: {@code java -jar target/vertx-libp2p-swarm.jar
 * -conf <json>}, its {@code READY} line parsed, its output kept in a log file. For the tests and
 * the bench that run a cluster of node JVMs.
 */
public final class NodeProcess implements AutoCloseable {
  /** The fat jar that {@code mvn package} builds. */
  public static final Path JAR = Path.of("target", "vertx-libp2p-swarm.jar");

  private final String name;
  private final Process process;
  private final CompletableFuture<JsonObject> ready = new CompletableFuture<>();
  private final Path log;

  private NodeProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts a node from {@link #JAR} with a small heap, logging to {@code target/cluster-logs}. */
  public static NodeProcess start(String name, JsonObject config, int startSeconds) {
    return start(name, JAR, List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
        config, Path.of("target", "cluster-logs"), startSeconds);
  }

  /**
   * Starts {@code java <jvmArgs> -jar <jar> -conf <config>}; waits up to {@code startSeconds} for
   * its READY line, its output going to a file in {@code logDir}.
   */
  public static NodeProcess start(String name, Path jar, List<String> jvmArgs, JsonObject config,
      Path logDir, int startSeconds) {
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build it with `mvn package` first");
    }
    Path log = logDir.resolve(name + "-" + System.nanoTime() + ".log");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add("-conf");
    cmd.add(config.encode());
    Process p;
    try {
      Files.createDirectories(logDir);
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
    NodeProcess node = new NodeProcess(name, p, log);
    Thread reader = new Thread(node::read, name + "-out");
    reader.setDaemon(true);
    reader.start();
    try {
      node.ready.get(startSeconds, TimeUnit.SECONDS);
    } catch (Exception e) {
      node.kill();
      throw new IllegalStateException(name + " did not print READY within " + startSeconds
          + " s; its log: " + log.toAbsolutePath(), e);
    }
    return node;
  }

  private void read() {
    try (BufferedReader r = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        out.write(line);
        out.newLine();
        out.flush();
        if (line.startsWith("READY ")) {
          ready.complete(new JsonObject(line.substring("READY ".length())));
        }
      }
    } catch (IOException e) {
      // the process ended
    } finally {
      ready.completeExceptionally(new IllegalStateException(name + " exited before READY"));
    }
  }

  public String name() {
    return name;
  }

  /** The READY line: peerId, listenAddrs, http. */
  public JsonObject ready() {
    return ready.join();
  }

  public String http() {
    return ready().getString("http");
  }

  public String peerId() {
    return ready().getString("peerId");
  }

  /** Its first listen address with its peer id. */
  public String addr() {
    String a = ready().getJsonArray("listenAddrs").getString(0);
    return a.contains("/p2p/") ? a : a + "/p2p/" + peerId();
  }

  /** SIGKILL: the process dies at once, leaving no word to the cluster. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          kill();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
      }
    }
  }
}
