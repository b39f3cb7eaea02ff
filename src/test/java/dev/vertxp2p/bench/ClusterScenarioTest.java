package dev.vertxp2p.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pure parts of {@link ClusterScenario}: percentiles, reading the cluster views, the node
 * configs. The scenario itself needs the fat jar and three node JVMs, so {@code BenchSmokeTest}
 * (which runs before {@code package} in {@code mvn verify}) cannot run it; bench/run.sh does.
 */
class ClusterScenarioTest {
  @Test
  void percentileIsNearestRank() {
    double[] hundred = new double[100];
    for (int i = 0; i < 100; i++) {
      hundred[99 - i] = i + 1; // 100 .. 1, unsorted
    }
    assertEquals(50, ClusterScenario.percentile(hundred, 0.50));
    assertEquals(99, ClusterScenario.percentile(hundred, 0.99));
    assertEquals(100, ClusterScenario.percentile(hundred, 1.0));
    assertEquals(100, hundred[0], "the input is left unsorted");
    assertEquals(7, ClusterScenario.percentile(new double[] {7}, 0.99));
    assertEquals(2, ClusterScenario.percentile(new double[] {3, 1, 2}, 0.50));
    // 200 values: p99 is the 198th
    double[] two = new double[200];
    for (int i = 0; i < 200; i++) {
      two[i] = i + 1;
    }
    assertEquals(198, ClusterScenario.percentile(two, 0.99));
    assertThrows(IllegalArgumentException.class,
        () -> ClusterScenario.percentile(new double[0], 0.5));
    assertThrows(IllegalArgumentException.class,
        () -> ClusterScenario.percentile(new double[] {1}, 0));
  }

  @Test
  void readsTheViews() {
    JsonObject peers = new JsonObject().put("peers", new JsonObject()
        .put("P", new JsonArray()
            .add(new JsonObject().put("node", "node1").put("connections", 2))
            .add(new JsonObject().put("node", "node2").put("connections", 1)))
        .put("Q", new JsonArray()));
    assertEquals(new JsonObject().put("node1", 2).put("node2", 1),
        ClusterScenario.holders(peers, "P"));
    assertEquals(3, ClusterScenario.total(peers, "P"));
    assertEquals(0, ClusterScenario.total(peers, "Q"));
    assertEquals(0, ClusterScenario.total(peers, "absent"));
    assertFalse(ClusterScenario.oneEach(ClusterScenario.holders(peers, "P")));
    assertTrue(ClusterScenario.oneEach(new JsonObject().put("node1", 1).put("node2", 1)
        .put("node3", 1)));
    assertFalse(ClusterScenario.oneEach(new JsonObject().put("node1", 1).put("node2", 1)
        .put("node4", 1)));

    JsonObject nodes = new JsonObject().put("nodes", new JsonArray()
        .add(new JsonObject().put("name", "node1")).add(new JsonObject().put("name", "node3")));
    assertEquals(List.of("node1", "node3"), ClusterScenario.names(nodes));
  }

  @Test
  void nodeConfigsShareTheMembersAndDifferInPortAndName() {
    JsonObject c = ClusterScenario.config("bench-x", 5881, 2).getJsonObject("cluster");
    assertEquals("node3", c.getString("nodeName"));
    assertEquals(5883, c.getInteger("port"));
    assertEquals(new JsonArray().add("127.0.0.1:5881").add("127.0.0.1:5882")
        .add("127.0.0.1:5883"), c.getJsonArray("members"));
    assertEquals("bench-x", c.getString("name"));
    assertEquals(ClusterScenario.LIMIT, c.getInteger("maxConnectionsPerRemotePeer"));
  }
}
