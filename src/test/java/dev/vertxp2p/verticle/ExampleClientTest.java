package dev.vertxp2p.verticle;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiles {@code examples/event-bus-client} and runs it against two nodes. */
class ExampleClientTest {
  static final Path SOURCE =
      Path.of("examples", "event-bus-client", "src", "main", "java", "example",
          "EventBusClient.java");

  @TempDir Path classes;
  private Vertx vertx;

  @AfterEach
  void tearDown() {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void exampleDialsAndListsThroughTheEventBus() throws Exception {
    assertTrue(Files.exists(SOURCE), SOURCE + " missing");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics, "--release", "17",
        "-cp", System.getProperty("java.class.path"), "-d", classes.toString(),
        SOURCE.toString());
    assertEquals(0, rc, diagnostics.toString(StandardCharsets.UTF_8));

    vertx = Vertx.vertx();
    deploy(vertx, config("swarm")); // the default prefix, as the example expects
    SwarmVerticle b = deploy(vertx, config("nodeb"));
    try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
        getClass().getClassLoader())) {
      Deployable client = (Deployable) loader.loadClass("example.EventBusClient")
          .getDeclaredConstructor().newInstance();
      await(vertx.deployVerticle(client, new DeploymentOptions().setConfig(new JsonObject()
          .put("target", b.swarm().listenAddrs().get(0).toString()).put("connections", 2))));
      JsonArray listing = (JsonArray) client.getClass().getMethod("lastListing").invoke(client);
      assertEquals(2, listing.size(), String.valueOf(listing));
      assertEquals(b.swarm().peerId().toString(), listing.getJsonObject(0).getString("peer"));
    }
    assertEquals(2, b.swarm().getConnections().size());
  }
}
