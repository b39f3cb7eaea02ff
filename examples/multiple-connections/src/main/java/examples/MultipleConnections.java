package examples;

import dev.vertxp2p.Connection;
import dev.vertxp2p.DialOptions;
import dev.vertxp2p.LoadBalancingStrategy;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Registration;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmEvent;
import dev.vertxp2p.SwarmOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Several connections to one peer, in one JVM: node A dials node B with three connections, shows
 * every accessor, keeps B at three connections through a hang-up, then opens nine streams under
 * each load-balancing strategy and prints how they spread over the connections.
 *
 * <p>Run: {@code mvn -B -q test-compile exec:java -Dexec.mainClass=examples.MultipleConnections
 * -Dexec.classpathScope=test}
 */
public final class MultipleConnections {
  static final String HOLD = "/example/hold/1.0.0";

  private MultipleConnections() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      run(vertx);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Swarm node(Vertx vertx, LoadBalancingStrategy strategy) throws Exception {
    SwarmOptions options = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    options.getConnection().setMaxConnectionsPerPeer(3).setLoadBalancingStrategy(strategy);
    options.getRetry().setMaxRetries(3);
    // Identify off: its short-lived streams would mix into the spread printed below.
    options.getServices().setIdentify(false);
    Swarm swarm = Swarm.create(vertx, options);
    await(swarm.start());
    // Streams of this protocol stay open until the example ends, so connections carry load.
    swarm.handle(HOLD, stream -> stream.handler(data -> { }));
    return swarm;
  }

  public static void run(Vertx vertx) throws Exception {
    Swarm b = node(vertx, LoadBalancingStrategy.ROUND_ROBIN);
    System.out.println("== Multiple connections per peer");
    System.out.println("Node B listening on " + b.listenAddrs().get(0));

    Swarm a = node(vertx, LoadBalancingStrategy.ROUND_ROBIN);
    PeerId peer = b.peerId();
    List<Connection> conns =
        await(a.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
    System.out.println("Connections established to B: " + conns.size());

    System.out.println("\n== The accessors");
    System.out.println("getConnections(B): " + ids(a.getConnections(peer)));
    System.out.println("getConnections():  " + ids(a.getConnections()));
    for (Map.Entry<PeerId, List<Connection>> e : a.getConnectionsMap().entrySet()) {
      System.out.println("getConnectionsMap(): " + short_(e.getKey()) + " -> " + ids(e.getValue()));
    }
    System.out.println("getConnection(B) (legacy, the oldest): " + a.getConnection(peer).id());
    for (Map.Entry<PeerId, Connection> e : a.connectionsLegacy().entrySet()) {
      System.out.println("connectionsLegacy(): " + short_(e.getKey()) + " -> " + e.getValue().id());
    }
    for (Connection c : conns) {
      System.out.println("  " + c.id() + " " + c.direction().jsonName() + " " + c.localAddr()
          + " -> " + c.remoteAddr() + " " + c.security() + " " + c.muxer());
    }

    System.out.println("\n== A kept peer survives a hang-up");
    // A keeps B at three: a lost connection is re-dialled under the retry backoff, no call needed.
    await(a.keep(peer, 3));
    await(reach(b, a.peerId(), 3));
    Promise<SwarmEvent> retry = Promise.promise();
    a.eventHandler(e -> {
      if (e.type().equals(SwarmEvent.DIAL_RETRY) && e.fields().getBoolean("kept", false)) {
        retry.tryComplete(e);
      }
    });
    String gone = b.getConnections(a.peerId()).get(0).id();
    await(b.closeConnection(gone));
    System.out.println("B hung up one connection; A: dial.retry "
        + await(retry.future()).fields().getDouble("delay") + " s");
    await(reach(a, peer, 3));
    System.out.println("Connections to B after the hang-up: " + a.getConnections(peer).size()
        + " " + await(a.kept()));
    await(a.close());

    System.out.println("\n== Nine streams under each strategy");
    for (LoadBalancingStrategy strategy : LoadBalancingStrategy.values()) {
      Swarm s = node(vertx, strategy);
      List<Connection> three =
          await(s.dial(b.listenAddrs().get(0), new DialOptions().setConnections(3)));
      if (strategy == LoadBalancingStrategy.LOWEST_LATENCY) {
        await(s.ping(peer)); // measure at least one connection's round trip
      }
      Map<String, Integer> spread = new LinkedHashMap<>();
      for (Connection c : three) {
        spread.put(c.id(), 0);
      }
      List<P2pStream> held = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        P2pStream stream = await(s.newStream(peer, HOLD));
        held.add(stream);
        spread.merge(stream.connection().id(), 1, Integer::sum);
      }
      System.out.println(strategy.jsonName() + ": " + spread);
      // Done with them: a graceful close would otherwise give open streams its grace period.
      held.forEach(P2pStream::reset);
      await(s.close());
    }
    await(b.close());
  }

  /** Completes once {@code swarm} has {@code n} connections to {@code peer}; waits on events. */
  static Future<Void> reach(Swarm swarm, PeerId peer, int n) {
    Promise<Void> done = Promise.promise();
    Registration r = swarm.eventHandler(e -> {
      if (swarm.getConnections(peer).size() == n) {
        done.tryComplete();
      }
    });
    if (swarm.getConnections(peer).size() == n) {
      done.tryComplete();
    }
    return done.future().onComplete(ar -> r.unregister());
  }

  static List<String> ids(List<Connection> conns) {
    List<String> out = new ArrayList<>();
    for (Connection c : conns) {
      out.add(c.id());
    }
    return out;
  }

  static String short_(PeerId peer) {
    String s = peer.toString();
    return s.substring(0, 8) + "…" + s.substring(s.length() - 6);
  }
}
