package dev.vertxp2p.cluster;

import static dev.vertxp2p.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vertxp2p.KeptPeer;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.testing.SwarmFixture;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A keeper on a real swarm through {@link LocalKeeps#of}: a one-node cluster over loopback. */
class ClusterKeepSwarmTest extends SwarmFixture {

  private static SwarmOptions options() {
    SwarmOptions o = loopbackOptions();
    o.getTransport().setShutdownGracePeriod(Duration.ZERO);
    return o;
  }

  @Test
  void theNodeKeepsItsShareOnItsSwarmAndStopsWhenUnkept() {
    Swarm a = started(options());
    Swarm b = started(options());
    String id = UUID.randomUUID().toString();
    ClusterKeeper keeper = new ClusterKeeper(vertx,
        ((VertxInternal) vertx).createEventLoopContext(), "dev.vertxp2p.cluster.kept." + id,
        id + ".changed", "solo", () -> List.of("solo"), 3, LocalKeeps.of(a));
    await(keeper.start());
    Multiaddr addr = b.listenAddrs().get(0).withPeerId(b.peerId());

    // Five asked, but one node holds at most its cap of three.
    await(keeper.keep(new JsonObject().put("addr", addr.toString()).put("connections", 5)));
    await(keeper.reconcile());
    List<KeptPeer> kept = await(a.kept());
    assertEquals(1, kept.size());
    assertEquals(3, kept.get(0).target());
    assertEquals(3, kept.get(0).open());
    JsonObject view = ClusterKeeper.mergeKept(List.of(await(keeper.localKept())));
    assertEquals(new JsonObject().put("node", "solo").put("target", 3).put("open", 3),
        view.getJsonArray("kept").getJsonObject(0).getJsonArray("nodes").getJsonObject(0));

    // The share goes down (asked for 1 now): the surplus drains, the cluster is back at its
    // target instead of holding what it had.
    Promise<Void> twoClosed = Promise.promise();
    int[] closed = new int[1];
    a.eventHandler(e -> {
      if (e.type().equals("connection.closed") && ++closed[0] == 2) {
        twoClosed.tryComplete();
      }
    });
    await(keeper.keep(new JsonObject().put("addr", addr.toString()).put("connections", 1)));
    await(keeper.reconcile());
    await(twoClosed.future());
    assertEquals(1, a.getConnections(b.peerId()).size());
    assertEquals(1, await(a.kept()).get(0).target());

    await(keeper.unkeep(new JsonObject().put("peer", b.peerId().toString())));
    await(keeper.reconcile());
    assertEquals(List.of(), await(a.kept()));
    await(keeper.stop());
  }
}
