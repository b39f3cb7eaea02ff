package dev.vertxp2p.interop;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;

/**
 * The Go interop peer ({@code interop/go/peer.go}): libp2p over hashicorp/yamux and flynn/noise,
 * the Go libraries go-libp2p builds on. Built once per test run with {@code interop/go/build.sh};
 * each instance is one process, {@code serve} or {@code dial}, that reports JSON lines on stdout.
 *
 * <p>Without Go or its Debian library packages the tests that need it are skipped, except under
 * {@code CI=true}, where they fail.
 */
public final class GoPeer implements AutoCloseable {
  static final String SOURCE = "interop/go/peer.go";
  static final String BUILD_SCRIPT = "interop/go/build.sh";
  /** build.sh's exit code when Go or a library package is missing (anything else is a failure). */
  static final int MISSING_TOOLS = 3;
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(3);
  private static final AtomicReference<String> UNAVAILABLE = new AtomicReference<>();

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final Path stderr;

  private GoPeer(List<String> args) throws IOException {
    Path bin = binary();
    List<String> cmd = new ArrayList<>();
    cmd.add(bin.toString());
    cmd.addAll(args);
    stderr = Files.createTempFile("go-peer", ".stderr");
    process = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = r.readLine()) != null; ) {
          lines.add(l);
        }
      } catch (IOException ignored) {
        // the process ended; next() reports what it printed
      }
    }, "go-peer-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** A peer listening on 127.0.0.1; {@code args} are extra flags (e.g. {@code -window}). */
  public static GoPeer serve(String... args) throws IOException {
    List<String> a = new ArrayList<>(List.of("serve"));
    a.addAll(List.of(args));
    return new GoPeer(a);
  }

  /** A peer that dials {@code addr} and runs the exchanges its flags ask for. */
  public static GoPeer dial(String addr, String... args) throws IOException {
    List<String> a = new ArrayList<>(List.of("dial", "-addr", addr));
    a.addAll(List.of(args));
    return new GoPeer(a);
  }

  /** The next stdout line that matches, as JSON; fails with everything seen on timeout. */
  public JsonObject next(Duration timeout, Predicate<JsonObject> want) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          throw new AssertionError("no matching line from the Go peer within " + timeout
              + "; it printed " + seen + ", stderr: " + stderrText()
              + (process.isAlive() ? "" : ", exit " + process.exitValue()));
        }
        seen.add(line);
        JsonObject o;
        try {
          o = new JsonObject(line);
        } catch (DecodeException e) {
          continue;
        }
        if (want.test(o)) {
          return o;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** The next line whose {@code event} is {@code type}. */
  public JsonObject event(String type, Duration timeout) {
    return next(timeout, o -> type.equals(o.getString("event")));
  }

  /** A dial peer's one result line. */
  public JsonObject result(Duration timeout) {
    return next(timeout, o -> o.containsKey("ok"));
  }

  /** Tells a dial peer to close its session (it sends Yamux GoAway) and waits for its exit. */
  public int finish(Duration timeout) throws IOException, InterruptedException {
    OutputStream in = process.getOutputStream();
    in.write('\n');
    in.flush();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("Go peer did not exit; stderr: " + stderrText());
    }
    return process.exitValue();
  }

  public String stderrText() {
    try {
      return Files.readString(stderr);
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      Files.deleteIfExists(stderr);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException ignored) {
      // a temp file left behind
    }
  }

  // ---- build and availability ------------------------------------------------------------

  static Path binary() {
    return JsInterop.projectRoot().resolve("target/interop-go/peer");
  }

  /** Builds the peer once; skips (or fails under CI) when Go or its libraries are missing. */
  public static void assumeAvailable() {
    String reason = unavailableReason();
    if (reason.isEmpty()) {
      return;
    }
    String message = "Go interop peer unavailable: " + reason
        + " (install golang-go golang-github-hashicorp-yamux-dev golang-github-flynn-noise-dev)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(message + "; interop tests must not be skipped under CI");
    }
    Assumptions.abort(message);
  }

  /** Empty when the peer is built (building it on the first call), else why it cannot be. */
  public static synchronized String unavailableReason() {
    String cached = UNAVAILABLE.get();
    if (cached == null) {
      cached = build();
      UNAVAILABLE.set(cached);
    }
    return cached;
  }

  private static String build() {
    Path root = JsInterop.projectRoot();
    try {
      Path log = Files.createTempFile("go-build", ".log");
      Process p = new ProcessBuilder("bash", root.resolve(BUILD_SCRIPT).toString(),
          binary().toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("building the Go peer took over " + BUILD_TIMEOUT);
      }
      String out = Files.readString(log).strip();
      Files.deleteIfExists(log);
      if (p.exitValue() == MISSING_TOOLS) {
        return out;
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("building " + SOURCE + " failed: " + out);
      }
      return "";
    } catch (IOException e) {
      return "cannot run " + BUILD_SCRIPT + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while building the Go peer";
    }
  }
}
