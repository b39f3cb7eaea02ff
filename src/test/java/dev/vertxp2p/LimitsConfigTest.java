package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.gating.Cidr;
import dev.vertxp2p.gating.IpLimiter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The limits, connectionManager and transport.shutdownGracePeriod keys: round trips and rules. */
class LimitsConfigTest {

  private static void rejected(String json, String... mentions) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new SwarmOptions(new JsonObject(json)));
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), e.getMessage());
    }
  }

  @Test
  void everyKeyRoundTrips() {
    JsonObject json = new JsonObject()
        .put("limits", new JsonObject().put("maxConnections", 10).put("maxPendingInbound", 2)
            .put("maxStreamsInbound", 3).put("maxStreamsOutbound", 4)
            .put("yamuxStreamWindow", 1 << 20).put("yamuxMaxStreamWindow", 4 << 20)
            .put("mplexStreamBuffer", 8 << 20))
        .put("connectionManager", new JsonObject().put("enabled", false).put("lowWater", 5)
            .put("highWater", 8).put("gracePeriod", 1.5).put("checkInterval", 0.5))
        .put("transport", new JsonObject().put("shutdownGracePeriod", 2.5));
    SwarmOptions o = new SwarmOptions(json);
    assertEquals(10, o.getLimits().getMaxConnections());
    assertEquals(2, o.getLimits().getMaxPendingInbound());
    assertEquals(1 << 20, o.getLimits().getYamuxStreamWindow());
    assertEquals(4 << 20, o.getLimits().getYamuxMaxStreamWindow());
    assertEquals(8 << 20, o.getLimits().getMplexStreamBuffer());
    assertEquals(5, o.getConnectionManager().getLowWater());
    assertEquals(Duration.ofMillis(1500), o.getConnectionManager().getGracePeriodDuration());
    assertEquals(Duration.ofMillis(2500), o.getTransport().getShutdownGracePeriod());
    assertEquals(o, new SwarmOptions(o.toJson()));
    assertEquals(o.toJson(), new SwarmOptions(o.toJson()).toJson());
  }

  @Test
  void zeroShutdownGraceMeansResetAtOnce() {
    assertEquals(Duration.ZERO, new SwarmOptions(new JsonObject().put("transport",
        new JsonObject().put("shutdownGracePeriod", 0))).getTransport().getShutdownGracePeriod());
  }

  @Test
  void invalidValuesNameTheirPath() {
    rejected("{\"limits\": {\"maxConnections\": 0}}", "limits.maxConnections", "0");
    rejected("{\"limits\": {\"maxStreamsInbound\": 1.5}}", "limits.maxStreamsInbound");
    rejected("{\"limits\": {\"maxPendingInbound\": \"9\"}}", "limits.maxPendingInbound");
    rejected("{\"limits\": {\"yamuxStreamWindow\": 1000}}", "limits.yamuxStreamWindow", "262144");
    rejected("{\"limits\": {\"mplexStreamBuffer\": 1000}}", "limits.mplexStreamBuffer");
    rejected("{\"limits\": {\"yamuxMaxStreamWindow\": 33554432}}", "limits.yamuxMaxStreamWindow",
        "16777216");
    rejected("{\"limits\": {\"maxConection\": 3}}", "limits.maxConection");
    rejected("{\"connectionManager\": {\"lowWater\": 9, \"highWater\": 8}}",
        "connectionManager.lowWater", "highWater (8)");
    rejected("{\"connectionManager\": {\"highWater\": 0}}", "connectionManager.highWater");
    rejected("{\"connectionManager\": {\"gracePeriod\": -1}}", "connectionManager.gracePeriod");
    rejected("{\"connectionManager\": {\"checkInterval\": 0}}", "connectionManager.checkInterval");
    rejected("{\"connectionManager\": {\"enabled\": \"yes\"}}", "connectionManager.enabled");
    rejected("{\"transport\": {\"shutdownGracePeriod\": -2}}", "transport.shutdownGracePeriod");
  }

  @Test
  void perIpLimitsHaveTheContractsDefaults() {
    LimitsOptions d = new LimitsOptions();
    assertEquals(16, d.getMaxConnectionsPerIp());
    assertEquals(8, d.getMaxPendingInboundPerIp());
    assertEquals(5.0, d.getInboundRatePerIp());
    assertEquals(16, d.getInboundBurstPerIp());
    assertEquals(List.of("127.0.0.0/8", "::1/128"), d.getExemptAddrs());
    assertEquals(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")), d.exemptCidrs());
  }

  @Test
  void perIpLimitsRoundTrip() {
    SwarmOptions o = new SwarmOptions(new JsonObject().put("limits", new JsonObject()
        .put("maxConnectionsPerIp", 4).put("maxPendingInboundPerIp", 2)
        .put("inboundRatePerIp", 0.5).put("inboundBurstPerIp", 3)
        .put("exemptAddrs", new JsonArray().add("10.0.0.0/8"))));
    LimitsOptions l = o.getLimits();
    assertEquals(4, l.getMaxConnectionsPerIp());
    assertEquals(2, l.getMaxPendingInboundPerIp());
    assertEquals(0.5, l.getInboundRatePerIp());
    assertEquals(3, l.getInboundBurstPerIp());
    assertEquals(List.of("10.0.0.0/8"), l.getExemptAddrs());
    assertEquals(o, new SwarmOptions(o.toJson()));
    assertEquals(l, new LimitsOptions(l));
    assertEquals(l.hashCode(), new LimitsOptions(l).hashCode());
    // An empty list exempts nothing, loopback included.
    assertEquals(List.of(), new LimitsOptions(new JsonObject().put("exemptAddrs",
        new JsonArray())).exemptCidrs());
    // The options build a limiter as they say.
    IpLimiter limiter = new IpLimiter(l.getMaxConnectionsPerIp(), l.getMaxPendingInboundPerIp(),
        l.getInboundRatePerIp(), l.getInboundBurstPerIp(), l.exemptCidrs());
    assertTrue(limiter.isExempt(new byte[] {10, 1, 2, 3}));
  }

  @Test
  void dialConcurrencyOptions() {
    LimitsOptions d = new LimitsOptions();
    assertEquals(100, d.getMaxParallelDials());
    assertEquals(8, d.getMaxParallelDialsPerPeer());
    assertEquals(100, d.toJson().getInteger("maxParallelDials"));
    SwarmOptions o = new SwarmOptions(new JsonObject().put("limits", new JsonObject()
        .put("maxParallelDials", 7).put("maxParallelDialsPerPeer", 2)));
    LimitsOptions l = o.getLimits();
    assertEquals(7, l.getMaxParallelDials());
    assertEquals(2, l.getMaxParallelDialsPerPeer());
    assertEquals(o, new SwarmOptions(o.toJson()));
    assertEquals(l, new LimitsOptions(l));
    assertEquals(l.hashCode(), new LimitsOptions(l).hashCode());
    assertTrue(!l.equals(d));
    rejected("{\"limits\": {\"maxParallelDials\": 0}}", "limits.maxParallelDials", "0");
    rejected("{\"limits\": {\"maxParallelDialsPerPeer\": 2.5}}",
        "limits.maxParallelDialsPerPeer");
    rejected("{\"limits\": {\"maxParallelDialsPerPeer\": \"8\"}}",
        "limits.maxParallelDialsPerPeer");
  }

  @Test
  void perIpLimitsAreChecked() {
    rejected("{\"limits\": {\"maxConnectionsPerIp\": 0}}", "limits.maxConnectionsPerIp", "0");
    rejected("{\"limits\": {\"maxPendingInboundPerIp\": 1.5}}", "limits.maxPendingInboundPerIp");
    rejected("{\"limits\": {\"inboundRatePerIp\": 0}}", "limits.inboundRatePerIp", "> 0");
    rejected("{\"limits\": {\"inboundRatePerIp\": -1}}", "limits.inboundRatePerIp");
    rejected("{\"limits\": {\"inboundRatePerIp\": 1e7}}", "limits.inboundRatePerIp");
    rejected("{\"limits\": {\"inboundBurstPerIp\": 0}}", "limits.inboundBurstPerIp");
    rejected("{\"limits\": {\"exemptAddrs\": \"127.0.0.0/8\"}}", "limits.exemptAddrs",
        "array");
    rejected("{\"limits\": {\"exemptAddrs\": [\"127.0.0.0/8\", \"127.0.0.1/8\"]}}",
        "limits.exemptAddrs[1]", "host bits set");
    rejected("{\"limits\": {\"exemptAddrs\": [\"localhost\"]}}", "limits.exemptAddrs[0]",
        "host names are not resolved");
    assertThrows(IllegalArgumentException.class,
        () -> new LimitsOptions().setInboundRatePerIp(Double.NaN));
    assertThrows(IllegalArgumentException.class,
        () -> new LimitsOptions().setExemptAddrs(null));
  }

  @Test
  void bufferBudgetsRoundTripAndHaveDefaults() {
    LimitsOptions d = new LimitsOptions();
    assertEquals(LimitsOptions.DEFAULT_MAX_BUFFERED_BYTES_PER_CONNECTION,
        d.getMaxBufferedBytesPerConnection());
    assertEquals(32L << 20, d.getMaxBufferedBytesPerConnection());
    assertEquals(LimitsOptions.DEFAULT_MAX_BUFFERED_BYTES, d.getMaxBufferedBytes());
    assertEquals(256L << 20, d.getMaxBufferedBytes());
    SwarmOptions o = new SwarmOptions(new JsonObject().put("limits", new JsonObject()
        .put("maxBufferedBytesPerConnection", 1 << 20).put("maxBufferedBytes", 5L << 30)));
    assertEquals(1 << 20, o.getLimits().getMaxBufferedBytesPerConnection());
    assertEquals(5L << 30, o.getLimits().getMaxBufferedBytes());
    assertEquals(5L << 30, o.toJson().getJsonObject("limits").getLong("maxBufferedBytes"));
    assertEquals(o, new SwarmOptions(o.toJson()));
    assertEquals(o.getLimits(), new LimitsOptions(o.getLimits()));
  }

  @Test
  void bufferBudgetsAreChecked() {
    rejected("{\"limits\": {\"maxBufferedBytesPerConnection\": 1000}}",
        "limits.maxBufferedBytesPerConnection", "1000", "262144");
    rejected("{\"limits\": {\"maxBufferedBytes\": 0}}", "limits.maxBufferedBytes", "262144");
    rejected("{\"limits\": {\"maxBufferedBytes\": 1.5e12}}", "limits.maxBufferedBytes");
    rejected("{\"limits\": {\"maxBufferedBytes\": 300000.5}}", "limits.maxBufferedBytes",
        "integer");
    rejected("{\"limits\": {\"maxBufferedBytes\": \"1G\"}}", "limits.maxBufferedBytes");
    rejected("{\"limits\": {\"maxBufferedByte\": 1}}", "limits.maxBufferedByte");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LimitsOptions().setMaxBufferedBytes(-1));
    assertTrue(e.getMessage().contains("limits.maxBufferedBytes"), e.getMessage());
  }
}
