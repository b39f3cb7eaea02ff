package dev.vertxp2p.metrics;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.verticle.TestNodes.config;
import static dev.vertxp2p.verticle.TestNodes.deploy;
import static dev.vertxp2p.verticle.TestNodes.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.verticle.TestNodes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Swarm meters in a Vert.x instance made without metrics: a registry of their own. */
class SwarmMetricsTest {
  private Vertx vertx;
  private SwarmVerticle a;
  private SwarmVerticle b;
  private PrometheusMeterRegistry registry;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    a = deploy(vertx, config("swarm"));
    b = deploy(vertx, config("nodeb"));
    registry = MetricsRegistries.registryFor(vertx);
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private double counter(String name, String node, String... tags) {
    Search s = registry.find(name).tag(MetricNames.TAG_NODE, node).tags(tags);
    assertNotNull(s.counter(), name + " " + node);
    return s.counter().count();
  }

  private double gauge(String name, String node, String... tags) {
    return registry.find(name).tag(MetricNames.TAG_NODE, node).tags(tags).gauge().value();
  }

  private double functionCounter(String name, String node) {
    return registry.find(name).tag(MetricNames.TAG_NODE, node).functionCounter().count();
  }

  @Test
  void oneRegistryPerVertxInstance() {
    assertSame(registry, MetricsRegistries.registryFor(vertx));
    Vertx other = Vertx.vertx();
    try {
      assertFalse(registry == MetricsRegistries.registryFor(other));
    } finally {
      await(other.close());
    }
  }

  @Test
  void metersFollowConnectionsDialsAndBytes() {
    String yamux = "/yamux/1.0.0";
    assertEquals(0.0, gauge(MetricNames.CONNECTIONS_OPEN, "swarm", "direction", "outbound",
        "muxer", yamux));
    TestNodes.Recorder events = new TestNodes.Recorder(vertx, "swarm.events");
    TestNodes.Recorder bEvents = new TestNodes.Recorder(vertx, "nodeb.events");
    request(vertx, "swarm.dial", new JsonObject()
        .put("addr", b.swarm().listenAddrs().get(0).toString()).put("connections", 3));
    // A dialer is done with Noise before the listener has read the last handshake message: wait
    // until b has taken all three in before reading b's meters.
    for (int i = 0; i < 3; i++) {
      bEvents.next("connection.opened");
    }
    request(vertx, "swarm.ping", new JsonObject().put("peer", b.swarm().peerId().toString()));
    // the ping ran on a stream: counted by protocol and direction on the dialer
    assertTrue(counter(MetricNames.STREAMS_OPENED, "swarm", MetricNames.TAG_PROTOCOL,
        "/ipfs/ping/1.0.0", MetricNames.TAG_DIRECTION, "outbound") >= 1.0);
    assertEquals(3.0, gauge(MetricNames.CONNECTIONS_OPEN, "swarm", "direction", "outbound",
        "muxer", yamux));
    assertEquals(3.0, gauge(MetricNames.CONNECTIONS_OPEN, "nodeb", "direction", "inbound",
        "muxer", yamux));
    assertEquals(0.0, gauge(MetricNames.CONNECTIONS_OPEN, "swarm", "direction", "inbound",
        "muxer", yamux));
    assertEquals(1.0, gauge(MetricNames.PEERS_CONNECTED, "swarm"));
    assertEquals(3.0, counter(MetricNames.CONNECTIONS_OPENED, "swarm", "direction", "outbound",
        "muxer", yamux));
    assertEquals(3.0, counter(MetricNames.DIAL_ATTEMPTS, "swarm", "result", "success"));
    io.micrometer.core.instrument.Timer handshake = registry.find(MetricNames.HANDSHAKE)
        .tag(MetricNames.TAG_NODE, "swarm").tag(MetricNames.TAG_DIRECTION, "outbound").timer();
    assertNotNull(handshake);
    assertEquals(3, handshake.count());
    assertTrue(handshake.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) > 0);
    io.micrometer.core.instrument.Timer dial = registry.find(MetricNames.DIAL)
        .tag(MetricNames.TAG_NODE, "swarm").timer();
    assertEquals(3, dial.count());
    assertTrue(dial.max(java.util.concurrent.TimeUnit.NANOSECONDS)
        >= handshake.max(java.util.concurrent.TimeUnit.NANOSECONDS), "a dial spans its handshake");
    double in = functionCounter(MetricNames.BYTES_IN, "swarm");
    double out = functionCounter(MetricNames.BYTES_OUT, "swarm");
    assertTrue(in > 0 && out > 0, in + " " + out);

    request(vertx, "swarm.hangup", new JsonObject().put("peer", b.swarm().peerId().toString()));
    events.next("peer.disconnected");
    assertEquals(0.0, gauge(MetricNames.CONNECTIONS_OPEN, "swarm", "direction", "outbound",
        "muxer", yamux));
    assertEquals(3.0, counter(MetricNames.CONNECTIONS_CLOSED, "swarm", "direction", "outbound",
        "muxer", yamux));
    // byte totals never go down when connections close
    assertTrue(functionCounter(MetricNames.BYTES_IN, "swarm") >= in);
    assertTrue(functionCounter(MetricNames.BYTES_OUT, "swarm") >= out);
    String text = registry.scrape();
    assertFalse(text.contains(b.swarm().peerId().toString()), "no peer id in tags");
  }

  @Test
  void retriesAndFailuresAreCounted() throws Exception {
    io.vertx.core.net.NetServer s = await(vertx.createNetServer().connectHandler(so -> { })
        .listen(0, "127.0.0.1"));
    int port = s.actualPort();
    await(s.close());
    TestNodes.fails(vertx, "swarm.dial", new JsonObject().put("addr", "/ip4/127.0.0.1/tcp/"
        + port + "/p2p/" + b.swarm().peerId()));
    // config: maxRetries 1, so one retry, then the dial fails
    assertEquals(1.0, counter(MetricNames.DIAL_RETRIES, "swarm"));
    assertEquals(1.0, counter(MetricNames.DIAL_ATTEMPTS, "swarm", "result", "retry"));
    assertEquals(1.0, counter(MetricNames.DIAL_FAILURES, "swarm"));
  }

  @Test
  void undeployRemovesTheSwarmsMeters() {
    await(vertx.undeploy(b.deploymentID()));
    MeterRegistry r = registry;
    assertNull(r.find(MetricNames.CONNECTIONS_OPEN).tag(MetricNames.TAG_NODE, "nodeb").gauge());
    assertNotNull(r.find(MetricNames.CONNECTIONS_OPEN).tag(MetricNames.TAG_NODE, "swarm").gauge());
  }
}
