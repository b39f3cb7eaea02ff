package dev.vertxp2p.swarm;

import dev.vertxp2p.RetryConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter, from a {@link RetryConfig}.
 *
 * <p>The delay before retry {@code k} (0-based: {@code k = 0} is the wait after the first failed
 * attempt) is {@code d = min(initialDelay * backoffMultiplier^k, maxDelay)}, then moved by a
 * uniform jitter in {@code [-jitterFactor * d, +jitterFactor * d]} and clamped to
 * {@code [0, maxDelay]}: jitter spreads peers that failed together, but never past the cap.
 *
 * <p>The random source is injectable so tests are deterministic; it must return values in
 * {@code [0, 1)}, as {@link java.util.random.RandomGenerator#nextDouble()} does.
 */
public final class Backoff {

  private final double initialDelay;
  private final double maxDelay;
  private final double multiplier;
  private final double jitterFactor;
  private final DoubleSupplier random;

  /** A backoff with {@link ThreadLocalRandom} as its random source. */
  public Backoff(RetryConfig config) {
    this(config, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * A backoff with the given random source.
   *
   * @param random values in [0, 1), e.g. {@code new SplittableRandom(seed)::nextDouble}
   */
  public Backoff(RetryConfig config, DoubleSupplier random) {
    Objects.requireNonNull(config, "config");
    this.random = Objects.requireNonNull(random, "random");
    // Snapshot: a later change to the options object does not alter dials in progress.
    this.initialDelay = config.getInitialDelay();
    this.maxDelay = config.getMaxDelay();
    this.multiplier = config.getBackoffMultiplier();
    this.jitterFactor = config.getJitterFactor();
  }

  /**
   * The delay before retry {@code k}, without jitter, in seconds.
   *
   * @throws IllegalArgumentException when {@code k < 0}
   */
  public double baseDelaySeconds(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("retry index must be >= 0, got " + k);
    }
    // Math.pow goes to +Infinity rather than overflowing, and min() then caps it.
    double d = initialDelay * Math.pow(multiplier, k);
    return Double.isNaN(d) ? maxDelay : Math.min(d, maxDelay);
  }

  /** The delay before retry {@code k}, with jitter, in seconds, in {@code [0, maxDelay]}. */
  public double delaySeconds(int k) {
    double base = baseDelaySeconds(k);
    double u = random.getAsDouble();
    if (!(u >= 0.0 && u < 1.0)) {
      throw new IllegalStateException("random source returned " + u + ", expected [0, 1)");
    }
    double jittered = base + (2.0 * u - 1.0) * jitterFactor * base;
    return Math.max(0.0, Math.min(jittered, maxDelay));
  }

  /** {@link #delaySeconds(int)} in whole milliseconds (rounded), for timers. */
  public long delayMillis(int k) {
    // maxDelay is at most 1e9 s (RetryConfig), so this fits a long.
    return Math.round(delaySeconds(k) * 1000.0);
  }

  /** {@link #delaySeconds(int)} as a {@link Duration}. */
  public Duration delay(int k) {
    return Duration.ofNanos(Math.round(delaySeconds(k) * 1e9));
  }

  /** The cap, in seconds. */
  public double maxDelaySeconds() {
    return maxDelay;
  }
}
