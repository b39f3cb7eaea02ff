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
  private Vertx vertx;

  @AfterEach
  void tearDown() {
    if (vertx != null) {
      await(vertx.close());
    }
  }

  @Test
  void exampleDialsAndListsThroughTheEventBus() throws Exception {
    vertx = Vertx.vertx();
    deploy(vertx, config("swarm")); // the default prefix, as the example expects
    SwarmVerticle b = deploy(vertx, config("nodeb"));
    // b registers an inbound connection a moment after a's dial completes: await b's events.
    io.vertx.core.Promise<Void> bSeesTwo = io.vertx.core.Promise.promise();
    b.swarm().eventHandler(e -> {
      if (b.swarm().getConnections().size() == 2) {
        bSeesTwo.tryComplete();
      }
    });
    // The example is compiled with the tests (build-helper adds examples/ as test sources).
    example.EventBusClient client = new example.EventBusClient();
    await(vertx.deployVerticle(client, new DeploymentOptions().setConfig(new JsonObject()
        .put("target", b.swarm().listenAddrs().get(0).toString()).put("connections", 2))));
    JsonArray listing = client.lastListing();
    assertEquals(2, listing.size(), String.valueOf(listing));
    assertEquals(b.swarm().peerId().toString(), listing.getJsonObject(0).getString("peer"));
    await(bSeesTwo.future());
    assertEquals(2, b.swarm().getConnections().size());
  }
}
