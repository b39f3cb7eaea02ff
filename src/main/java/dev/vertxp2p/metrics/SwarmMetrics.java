package dev.vertxp2p.metrics;

import dev.vertxp2p.Connection;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The swarm's meters (see {@link MetricNames}): gauges read from the swarm's connection snapshot
 * at scrape time, counters fed from its {@link SwarmEvent}s.
 *
 * <p>Byte totals must never go down, yet a connection's counts leave the snapshot when it closes:
 * the totals are "bytes of closed connections (from their {@code connection.closed} event) plus
 * bytes of open ones", kept monotonic against the short window where a closed connection has left
 * the snapshot but its event has not arrived.
 */
public final class SwarmMetrics {
  static final String INBOUND = "inbound";
  static final String OUTBOUND = "outbound";

  private final MeterRegistry registry;
  /** The swarm handlers feeding the meters, removed on close. */
  private final java.util.List<dev.vertxp2p.Registration> registrations =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Swarm swarm;
  private final Tags nodeTags;
  /** Meters to remove on close; added from the swarm's loop and from streams' loops. */
  private final java.util.Set<Meter> meters = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final AtomicLong closedBytesIn = new AtomicLong();
  private final AtomicLong closedBytesOut = new AtomicLong();
  private final AtomicLong lastBytesIn = new AtomicLong();
  private final AtomicLong lastBytesOut = new AtomicLong();
  private volatile boolean closed;

  private SwarmMetrics(MeterRegistry registry, Swarm swarm, String node) {
    this.registry = registry;
    this.swarm = swarm;
    this.nodeTags = Tags.of(MetricNames.TAG_NODE, node);
  }

  /**
   * Registers the meters of {@code swarm} in {@code registry}, tagged {@code node=<node>}, and
   * starts counting its events. Call {@link #close()} to remove them.
   */
  public static SwarmMetrics bind(MeterRegistry registry, Swarm swarm, String node) {
    SwarmMetrics m = new SwarmMetrics(registry, swarm, node);
    m.registerGauges();
    m.registrations.add(swarm.eventHandler(m::onEvent));
    m.registrations.add(swarm.streamOpenedHandler(m::onStream));
    Timer rtt = m.timer(MetricNames.CONNECTION_RTT, m.nodeTags);
    m.registrations.add(swarm.rttHandler((conn, millis) -> {
      if (!m.closed) {
        record(rtt, millis);
      }
    }));
    return m;
  }

  private void registerGauges() {
    for (String direction : List.of(INBOUND, OUTBOUND)) {
      for (String[] kind : connectionKinds()) {
        String muxer = kind[0];
        String transport = kind[1];
        meters.add(Gauge.builder(MetricNames.CONNECTIONS_OPEN, swarm,
                s -> count(s, direction, muxer, transport))
            .description("Connections open now")
            .tags(connTags(direction, muxer, transport))
            .strongReference(true)
            .register(registry));
      }
    }
    meters.add(Gauge.builder(MetricNames.PEERS_CONNECTED, swarm,
            s -> s.getConnectionsMap().size())
        .description("Peers with at least one open connection")
        .tags(nodeTags).strongReference(true).register(registry));
    meters.add(Gauge.builder(MetricNames.STREAMS_OPEN, swarm,
            s -> sum(s, Connection::openStreams))
        .description("Streams open now over all connections")
        .tags(nodeTags).strongReference(true).register(registry));
    meters.add(Gauge.builder(MetricNames.CONNECTIONS_UNHEALTHY, swarm,
            s -> sum(s, c -> c.health() == dev.vertxp2p.ConnectionHealth.UNHEALTHY ? 1 : 0))
        .description("Connections that health checks found unhealthy")
        .tags(nodeTags).strongReference(true).register(registry));
    meters.add(FunctionCounter.builder(MetricNames.BYTES_IN, this, SwarmMetrics::bytesIn)
        .description("Bytes read from peers (ciphertext and framing included)")
        .baseUnit(BaseUnits.BYTES).tags(nodeTags).register(registry));
    meters.add(FunctionCounter.builder(MetricNames.BYTES_OUT, this, SwarmMetrics::bytesOut)
        .description("Bytes written to peers (ciphertext and framing included)")
        .baseUnit(BaseUnits.BYTES).tags(nodeTags).register(registry));
    // Counters appear at zero from the start, so that rate() works from the first scrape.
    for (String direction : List.of(INBOUND, OUTBOUND)) {
      for (String[] kind : connectionKinds()) {
        connCounter(MetricNames.CONNECTIONS_OPENED, direction, kind[0], kind[1]);
        connCounter(MetricNames.CONNECTIONS_CLOSED, direction, kind[0], kind[1]);
      }
      counter(MetricNames.CONNECTIONS_REJECTED,
          nodeTags.and(MetricNames.TAG_DIRECTION, direction));
    }
    for (String result : List.of("success", "retry", "failure")) {
      counter(MetricNames.DIAL_ATTEMPTS, nodeTags.and(MetricNames.TAG_RESULT, result));
    }
    counter(MetricNames.DIAL_RETRIES, nodeTags);
    counter(MetricNames.DIAL_FAILURES, nodeTags);
    counter(MetricNames.CONNECTIONS_REPLACED, nodeTags);
  }

  private Timer timer(String name, Tags tags) {
    Timer t = Timer.builder(name).tags(tags).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
        .register(registry);
    meters.add(t);
    return t;
  }

  private static void record(Timer timer, Double millis) {
    if (millis != null && millis >= 0) {
      timer.record((long) (millis * 1e6), TimeUnit.NANOSECONDS);
    }
  }

  private Counter counter(String name, Tags tags) {
    Counter c = Counter.builder(name).tags(tags).register(registry);
    meters.add(c);
    return c;
  }

