package dev.vertxp2p.bench;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.testing.NodeProcess;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.protocols.Echo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * {@code cluster.*}: a real cluster of three node JVMs started from the fat jar (Hazelcast on
 * loopback), driven over their REST APIs from the bench JVM, with plain swarms in the bench JVM as
 * the remote peers (echo on).
 *
 * <ul>
 *   <li>{@code cluster.kill-restore.*}: a peer cluster-kept at 3 (one connection per node); a node
 *       holding a share is killed with SIGKILL; timed until every survivor's {@code
 *       /api/cluster/peers} shows the peer at 3 again, none on the killed node. {@code
 *       cluster.kill-leave.*}: until every survivor's {@code /api/cluster} no longer lists it. The
 *       node is then started again with the same config and the next repetition starts from 1+1+1.
 *   <li>{@code cluster.request.*}: what {@code swarm.cluster.request} costs over a local stream:
 *       1 KiB on {@code /echo/1.0.0}, as a stream in the bench JVM, as {@code POST
 *       /api/cluster/request} to a node that does not hold the peer (forwarded over the clustered
 *       event bus), and to the node that holds it.
 * </ul>
 *
 * <p>The views are read by polling (every {@link #POLL_MS} ms, one request in flight per node), so
 * a figure includes up to one poll period and one view's gathering.
 */
public final class ClusterScenario {
  /** The kept peer's target: one connection per node. */
  static final int TARGET = 3;
  /** {@code cluster.maxConnectionsPerRemotePeer}, as in conf/cluster-*.json. */
  static final int LIMIT = 4;
  /** {@code connection.maxConnectionsPerPeer} of each node. */
  static final int PER_NODE = 3;
  static final int NODES = 3;
  static final long POLL_MS = 50;
  /** How long any wait for the cluster may take before the scenario fails. */
  static final long WAIT_SECONDS = 120;
  /** Bytes of each request. */
  static final int REQUEST_BYTES = 1024;

  private ClusterScenario() {}

  /**
   * @param jar the fat jar ({@code target/vertx-libp2p-swarm.jar}; bench/run.sh builds it)
   * @param basePort Hazelcast port of node1; node2 and node3 take the next two
   * @param kills SIGKILL repetitions
   * @param requests timed requests per case (after as many untimed)
   */
  public static List<Metric> run(Path jar, int basePort, int kills, int requests)
      throws Exception {
    if (kills < 1 || requests < 1) {
      throw new IllegalArgumentException("kills and requests must be >= 1, got " + kills + " and "
          + requests);
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar.toAbsolutePath() + " is missing: bench/run.sh builds it"
          + " (mvn package -DskipTests) when the cluster scenario is selected");
    }
    String cluster = "bench-" + UUID.randomUUID();
    Vertx vertx = Vertx.vertx();
    WebClient web = WebClient.create(vertx);
    NodeProcess[] nodes = new NodeProcess[NODES];
    List<Swarm> swarms = new ArrayList<>();
    try {
      List<CompletableFuture<NodeProcess>> starting = new ArrayList<>();
      for (int i = 0; i < NODES; i++) {
        int k = i;
        starting.add(CompletableFuture.supplyAsync(
            () -> Node.start(jar, k, config(cluster, basePort, k))));
      }
      for (int i = 0; i < NODES; i++) {
        nodes[i] = starting.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
      }
      Views views = new Views(vertx, web);
      for (NodeProcess n : nodes) {
        Await.get(views.until(n, "/api/cluster", v -> names(v).size() == NODES), WAIT_SECONDS);
      }
      Swarm kept = peer(vertx, swarms);
      Swarm target = peer(vertx, swarms);
      Swarm local = peer(vertx, swarms);
      List<Metric> out = new ArrayList<>(requests(views, nodes, target, local, requests));
      out.addAll(killRestore(views, nodes, kept, jar, cluster, basePort, kills));
      return out;
    } finally {
      for (NodeProcess n : nodes) {
        if (n != null) {
          n.close();
        }
      }
      for (Swarm s : swarms) {
        Await.get(s.close().otherwiseEmpty(), 30);
      }
      web.close();
      Await.get(vertx.close(), 30);
    }
  }

  static JsonObject config(String cluster, int basePort, int i) {
    JsonArray members = new JsonArray();
    for (int k = 0; k < NODES; k++) {
      members.add("127.0.0.1:" + (basePort + k));
    }
    return new JsonObject()
        .put("listen", new JsonArray().add("/ip4/127.0.0.1/tcp/0"))
        .put("connection", new JsonObject().put("maxConnectionsPerPeer", PER_NODE)
            .put("connectionTimeout", 5.0))
        .put("services", new JsonObject().put("echo", true))
        .put("http", new JsonObject().put("enabled", true).put("host", "127.0.0.1")
            .put("port", 0))
        .put("cluster", new JsonObject().put("enabled", true).put("name", cluster)
            .put("host", "127.0.0.1").put("port", basePort + i).put("members", members)
            .put("nodeName", nodeName(i)).put("maxConnectionsPerRemotePeer", LIMIT));
  }

  static String nodeName(int i) {
    return "node" + (i + 1);
  }

  /** A started swarm in the bench JVM, echo on, listening on loopback. */
  private static Swarm peer(Vertx vertx, List<Swarm> swarms) {
    SwarmOptions o = new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"));
    o.getServices().setEcho(true);
    o.getConnection().setMaxConnectionsPerPeer(LIMIT);
    Swarm s = Swarm.create(vertx, o);
    swarms.add(s);
    Await.get(s.start(), WAIT_SECONDS);
    return s;
  }

  private static String addr(Swarm s) {
    String a = s.listenAddrs().get(0).toString();
    return a.contains("/p2p/") ? a : a + "/p2p/" + s.peerId();
  }

  // ---- kill and restore -------------------------------------------------------------------------

  private static List<Metric> killRestore(Views views, NodeProcess[] nodes, Swarm kept, Path jar,
      String cluster, int basePort, int kills) throws Exception {
    String kid = kept.peerId().toString();
    views.postOk(nodes[0], "/api/cluster/keep",
        new JsonObject().put("addr", addr(kept)).put("connections", TARGET));
    double[] leftMs = new double[kills];
    double[] restoredMs = new double[kills];
    for (int i = 0; i < kills; i++) {
      steady(views, nodes, kept);
      int v = (NODES - 1 + i) % NODES; // node3 first, then node1, node2, ...
      String victim = nodeName(v);
      List<NodeProcess> survivors = new ArrayList<>();
      for (int k = 0; k < NODES; k++) {
        if (k != v) {
          survivors.add(nodes[k]);
        }
      }
      long t0 = System.nanoTime();
      nodes[v].kill();
      Future<Long> left = views.untilAll(survivors, "/api/cluster",
          x -> !names(x).contains(victim));
      Future<Long> restored = views.untilAll(survivors, "/api/cluster/peers",
          x -> total(x, kid) == TARGET && !holders(x, kid).containsKey(victim));
      leftMs[i] = (Await.get(left, WAIT_SECONDS) - t0) / 1e6;
      restoredMs[i] = (Await.get(restored, WAIT_SECONDS) - t0) / 1e6;
      System.err.printf(Locale.ROOT, "  cluster: killed %s: left the views after %.0f ms, kept"
          + " peer back at %d after %.0f ms%n", victim, leftMs[i], TARGET, restoredMs[i]);
      nodes[v] = Node.start(jar, v, config(cluster, basePort, v));
    }
    steady(views, nodes, kept);
    String how = String.format(Locale.ROOT, "3 node JVMs from the fat jar (Hazelcast on"
        + " loopback, heartbeat 1 s, max.no.heartbeat 8 s; a killed JVM's port refuses"
        + " reconnects, so its member is dropped sooner), a peer cluster-kept at"
        + " %d (1 per node, maxConnectionsPerRemotePeer %d); a node holding a share killed with"
        + " SIGKILL, then restarted with the same config; views polled every %d ms, one request"
        + " in flight per survivor", TARGET, LIMIT, POLL_MS);
    List<Metric> out = new ArrayList<>(KeepScenario.summary("cluster.kill-restore", restoredMs,
        "until every survivor's /api/cluster/peers shows the kept peer at " + TARGET + " again,"
            + " none on the killed node: "
            + how + "; " + values(restoredMs)));
    out.addAll(KeepScenario.summary("cluster.kill-leave", leftMs,
        "until every survivor's /api/cluster no longer lists the killed node (a view leaves out"
            + " a node that does not answer, as well as a departed one): " + how + "; "
            + values(leftMs)));
    return out;
  }

  /**
   * Waits (not timed) until every node lists all {@link #NODES} and the kept peer is held 1+1+1.
   * A restore leaves one survivor with 2; once the restarted node is back, that survivor's share
   * goes down to 1 and it drains the surplus itself.
   */
  private static void steady(Views views, NodeProcess[] nodes, Swarm kept) throws InterruptedException {
    String kid = kept.peerId().toString();
    for (NodeProcess n : nodes) {
      Await.get(views.until(n, "/api/cluster", x -> names(x).size() == NODES), WAIT_SECONDS);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    JsonObject h = new JsonObject();
    while (System.nanoTime() < deadline) {
      h = holders(views.getOk(nodes[0], "/api/cluster/peers"), kid);
      if (oneEach(h)) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the kept peer was not held 1+1+1 within " + WAIT_SECONDS
        + " s; last: " + h.encode());
  }

  static boolean oneEach(JsonObject holders) {
    if (holders.size() != NODES) {
      return false;
    }
    for (int i = 0; i < NODES; i++) {
      if (holders.getInteger(nodeName(i), 0) != 1) {
        return false;
      }
    }
    return true;
  }

  // ---- requests ---------------------------------------------------------------------------------

  private static List<Metric> requests(Views views, NodeProcess[] nodes, Swarm target, Swarm local,
      int requests) {
    String tid = target.peerId().toString();
    NodeProcess holder = nodes[0];
    NodeProcess other = nodes[1];
    views.postOk(holder, "/api/dial", new JsonObject().put("addr", addr(target))
        .put("connections", 1));
    for (NodeProcess n : nodes) {
      Await.get(views.until(n, "/api/cluster/peers",
          x -> holders(x, tid).equals(new JsonObject().put(holder.name(), 1))), WAIT_SECONDS);
    }
    local.addAddresses(target.peerId(), target.listenAddrs());
    Await.get(local.dialPeer(target.peerId()), WAIT_SECONDS);

    byte[] data = new byte[REQUEST_BYTES];
    new Random(7).nextBytes(data);
    Buffer bytes = Buffer.buffer(data);
    JsonObject body = new JsonObject().put("peer", tid).put("protocol", Echo.PROTOCOL)
        .put("data", Base64.getEncoder().encodeToString(data));
    double[] a = new double[requests];
    double[] b = new double[requests];
    double[] c = new double[requests];
    // untimed rounds first (every JVM's JIT), then the timed ones; the three cases interleaved
    for (int round = 0; round < 2; round++) {
      boolean timed = round == 1;
      for (int i = 0; i < requests; i++) {
        long t0 = System.nanoTime();
        Buffer echoed = Await.get(echo(local, target.peerId(), bytes), WAIT_SECONDS);
        long t1 = System.nanoTime();
        JsonObject viaOther = views.postOk(other, "/api/cluster/request", body);
        long t2 = System.nanoTime();
        JsonObject viaHolder = views.postOk(holder, "/api/cluster/request", body);
        long t3 = System.nanoTime();
        if (!echoed.equals(bytes) || !body.getString("data").equals(viaOther.getString("data"))
            || !body.getString("data").equals(viaHolder.getString("data"))) {
          throw new IllegalStateException("an echo came back different");
        }
        if (!holder.name().equals(viaOther.getString("node"))
            || !holder.name().equals(viaHolder.getString("node"))) {
          throw new IllegalStateException("a request was not answered by the holder "
              + holder.name() + ": " + viaOther.getString("node") + ", "
              + viaHolder.getString("node"));
        }
        if (timed) {
          a[i] = (t1 - t0) / 1e6;
          b[i] = (t2 - t1) / 1e6;
          c[i] = (t3 - t2) / 1e6;
        }
      }
    }
    String n = requests + " timed after " + requests + " untimed, the three cases interleaved";
    String rest = "; includes REST (HTTP, JSON, base64) from the bench JVM and the placement,"
        + " which asks every node for its summary over the event bus before it sends the request"
        + " to the holder's swarm.<node>.request";
    List<Metric> out = new ArrayList<>();
    out.addAll(pair("cluster.request.local", a, "1 KiB on /echo/1.0.0: newStream, write, close,"
        + " read to the end, on an open connection between two swarms in the bench JVM; " + n));
    out.addAll(pair("cluster.request.forwarded", b, "POST /api/cluster/request, 1 KiB echo, to a"
        + " node without the peer: placed on the holder over the clustered event bus, which"
        + " opens the stream" + rest + "; " + n));
    out.addAll(pair("cluster.request.holder", c, "POST /api/cluster/request, 1 KiB echo, to the"
        + " node that holds the peer" + rest + "; " + n));
    out.addAll(difference("cluster.request.forwarded-minus-local", b, a,
        "cluster.request.forwarded minus cluster.request.local, percentile by percentile"));
    out.addAll(difference("cluster.request.holder-minus-local", c, a,
        "cluster.request.holder minus cluster.request.local, percentile by percentile"));
    return out;
  }

  /** newStream, write {@code data}, close the write side, read the whole reply. */
  static Future<Buffer> echo(Swarm swarm, PeerId peer, Buffer data) {
    return swarm.newStream(peer, Echo.PROTOCOL).compose(s -> {
      Promise<Buffer> done = Promise.promise();
      Buffer reply = Buffer.buffer();
      s.exceptionHandler(done::tryFail);
      s.handler(reply::appendBuffer);
      s.endHandler(v -> done.tryComplete(reply));
      s.write(data).compose(v -> s.end()).onFailure(done::tryFail);
      return done.future();
    });
  }

  private static List<Metric> pair(String prefix, double[] ms, String how) {
    return List.of(new Metric(prefix + ".p50", percentile(ms, 0.50), "ms", "p50: " + how),
        new Metric(prefix + ".p99", percentile(ms, 0.99), "ms", "p99: " + how));
  }

  private static List<Metric> difference(String prefix, double[] x, double[] y, String how) {
    return List.of(new Metric(prefix + ".p50", percentile(x, 0.50) - percentile(y, 0.50), "ms",
            "p50 of " + how),
        new Metric(prefix + ".p99", percentile(x, 0.99) - percentile(y, 0.99), "ms",
            "p99 of " + how));
  }

  /** The nearest-rank percentile: the smallest value with at least {@code q} of them at or below. */
  static double percentile(double[] values, double q) {
    if (values.length == 0 || !(q > 0 && q <= 1)) {
      throw new IllegalArgumentException("need values and 0 < q <= 1, got " + values.length
          + " values and q " + q);
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(1, Math.min(rank, sorted.length)) - 1];
  }

  private static String values(double[] ms) {
    StringBuilder sb = new StringBuilder("each (ms):");
    for (double v : ms) {
      sb.append(String.format(Locale.ROOT, " %.0f", v));
    }
    return sb.toString();
  }

  // ---- the views ------------------------------------------------------------------------------

  static List<String> names(JsonObject nodesView) {
    List<String> out = new ArrayList<>();
    for (Object o : nodesView.getJsonArray("nodes", new JsonArray())) {
      out.add(((JsonObject) o).getString("name"));
    }
    return out;
  }

  /** {@code {"<node>": connections}} of one remote peer in a {@code /api/cluster/peers} view. */
  static JsonObject holders(JsonObject peers, String peer) {
    JsonObject out = new JsonObject();
    for (Object h : peers.getJsonObject("peers", new JsonObject())
        .getJsonArray(peer, new JsonArray())) {
      JsonObject o = (JsonObject) h;
      out.put(o.getString("node"), o.getInteger("connections"));
    }
    return out;
  }

  static int total(JsonObject peers, String peer) {
    int t = 0;
    for (Object n : holders(peers, peer).getMap().values()) {
      t += ((Number) n).intValue();
    }
    return t;
  }

  /** REST calls to the nodes, and polls of their views. */
  private static final class Views {
    private final Vertx vertx;
    private final WebClient web;

    Views(Vertx vertx, WebClient web) {
      this.vertx = vertx;
      this.web = web;
    }

    JsonObject getOk(NodeProcess n, String path) {
      return ok(n, path, Await.get(web.getAbs(n.http() + path).timeout(30_000).send(), 60));
    }

    JsonObject postOk(NodeProcess n, String path, JsonObject body) {
      return ok(n, path, Await.get(web.postAbs(n.http() + path).timeout(30_000)
          .sendJsonObject(body), 60));
    }

    private static JsonObject ok(NodeProcess n, String path, HttpResponse<Buffer> r) {
      if (r.statusCode() != 200) {
        throw new IllegalStateException(path + " on " + n.name() + ": " + r.statusCode() + " "
            + r.bodyAsString());
      }
      return r.bodyAsJsonObject();
    }

    /**
     * Completes with {@link System#nanoTime()} at the arrival of the first reply of {@code n} to
     * GET {@code path} that matches, polling every {@link #POLL_MS} ms with one request in flight;
     * fails after {@link #WAIT_SECONDS}.
     */
    Future<Long> until(NodeProcess n, String path, Predicate<JsonObject> ok) {
      Promise<Long> result = Promise.promise();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      AtomicBoolean inFlight = new AtomicBoolean();
      JsonObject[] last = new JsonObject[1];
      long timer = vertx.setPeriodic(0, POLL_MS, id -> {
        if (result.future().isComplete() || !inFlight.compareAndSet(false, true)) {
          return;
        }
        web.getAbs(n.http() + path).timeout(10_000).send().onComplete(ar -> {
          long now = System.nanoTime();
          inFlight.set(false);
          if (ar.succeeded() && ar.result().statusCode() == 200) {
            last[0] = ar.result().bodyAsJsonObject();
            if (ok.test(last[0])) {
              result.tryComplete(now);
              return;
            }
          }
          if (now > deadline) {
            result.tryFail(new IllegalStateException(path + " on " + n.name() + " did not match"
                + " within " + WAIT_SECONDS + " s; last: " + last[0]));
          }
        });
      });
      return result.future().onComplete(x -> vertx.cancelTimer(timer));
    }

    /** {@link #until} on each of {@code nodes}: the latest of their times. */
    Future<Long> untilAll(List<NodeProcess> nodes, String path, Predicate<JsonObject> ok) {
      List<Future<Long>> each = new ArrayList<>();
      for (NodeProcess n : nodes) {
        each.add(until(n, path, ok));
      }
      return Future.all(each).map(x -> {
        long latest = Long.MIN_VALUE;
        for (Future<Long> f : each) {
          latest = Math.max(latest, f.result());
        }
        return latest;
      });
    }
  }

  // ---- the node processes -----------------------------------------------------------------------

  /** Node {@code i} from the fat jar (a {@link NodeProcess}), logging to the bench's folder. */
  static final class Node {
    private Node() {}

    static NodeProcess start(Path jar, int i, JsonObject config) {
      return NodeProcess.start(nodeName(i), jar, List.of("-Xmx256m", "-XX:+UseSerialGC"), config,
          Path.of("target", "bench", "cluster-logs"), (int) WAIT_SECONDS);
    }
  }
}
