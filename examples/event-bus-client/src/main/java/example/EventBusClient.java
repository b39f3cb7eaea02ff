package example;

import dev.vertxp2p.verticle.SwarmVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A verticle that uses the swarm only through the event bus, as any part of a Vert.x application
 * can: it follows {@code swarm.events}, dials a peer with {@code swarm.dial} and lists the
 * connections with {@code swarm.connections}. It knows nothing of the Swarm Java API.
 *
 * <p>Deployment config: {@code {"target": "<multiaddr ending in /p2p/<peer id>>",
 * "connections": 2}}. Its start completes once the dial and the listing are done, and it puts
 * the listing in {@link #lastListing()}.
 */
public class EventBusClient extends VerticleBase {
  private volatile JsonArray lastListing;

  /** The connections listed after the dial, or null before. */
  public JsonArray lastListing() {
    return lastListing;
  }

  @Override
  public Future<?> start() {
    EventBus bus = vertx.eventBus();
    String target = config().getString("target");
    int connections = config().getInteger("connections", 2);

    bus.<JsonObject>consumer("swarm.events", m -> {
      JsonObject e = m.body();
      System.out.println("event " + e.getString("type") + " " + e.getString("peer"));
    });

    JsonObject dial = new JsonObject().put("addr", target).put("connections", connections);
    return bus.<JsonObject>request("swarm.dial", dial)
        .compose(reply -> {
          System.out.println("dialed " + reply.body().getString("peer") + ": "
              + reply.body().getJsonArray("connections").size() + " connection(s)");
          return bus.<JsonObject>request("swarm.connections", new JsonObject());
        })
        .map(Message::body)
        .onSuccess(list -> {
          lastListing = list.getJsonArray("connections");
          for (Object o : lastListing) {
            JsonObject c = (JsonObject) o;
            System.out.println(c.getString("id") + " " + c.getString("direction") + " "
                + c.getString("remoteAddr") + " " + c.getString("muxer"));
          }
        })
        .onFailure(err -> {
          // Failures carry the contract's code: 400 bad input, 404 unknown peer,
          // 409 limit reached, 502 every attempt failed, 504 timed out.
          int code = err instanceof ReplyException re ? re.failureCode() : -1;
          System.err.println("dial failed (" + code + "): " + err.getMessage());
        });
  }

  /**
   * Runs a node (the SwarmVerticle, no HTTP) and this client in one Vert.x instance.
   *
   * @param args the multiaddr of a peer to dial, ending in {@code /p2p/<peer id>}
   */
  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: EventBusClient /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...");
      System.exit(2);
    }
    Vertx vertx = Vertx.vertx();
    JsonObject node = new JsonObject()
        .put("listen", new JsonArray().add("/ip4/127.0.0.1/tcp/0"))
        .put("http", new JsonObject().put("enabled", false));
    vertx.deployVerticle(new SwarmVerticle(), new DeploymentOptions().setConfig(node))
        .compose(id -> vertx.deployVerticle(new EventBusClient(), new DeploymentOptions()
            .setConfig(new JsonObject().put("target", args[0]))))
        .onComplete(ar -> {
          if (ar.failed()) {
            System.err.println(ar.cause().getMessage());
          }
          vertx.close();
        });
  }
}
