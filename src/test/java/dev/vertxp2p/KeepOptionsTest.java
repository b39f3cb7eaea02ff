package dev.vertxp2p;

import static dev.vertxp2p.ConfigAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The configuration's {@code keep} list: parsed, checked against the per-peer limit, round-tripped. */
class KeepOptionsTest {
  private static final String PEER = "12D3KooWGacrYjgqAH3Piza5gzSHAeo91Kxrr2JkmY4NZg5xu3g5";
  private static final String ADDR = "/ip4/10.0.0.7/tcp/4001/p2p/" + PEER;

  private static SwarmOptions parse(Object keep) {
    return new SwarmOptions(new JsonObject().put("keep", keep));
  }

  @Test
  void anEntryIsReadAndRoundTrips() {
    SwarmOptions o = parse(new JsonArray().add(new JsonObject().put("addr", ADDR)
        .put("connections", 3)));
    assertEquals(1, o.getKeep().size());
    assertEquals(ADDR, o.getKeep().get(0).getAddr());
    assertEquals(3, o.getKeep().get(0).getConnections());
    assertEquals(PEER, o.getKeep().get(0).peerId().toString());
    assertEquals(o, new SwarmOptions(o.toJson()));
    assertEquals(o, new SwarmOptions(o));
    assertEquals(new JsonArray(), new SwarmOptions().toJson().getJsonArray("keep"));
  }

  @Test
  void connectionsDefaultToOne() {
    SwarmOptions o = parse(new JsonArray().add(new JsonObject().put("addr", ADDR)));
    assertEquals(KeepOptions.DEFAULT_CONNECTIONS, o.getKeep().get(0).getConnections());
  }

  @Test
  void badEntriesAreRefusedNamingTheirPath() {
    assertInvalid(() -> parse("x"), "keep", "must be an array");
    assertInvalid(() -> parse(new JsonArray().add(1)), "keep[0]", "must be an object");
    assertInvalid(() -> parse(new JsonArray().add(new JsonObject().put("connections", 2))),
        "keep[0].addr", "required");
    assertInvalid(() -> parse(new JsonArray().add(new JsonObject().put("addr", ADDR)
        .put("conns", 2))), "keep[0].conns");
    assertInvalid(() -> parse(new JsonArray().add(new JsonObject()
        .put("addr", "/ip4/10.0.0.7/tcp/4001"))), "keep[0].addr", "/p2p/");
    assertInvalid(() -> parse(new JsonArray().add(new JsonObject().put("addr", "nonsense"))),
        "keep[0].addr", "must be a multiaddr");
    assertInvalid(() -> parse(new JsonArray().add(new JsonObject().put("addr", ADDR)
        .put("connections", 0))), "keep[0].connections", "must be >= 1");
    assertInvalid(() -> parse(new JsonArray().add(new JsonObject().put("addr", ADDR)
        .put("connections", 1.5))), "keep[0].connections", "integer");
    assertInvalid(() -> parse(new JsonArray().add(new JsonObject().put("addr", ADDR))
        .add(new JsonObject().put("addr", ADDR))), "keep[1].addr", "second time");
  }

  @Test
  void connectionsAreBoundedByTheConnectionSectionsPerPeerLimit() {
    JsonObject json = new JsonObject()
        .put("connection", new JsonObject().put("maxConnectionsPerPeer", 2))
        .put("keep", new JsonArray().add(new JsonObject().put("addr", ADDR).put("connections", 3)));
    assertInvalid(() -> new SwarmOptions(json), "keep[0].connections", "1..2",
        "maxConnectionsPerPeer");
    SwarmOptions o = new SwarmOptions();
    o.getConnection().setMaxConnectionsPerPeer(2);
    assertInvalid(() -> o.setKeep(List.of(new KeepOptions().setAddr(ADDR).setConnections(3))),
        "keep[0].connections", "1..2");
  }

  @Test
  void settersValidate() {
    assertInvalid(() -> new KeepOptions().setConnections(0), "keep.connections", "must be >= 1");
    assertInvalid(() -> new KeepOptions().setAddr("/ip4/1.2.3.4/tcp/1"), "keep.addr", "/p2p/");
    assertInvalid(() -> new KeepOptions().setAddr(null), "keep.addr");
  }
}
