package dev.vertxp2p.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what some loggers (and their children) write, for tests that assert what the node
 * logged, and waits for lines without sleeping: each record that arrives wakes the waiter.
 */
public final class LogCapture implements AutoCloseable {
  /** Strong references: JUL holds loggers weakly, and a collected one forgets its handler. */
  private final List<Logger> loggers = new ArrayList<>();
  private final List<LogRecord> records = new CopyOnWriteArrayList<>();
  private final BlockingQueue<LogRecord> arrivals = new LinkedBlockingQueue<>();
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      records.add(r);
      arrivals.add(r);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  private LogCapture(List<String> names, Level level) {
    for (String name : names) {
      Logger l = Logger.getLogger(name);
      if (level != null) {
        l.setLevel(level);
      }
      l.addHandler(handler);
      loggers.add(l);
    }
  }

  /** Starts capturing everything the named loggers write, at every level. */
  public static LogCapture of(String... loggerNames) {
    return new LogCapture(List.of(loggerNames), Level.ALL);
  }

  /** As {@link #of(String...)}. */
  public static LogCapture of(List<String> loggerNames) {
    return new LogCapture(loggerNames, Level.ALL);
  }

  /**
   * Captures what the named loggers write at the levels they already log at: for tests that make
   * so much traffic that debug records would weigh on what they measure.
   */
  public static LogCapture atTheirLevels(String... loggerNames) {
    return new LogCapture(List.of(loggerNames), null);
  }

  /** A record's message with its exception, if any: what assertions search. */
  public static String text(LogRecord r) {
    return r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown());
  }

  /** Every record captured so far (since the last {@link #clear}). */
  public List<LogRecord> records() {
    return List.copyOf(records);
  }

  /** The texts of every record captured so far. */
  public List<String> texts() {
    return records.stream().map(LogCapture::text).toList();
  }

  /** Forgets what was captured. */
  public void clear() {
    records.clear();
    arrivals.clear();
  }

  /**
   * Waits until at least {@code count} captured records match.
   *
   * @throws AssertionError naming {@code what} and listing the captured lines after {@code
   *     timeout}
   */
  public void await(int count, Duration timeout, String what, Predicate<LogRecord> match)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (records.stream().filter(match).count() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || arrivals.poll(left, TimeUnit.NANOSECONDS) == null) {
        throw new AssertionError("expected " + count + " log lines of " + what + " within "
            + timeout + ", got " + records.stream().filter(match).count() + ": " + texts());
      }
    }
  }

  @Override
  public void close() {
    for (Logger l : loggers) {
      l.removeHandler(handler);
    }
  }
}
