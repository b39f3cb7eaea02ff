package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code transport} config section: defaults, JSON round trip, and named errors. */
class TransportOptionsTest {

  @Test
  void defaultsAndRoundTrip() {
    TransportOptions d = new TransportOptions();
    assertEquals(List.of(TransportOptions.YAMUX_PROTOCOL, TransportOptions.MPLEX_PROTOCOL),
        d.getMuxers());
    assertEquals(Duration.ofSeconds(10), d.getHandshakeTimeout());
    assertEquals(Duration.ofSeconds(30), d.getKeepAliveInterval());
    assertTrue(d.isSpreadEventLoops());
    assertEquals(List.of("/noise", "/tls/1.0.0"), d.getSecurity());
    assertEquals(new JsonArray().add("/noise").add("/tls/1.0.0"),
        d.toJson().getJsonArray("security"));
    JsonObject json = new JsonObject()
        .put("muxers", new JsonArray().add(TransportOptions.MPLEX_PROTOCOL))
        .put("security", new JsonArray().add("/tls/1.0.0").add("/noise"))
        .put("handshakeTimeout", 2.5).put("streamNegotiationTimeout", 1.0)
        .put("keepAliveInterval", 5.0).put("keepAliveTimeout", 2.0)
        .put("shutdownGracePeriod", 0.5).put("spreadEventLoops", false);
    TransportOptions t = new TransportOptions(json);
    assertEquals(List.of(TransportOptions.MPLEX_PROTOCOL), t.getMuxers());
    assertEquals(List.of(TransportOptions.TLS_PROTOCOL, TransportOptions.NOISE_PROTOCOL),
        t.getSecurity());
    assertEquals(t.getSecurity(), new TransportOptions(t).getSecurity());
    assertEquals(Duration.ofMillis(2500), t.getHandshakeTimeout());
    assertEquals(Duration.ofSeconds(5), t.getKeepAliveInterval());
    assertFalse(t.isSpreadEventLoops());
    assertEquals(json, t.toJson());
    assertEquals(json, new SwarmOptions(new JsonObject().put("transport", json))
        .getTransport().toJson());
  }

  @Test
  void badValuesAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("muxers", new JsonArray().add("/spdy/3"))));
    assertTrue(e.getMessage().contains("transport.muxers") && e.getMessage().contains("/spdy/3"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("keepAliveTimeout", 0)));
    assertTrue(e.getMessage().contains("transport.keepAliveTimeout"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("handshakeTimout", 3)));
    assertTrue(e.getMessage().contains("handshakeTimout"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("muxers", new JsonArray())));
    assertTrue(e.getMessage().contains("transport.muxers"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("spreadEventLoops", "yes")));
    assertTrue(e.getMessage().contains("transport.spreadEventLoops"), e.getMessage());
  }

  @Test
  void badSecurityListsAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("security",
            new JsonArray().add("/noise").add("/secio/1.0.0"))));
    assertTrue(e.getMessage().contains("transport.security")
        && e.getMessage().contains("unknown security protocol '/secio/1.0.0'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("security", new JsonArray())));
    assertTrue(e.getMessage().contains("transport.security must name at least one"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("security",
            new JsonArray().add("/tls/1.0.0").add("/tls/1.0.0"))));
    assertTrue(e.getMessage().contains("transport.security")
        && e.getMessage().contains("'/tls/1.0.0' is named twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("security", "/noise")));
    assertTrue(e.getMessage().contains("transport.security"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new TransportOptions(new JsonObject().put("security", new JsonArray().add(7))));
    assertTrue(e.getMessage().contains("transport.security[0]"), e.getMessage());
  }
}
