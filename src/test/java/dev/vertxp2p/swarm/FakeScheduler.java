package dev.vertxp2p.swarm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/** A manual clock: tasks run only when the test advances time, in due order. */
final class FakeScheduler implements Scheduler {

  static final class Task implements Cancellable {
    final long due;
    final long seq;
    final long delay;
    final Runnable body;
    boolean cancelled;
    boolean ran;

    Task(long due, long seq, long delay, Runnable body) {
      this.due = due;
      this.seq = seq;
      this.delay = delay;
      this.body = body;
    }

    @Override
    public boolean cancel() {
      boolean was = !cancelled && !ran;
      cancelled = true;
      return was;
    }
  }

  private final PriorityQueue<Task> queue =
      new PriorityQueue<>(Comparator.<Task>comparingLong(t -> t.due).thenComparingLong(t -> t.seq));
  final List<Long> scheduledDelays = new ArrayList<>();
  private long now;
  private long seq;

  @Override
  public Cancellable schedule(long delayMillis, Runnable task) {
    if (delayMillis < 0) {
      throw new IllegalArgumentException("negative delay " + delayMillis);
    }
    Task t = new Task(now + delayMillis, seq++, delayMillis, task);
    scheduledDelays.add(delayMillis);
    queue.add(t);
    return t;
  }

  long now() {
    return now;
  }

  /** Moves the clock forward, running every task that falls due on the way. */
  void advance(long millis) {
    long target = now + millis;
    while (!queue.isEmpty() && queue.peek().due <= target) {
      Task t = queue.poll();
      now = t.due;
      if (!t.cancelled) {
        t.ran = true;
        t.body.run();
      }
    }
    now = target;
  }

  /** Runs everything until nothing is pending; returns the time taken. */
  long runAll() {
    long start = now;
    int guard = 0;
    while (!queue.isEmpty()) {
      if (++guard > 1_000_000) {
        throw new AssertionError("scheduler never drains");
      }
      advance(queue.peek().due - now);
    }
    return now - start;
  }

  /** Tasks scheduled and neither run nor cancelled. */
  long pending() {
    return queue.stream().filter(t -> !t.cancelled).count();
  }
}
