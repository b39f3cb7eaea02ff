package dev.vertxp2p.swarm;

import dev.vertxp2p.ConnectionSelector;

/**
 * An exponentially weighted moving average, for ping round-trip times.
 *
 * <p>{@code value = alpha * sample + (1 - alpha) * value}; the first sample is taken as is.
 * Before any sample the value is NaN ("unknown"), which {@link ConnectionSelector}s sort last.
 * Not thread-safe: it lives on its connection's event loop.
 */
public final class Ewma {

  /**
   * Default smoothing factor: 0.1, the weight go-libp2p's peerstore gives a new latency sample.
   */
  public static final double DEFAULT_ALPHA = 0.1;

  private final double alpha;
  private double value = Double.NaN;
  private long samples;

  /** An average with {@link #DEFAULT_ALPHA}. */
  public Ewma() {
    this(DEFAULT_ALPHA);
  }

  /**
   * An average with weight {@code alpha} for each new sample.
   *
   * @throws IllegalArgumentException unless {@code 0 < alpha <= 1}
   */
  public Ewma(double alpha) {
    if (!(alpha > 0.0 && alpha <= 1.0)) {
      throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
    }
    this.alpha = alpha;
  }

  /**
   * Adds a sample and returns the new average.
   *
   * @throws IllegalArgumentException for a negative, infinite or NaN sample
   */
  public double update(double sample) {
    if (!(sample >= 0.0) || Double.isInfinite(sample)) {
      throw new IllegalArgumentException("sample must be finite and >= 0, got " + sample);
    }
    value = samples == 0 ? sample : alpha * sample + (1.0 - alpha) * value;
    samples++;
    return value;
  }

  /** The average, NaN before the first sample. */
  public double value() {
    return value;
  }

  /** How many samples were added. */
  public long samples() {
    return samples;
  }

  /** The smoothing factor. */
  public double alpha() {
    return alpha;
  }
}
