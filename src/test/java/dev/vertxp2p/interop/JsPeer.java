package dev.vertxp2p.interop;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One js-libp2p node in a child process ({@code node interop/js/peer.mjs}), driven over JSON
 * lines: each command written to its stdin is answered by one JSON line on its stdout carrying
 * the same {@code id}. See {@code interop/js/README.md} for the commands.
 *
 * <p>Thread-safe: commands may be sent from any thread and concurrently; answers are matched by
 * id. The child's stderr is copied to a log file under {@code target/interop-logs} (and its last
 * lines kept for error messages) so the child never blocks on a full pipe.
 */
public final class JsPeer implements AutoCloseable {

  /** How long {@link #start} waits for the READY line by default. */
  public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);

  /** How long {@link #call(JsonObject)} waits for an answer. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(60);

  /** How long {@link #close()} waits for a graceful stop before killing the process. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private static final String READY_PREFIX = "READY ";
  private static final int STDERR_TAIL_LINES = 80;
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** How to start the js node; immutable, change it with the {@code with*} methods. */
  public record Options(
      List<String> muxers,
      boolean echo,
      List<String> listen,
      String keyHex,
      boolean identifyPush,
      Integer pingIntervalMs,
      Integer mplexDisconnectThreshold,
      Duration startTimeout,
      String dialLocalAddress,
      List<String> security) {

    /** Checks and copies the lists. */
    public Options {
      muxers = List.copyOf(muxers);
      listen = List.copyOf(listen);
      security = List.copyOf(security);
      if (security.isEmpty()) {
        throw new IllegalArgumentException("at least one security protocol is needed");
      }
      Objects.requireNonNull(startTimeout, "startTimeout");
      if (muxers.isEmpty()) {
        throw new IllegalArgumentException("at least one muxer is needed");
      }
    }

    /** yamux then mplex, no echo, listening on an ephemeral loopback TCP port. */
    public static Options defaults() {
      return new Options(List.of("yamux", "mplex"), false, List.of("/ip4/127.0.0.1/tcp/0"), null,
          true, null, null, DEFAULT_START_TIMEOUT, null, List.of("noise"));
    }

    /** Muxers in preference order: {@code "yamux"}, {@code "mplex"}. */
    public Options withMuxers(String... names) {
      return new Options(List.of(names), echo, listen, keyHex, identifyPush, pingIntervalMs,
          mplexDisconnectThreshold, startTimeout, dialLocalAddress, security);
    }

    /** Whether the node serves {@code /echo/1.0.0}. */
    public Options withEcho(boolean on) {
      return new Options(muxers, on, listen, keyHex, identifyPush, pingIntervalMs,
          mplexDisconnectThreshold, startTimeout, dialLocalAddress, security);
    }

    /** The multiaddrs to listen on. */
    public Options withListen(String... addrs) {
      return new Options(muxers, echo, List.of(addrs), keyHex, identifyPush, pingIntervalMs,
          mplexDisconnectThreshold, startTimeout, dialLocalAddress, security);
    }

    /** The node's identity: hex of a protobuf-encoded libp2p private key. */
    public Options withKey(String protobufPrivateKeyHex) {
      return new Options(muxers, echo, listen, protobufPrivateKeyHex, identifyPush,
          pingIntervalMs, mplexDisconnectThreshold, startTimeout, dialLocalAddress, security);
    }

    /** Whether the node runs the identify-push service (on by default, as in js). */
    public Options withIdentifyPush(boolean on) {
      return new Options(muxers, echo, listen, keyHex, on, pingIntervalMs,
          mplexDisconnectThreshold, startTimeout, dialLocalAddress, security);
    }

    /** Interval of js's connection-monitor ping (js default 10 s). */
    public Options withPingInterval(int millis) {
      return new Options(muxers, echo, listen, keyHex, identifyPush, millis,
          mplexDisconnectThreshold, startTimeout, dialLocalAddress, security);
    }

    /** Streams a remote may open per second on mplex before js drops it (stock js: 5). */
    public Options withMplexDisconnectThreshold(int perSecond) {
      return new Options(muxers, echo, listen, keyHex, identifyPush, pingIntervalMs, perSecond,
          startTimeout, dialLocalAddress, security);
    }

    /** The local address every dial of the js node leaves from, e.g. {@code 127.0.0.2}. */
    public Options withDialLocalAddress(String ip) {
      return new Options(muxers, echo, listen, keyHex, identifyPush, pingIntervalMs,
          mplexDisconnectThreshold, startTimeout, ip, security);
    }

    /**
     * The connection encrypters in the order offered: {@code "noise"} ({@code /noise}), {@code
     * "tls"} ({@code /tls/1.0.0}, @libp2p/tls).
     */
    public Options withSecurity(String... names) {
      return new Options(muxers, echo, listen, keyHex, identifyPush, pingIntervalMs,
          mplexDisconnectThreshold, startTimeout, dialLocalAddress, List.of(names));
    }

    /** How long to wait for READY. */
    public Options withStartTimeout(Duration timeout) {
      return new Options(muxers, echo, listen, keyHex, identifyPush, pingIntervalMs,
          mplexDisconnectThreshold, timeout, dialLocalAddress, security);
    }

    /** The peer.mjs command-line arguments for these options. */
    public List<String> toArgs() {
      List<String> args = new ArrayList<>();
      args.add("--muxers");
      args.add(String.join(",", muxers));
      args.add("--listen");
      args.add(String.join(",", listen));
      if (echo) {
        args.add("--echo");
      }
      if (keyHex != null) {
        args.add("--key");
        args.add(keyHex);
      }
      if (!identifyPush) {
        args.add("--no-identify-push");
      }
      if (pingIntervalMs != null) {
        args.add("--ping-interval");
        args.add(pingIntervalMs.toString());
      }
      if (mplexDisconnectThreshold != null) {
        args.add("--mplex-disconnect-threshold");
        args.add(mplexDisconnectThreshold.toString());
      }
      if (dialLocalAddress != null) {
        args.add("--dial-local-address");
        args.add(dialLocalAddress);
      }
      if (!security.equals(List.of("noise"))) {
        args.add("--security");
        args.add(String.join(",", security));
      }
      return args;
    }
  }

  private final Process process;
  private final String name;
  private final Path logFile;
  private final Writer stdin;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final AtomicLong nextId = new AtomicLong(1);
  private final Map<String, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
  private final ConcurrentLinkedDeque<String> stderrTail = new ConcurrentLinkedDeque<>();
  private final CompletableFuture<JsonObject> ready = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread stdoutReader;
  private final Thread stderrReader;

  private JsPeer(Process process, String name, Path logFile) {
    this.process = process;
    this.name = name;
    this.logFile = logFile;
    this.stdin = new BufferedWriter(
        new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
    this.stdoutReader = new Thread(this::readStdout, name + "-stdout");
    this.stderrReader = new Thread(this::readStderr, name + "-stderr");
    stdoutReader.setDaemon(true);
    stderrReader.setDaemon(true);
  }

  /** Starts a node with {@link Options#defaults()}. */
  public static JsPeer start() {
    return start(Options.defaults());
  }

  /**
   * Starts a node and waits until it listens.
   *
   * @throws IllegalStateException if the process exits or stays silent past the start timeout;
   *     the message carries the end of its stderr
   */
  public static JsPeer start(Options options) {
    Path root = JsInterop.projectRoot();
    List<String> command = new ArrayList<>();
    command.add(JsInterop.nodeExecutable());
    command.add(JsInterop.PEER_SCRIPT);
    command.addAll(options.toArgs());
    String name = "js-peer-" + INSTANCES.incrementAndGet();
    Path logDir = root.resolve("target/interop-logs");
    Process process;
    try {
      Files.createDirectories(logDir);
      process = new ProcessBuilder(command).directory(root.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    JsPeer peer = new JsPeer(process, name,
        logDir.resolve(name + "-" + ProcessHandle.current().pid() + ".log"));
    peer.stdoutReader.start();
    peer.stderrReader.start();
    try {
      peer.ready.get(options.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return peer;
    } catch (TimeoutException | ExecutionException e) {
      peer.kill();
      throw new IllegalStateException(name + " did not become ready ("
          + (e instanceof TimeoutException ? "timeout after " + options.startTimeout()
              : e.getCause().getMessage())
          + "); stderr:\n" + peer.stderrTail(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      peer.kill();
      throw new IllegalStateException("interrupted while starting " + name, e);
    }
  }

  /** The READY line's object: peerId, addrs, publicKey, muxers, agentVersion. */
  public JsonObject ready() {
    return ready.join().copy();
  }

  /** The node's peer id (base58 multihash). */
  public String peerId() {
    return ready.join().getString("peerId");
  }

  /** Its listen addresses, each ending in {@code /p2p/<peerId>}. */
  public List<String> addrs() {
    JsonArray addrs = ready.join().getJsonArray("addrs");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < addrs.size(); i++) {
      out.add(addrs.getString(i));
    }
    return Collections.unmodifiableList(out);
  }

  /** The first listen address. */
  public String addr() {
    return addrs().get(0);
  }

  /** Hex of its protobuf-encoded public key. */
  public String publicKeyHex() {
    return ready.join().getString("publicKey");
  }

  /** The agentVersion it announces in identify. */
  public String agentVersion() {
    return ready.join().getString("agentVersion");
  }

  /** Where its stderr is logged. */
  public Path logFile() {
    return logFile;
  }

  /** Whether the child process still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** The last lines the child wrote to stderr. */
  public String stderrTail() {
    return String.join("\n", stderrTail);
  }

  /** Builds a command from a name and key/value pairs: {@code cmd("ping", "peer", id)}. */
  public static JsonObject cmd(String cmd, Object... keyValues) {
    if (keyValues.length % 2 != 0) {
      throw new IllegalArgumentException("key/value pairs expected");
    }
    JsonObject o = new JsonObject().put("cmd", cmd);
    for (int i = 0; i < keyValues.length; i += 2) {
      o.put((String) keyValues[i], keyValues[i + 1]);
    }
    return o;
  }

  /**
   * Sends a command; the future completes with its answer (whether ok or not) or exceptionally
   * if the process dies first. An {@code id} is assigned unless the command has one.
   */
  public CompletableFuture<JsonObject> send(JsonObject command) {
    JsonObject cmd = command.copy();
    if (!cmd.containsKey("id")) {
      cmd.put("id", nextId.getAndIncrement());
    }
    String key = String.valueOf(cmd.getValue("id"));
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    if (pending.putIfAbsent(key, answer) != null) {
      throw new IllegalArgumentException("a command with id " + key + " is still pending");
    }
    if (!process.isAlive()) {
      pending.remove(key);
      answer.completeExceptionally(deadException());
      return answer;
    }
    writeLock.lock();
    try {
      stdin.write(cmd.encode());
      stdin.write('\n');
      stdin.flush();
    } catch (IOException e) {
      pending.remove(key);
      answer.completeExceptionally(new IllegalStateException(
          name + ": cannot write command: " + e.getMessage() + "; stderr:\n" + stderrTail(), e));
    } finally {
      writeLock.unlock();
    }
    return answer;
  }

  /** Sends a command and waits up to {@link #DEFAULT_CALL_TIMEOUT} for its answer. */
  public JsonObject call(JsonObject command) {
    return call(command, DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Sends a command and waits for its answer, ok or not.
   *
   * @throws IllegalStateException on timeout or if the process died
   */
  public JsonObject call(JsonObject command, Duration timeout) {
    CompletableFuture<JsonObject> answer = send(command);
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(name + ": no answer to " + command.encode() + " within "
          + timeout + "; stderr:\n" + stderrTail(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + name, e);
    }
  }

  /**
   * Like {@link #call(JsonObject)} but requires {@code ok:true}.
   *
   * @throws JsPeerException when js answered {@code ok:false}
   */
  public JsonObject callOk(JsonObject command) {
    JsonObject answer = call(command);
    if (!answer.getBoolean("ok", false)) {
      throw new JsPeerException(command, answer);
    }
    return answer;
  }

  /** Asks the node to stop, then kills the process if it does not exit in time. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (process.isAlive() && ready.isDone() && !ready.isCompletedExceptionally()) {
        try {
          send(cmd("stop")).get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
          // It is killed below; the log keeps whatever it said.
        }
      }
      closeStdin();
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
      }
      stdoutReader.join(STOP_TIMEOUT.toMillis());
      stderrReader.join(STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
  }

  private void kill() {
    closed.set(true);
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  private void closeStdin() {
    writeLock.lock();
    try {
      stdin.close();
    } catch (IOException e) {
      // Already gone with the process.
    } finally {
      writeLock.unlock();
    }
  }

  private IllegalStateException deadException() {
    String exit = process.isAlive() ? "still running" : "exit code " + process.exitValue();
    return new IllegalStateException(name + " is gone (" + exit + "); stderr:\n" + stderrTail());
  }

  private void readStdout() {
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        onStdoutLine(line);
      }
    } catch (IOException e) {
      // The stream ends with the process; pending commands are failed below.
    } finally {
      try {
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // Give stderr a moment so the failure message carries js's last words.
      try {
        stderrReader.join(STOP_TIMEOUT.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      IllegalStateException dead = deadException();
      ready.completeExceptionally(dead);
      pending.values().forEach(f -> f.completeExceptionally(dead));
      pending.clear();
    }
  }

  private void onStdoutLine(String line) {
    if (!ready.isDone()) {
      if (!line.startsWith(READY_PREFIX)) {
        appendTail("[stdout before READY] " + line);
        return;
      }
      try {
        ready.complete(new JsonObject(line.substring(READY_PREFIX.length())));
      } catch (DecodeException e) {
        ready.completeExceptionally(new IllegalStateException("bad READY line: " + line, e));
      }
      return;
    }
    JsonObject answer;
    try {
      answer = new JsonObject(line);
    } catch (DecodeException e) {
      appendTail("[unparsable stdout] " + line);
      return;
    }
    CompletableFuture<JsonObject> f = pending.remove(String.valueOf(answer.getValue("id")));
    if (f != null) {
      f.complete(answer);
    } else {
      appendTail("[answer nobody waits for] " + line);
    }
  }

  private void readStderr() {
    Writer log = null;
    try {
      log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      // Keep draining anyway: a full stderr pipe would stall the child.
      appendTail("[cannot write " + logFile + ": " + e.getMessage() + "]");
    }
    try (BufferedReader err = new BufferedReader(
        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = err.readLine()) != null) {
        appendTail(line);
        if (log != null) {
          log.write(line);
          log.write('\n');
          log.flush();
        }
      }
    } catch (IOException e) {
      appendTail("[stderr copy failed: " + e.getMessage() + "]");
    } finally {
      if (log != null) {
        try {
          log.close();
        } catch (IOException e) {
          // Nothing left to save.
        }
      }
    }
  }

  private void appendTail(String line) {
    stderrTail.addLast(line);
    while (stderrTail.size() > STDERR_TAIL_LINES) {
      stderrTail.pollFirst();
    }
  }

  @Override
  public String toString() {
    return name + (ready.isDone() && !ready.isCompletedExceptionally() ? " " + peerId() : "");
  }
}
