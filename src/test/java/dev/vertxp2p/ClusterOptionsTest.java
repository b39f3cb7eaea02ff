package dev.vertxp2p;

import static dev.vertxp2p.ConfigAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterOptionsTest {

  /** The configuration block of CONTRACT.md's "Cluster" section, verbatim. */
  static final String CONTRACT_CLUSTER =
      "{\"cluster\": { \"enabled\": false, \"name\": \"vertx-libp2p\", \"host\": \"127.0.0.1\","
          + " \"port\": 5701,\n"
          + "             \"members\": [\"127.0.0.1:5701\", \"127.0.0.1:5702\"],"
          + " \"nodeName\": null,\n"
          + "             \"maxConnectionsPerRemotePeer\": null }}";

  @Test
  void defaultsAreTheContracts() {
    ClusterOptions d = new ClusterOptions();
    JsonObject contract = new JsonObject(CONTRACT_CLUSTER).getJsonObject("cluster");
    assertEquals(contract, d.toJson());
    assertEquals(d, new ClusterOptions(contract));
    assertEquals(d, new ClusterOptions(new JsonObject()));
    assertFalse(d.isEnabled());
    assertNull(d.getNodeName());
    assertNull(d.getMaxConnectionsPerRemotePeer());
    assertEquals(d, new SwarmOptions().getCluster());
  }

  @Test
  void roundTripsThroughJsonAndTheWholeConfig() {
    JsonObject json = new JsonObject().put("enabled", true).put("name", "test-1")
        .put("host", "10.0.0.5").put("port", 5801)
        .put("members", new JsonArray().add("10.0.0.5:5801").add("node-b.example:5802"))
        .put("nodeName", "alpha_1").put("maxConnectionsPerRemotePeer", 4);
    ClusterOptions o = new ClusterOptions(json);
    assertTrue(o.isEnabled());
    assertEquals(List.of("10.0.0.5:5801", "node-b.example:5802"), o.getMembers());
    assertEquals(4, o.getMaxConnectionsPerRemotePeer());
    assertEquals(json, o.toJson());
    ClusterOptions copy = new ClusterOptions(o);
    assertEquals(o, copy);
    copy.setNodeName("beta");
    assertEquals("alpha_1", o.getNodeName());
    SwarmOptions whole = SwarmOptions.fromJson(new JsonObject().put("cluster", json));
    assertEquals(o, whole.getCluster());
    SwarmOptions wholeCopy = new SwarmOptions(whole);
    assertEquals(whole, wholeCopy);
    assertNotSame(whole.getCluster(), wholeCopy.getCluster());
    assertEquals(whole, SwarmOptions.fromJson(whole.toJson()));
    assertFalse(whole.equals(new SwarmOptions()));
  }

  @Test
  void rejectsInvalidValuesNamingTheKey() {
    assertInvalid(() -> cluster("nodeName", "cluster"), "cluster.nodeName", "\"cluster\"");
    assertInvalid(() -> cluster("nodeName", "a.b"), "cluster.nodeName");
    assertInvalid(() -> cluster("nodeName", ""), "cluster.nodeName");
    assertInvalid(() -> cluster("nodeName", 5), "cluster.nodeName");
    assertInvalid(() -> cluster("port", 0), "cluster.port", "1..65535");
    assertInvalid(() -> cluster("port", 70000), "cluster.port");
    assertInvalid(() -> cluster("members", new JsonArray().add("127.0.0.1")),
        "cluster.members[0]", "host:port");
    assertInvalid(() -> cluster("members", new JsonArray().add("127.0.0.1:5701").add("h:0")),
        "cluster.members[1]");
    assertInvalid(() -> cluster("members", new JsonArray().add("h:99999")), "cluster.members[0]");
    assertInvalid(() -> cluster("members", new JsonArray().add(":5701")), "cluster.members[0]");
    assertInvalid(() -> cluster("members", "127.0.0.1:5701"), "cluster.members");
    assertInvalid(() -> cluster("name", "a b"), "cluster.name");
    assertInvalid(() -> cluster("host", ""), "cluster.host");
    assertInvalid(() -> cluster("maxConnectionsPerRemotePeer", 0),
        "cluster.maxConnectionsPerRemotePeer");
    assertInvalid(() -> cluster("enabled", "yes"), "cluster.enabled");
    assertInvalid(() -> cluster("multicast", true), "multicast");
  }

  private static SwarmOptions cluster(String key, Object value) {
    return SwarmOptions.fromJson(new JsonObject().put("cluster", new JsonObject().put(key, value)));
  }
}
