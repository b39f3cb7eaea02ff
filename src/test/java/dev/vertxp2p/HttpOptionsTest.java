package dev.vertxp2p;

import static dev.vertxp2p.ConfigAssertions.assertInvalid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code http.allowedHosts}: read, validated, copied and written back. */
class HttpOptionsTest {

  @Test
  void allowedHostsDefaultEmptyAndRoundTrip() {
    assertEquals(List.of(), new HttpOptions().getAllowedHosts());
    assertEquals(new JsonArray(), new HttpOptions().toJson().getJsonArray("allowedHosts"));
    List<String> hosts = List.of("dash.example.com", "Node-7.lan", "10.0.0.7", "::1",
        "[fe80::1]", "::ffff:10.0.0.7", "localhost");
    HttpOptions o = new HttpOptions(new JsonObject()
        .put("allowedHosts", new JsonArray(new ArrayList<>(hosts))));
    assertEquals(hosts, o.getAllowedHosts());
    assertEquals(o, new HttpOptions(o.toJson()));
    assertEquals(o, new HttpOptions(o));
    assertEquals(o.hashCode(), new HttpOptions(o).hashCode());
    assertNotEquals(new HttpOptions(), o);
    assertEquals(o, SwarmOptions.fromJson(new JsonObject().put("http", o.toJson())).getHttp());
    // the list handed in is copied, and the one handed out cannot change the options
    List<String> mine = new ArrayList<>(List.of("a.example"));
    HttpOptions p = new HttpOptions().setAllowedHosts(mine);
    mine.add("b.example");
    assertEquals(List.of("a.example"), p.getAllowedHosts());
    assertThrows(UnsupportedOperationException.class, () -> p.getAllowedHosts().add("c"));
  }

  @Test
  void allowedHostsRefuseWhatIsNotAHostName() {
    for (String bad : List.of("", "dash.example.com:8080", "http://dash.example.com", "*.example",
        "dash..example", "dash.example.", "-dash.example", "dash-.example", "dash_1.example",
        "a b", "1.2.3", "256.1.1.1", "01.2.3.4", "fe80::1%eth0", "[::1", "::1::2",
        "x".repeat(64) + ".example", "a." .repeat(127) + "com")) {
      assertInvalid(() -> new HttpOptions().setAllowedHosts(List.of("ok.example", bad)),
          "http.allowedHosts[1]", "host name");
    }
    assertInvalid(() -> new HttpOptions().setAllowedHosts(null), "http.allowedHosts", "null");
    assertInvalid(() -> new HttpOptions(new JsonObject().put("allowedHosts", "dash.example")),
        "http.allowedHosts", "\"dash.example\"", "array");
    assertInvalid(() -> new HttpOptions(new JsonObject()
        .put("allowedHosts", new JsonArray().add("dash.example").add(7))),
        "http.allowedHosts[1]", "7", "string");
    assertInvalid(() -> new HttpOptions().setAllowedHosts(
        Collections.nCopies(HttpOptions.MAX_ALLOWED_HOSTS + 1, "dash.example")),
        "http.allowedHosts", "at most " + HttpOptions.MAX_ALLOWED_HOSTS);
    assertEquals(HttpOptions.MAX_ALLOWED_HOSTS, new HttpOptions().setAllowedHosts(
        Collections.nCopies(HttpOptions.MAX_ALLOWED_HOSTS, "dash.example"))
        .getAllowedHosts().size());
  }

  @Test
  void unknownKeysAreStillRefused() {
    assertInvalid(() -> new HttpOptions(new JsonObject().put("allowedHost", new JsonArray())),
        "http.allowedHost", "unknown", "allowedHosts");
  }
}
