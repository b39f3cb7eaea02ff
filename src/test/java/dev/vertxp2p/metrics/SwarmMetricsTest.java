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

import dev.vertxp2p.Connection;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.verticle.SwarmVerticle;
import dev.vertxp2p.verticle.TestNodes;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.TreeSet;
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
        "muxer", yamux, "transport", "tcp"));
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
        "muxer", yamux, "transport", "tcp"));
    assertEquals(3.0, gauge(MetricNames.CONNECTIONS_OPEN, "nodeb", "direction", "inbound",
        "muxer", yamux, "transport", "tcp"));
    assertEquals(0.0, gauge(MetricNames.CONNECTIONS_OPEN, "swarm", "direction", "inbound",
        "muxer", yamux, "transport", "tcp"));
    assertEquals(1.0, gauge(MetricNames.PEERS_CONNECTED, "swarm"));
    assertEquals(3.0, counter(MetricNames.CONNECTIONS_OPENED, "swarm", "direction", "outbound",
        "muxer", yamux, "transport", "tcp"));
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
        "muxer", yamux, "transport", "tcp"));
    assertEquals(3.0, counter(MetricNames.CONNECTIONS_CLOSED, "swarm", "direction", "outbound",
        "muxer", yamux, "transport", "tcp"));
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
  void aKeptPeersReDialIsNotCountedAsARetriedAttempt() {
    a.swarm().addAddresses(b.swarm().peerId(), b.swarm().listenAddrs());
    List<Connection> one = await(a.swarm().keep(b.swarm().peerId(), 1));
    Promise<Void> round = Promise.promise();
    Promise<Void> back = Promise.promise();
    a.swarm().eventHandler(e -> {
      if (e.type().equals(SwarmEvent.DIAL_RETRY) && e.fields().getBoolean("kept", false)) {
        round.tryComplete();
      }
      if (e.type().equals(SwarmEvent.CONNECTION_OPENED) && round.future().isComplete()) {
        back.tryComplete();
      }
    });
    await(a.swarm().closeConnection(one.get(0).id()));
    await(round.future());
    await(back.future());
    assertEquals(0.0, counter(MetricNames.DIAL_RETRIES, "swarm"));
    assertEquals(0.0, counter(MetricNames.DIAL_ATTEMPTS, "swarm", "result", "retry"));
    assertEquals(2.0, counter(MetricNames.DIAL_ATTEMPTS, "swarm", "result", "success"));
  }

  /**
   * The names and tags {@code /metrics} renders, captured from a scrape before the meters were
   * renamed to Micrometer's dotted style (which left them as they were): dashboards and alerts
   * built on them must not break.
   * Each entry is a series without its value (a histogram's buckets once, without {@code le}),
   * or a {@code # TYPE} line.
   */
  @Test
  void prometheusRendersExactlyTheseNamesAndTags() {
    // Nodes of their own without identify, whose streams would race the scrape.
    Vertx v = Vertx.vertx();
    try {
      JsonObject noIdentify = new JsonObject().put("identify", false);
      deploy(v, config("swarm").put("services", noIdentify));
      SwarmVerticle nodeB = deploy(v, config("nodeb").put("services", noIdentify));
      String peerB = nodeB.swarm().peerId().toString();
      io.vertx.core.net.NetServer s = await(v.createNetServer().connectHandler(so -> { })
          .listen(0, "127.0.0.1"));
      int port = s.actualPort();
      await(s.close());
      // A dial to a closed port, before b's real address is known: one retry, then a failure.
      TestNodes.fails(v, "swarm.dial", new JsonObject()
          .put("addr", "/ip4/127.0.0.1/tcp/" + port + "/p2p/" + peerB));
      TestNodes.Recorder events = new TestNodes.Recorder(v, "swarm.events");
      TestNodes.Recorder bEvents = new TestNodes.Recorder(v, "nodeb.events");
      request(v, "swarm.dial", new JsonObject()
          .put("addr", nodeB.swarm().listenAddrs().get(0).toString()));
      bEvents.next("connection.opened");
      request(v, "swarm.ping", new JsonObject().put("peer", peerB));
      request(v, "swarm.hangup", new JsonObject().put("peer", peerB));
      events.next("peer.disconnected");
      bEvents.next("peer.disconnected");
      assertEquals(List.of(
            "# TYPE libp2p_bytes_in_bytes_total counter",
            "# TYPE libp2p_bytes_out_bytes_total counter",
            "# TYPE libp2p_connection_rtt_seconds histogram",
            "# TYPE libp2p_connection_rtt_seconds_max gauge",
            "# TYPE libp2p_connections_closed_total counter",
            "# TYPE libp2p_connections_open gauge",
            "# TYPE libp2p_connections_opened_total counter",
            "# TYPE libp2p_connections_rejected_total counter",
            "# TYPE libp2p_connections_replaced_total counter",
            "# TYPE libp2p_connections_unhealthy gauge",
            "# TYPE libp2p_dial_attempts_total counter",
            "# TYPE libp2p_dial_failures_total counter",
            "# TYPE libp2p_dial_retries_total counter",
            "# TYPE libp2p_dial_seconds histogram",
            "# TYPE libp2p_dial_seconds_max gauge",
            "# TYPE libp2p_handshake_seconds histogram",
            "# TYPE libp2p_handshake_seconds_max gauge",
            "# TYPE libp2p_peers_connected gauge",
            "# TYPE libp2p_streams_open gauge",
            "# TYPE libp2p_streams_opened_total counter",
            "libp2p_bytes_in_bytes_total{node=\"nodeb\"}",
            "libp2p_bytes_in_bytes_total{node=\"swarm\"}",
            "libp2p_bytes_out_bytes_total{node=\"nodeb\"}",
            "libp2p_bytes_out_bytes_total{node=\"swarm\"}",
            "libp2p_connection_rtt_seconds_bucket{node=\"nodeb\"}",
            "libp2p_connection_rtt_seconds_bucket{node=\"swarm\"}",
            "libp2p_connection_rtt_seconds_count{node=\"nodeb\"}",
            "libp2p_connection_rtt_seconds_count{node=\"swarm\"}",
            "libp2p_connection_rtt_seconds_max{node=\"nodeb\"}",
            "libp2p_connection_rtt_seconds_max{node=\"swarm\"}",
            "libp2p_connection_rtt_seconds_sum{node=\"nodeb\"}",
            "libp2p_connection_rtt_seconds_sum{node=\"swarm\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"quic\","
                + "node=\"nodeb\",transport=\"quic-v1\"}",
            "libp2p_connections_closed_total{direction=\"inbound\",muxer=\"quic\","
                + "node=\"swarm\",transport=\"quic-v1\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"quic\","
                + "node=\"nodeb\",transport=\"quic-v1\"}",
            "libp2p_connections_closed_total{direction=\"outbound\",muxer=\"quic\","
                + "node=\"swarm\",transport=\"quic-v1\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"quic\","
                + "node=\"nodeb\",transport=\"quic-v1\"}",
            "libp2p_connections_opened_total{direction=\"inbound\",muxer=\"quic\","
                + "node=\"swarm\",transport=\"quic-v1\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/mplex/6.7.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"nodeb\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"tcp\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"/yamux/1.0.0\","
                + "node=\"swarm\",transport=\"ws\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"quic\","
                + "node=\"nodeb\",transport=\"quic-v1\"}",
            "libp2p_connections_opened_total{direction=\"outbound\",muxer=\"quic\","
                + "node=\"swarm\",transport=\"quic-v1\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/mplex/6.7.0\",node=\"nodeb\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/mplex/6.7.0\",node=\"nodeb\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/mplex/6.7.0\",node=\"swarm\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/mplex/6.7.0\",node=\"swarm\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/yamux/1.0.0\",node=\"nodeb\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/yamux/1.0.0\",node=\"nodeb\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/yamux/1.0.0\",node=\"swarm\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"/yamux/1.0.0\",node=\"swarm\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"quic\",node=\"nodeb\","
                + "transport=\"quic-v1\"}",
            "libp2p_connections_open{direction=\"inbound\",muxer=\"quic\",node=\"swarm\","
                + "transport=\"quic-v1\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/mplex/6.7.0\",node=\"nodeb\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/mplex/6.7.0\",node=\"nodeb\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/mplex/6.7.0\",node=\"swarm\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/mplex/6.7.0\",node=\"swarm\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/yamux/1.0.0\",node=\"nodeb\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/yamux/1.0.0\",node=\"nodeb\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/yamux/1.0.0\",node=\"swarm\","
                + "transport=\"tcp\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"/yamux/1.0.0\",node=\"swarm\","
                + "transport=\"ws\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"quic\",node=\"nodeb\","
                + "transport=\"quic-v1\"}",
            "libp2p_connections_open{direction=\"outbound\",muxer=\"quic\",node=\"swarm\","
                + "transport=\"quic-v1\"}",
            "libp2p_connections_rejected_total{direction=\"inbound\",node=\"nodeb\"}",
            "libp2p_connections_rejected_total{direction=\"inbound\",node=\"swarm\"}",
            "libp2p_connections_rejected_total{direction=\"outbound\",node=\"nodeb\"}",
            "libp2p_connections_rejected_total{direction=\"outbound\",node=\"swarm\"}",
            "libp2p_connections_replaced_total{node=\"nodeb\"}",
            "libp2p_connections_replaced_total{node=\"swarm\"}",
            "libp2p_connections_unhealthy{node=\"nodeb\"}",
            "libp2p_connections_unhealthy{node=\"swarm\"}",
            "libp2p_dial_attempts_total{node=\"nodeb\",result=\"failure\"}",
            "libp2p_dial_attempts_total{node=\"nodeb\",result=\"retry\"}",
            "libp2p_dial_attempts_total{node=\"nodeb\",result=\"success\"}",
            "libp2p_dial_attempts_total{node=\"swarm\",result=\"failure\"}",
            "libp2p_dial_attempts_total{node=\"swarm\",result=\"retry\"}",
            "libp2p_dial_attempts_total{node=\"swarm\",result=\"success\"}",
            "libp2p_dial_failures_total{node=\"nodeb\"}",
            "libp2p_dial_failures_total{node=\"swarm\"}",
            "libp2p_dial_retries_total{node=\"nodeb\"}",
            "libp2p_dial_retries_total{node=\"swarm\"}",
            "libp2p_dial_seconds_bucket{node=\"nodeb\"}",
            "libp2p_dial_seconds_bucket{node=\"swarm\"}",
            "libp2p_dial_seconds_count{node=\"nodeb\"}",
            "libp2p_dial_seconds_count{node=\"swarm\"}",
            "libp2p_dial_seconds_max{node=\"nodeb\"}",
            "libp2p_dial_seconds_max{node=\"swarm\"}",
            "libp2p_dial_seconds_sum{node=\"nodeb\"}",
            "libp2p_dial_seconds_sum{node=\"swarm\"}",
            "libp2p_handshake_seconds_bucket{direction=\"inbound\",node=\"nodeb\"}",
            "libp2p_handshake_seconds_bucket{direction=\"outbound\",node=\"swarm\"}",
            "libp2p_handshake_seconds_count{direction=\"inbound\",node=\"nodeb\"}",
            "libp2p_handshake_seconds_count{direction=\"outbound\",node=\"swarm\"}",
            "libp2p_handshake_seconds_max{direction=\"inbound\",node=\"nodeb\"}",
            "libp2p_handshake_seconds_max{direction=\"outbound\",node=\"swarm\"}",
            "libp2p_handshake_seconds_sum{direction=\"inbound\",node=\"nodeb\"}",
            "libp2p_handshake_seconds_sum{direction=\"outbound\",node=\"swarm\"}",
            "libp2p_peers_connected{node=\"nodeb\"}",
            "libp2p_peers_connected{node=\"swarm\"}",
            "libp2p_streams_opened_total{direction=\"inbound\","
                + "node=\"nodeb\",protocol=\"/ipfs/ping/1.0.0\"}",
            "libp2p_streams_opened_total{direction=\"outbound\","
                + "node=\"swarm\",protocol=\"/ipfs/ping/1.0.0\"}",
            "libp2p_streams_open{node=\"nodeb\"}",
            "libp2p_streams_open{node=\"swarm\"}"),
          rendered(MetricsRegistries.registryFor(v).scrape()));
      // In Micrometer the same meters carry dotted names without units or suffixes.
      TreeSet<String> names = new TreeSet<>();
      for (Meter m : MetricsRegistries.registryFor(v).getMeters()) {
        names.add(m.getId().getName());
      }
      assertEquals(List.of("libp2p.bytes.in", "libp2p.bytes.out", "libp2p.connection.rtt",
          "libp2p.connections.closed", "libp2p.connections.open", "libp2p.connections.opened",
          "libp2p.connections.rejected", "libp2p.connections.replaced",
          "libp2p.connections.unhealthy",
          "libp2p.dial", "libp2p.dial.attempts", "libp2p.dial.failures", "libp2p.dial.retries",
          "libp2p.handshake", "libp2p.peers.connected", "libp2p.streams.open",
          "libp2p.streams.opened"), List.copyOf(names));
    } finally {
      await(v.close());
    }
  }

  /** Series and {@code # TYPE} lines of a scrape, values and {@code le} labels dropped, sorted. */
  static List<String> rendered(String scrape) {
    TreeSet<String> out = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        out.add(line);
      } else if (!line.isEmpty() && !line.startsWith("#")) {
        String series = line.substring(0, line.lastIndexOf(' '));
        out.add(series.replaceAll(",le=\"[^\"]*\"", "").replaceAll("\\{le=\"[^\"]*\",?", "{"));
      }
    }
    return List.copyOf(out);
  }

  @Test
  void undeployRemovesTheSwarmsMeters() {
    await(vertx.undeploy(b.deploymentID()));
    MeterRegistry r = registry;
    assertNull(r.find(MetricNames.CONNECTIONS_OPEN).tag(MetricNames.TAG_NODE, "nodeb").gauge());
    assertNotNull(r.find(MetricNames.CONNECTIONS_OPEN).tag(MetricNames.TAG_NODE, "swarm").gauge());
  }
}
