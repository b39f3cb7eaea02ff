package dev.vertxp2p.verticle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as users run it, in a child JVM: the READY line, the dashboard served from the
 * class path when the working directory has no webroot, SIGTERM exits 0, config errors exit 2
 * naming the key.
 */
class LauncherTest {
  static final Duration BOUND = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void tearDown() {
    for (Process p : started) {
      p.destroyForcibly();
    }
  }

  private Process launch(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.vertxp2p.launcher.Main");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
    started.add(p);
    return p;
  }

  /** Lines of a stream, read on a thread so that the test can wait with a bound. */
  private static BlockingQueue<String> lines(java.io.InputStream in) {
    BlockingQueue<String> q = new LinkedBlockingQueue<>();
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          q.add(line);
        }
      } catch (Exception ignored) {
        // the process ended
      }
    }, "launcher-output");
    t.setDaemon(true);
    t.start();
    return q;
  }

  @Test
  void printsReadyServesTheDashboardAndExitsZeroOnSigterm() throws Exception {
    Process p = launch("-conf",
        "{\"listen\":[\"/ip4/127.0.0.1/tcp/0\"],\"http\":{\"port\":0}}");
    BlockingQueue<String> out = lines(p.getInputStream());
    BlockingQueue<String> err = lines(p.getErrorStream());
    String ready = null;
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (ready == null && System.nanoTime() < deadline) {
      String line = out.poll(1, TimeUnit.SECONDS);
      if (line != null && line.startsWith("READY ")) {
        ready = line;
      }
      assertTrue(p.isAlive() || line != null, "launcher died: " + String.join("\n", err));
    }
    assertNotNull(ready, "no READY line within " + BOUND + "; stderr: " + String.join("\n", err));
    JsonObject r = new JsonObject(ready.substring("READY ".length()));
    String peerId = r.getString("peerId");
    assertTrue(peerId.startsWith("12D3KooW"), peerId);
    JsonArray addrs = r.getJsonArray("listenAddrs");
    assertTrue(addrs.getString(0).matches("/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/" + peerId),
        addrs.encode());
    String http = r.getString("http");
    assertTrue(http.matches("http://127\\.0\\.0\\.1:\\d+"), http);

    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> node = client.send(HttpRequest.newBuilder(URI.create(http + "/api/node"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, node.statusCode());
    assertEquals(peerId, new JsonObject(node.body()).getString("peerId"));
    // The working directory has no webroot: the page comes from the class path (the jar).
    assertTrue(Files.notExists(dir.resolve("webroot")));
    HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(http + "/"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("app.js"), page.body());
    HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create(http + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(metrics.body().contains("libp2p_connections_open"), metrics.body());
    assertTrue(metrics.body().contains("vertx_http_server_requests_total"), metrics.body());

    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS), "did not exit after SIGTERM");
    assertEquals(0, p.exitValue(), "stderr: " + String.join("\n", err));
  }

  @Test
  void configErrorsExitTwoNamingKeyValueAndRule() throws Exception {
    assertConfigError("{\"connection\":{\"maxConnectionsPerPeer\":0}}",
        "connection.maxConnectionsPerPeer", "0");
    assertConfigError("{\"retry\":{\"maxRetrys\":3}}", "retry.maxRetrys", "unknown");
    assertConfigError("{\"eventBusPrefix\":\"has space\"}", "eventBusPrefix", "has space");
    assertConfigError("{\"http\":{\"port\":70000}}", "http.port", "70000");
    Files.writeString(dir.resolve("broken.json"), "{ not json");
    assertConfigError("broken.json", "broken.json", "JSON");
  }

  private void assertConfigError(String conf, String... mentions) throws Exception {
    Process p = launch("-conf", conf);
    assertTrue(p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS), "did not exit for " + conf);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(2, p.exitValue(), conf + "\nstderr: " + err);
    assertTrue(err.startsWith("configuration error: "), err);
    for (String m : mentions) {
      assertTrue(err.contains(m), "stderr should mention " + m + ": " + err);
    }
    assertTrue(!out.contains("READY"), out);
  }
}
