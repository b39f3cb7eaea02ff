package dev.vertxp2p.verticle;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Helpers for tests that deploy SwarmVerticles and talk to them over the event bus. */
public final class TestNodes {
  private TestNodes() {}

  /** A config for a loopback node on a free port, HTTP off, quick failing dials. */
  public static JsonObject config(String prefix) {
    return new JsonObject()
        .put("eventBusPrefix", prefix)
        .put("listen", new io.vertx.core.json.JsonArray().add("/ip4/127.0.0.1/tcp/0"))
        .put("connection", new JsonObject().put("connectionTimeout", 2.0))
        .put("retry", new JsonObject().put("maxRetries", 1).put("initialDelay", 0.01)
            .put("maxDelay", 0.05))
        .put("http", new JsonObject().put("enabled", false));
  }

  /** Deploys a SwarmVerticle and returns it once started. */
  public static SwarmVerticle deploy(Vertx vertx, JsonObject config) {
    SwarmVerticle v = new SwarmVerticle();
    await(vertx.deployVerticle(v, new DeploymentOptions().setConfig(config)));
    return v;
  }

  /** Sends a request and returns the reply body, failing the test on a failure reply. */
  public static JsonObject request(Vertx vertx, String address, Object body) {
    Message<JsonObject> m = await(vertx.eventBus().request(address, body));
    return m.body();
  }

  /** Sends a request that must fail; returns the failure. */
  public static ReplyException fails(Vertx vertx, String address, Object body) {
    Throwable t = failure(vertx.eventBus().request(address, body));
    ReplyException re = assertInstanceOf(ReplyException.class, t);
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, re.failureType(), re.toString());
    return re;
  }

  /** Every message published on an address, in order. */
  public static final class Recorder {
    private final BlockingQueue<JsonObject> queue = new LinkedBlockingQueue<>();

    public Recorder(Vertx vertx, String address) {
      await(vertx.eventBus().<JsonObject>consumer(address, m -> queue.add(m.body()))
          .completion());
    }

    /** The next message, waiting at most 10 s. */
    public JsonObject next() {
      try {
        JsonObject j = queue.poll(10, TimeUnit.SECONDS);
        if (j == null) {
          throw new AssertionError("no event within 10 s");
        }
        return j;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    /** Skips to the next message of {@code type}. */
    public JsonObject next(String type) {
      while (true) {
        JsonObject j = next();
        if (type.equals(j.getString("type"))) {
          return j;
        }
      }
    }
  }
}
