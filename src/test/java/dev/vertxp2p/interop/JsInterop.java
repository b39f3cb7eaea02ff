package dev.vertxp2p.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds the js-libp2p interop peer and decides whether tests that need it can run.
 *
 * <p>On a developer machine without Node.js or without {@code interop/js/node_modules} the
 * interop tests are skipped; under CI ({@code CI=true}) the same situation fails the test, so a
 * CI run can never go green by silently skipping interop.
 */
public final class JsInterop {

  /** Path of the peer script relative to the project root. */
  public static final String PEER_SCRIPT = "interop/js/peer.mjs";

  /** System property that overrides the project root (default: search upwards from the cwd). */
  public static final String PROJECT_ROOT_PROPERTY = "vertxp2p.projectRoot";

  /** System property naming the node executable (default {@code node} on the PATH). */
  public static final String NODE_PROPERTY = "vertxp2p.node";

  private static final long NODE_PROBE_TIMEOUT_SECONDS = 20;

  /** Cached verdict: null until probed, "" when available, else the reason it is not. */
  private static final AtomicReference<String> UNAVAILABLE_REASON = new AtomicReference<>();

  private JsInterop() {}

  /**
   * Skips the calling test when the js peer cannot run here, or fails it when the environment
   * variable {@code CI} is {@code "true"}.
   */
  public static void assumeAvailable() {
    decide(unavailableReason(), System.getenv("CI"));
  }

  /**
   * Does nothing when {@code reason} is empty; else aborts the test (skipped), or fails it when
   * {@code ciVariable} is {@code "true"}.
   */
  static void decide(String reason, String ciVariable) {
    if (reason.isEmpty()) {
      return;
    }
    String message = "js-libp2p interop peer unavailable: " + reason
        + " (run interop/js/install.sh)";
    if ("true".equalsIgnoreCase(ciVariable)) {
      throw new AssertionError(message + "; interop tests must not be skipped under CI");
    }
    Assumptions.abort(message);
  }

  /** Empty when node and the installed peer are present, else why not. */
  public static String unavailableReason() {
    String cached = UNAVAILABLE_REASON.get();
    if (cached != null) {
      return cached;
    }
    String probed = probe();
    UNAVAILABLE_REASON.compareAndSet(null, probed);
    return UNAVAILABLE_REASON.get();
  }

  private static String probe() {
    Path root;
    try {
      root = projectRoot();
    } catch (IllegalStateException e) {
      return e.getMessage();
    }
    if (!Files.isDirectory(root.resolve("interop/js/node_modules/libp2p"))) {
      return "interop/js/node_modules is not installed";
    }
    try {
      Process p = new ProcessBuilder(nodeExecutable(), "--version")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!p.waitFor(NODE_PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "'" + nodeExecutable() + " --version' did not finish";
      }
      if (p.exitValue() != 0) {
        return "'" + nodeExecutable() + " --version' exited with " + p.exitValue();
      }
    } catch (IOException e) {
      return "cannot run '" + nodeExecutable() + "': " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted while probing node";
    }
    return "";
  }

  /** The node executable to run. */
  public static String nodeExecutable() {
    return System.getProperty(NODE_PROPERTY, "node");
  }

  /**
   * The project root: the nearest directory at or above the working directory that holds the
   * peer script (Surefire runs with the module directory as working directory).
   */
  public static Path projectRoot() {
    String configured = System.getProperty(PROJECT_ROOT_PROPERTY);
    if (configured != null) {
      return Path.of(configured).toAbsolutePath();
    }
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(PEER_SCRIPT))) {
        return d;
      }
    }
    throw new IllegalStateException("no " + PEER_SCRIPT + " at or above " + dir);
  }
}
