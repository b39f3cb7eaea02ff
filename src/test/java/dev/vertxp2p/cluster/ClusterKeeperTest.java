package dev.vertxp2p.cluster;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.ResourceLimitException;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three keepers, as on three nodes, on three event loops of one non-clustered Vert.x: they share
 * its local map as nodes share the cluster map, and each keeps its share on a fake swarm.
 */
class ClusterKeeperTest {
  private static final int CAP = 3;
  private static final List<String> NAMES = List.of("n1", "n2", "n3");

  private Vertx vertx;
  private final List<String> live = new CopyOnWriteArrayList<>(NAMES);
  private final List<ClusterKeeper> keepers = new ArrayList<>();
  private final List<FakeLocalKeeps> swarms = new ArrayList<>();
  private String mapName;
  private String changed;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(3));
    String id = UUID.randomUUID().toString();
    mapName = "dev.vertxp2p.cluster.kept.test-" + id;
    changed = "test-" + id + ".cluster.kept.changed";
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  /** Three keepers on three event loops, reconciling every {@code intervalMs}, not started. */
  private void create(long intervalMs, int maxKept) {
    Set<Thread> loops = new HashSet<>();
    for (String name : NAMES) {
      Context context = newLoop();
      Promise<Thread> thread = Promise.promise();
      context.runOnContext(v -> thread.complete(Thread.currentThread()));
      loops.add(await(thread.future()));
      FakeLocalKeeps swarm = new FakeLocalKeeps();
      swarms.add(swarm);
      keepers.add(new ClusterKeeper(vertx, context, mapName, changed, name, () -> live, CAP, swarm,
          intervalMs, maxKept));
    }
    assertEquals(3, loops.size(), "the keepers share an event loop");
  }

  /** A new event-loop context; Vert.x hands them out round robin over its 3 loops. */
  private Context newLoop() {
    return ((VertxInternal) vertx).createEventLoopContext();
  }

  private void startAll(long intervalMs) {
    create(intervalMs, ClusterKeeper.MAX_KEPT);
    for (ClusterKeeper k : keepers) {
      await(k.start());
    }
  }

  private void reconcileAll() {
    for (int i = 0; i < keepers.size(); i++) {
      if (live.contains(NAMES.get(i))) {
        await(keepers.get(i).reconcile());
      }
    }
  }

  private static PeerId newPeer() {
    return PeerId.fromPublicKey(Ed25519PrivateKey.generate(new SecureRandom()).publicKey());
  }

  private static JsonObject keepBody(PeerId peer, Object connections) {
    return new JsonObject().put("addr", "/ip4/127.0.0.1/tcp/4001/p2p/" + peer)
        .put("connections", connections);
  }

  private int total(PeerId peer) {
    int sum = 0;
    for (FakeLocalKeeps s : swarms) {
      sum += s.target(peer);
    }
    return sum;
  }

  private List<Integer> targets(PeerId peer) {
    List<Integer> out = new ArrayList<>();
    for (FakeLocalKeeps s : swarms) {
      out.add(s.target(peer));
    }
    return out;
  }

  @Test
  void keepingThreeOnThreeNodesKeepsOneOnEachAndTheChangeReachesEveryNodeAtOnce() {
    // An hour between periodic rounds: only the published change can make the nodes act.
    startAll(3_600_000);
    PeerId peer = newPeer();
    List<Future<Void>> eachKeepsOne = new ArrayList<>();
    for (FakeLocalKeeps s : swarms) {
      eachKeepsOne.add(s.when(f -> f.target(peer) == 1));
    }
    JsonObject reply = await(keepers.get(0).keep(keepBody(peer, 3)));
    assertEquals(peer.toString(), reply.getString("peer"));
    assertEquals(3, reply.getInteger("connections"));
    assertEquals(3, reply.getJsonArray("nodes").size(), "plan " + reply);
    await(Future.all(eachKeepsOne));
    reconcileAll();
    for (FakeLocalKeeps s : swarms) {
      assertEquals(List.of(new FakeLocalKeeps.Call("keep", peer, 1)), s.calls(),
          "one keep per node, the reconciles after it idempotent");
    }
  }

  @Test
  void twoOnThreeNodesGoToTwoDistinctNodesAndFiveOnTwoNodesAreThreeAndTwo() {
    startAll(3_600_000);
    PeerId peer = newPeer();
    await(keepers.get(1).keep(keepBody(peer, 2)));
    reconcileAll();
    List<Integer> two = new ArrayList<>(targets(peer));
    two.sort(null);
    assertEquals(List.of(0, 1, 1), two);

    live.remove("n3");
    await(keepers.get(2).stop());
    PeerId other = newPeer();
    await(keepers.get(0).keep(keepBody(other, 5)));
    reconcileAll();
    assertEquals(0, swarms.get(2).target(other));
    List<Integer> five = new ArrayList<>(targets(other).subList(0, 2));
    five.sort(null);
    assertEquals(List.of(2, 3), five);
  }

  @Test
  void unkeepingStopsEveryNode() {
    startAll(3_600_000);
    PeerId peer = newPeer();
    await(keepers.get(0).keep(keepBody(peer, 3)));
    reconcileAll();
    assertEquals(3, total(peer));
    List<Future<Void>> allUnkeep = new ArrayList<>();
    for (FakeLocalKeeps s : swarms) {
      allUnkeep.add(s.when(f -> f.calls().contains(new FakeLocalKeeps.Call("unkeep", peer, 0))));
    }
    JsonObject reply = await(keepers.get(2).unkeep(new JsonObject().put("peer", peer.toString())));
    assertEquals(new JsonObject().put("peer", peer.toString()).put("removed", true), reply);
    await(Future.all(allUnkeep));
    assertEquals(0, total(peer));
    assertFalse(await(keepers.get(1).unkeep(new JsonObject().put("peer", peer.toString())))
        .getBoolean("removed"));
    JsonObject view = ClusterKeeper.mergeKept(localKeptAll());
    assertEquals(new JsonArray(), view.getJsonArray("kept"));
  }

  @Test
  void whenANodeLeavesTheSurvivorsTakeItsShareWithinTheirCap() {
    startAll(3_600_000);
    PeerId three = newPeer();
    PeerId nine = newPeer();
    PeerId four = newPeer();
    await(keepers.get(0).keep(keepBody(three, 3)));
    await(keepers.get(0).keep(keepBody(nine, 9)));
    await(keepers.get(0).keep(keepBody(four, 4)));
    reconcileAll();
    assertEquals(List.of(1, 1, 1), targets(three));
    assertEquals(List.of(3, 3, 3), targets(nine));
    assertEquals(4, total(four));
    Map<String, Integer> fourBefore = ClusterKeepPlan.shares(four.toString(), 4, NAMES, CAP);

    // n3 dies: its swarm is gone with it, and the cluster drops it from the live nodes.
    await(keepers.get(2).stop());
    live.remove("n3");
    reconcileAll();
    List<Integer> threeAfter = targets(three).subList(0, 2);
    assertEquals(3, threeAfter.get(0) + threeAfter.get(1));
    assertTrue(threeAfter.stream().allMatch(t -> t >= 1 && t <= CAP), "targets " + threeAfter);
    assertEquals(List.of(3, 3), targets(nine).subList(0, 2), "capped at 3 per node");
    for (int i = 0; i < 2; i++) {
      assertTrue(swarms.get(i).target(four) >= fourBefore.get(NAMES.get(i)),
          NAMES.get(i) + " lost part of its share");
    }
    assertEquals(4, swarms.get(0).target(four) + swarms.get(1).target(four));

    JsonObject view = ClusterKeeper.mergeKept(List.of(await(keepers.get(0).localKept()),
        await(keepers.get(1).localKept())));
    JsonArray kept = view.getJsonArray("kept");
    assertEquals(3, kept.size());
    for (Object o : kept) {
      JsonObject k = (JsonObject) o;
      int sum = 0;
      for (Object n : k.getJsonArray("nodes")) {
        JsonObject node = (JsonObject) n;
        assertEquals(node.getInteger("target"), node.getInteger("open"));
        sum += node.getInteger("target");
      }
      assertEquals(Math.min(k.getInteger("connections"), 2 * CAP), sum, "view " + k);
    }

    // n3 comes back: the shares spread out again, and nobody holds more than the plan says.
    FakeLocalKeeps back = new FakeLocalKeeps();
    swarms.set(2, back);
    live.add("n3");
    ClusterKeeper again = new ClusterKeeper(vertx, newLoop(), mapName, changed,
        "n3", () -> live, CAP, back);
    keepers.set(2, again);
    await(again.start());
    reconcileAll();
    assertEquals(List.of(1, 1, 1), targets(three));
    assertEquals(List.of(3, 3, 3), targets(nine));
    await(again.stop());
  }

  @Test
  void theKeptViewListsEachPeerWithTargetAndOpenPerNode() {
    startAll(3_600_000);
    PeerId peer = newPeer();
    await(keepers.get(0).keep(keepBody(peer, 2)));
    reconcileAll();
    JsonObject view = ClusterKeeper.mergeKept(localKeptAll());
    JsonArray kept = view.getJsonArray("kept");
    assertEquals(1, kept.size());
    JsonObject k = kept.getJsonObject(0);
    assertEquals(peer.toString(), k.getString("peer"));
    assertEquals("/ip4/127.0.0.1/tcp/4001/p2p/" + peer, k.getString("addr"));
    assertEquals(2, k.getInteger("connections"));
    JsonArray nodes = k.getJsonArray("nodes");
    assertEquals(2, nodes.size());
    Map<String, Integer> plan = ClusterKeepPlan.shares(peer.toString(), 2, NAMES, CAP);
    for (Object o : nodes) {
      JsonObject n = (JsonObject) o;
      assertEquals(1, plan.get(n.getString("node")));
      assertEquals(1, n.getInteger("target"));
      assertEquals(1, n.getInteger("open"));
    }
    assertTrue(nodes.getJsonObject(0).getString("node")
        .compareTo(nodes.getJsonObject(1).getString("node")) < 0, "nodes sorted");
  }

  private List<JsonObject> localKeptAll() {
    List<JsonObject> out = new ArrayList<>();
    for (ClusterKeeper k : keepers) {
      out.add(await(k.localKept()));
    }
    return out;
  }

  @Test
  void aKeepTheSwarmDroppedOrFailedIsAppliedAgain() {
    startAll(3_600_000);
    PeerId peer = newPeer();
    await(keepers.get(0).keep(keepBody(peer, 3)));
    reconcileAll();
    swarms.get(1).clearCalls();
    swarms.get(1).drop(peer);
    await(keepers.get(1).reconcile());
    assertEquals(List.of(new FakeLocalKeeps.Call("keep", peer, 1)), swarms.get(1).calls());
    assertEquals(1, swarms.get(1).target(peer));

    // A keep that fails and leaves nothing kept is retried, after a back-off, by the rounds.
    PeerId other = newPeer();
    swarms.get(2).failNextKeeps(other, 1);
    Future<Void> retried = swarms.get(2).when(f -> f.target(other) == 1);
    await(keepers.get(0).keep(keepBody(other, 3)));
    await(keepers.get(2).reconcile());
    JsonObject mine = await(keepers.get(2).localKept());
    JsonObject item = mine.getJsonArray("kept").stream().map(JsonObject.class::cast)
        .filter(i -> i.getString("peer").equals(other.toString())).findFirst().orElseThrow();
    assertEquals(0, item.getInteger("open"));
    assertTrue(item.getString("error").contains("no address known"), "item " + item);
    // Nothing calls reconcile now but the published changes and the periodic rounds.
    await(keepers.get(2).stop());
    ClusterKeeper fast = new ClusterKeeper(vertx, newLoop(), mapName, changed,
        "n3", () -> live, CAP, swarms.get(2), 100, ClusterKeeper.MAX_KEPT);
    keepers.set(2, fast);
    swarms.get(2).failNextKeeps(other, 1);
    await(fast.start());
    await(retried);
    assertEquals(3, swarms.get(2).calls().stream()
        .filter(c -> c.op().equals("keep") && c.peer().equals(other)).count(),
        () -> "a failed keep before the restart, one after, then one that held: "
            + swarms.get(2).calls());
  }

  @Test
  void stoppingUnkeepsWhatThisNodeKept() {
    startAll(3_600_000);
    PeerId peer = newPeer();
    await(keepers.get(0).keep(keepBody(peer, 3)));
    reconcileAll();
    await(keepers.get(0).stop());
    assertEquals(0, swarms.get(0).target(peer));
    assertEquals(1, swarms.get(1).target(peer), "the others keep theirs");
    // A stopped keeper stays stopped: no more rounds, no restart.
    swarms.get(0).clearCalls();
    await(keepers.get(0).reconcile());
    assertEquals(List.of(), swarms.get(0).calls());
    assertInstanceOf(IllegalStateException.class, failure(keepers.get(0).start()));
  }

  @Test
  void badInputGetsAnErrorNamingTheField() {
    create(3_600_000, 2);
    ClusterKeeper k = keepers.get(0);
    PeerId peer = newPeer();
    assertBad(k.keep(new JsonObject().put("connections", 1)), "missing \"addr\"");
    assertBad(k.keep(new JsonObject().put("addr", 5).put("connections", 1)),
        "addr must be a string");
    assertBad(k.keep(new JsonObject().put("addr", "/ip4/1.2.3.4/tcp/1").put("connections", 1)),
        "has no /p2p/<peer id> part");
    assertBad(k.keep(new JsonObject().put("addr", "/nope/1").put("connections", 1)), "addr: ");
    assertBad(k.keep(new JsonObject().put("addr", "/ip4/1.2.3.4/tcp/1/p2p/xyz")
        .put("connections", 1)), "addr: ");
    assertBad(k.keep(keepBody(peer, null)), "missing \"connections\"");
    assertBad(k.keep(keepBody(peer, 0)), "connections: expected 1..1024, got 0");
    assertBad(k.keep(keepBody(peer, 1025)), "connections: expected 1..1024, got 1025");
    assertBad(k.keep(keepBody(peer, 1.5)), "connections must be a whole number");
    assertBad(k.keep(keepBody(peer, "3")), "connections must be a whole number");
    assertBad(k.keep(null), "body");
    assertBad(k.unkeep(new JsonObject()), "missing \"peer\"");
    assertBad(k.unkeep(new JsonObject().put("peer", 7)), "peer must be a string");
    assertBad(k.unkeep(new JsonObject().put("peer", "not-a-peer")), "peer: ");

    // The bound on kept peers (2 here): a new peer past it is refused, a kept one may change.
    PeerId a = newPeer();
    await(k.keep(keepBody(a, 1)));
    await(k.keep(keepBody(newPeer(), 1)));
    Throwable full = failure(k.keep(keepBody(newPeer(), 1)));
    assertInstanceOf(ResourceLimitException.class, full);
    assertTrue(full.getMessage().contains("the most it keeps (2)"), full.getMessage());
    JsonObject changedA = await(k.keep(keepBody(a, 2)));
    assertEquals(2, changedA.getInteger("connections"));
  }

  private static void assertBad(Future<?> f, String text) {
    Throwable e = failure(f);
    assertInstanceOf(IllegalArgumentException.class, e);
    assertTrue(e.getMessage().contains(text), "\"" + e.getMessage() + "\" lacks \"" + text + "\"");
  }

  @Test
  void reconcilesNeverOverlapAndCallsDuringOneShareTheNext() {
    // A swarm whose first answer to openCounts waits for the test: the first round hangs there.
    Promise<Void> release = Promise.promise();
    Promise<Void> firstRead = Promise.promise();
    AtomicInteger reads = new AtomicInteger();
    AtomicInteger inRound = new AtomicInteger();
    AtomicInteger mostAtOnce = new AtomicInteger();
    FakeLocalKeeps inner = new FakeLocalKeeps();
    LocalKeeps held = new LocalKeeps() {
      @Override
      public Future<Void> keep(PeerId peer, Multiaddr addr, int connections) {
        return inner.keep(peer, addr, connections);
      }

      @Override
      public Future<Void> unkeep(PeerId peer) {
        return inner.unkeep(peer);
      }

      @Override
      public Future<Map<PeerId, Integer>> openCounts() {
        mostAtOnce.accumulateAndGet(inRound.incrementAndGet(), Math::max);
        Future<Void> gate = Future.succeededFuture();
        if (reads.incrementAndGet() == 1) {
          firstRead.complete();
          gate = release.future();
        }
        return gate.compose(v -> inner.openCounts())
            .onComplete(ar -> inRound.decrementAndGet());
      }
    };
    Context owner = newLoop();
    ClusterKeeper k = new ClusterKeeper(vertx, owner, mapName, changed, "n1", () -> live,
        CAP, held, 3_600_000, ClusterKeeper.MAX_KEPT);
    PeerId peer = newPeer();
    await(k.keep(keepBody(peer, 3)));
    Future<Void> first = k.reconcile();
    await(firstRead.future());
    List<Future<Void>> during = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      during.add(k.reconcile());
    }
    // The owner runs its tasks in order: once this one ran, the five calls have been taken.
    Promise<Void> taken = Promise.promise();
    owner.runOnContext(v -> taken.complete());
    await(taken.future());
    // The five wait for one round after the first; nothing more has read the swarm meanwhile.
    assertFalse(first.isComplete());
    assertEquals(1, reads.get());
    release.complete();
    await(first);
    await(Future.all(during));
    assertEquals(2, reads.get(), "one round for the first call, one for the five");
    assertEquals(1, mostAtOnce.get(), "two rounds ran at once");
    assertEquals(List.of(new FakeLocalKeeps.Call("keep", peer, 1)), inner.calls());
  }

  @Test
  void callsFromTheTestThreadHopToTheOwner() {
    create(3_600_000, ClusterKeeper.MAX_KEPT);
    // From the test thread, each call hops to the owner; the confinement checks stay quiet
    // (ConfinementCheck fails the test otherwise).
    PeerId peer = newPeer();
    await(keepers.get(0).keep(keepBody(peer, 1)));
    await(keepers.get(1).reconcile());
    await(keepers.get(0).reconcile());
    await(keepers.get(2).reconcile());
    assertEquals(1, total(peer));
  }
}
