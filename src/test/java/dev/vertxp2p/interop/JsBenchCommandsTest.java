package dev.vertxp2p.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.bench.Metric;
import dev.vertxp2p.bench.Scenarios;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The js peer's benchmark commands (servePerf, perf, pingRtts, dialMany) at tiny sizes, js to js
 * and against Java: what bench/run.sh relies on.
 */
class JsBenchCommandsTest {

  @Test
  @Timeout(120)
  void perfPingAndDialManyWork() {
    JsInterop.assumeAvailable();
    JsPeer.Options o = JsPeer.Options.defaults().withMuxers("yamux");
    try (JsPeer a = JsPeer.start(o); JsPeer b = JsPeer.start(o)) {
      assertTrue(b.callOk(JsPeer.cmd("servePerf")).getJsonArray("protocols")
          .contains("/perf/1.0.0"));
      JsonObject perf = a.callOk(JsPeer.cmd("perf", "addr", b.addr(), "upload", 300_000,
          "download", 1_000_003));
      assertEquals(300_000, perf.getLong("uploadBytes"));
      assertEquals(1_000_003, perf.getLong("downloadBytes"));
      assertTrue(perf.getDouble("totalMs") >= perf.getDouble("uploadMs"));

      JsonObject ping = a.callOk(JsPeer.cmd("pingRtts", "addr", b.addr(), "count", 7));
      assertEquals(7, ping.getJsonArray("rttsMs").size());

      JsonObject dials = a.callOk(JsPeer.cmd("dialMany", "addr", b.addr(), "count", 3,
          "concurrency", 2, "seconds", 30));
      assertEquals(3, dials.getInteger("connections"));
      // one dialer node per dial in flight, so no two dials join into one connection
      assertEquals(3, dials.getInteger("distinct"), dials.encode());

      JsonObject bad = a.call(JsPeer.cmd("pingRtts", "addr", b.addr(), "count", 0));
      assertFalse(bad.getBoolean("ok"));

      TransportOptions options = new TransportOptions();
      List<Metric> m = Scenarios.perfJavaJs(b, 200_000, 300_000, options);
      assertTrue(m.stream().anyMatch(x -> x.name().equals("perf.js-java.total") && x.value() > 0),
          m.toString());
      m = Scenarios.establishJs(b, 3, 2, 30, options);
      assertTrue(m.stream().anyMatch(x -> x.name().equals("conn.js-java") && x.value() > 0),
          m.toString());
      m = Scenarios.pingJavaJs(b, 5, options);
      assertEquals(2, m.size());
    }
  }
}
