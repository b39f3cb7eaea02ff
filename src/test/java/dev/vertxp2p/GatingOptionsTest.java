package dev.vertxp2p;

import static dev.vertxp2p.ConfigAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.gating.AddressFilter;
import dev.vertxp2p.gating.Cidr;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GatingOptionsTest {

  /** The configuration block of CONTRACT.md's "Dial policy, gating, per-IP limits", verbatim. */
  static final String CONTRACT_GATING =
      "{\n"
          + "\"gating\": { \"allowAddrs\": [], \"denyAddrs\": [], \"denyPeers\": [] },\n"
          + "\"limits\": { \"maxConnectionsPerIp\": 16, \"maxPendingInboundPerIp\": 8, "
          + "\"inboundRatePerIp\": 5.0,\n"
          + "            \"inboundBurstPerIp\": 16, \"exemptAddrs\": [\"127.0.0.0/8\", \"::1/128\"] "
          + "},\n"
          + "\"retry\": { \"addressBackoff\": 5.0, \"maxAddressBackoff\": 300.0 }\n"
          + "}";

  private static final String PEER = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

  @Test
  void defaultsAreTheContracts() {
    JsonObject contract = new JsonObject(CONTRACT_GATING);
    GatingOptions d = new GatingOptions();
    assertEquals(contract.getJsonObject("gating"), d.toJson());
    assertEquals(d, new GatingOptions(contract.getJsonObject("gating")));
    assertEquals(d, new GatingOptions(new JsonObject()));
    assertEquals(List.of(), d.getAllowAddrs());
    assertEquals(AddressFilter.ALLOW_ALL.allow(), d.addressFilter().allow());
    assertTrue(d.addressFilter().check(new byte[] {8, 8, 8, 8}).isAllowed());
    assertEquals(Set.of(), d.deniedPeers());
    // The whole block is accepted as the contract writes it.
    SwarmOptions o = new SwarmOptions(contract);
    assertEquals(new SwarmOptions(), o);
  }

  @Test
  void everyKeyRoundTripsAndIsUsable() {
    JsonObject json = new JsonObject()
        .put("allowAddrs", new JsonArray().add("10.0.0.0/8").add("2001:db8::/32"))
        .put("denyAddrs", new JsonArray().add("10.9.0.0/16").add("192.168.1.7"))
        .put("denyPeers", new JsonArray().add(PEER));
    GatingOptions g = new GatingOptions(json);
    assertEquals(json, g.toJson());
    assertEquals(g, new GatingOptions(g.toJson()));
    assertEquals(g, new GatingOptions(g));
    assertEquals(g.hashCode(), new GatingOptions(g).hashCode());
    assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")),
        g.addressFilter().allow());
    assertEquals("denyAddrs 192.168.1.7/32",
        g.addressFilter().check(new byte[] {(byte) 192, (byte) 168, 1, 7}).rule());
    assertEquals(Set.of(PeerId.parse(PEER)), g.deniedPeers());
    SwarmOptions o = new SwarmOptions(new JsonObject().put("gating", json));
    assertEquals(g, o.getGating());
    assertEquals(o, new SwarmOptions(o.toJson()));
    SwarmOptions copy = new SwarmOptions(o);
    assertEquals(o, copy);
    assertNotSame(o.getGating(), copy.getGating());
  }

  @Test
  void badEntriesNameTheirKeyAndIndex() {
    assertInvalid(() -> new GatingOptions(new JsonObject().put("denyAddrs",
            new JsonArray().add("10.0.0.0/8").add("::/0").add("10.0.0.1/8"))),
        "gating.denyAddrs[2]", "\"10.0.0.1/8\"", "host bits set");
    assertInvalid(() -> new GatingOptions(new JsonObject().put("allowAddrs",
            new JsonArray().add("10.0.0.0/33"))),
        "gating.allowAddrs[0]", "prefix 33 is above 32");
    assertInvalid(() -> new GatingOptions(new JsonObject().put("allowAddrs",
            new JsonArray().add("example.com"))),
        "gating.allowAddrs[0]", "host names are not resolved");
    assertInvalid(() -> new GatingOptions(new JsonObject().put("denyAddrs",
            new JsonArray().add(8))),
        "gating.denyAddrs[0]", "must be a string");
    assertInvalid(() -> new GatingOptions(new JsonObject().put("denyAddrs", "10.0.0.0/8")),
        "gating.denyAddrs", "must be an array");
    assertInvalid(() -> new GatingOptions(new JsonObject().put("denyPeers",
            new JsonArray().add(PEER).add("not-a-peer"))),
        "gating.denyPeers[1]", "\"not-a-peer\"", "peer id");
    assertInvalid(() -> new GatingOptions(new JsonObject().put("denyPeer", new JsonArray())),
        "gating.denyPeer");
    assertInvalid(() -> new SwarmOptions(new JsonObject().put("gating", new JsonObject()
            .put("denyAddrs", new JsonArray().add("1.2.3.4/40")))),
        "gating.denyAddrs[0]");
    assertInvalid(() -> new SwarmOptions(new JsonObject().put("gating", "none")), "gating");
    assertInvalid(() -> new SwarmOptions().setGating(null), "gating", "null");
    assertInvalid(() -> new GatingOptions().setDenyPeers(Collections.singletonList(null)),
        "gating.denyPeers[0]");
    assertInvalid(() -> new GatingOptions().setAllowAddrs(null), "gating.allowAddrs");
  }

  @Test
  void listsAreBounded() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i <= GatingOptions.MAX_ENTRIES; i++) {
      many.add("10." + (i >> 8) + "." + (i & 0xFF) + ".0/24");
    }
    assertInvalid(() -> new GatingOptions().setDenyAddrs(many), "gating.denyAddrs",
        "at most " + GatingOptions.MAX_ENTRIES);
    assertEquals(GatingOptions.MAX_ENTRIES,
        new GatingOptions().setDenyAddrs(many.subList(0, GatingOptions.MAX_ENTRIES))
            .getDenyAddrs().size());
    List<String> peers = Collections.nCopies(GatingOptions.MAX_ENTRIES + 1, PEER);
    assertInvalid(() -> new GatingOptions().setDenyPeers(peers), "gating.denyPeers");
  }

  @Test
  void listsAreUnmodifiable() {
    GatingOptions g = new GatingOptions().setDenyAddrs(List.of("10.0.0.0/8"));
    assertThrows(UnsupportedOperationException.class, () -> g.getDenyAddrs().add("::/0"));
  }
}
