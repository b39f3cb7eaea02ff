package dev.vertxp2p.verticle;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.P2pStream;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster-wide operations that act on a connection somewhere in the cluster: {@code
 * swarm.cluster.dial} (placement) and {@code swarm.cluster.request} (one request/response stream
 * from whichever node holds the peer), with the node-level addresses they forward to.
 *
 * <p><b>Placement.</b> A peer's connections go to the node that already holds the most of them
 * (ties by node name); a peer no node holds goes to the node with the fewest connections (ties by
 * name). The views are gathered by asking every node ({@link ClusterMembership#summaries()}), so
 * two placements of one new peer at the same instant may pick different nodes; the cluster-wide
 * limit, where set, still holds.
 *
 * <p>Holds no mutable state; its futures run on the verticle's context.
 */
final class ClusterOperations {
  /** Default and largest {@code maxResponseBytes} of a cluster request. */
  static final int DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;
  static final int MAX_MAX_RESPONSE_BYTES = 64 << 20;
  /** Largest {@code data} of a cluster request, decoded. */
  static final int MAX_REQUEST_BYTES = 1 << 20;
  /** Default and largest {@code timeout} of a cluster request, in seconds. */
  static final double DEFAULT_TIMEOUT_SECONDS = 30;
  static final double MAX_TIMEOUT_SECONDS = 300;
  /** Most addresses a cluster request carries or gathers for a peer. */
  static final int MAX_ADDRS = 32;
  /** Longest protocol id. */
  static final int MAX_PROTOCOL_LENGTH = 256;
  /** Suffix of a node's own request address (cluster-wide, under its node name). */
  static final String NODE_REQUEST = "request";
  /** Suffix of a node's known-addresses address (cluster-wide, under its node name). */
  static final String NODE_ADDRESSES = "addresses";

  private final Vertx vertx;
  private final EventBusAddresses addresses;
  private final ClusterMembership membership;
  private final Swarm swarm;

  ClusterOperations(Vertx vertx, EventBusAddresses addresses, ClusterMembership membership,
      Swarm swarm) {
    this.vertx = vertx;
    this.addresses = addresses;
    this.membership = membership;
    this.swarm = swarm;
  }

  /** The node named {@code node}'s address for {@code suffix}. */
  private String at(String node, String suffix) {
    return addresses.forNode(node).prefix() + "." + suffix;
  }

  // ---- placement ----------------------------------------------------------------------------

  /** Where {@code peer}'s connections go: {@code {"node", "holds": n}}. */
  Future<Placement> place(PeerId peer) {
    String key = peer.toString();
    return membership.summaries().map(list -> {
      String holder = null;
      int most = 0;
      String emptiest = null;
      long fewest = Long.MAX_VALUE;
      for (JsonObject s : list) {
        String name = s.getString("name");
        int held = s.getJsonObject("byPeer", new JsonObject()).getInteger(key, 0);
        if (held > most || (held == most && held > 0 && name.compareTo(holder) < 0)) {
          holder = name;
          most = held;
        }
        long conns = s.getLong("connections", 0L);
        if (conns < fewest || (conns == fewest && name.compareTo(emptiest) < 0)) {
          emptiest = name;
          fewest = conns;
        }
      }
      if (holder != null) {
        return new Placement(holder, most);
      }
      if (emptiest == null) {
        throw new SwarmRequestException(ErrorCodes.UNAVAILABLE,
            "no node of the cluster answered; try again");
      }
      return new Placement(emptiest, 0);
    });
  }

  record Placement(String node, int holds) {}

  /**
   * {@code swarm.cluster.dial {"addr", "connections"?}}: the top-up runs on the placed node.
   * Replies {@code {"node", "peer", "requested", "connections": [Conn...], "shortfall": [...]}}.
   */
  Future<JsonObject> dial(JsonObject body) {
    String addrText = Bodies.requireString(body, "addr");
    Multiaddr addr = Multiaddr.parse(addrText);
    PeerId peer = addr.peerId().orElseThrow(() -> Bodies.bad("addr " + addrText
        + " has no /p2p/<peer id> part; append the peer id"));
    Object n = body.getValue("connections");
    if (n != null && !(n instanceof Integer || n instanceof Long)) {
      throw Bodies.bad("connections must be an integer, got " + n);
    }
    JsonObject forward = new JsonObject().put("addr", addrText);
    if (n != null) {
      forward.put("connections", n);
    }
    if (body.containsKey("force")) {
      forward.put("force", body.getValue("force"));
    }
    return place(peer).compose(p -> forwarded(vertx.eventBus().<JsonObject>request(
            addresses.forNode(p.node()).dial(), forward, longTimeout()))
        .map(reply -> reply.copy().put("node", p.node())));
  }

  private DeliveryOptions longTimeout() {
    // A top-up's dials carry their own timeouts; the bus waits past them.
    long ms = (long) (swarm.options().getConnection().getConnectionTimeoutDuration().toMillis()
        * (swarm.options().getRetry().getMaxRetries() + 2L)) + 10_000;
    return new DeliveryOptions().setSendTimeout(ms);
  }

  /** The reply's body; a failure keeps its contract code and words. */
  private static Future<JsonObject> forwarded(Future<Message<JsonObject>> reply) {
    return reply.transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(ar.result().body());
      }
      Throwable err = ar.cause();
      if (err instanceof ReplyException re) {
        int code = re.failureType() == io.vertx.core.eventbus.ReplyFailure.RECIPIENT_FAILURE
            ? re.failureCode()
            : re.failureType() == io.vertx.core.eventbus.ReplyFailure.TIMEOUT
                ? ErrorCodes.TIMED_OUT : ErrorCodes.UNAVAILABLE;
        return Future.failedFuture(new SwarmRequestException(code, re.getMessage()));
      }
      return Future.failedFuture(err);
    });
  }

  // ---- request ------------------------------------------------------------------------------

  /** A validated cluster request. */
  record Request(PeerId peer, String protocol, byte[] data, List<String> addrs,
      int maxResponseBytes, double timeoutSeconds) {

    static Request parse(JsonObject body) {
      PeerId peer = PeerId.parse(Bodies.requireString(body, "peer"));
      String protocol = Bodies.requireString(body, "protocol");
      if (!protocol.startsWith("/") || protocol.length() > MAX_PROTOCOL_LENGTH
          || protocol.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw Bodies.bad("protocol must be a protocol id such as /echo/1.0.0 (starting with /,"
            + " at most " + MAX_PROTOCOL_LENGTH + " printable characters), got \"" + protocol
            + "\"");
      }
      Object d = body.getValue("data", "");
      if (!(d instanceof String text)) {
        throw Bodies.bad("data must be a base64 string, got " + d);
      }
      byte[] data;
      try {
        data = Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw Bodies.bad("data is not valid base64: " + e.getMessage());
      }
      if (data.length > MAX_REQUEST_BYTES) {
        throw Bodies.bad("data is " + data.length + " bytes; at most " + MAX_REQUEST_BYTES
            + " may be sent");
      }
      List<String> addrs = new ArrayList<>();
      Object a = body.getValue("addrs");
      if (a != null) {
        if (!(a instanceof JsonArray array)) {
          throw Bodies.bad("addrs must be an array of multiaddr strings");
        }
        if (array.size() > MAX_ADDRS) {
          throw Bodies.bad("addrs has " + array.size() + " entries; at most " + MAX_ADDRS);
        }
        for (int i = 0; i < array.size(); i++) {
          if (!(array.getValue(i) instanceof String s)) {
            throw Bodies.bad("addrs[" + i + "] must be a multiaddr string");
          }
          Optional<PeerId> in = Multiaddr.parse(s).peerId();
          if (in.isPresent() && !in.get().equals(peer)) {
            throw Bodies.bad("addrs[" + i + "] names peer " + in.get() + ", not " + peer);
          }
          addrs.add(s);
        }
      }
      Object m = body.getValue("maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES);
      if (!(m instanceof Integer || m instanceof Long) || ((Number) m).longValue() < 1
          || ((Number) m).longValue() > MAX_MAX_RESPONSE_BYTES) {
        throw Bodies.bad("maxResponseBytes must be an integer from 1 to " + MAX_MAX_RESPONSE_BYTES
            + ", got " + m);
      }
      Object t = body.getValue("timeout", DEFAULT_TIMEOUT_SECONDS);
      if (!(t instanceof Number tn) || !(tn.doubleValue() > 0)
          || tn.doubleValue() > MAX_TIMEOUT_SECONDS) {
        throw Bodies.bad("timeout must be a number of seconds above 0 and at most "
            + MAX_TIMEOUT_SECONDS + ", got " + t);
      }
      return new Request(peer, protocol, data, addrs, ((Number) m).intValue(), tn.doubleValue());
    }

    JsonObject toJson() {
      return new JsonObject().put("peer", peer.toString()).put("protocol", protocol)
          .put("data", Base64.getEncoder().encodeToString(data))
          .put("addrs", new JsonArray(new ArrayList<>(addrs)))
          .put("maxResponseBytes", maxResponseBytes).put("timeout", timeoutSeconds);
    }

    long timeoutMs() {
      return Math.max(1, (long) (timeoutSeconds * 1000));
    }
  }

  /**
   * {@code swarm.cluster.request}: placed on the node holding the peer, else (with the addresses
   * given, or those any node knows) on the node with the fewest connections; 404 when no address
   * is known anywhere.
   */
  Future<JsonObject> request(JsonObject body) {
    Request r = Request.parse(body);
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(r.timeoutMs() + 5_000);
    return place(r.peer()).compose(p -> {
      Future<Request> withAddrs = p.holds() > 0 || !r.addrs().isEmpty()
          ? Future.succeededFuture(r) : gatherAddrs(r);
      return withAddrs.compose(full -> forwarded(vertx.eventBus().<JsonObject>request(
          at(p.node(), NODE_REQUEST), full.toJson(), options)));
    });
  }

  /** {@code r} with every address some node knows for its peer; 404 when none does. */
  private Future<Request> gatherAddrs(Request r) {
    JsonObject q = new JsonObject().put("peer", r.peer().toString());
    return gather(NODE_ADDRESSES, q).compose(replies -> {
      Set<String> found = new LinkedHashSet<>();
      for (JsonObject reply : replies) {
        for (Object a : reply.getJsonArray("addrs", new JsonArray())) {
          if (a instanceof String s && found.size() < MAX_ADDRS) {
            found.add(s);
          }
        }
      }
      if (found.isEmpty()) {
        return Future.failedFuture(new SwarmRequestException(ErrorCodes.NOT_FOUND,
            "no node of the cluster holds a connection to " + r.peer() + " or knows an address"
                + " of it; give \"addrs\""));
      }
      return Future.succeededFuture(new Request(r.peer(), r.protocol(), r.data(),
          new ArrayList<>(found), r.maxResponseBytes(), r.timeoutSeconds()));
    });
  }

  /**
   * Every live node's reply on its own {@code <prefix>.<node>.<suffix>}, asked all at once;
   * silent nodes are left out.
   */
  Future<List<JsonObject>> gather(String suffix) {
    return gather(suffix, new JsonObject());
  }

  /** As {@link #gather(String)}, each node asked with {@code body}. */
  Future<List<JsonObject>> gather(String suffix, JsonObject body) {
    List<Future<Message<JsonObject>>> asks = new ArrayList<>();
    DeliveryOptions o = new DeliveryOptions().setSendTimeout(ClusterMembership.SUMMARY_TIMEOUT_MS);
    for (String node : membership.liveNames()) {
      asks.add(vertx.eventBus().request(at(node, suffix), body, o));
    }
    return Future.join(asks).transform(x -> {
      List<JsonObject> out = new ArrayList<>();
      for (Future<Message<JsonObject>> f : asks) {
        if (f.succeeded() && f.result().body() != null) {
          out.add(f.result().body());
        }
      }
      return Future.succeededFuture(out);
    });
  }

  /** {@code <prefix>.<node>.addresses {"peer"}} → {@code {"addrs": [...]}}: what this node knows. */
  Future<JsonObject> knownAddresses(JsonObject body) {
    PeerId peer = PeerId.parse(Bodies.requireString(body, "peer"));
    JsonArray out = new JsonArray();
    for (Multiaddr a : swarm.addresses(peer)) {
      if (out.size() < MAX_ADDRS) {
        out.add(a.toString());
      }
    }
    return Future.succeededFuture(new JsonObject().put("addrs", out));
  }

  /**
   * {@code <prefix>.<node>.request}: runs a cluster request on this node: a stream for the
   * protocol (dialling the peer when no connection is open), the data written, the write side
   * closed, and the whole reply read. Replies {@code {"node", "data": base64}}.
   */
  Future<JsonObject> serveRequest(JsonObject body) {
    Request r = Request.parse(body);
    List<Multiaddr> addrs = new ArrayList<>();
    for (String s : r.addrs()) {
      addrs.add(Multiaddr.parse(s));
    }
    if (!addrs.isEmpty()) {
      swarm.addAddresses(r.peer(), addrs);
    }
    if (swarm.getConnections(r.peer()).isEmpty() && swarm.addresses(r.peer()).isEmpty()) {
      return Future.failedFuture(new SwarmRequestException(ErrorCodes.NOT_FOUND,
          "no connection to " + r.peer() + " and no known address of it; give \"addrs\""));
    }
    Promise<JsonObject> result = Promise.promise();
    P2pStream[] open = new P2pStream[1];
    long timer = vertx.setTimer(r.timeoutMs(), t -> {
      if (result.tryFail(new SwarmRequestException(ErrorCodes.TIMED_OUT, "no whole reply from "
          + r.peer() + " on " + r.protocol() + " within " + r.timeoutSeconds() + " s"))
          && open[0] != null) {
        open[0].reset();
      }
    });
    result.future().onComplete(x -> vertx.cancelTimer(timer));
    swarm.newStream(r.peer(), r.protocol()).onComplete(ar -> {
      if (ar.failed()) {
        result.tryFail(ar.cause());
        return;
      }
      P2pStream s = ar.result();
      open[0] = s;
      if (result.future().isComplete()) {
        s.reset();
        return;
      }
      Buffer reply = Buffer.buffer();
      s.exceptionHandler(err -> result.tryFail(new SwarmRequestException(
          ErrorCodes.ALL_ATTEMPTS_FAILED, "the stream to " + r.peer() + " failed before its"
              + " reply ended: " + ErrorCodes.textOf(err))));
      s.handler(chunk -> {
        if (result.future().isComplete()) {
          return;
        }
        if ((long) reply.length() + chunk.length() > r.maxResponseBytes()) {
          // Failed first, so the reset's own exception does not become the answer.
          result.tryFail(new SwarmRequestException(ErrorCodes.ALL_ATTEMPTS_FAILED, "the reply"
              + " from " + r.peer() + " on " + r.protocol() + " is over maxResponseBytes ("
              + r.maxResponseBytes() + "); it was not cut short, the stream was reset"));
          s.reset();
          return;
        }
        reply.appendBuffer(chunk);
      });
      s.endHandler(v -> result.tryComplete(new JsonObject().put("node", membership.nodeName())
          .put("peer", r.peer().toString()).put("protocol", r.protocol())
          .put("data", Base64.getEncoder().encodeToString(reply.getBytes()))));
      s.write(Buffer.buffer(r.data())).compose(v -> s.end()).onFailure(err ->
          result.tryFail(new SwarmRequestException(ErrorCodes.ALL_ATTEMPTS_FAILED,
              "could not send the request to " + r.peer() + ": " + ErrorCodes.textOf(err))));
    });
    return result.future();
  }
}