  /** The transports a muxed connection can be over here, each with its series from the start. */
  static final List<String> TRANSPORTS = List.of("tcp", "ws");

  /**
   * The Conn JSON's muxer and transport of a QUIC connection (the contract's names): QUIC's own
   * streams, no muxer of ours.
   */
  static final String QUIC_MUXER = "quic";
  static final String QUIC_TRANSPORT = "quic-v1";

  /**
   * Every (muxer, transport) pair a connection can have here, each with its series from the
   * start: each configured muxer over TCP and {@code /ws}, and QUIC.
   */
  private List<String[]> connectionKinds() {
    List<String[]> kinds = new java.util.ArrayList<>();
    for (String muxer : swarm.options().getTransport().getMuxers()) {
      for (String transport : TRANSPORTS) {
        kinds.add(new String[] {muxer, transport});
      }
    }
    kinds.add(new String[] {QUIC_MUXER, QUIC_TRANSPORT});
    return kinds;
  }

  private Tags connTags(String direction, String muxer, String transport) {
    return nodeTags.and(MetricNames.TAG_DIRECTION, direction, MetricNames.TAG_MUXER, muxer,
        MetricNames.TAG_TRANSPORT, transport);
  }

  private Counter connCounter(String name, String direction, String muxer, String transport) {
    return counter(name, connTags(direction, muxer, transport));
  }

  private static long count(Swarm s, String direction, String muxer, String transport) {
    long n = 0;
    for (Connection c : s.getConnections()) {
      if (c.direction().jsonName().equals(direction) && muxer.equals(c.muxer())
          && transport.equals(c.transport())) {
        n++;
      }
    }
    return n;
  }

  private static long sum(Swarm s, ToLongFunction<Connection> f) {
    long n = 0;
    for (Connection c : s.getConnections()) {
      n += f.applyAsLong(c);
    }
    return n;
  }

  private double bytesIn() {
    long now = closedBytesIn.get() + sum(swarm, Connection::bytesIn);
    return lastBytesIn.accumulateAndGet(now, Math::max);
  }

  private double bytesOut() {
    long now = closedBytesOut.get() + sum(swarm, Connection::bytesOut);
    return lastBytesOut.accumulateAndGet(now, Math::max);
  }

  private void onStream(dev.vertxp2p.P2pStream stream) {
    if (closed) {
      return;
    }
    counter(MetricNames.STREAMS_OPENED, nodeTags.and(MetricNames.TAG_PROTOCOL, stream.protocol(),
        MetricNames.TAG_DIRECTION, stream.isOutbound() ? OUTBOUND : INBOUND)).increment();
  }

  private void onEvent(SwarmEvent event) {
    if (closed) {
      return;
    }
    JsonObject conn = event.fields().getJsonObject("connection");
    // A socket refused before its handshake has no connection yet; its event names the direction.
    String direction = conn == null ? event.fields().getString("direction", "unknown")
        : conn.getString("direction", "unknown");
    String muxer = conn == null ? "unknown" : conn.getString("muxer", "unknown");
    String transport = conn == null ? "unknown" : conn.getString("transport", "unknown");
    switch (event.type()) {
      case SwarmEvent.CONNECTION_OPENED -> {
        connCounter(MetricNames.CONNECTIONS_OPENED, direction, muxer, transport).increment();
        record(timer(MetricNames.HANDSHAKE, nodeTags.and(MetricNames.TAG_DIRECTION, direction)),
            event.fields().getDouble("handshakeMs"));
        record(timer(MetricNames.DIAL, nodeTags), event.fields().getDouble("dialMs"));
        if (OUTBOUND.equals(direction)) {
          counter(MetricNames.DIAL_ATTEMPTS, nodeTags.and(MetricNames.TAG_RESULT, "success"))
              .increment();
        }
      }
      case SwarmEvent.CONNECTION_CLOSED -> {
        connCounter(MetricNames.CONNECTIONS_CLOSED, direction, muxer, transport).increment();
        if (conn != null) {
          closedBytesIn.addAndGet(conn.getLong("bytesIn", 0L));
          closedBytesOut.addAndGet(conn.getLong("bytesOut", 0L));
        }
      }
      case SwarmEvent.CONNECTION_REPLACED ->
          counter(MetricNames.CONNECTIONS_REPLACED, nodeTags).increment();
      case SwarmEvent.CONNECTION_REJECTED -> counter(MetricNames.CONNECTIONS_REJECTED,
          nodeTags.and(MetricNames.TAG_DIRECTION, direction)).increment();
      case SwarmEvent.DIAL_RETRY -> {
        // A kept peer's round ("kept": true) follows a lost connection or a top-up whose own
        // attempts were counted already: it is not a failed attempt, so neither counter moves.
        if (!event.fields().getBoolean("kept", false)) {
          counter(MetricNames.DIAL_RETRIES, nodeTags).increment();
          counter(MetricNames.DIAL_ATTEMPTS, nodeTags.and(MetricNames.TAG_RESULT, "retry"))
              .increment();
        }
      }
      case SwarmEvent.DIAL_FAILED -> {
        counter(MetricNames.DIAL_FAILURES, nodeTags).increment();
        counter(MetricNames.DIAL_ATTEMPTS, nodeTags.and(MetricNames.TAG_RESULT, "failure"))
            .increment();
      }
      default -> {
        // peer.connected / peer.disconnected: the peers gauge reads the snapshot
      }
    }
  }

  /** Removes this swarm's meters from the registry and stops counting. */
  public void close() {
    closed = true;
    for (dev.vertxp2p.Registration r : registrations) {
      r.unregister();
    }
    registrations.clear();
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
  }
}
