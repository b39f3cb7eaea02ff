package dev.vertxp2p.launcher;

import dev.vertxp2p.ClusterOptions;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.metrics.MetricsRegistries;
import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The fat jar's entry point: {@code java -jar vertx-libp2p-swarm.jar [-conf conf/config.json]}.
 *
 * <p>Starts a node from the config, prints one {@code READY {...}} line on stdout once listening,
 * and on SIGTERM closes every connection gracefully and exits 0. A bad config exits 2 with a
 * message naming the key, the value and the rule.
 */
public final class Main {
  /** Exit code for configuration errors. */
  static final int EXIT_CONFIG = 2;
  /** Exit code when the node could not start (port in use, unreadable key file). */
  static final int EXIT_START = 1;
  /** Seconds the launcher waits for a clustered Vert.x to join its cluster. */
  static final int CLUSTER_JOIN_TIMEOUT_SECONDS = 60;

  /**
   * The status the JVM ends with. A SIGTERM is a requested, graceful stop, so it exits 0 rather
   * than the JVM's usual 143: the shutdown hook ends the process with this status itself.
   */
  private static volatile int exitStatus = 0;

  static final String LOG_FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";

  private Main() {}

  public static void main(String[] args) {
    // One line per log record, named by logger (the JDK's default spends two lines and names
    // our logging shim as the source). Users can still override it with the same property.
    if (System.getProperty(LOG_FORMAT_PROPERTY) == null) {
      System.setProperty(LOG_FORMAT_PROPERTY, "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
    }
    JsonObject config;
    try {
      config = loadConfig(args);
    } catch (IllegalArgumentException e) {
      System.err.println("configuration error: " + e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    }
    ClusterOptions cluster;
    try {
      cluster = SwarmVerticle.Settings.parse(config).options().getCluster();
    } catch (IllegalArgumentException e) {
      System.err.println("configuration error: " + e.getMessage());
      System.exit(EXIT_CONFIG);
      return;
    }
    // Metrics must be on from creation for Vert.x to meter its own servers and clients.
    Vertx vertx;
    if (cluster.isEnabled()) {
      try {
        // The main thread, not an event loop: waiting here blocks no one.
        vertx = ClusteredVertx.create(cluster).toCompletionStage().toCompletableFuture()
            .get(CLUSTER_JOIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null
            ? e.getCause() : e;
        System.err.println("failed to start: cannot join cluster \"" + cluster.getName()
            + "\" on " + cluster.getHost() + ":" + cluster.getPort() + ": "
            + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
        System.exit(EXIT_START);
        return;
      }
    } else {
      vertx = MetricsRegistries.createVertx(new VertxOptions());
    }
    Node node = new Node(vertx, config);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("shutdown: " + e.getMessage());
      }
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
      System.out.flush();
      System.err.flush();
      Runtime.getRuntime().halt(exitStatus);
    }, "vertxp2p-shutdown"));
    node.start().onComplete(ar -> {
      if (ar.failed()) {
        Throwable cause = ar.cause();
        System.err.println("failed to start: " + (cause.getMessage() == null
            ? cause.getClass().getSimpleName() : cause.getMessage()));
        exitStatus = EXIT_START;
        // Not on the event loop: exiting runs the shutdown hook, which waits for the event loop.
        new Thread(() -> System.exit(EXIT_START), "vertxp2p-exit").start();
        return;
      }
      JsonObject ready = new JsonObject()
          .put("peerId", node.swarm().peerId().toString())
          .put("listenAddrs", new JsonArray(node.swarm().listenAddrs().stream()
              .map(Multiaddr::toString).toList()))
          .put("http", node.httpUrl());
      System.out.println("READY " + ready.encode());
      System.out.flush();
    });
  }

  /** Reads {@code -conf <file>} (or an inline JSON object); no argument means all defaults. */
  static JsonObject loadConfig(String[] args) {
    String conf = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-conf") || a.equals("--conf")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("-conf needs a file name or a JSON object");
        }
        conf = args[++i];
      } else if (a.startsWith("-conf=") || a.startsWith("--conf=")) {
        conf = a.substring(a.indexOf('=') + 1);
      } else {
        throw new IllegalArgumentException("unknown argument '" + a
            + "'; usage: java -jar vertx-libp2p-swarm.jar [-conf conf/config.json]");
      }
    }
    if (conf == null) {
      return new JsonObject();
    }
    String text;
    if (conf.trim().startsWith("{")) {
      text = conf;
    } else {
      try {
        text = Files.readString(Path.of(conf), StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("config file " + conf + " does not exist");
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + conf + ": " + e.getMessage());
      }
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("config " + conf + " is not a JSON object: "
          + e.getMessage());
    }
  }
}
