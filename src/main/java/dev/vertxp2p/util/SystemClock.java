package dev.vertxp2p.util;

import java.util.function.LongSupplier;

/**
 * The machine's monotonic clock, handed to the parts that take time as input (the swarm core reads
 * no clock of its own, and an ArchUnit rule keeps it so; tests hand those parts a fake one).
 */
public final class SystemClock {
  private SystemClock() {}

  /** Monotonic nanoseconds: {@link System#nanoTime()}. */
  public static final LongSupplier NANOS = System::nanoTime;
}
