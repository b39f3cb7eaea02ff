package dev.vertxp2p;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How a dial retries an address: the {@code "retry"} section of the configuration.
 *
 * <p>Names and defaults are the seed's (py-libp2p {@code RetryConfig}) in camelCase. The delay
 * before retry {@code k} (0-based) is {@code min(initialDelay * backoffMultiplier^k, maxDelay)}
 * with a uniform jitter of {@code ±jitterFactor} of it. {@code maxRetries} counts retries, so a
 * dial makes {@code maxRetries + 1} attempts per address.
 *
 * <p>Every setter validates, including the cross-field rule {@code initialDelay <= maxDelay};
 * to move both past each other use {@link #setDelays(double, double)}.
 *
 * <p>Apart from the retries within one dial, an address whose dial failed every attempt is not
 * dialled again for a while: {@code addressBackoff} seconds after the first such failure, doubling
 * with each further one up to {@code maxAddressBackoff} (the contract's "Dial policy"; {@link
 * dev.vertxp2p.gating.AddressBackoff}). Here too {@code addressBackoff <= maxAddressBackoff}, and
 * {@link #setAddressBackoffs(double, double)} moves both.
 */
public class RetryConfig {

  /** JSON path of this section, used in error messages. */
  public static final String SECTION = "retry";

  /** Default {@code maxRetries}: 3 (py-libp2p). */
  public static final int DEFAULT_MAX_RETRIES = 3;

  /** Default {@code initialDelay} in seconds: 0.1 (py-libp2p). */
  public static final double DEFAULT_INITIAL_DELAY = 0.1;

  /** Default {@code maxDelay} in seconds: 30.0 (py-libp2p). */
  public static final double DEFAULT_MAX_DELAY = 30.0;

  /** Default {@code backoffMultiplier}: 2.0 (py-libp2p). */
  public static final double DEFAULT_BACKOFF_MULTIPLIER = 2.0;

  /** Default {@code jitterFactor}: 0.1 (py-libp2p). */
  public static final double DEFAULT_JITTER_FACTOR = 0.1;

  /** Default {@code addressBackoff} in seconds: 5.0 (the contract; go-libp2p's base). */
  public static final double DEFAULT_ADDRESS_BACKOFF = 5.0;

  /** Default {@code maxAddressBackoff} in seconds: 300.0 (the contract; go-libp2p's cap). */
  public static final double DEFAULT_MAX_ADDRESS_BACKOFF = 300.0;

  static final Set<String> KEYS = Set.of("maxRetries", "initialDelay", "maxDelay",
      "backoffMultiplier", "jitterFactor", "addressBackoff", "maxAddressBackoff");

  private int maxRetries;
  private double initialDelay;
  private double maxDelay;
  private double backoffMultiplier;
  private double jitterFactor;
  private double addressBackoff = DEFAULT_ADDRESS_BACKOFF;
  private double maxAddressBackoff = DEFAULT_MAX_ADDRESS_BACKOFF;

  /** The defaults. */
  public RetryConfig() {
    maxRetries = DEFAULT_MAX_RETRIES;
    initialDelay = DEFAULT_INITIAL_DELAY;
    maxDelay = DEFAULT_MAX_DELAY;
    backoffMultiplier = DEFAULT_BACKOFF_MULTIPLIER;
    jitterFactor = DEFAULT_JITTER_FACTOR;
  }

  /** A copy of {@code other}. */
  public RetryConfig(RetryConfig other) {
    maxRetries = other.maxRetries;
    initialDelay = other.initialDelay;
    maxDelay = other.maxDelay;
    backoffMultiplier = other.backoffMultiplier;
    jitterFactor = other.jitterFactor;
    addressBackoff = other.addressBackoff;
    maxAddressBackoff = other.maxAddressBackoff;
  }

  /**
   * From the {@code "retry"} JSON object; absent keys take their defaults, unknown keys are
   * rejected.
   */
  public RetryConfig(JsonObject json) {
    this();
    ConfigCheck.rejectUnknownKeys(json, SECTION, KEYS);
    setMaxRetries(ConfigCheck.readInt(json, "maxRetries", path("maxRetries"), maxRetries));
    // Both delays are read before the cross-field check, so their order in the file is free.
    setDelays(
        ConfigCheck.readNumber(json, "initialDelay", path("initialDelay"), initialDelay),
        ConfigCheck.readNumber(json, "maxDelay", path("maxDelay"), maxDelay));
    setBackoffMultiplier(
        ConfigCheck.readNumber(
            json, "backoffMultiplier", path("backoffMultiplier"), backoffMultiplier));
    setJitterFactor(
        ConfigCheck.readNumber(json, "jitterFactor", path("jitterFactor"), jitterFactor));
    setAddressBackoffs(
        ConfigCheck.readNumber(json, "addressBackoff", path("addressBackoff"), addressBackoff),
        ConfigCheck.readNumber(
            json, "maxAddressBackoff", path("maxAddressBackoff"), maxAddressBackoff));
  }

  private static String path(String key) {
    return ConfigCheck.join(SECTION, key);
  }

  /** Retries per address after the first attempt. */
  public int getMaxRetries() {
    return maxRetries;
  }

  /**
   * Sets the number of retries per address (0: one attempt only).
   *
   * @throws IllegalArgumentException when negative
   */
  public RetryConfig setMaxRetries(int maxRetries) {
    if (maxRetries < 0) {
      throw ConfigCheck.invalid(path("maxRetries"), maxRetries, "must be an integer >= 0");
    }
    this.maxRetries = maxRetries;
    return this;
  }

  /** Attempts per address: {@code maxRetries + 1}. */
  public int attemptsPerAddress() {
    return maxRetries + 1;
  }

  /** Delay before the first retry, in seconds. */
  public double getInitialDelay() {
    return initialDelay;
  }

  /** {@link #getInitialDelay()} as a {@link Duration}. */
  public Duration getInitialDelayDuration() {
    return ConfigCheck.toDuration(initialDelay);
  }

  /**
   * Sets the delay before the first retry in seconds.
   *
   * @throws IllegalArgumentException unless finite, &gt; 0 and &lt;= {@code maxDelay}
   */
  public RetryConfig setInitialDelay(double seconds) {
    return setDelays(seconds, maxDelay);
  }

  /** Sets the delay before the first retry. */
  public RetryConfig setInitialDelay(Duration delay) {
    return setDelays(ConfigCheck.positiveSeconds(path("initialDelay"), delay), maxDelay);
  }

  /** The longest delay between two attempts, in seconds. */
  public double getMaxDelay() {
    return maxDelay;
  }

  /** {@link #getMaxDelay()} as a {@link Duration}. */
  public Duration getMaxDelayDuration() {
    return ConfigCheck.toDuration(maxDelay);
  }

  /**
   * Sets the longest delay in seconds.
   *
   * @throws IllegalArgumentException unless finite, &gt; 0 and &gt;= {@code initialDelay}
   */
  public RetryConfig setMaxDelay(double seconds) {
    return setDelays(initialDelay, seconds);
  }

  /** Sets the longest delay. */
  public RetryConfig setMaxDelay(Duration delay) {
    return setDelays(initialDelay, ConfigCheck.positiveSeconds(path("maxDelay"), delay));
  }

  /**
   * Sets both delays at once, so they can move past each other's current value.
   *
   * @throws IllegalArgumentException unless both finite, &gt; 0 and {@code initial <= max}
   */
  public RetryConfig setDelays(double initialSeconds, double maxSeconds) {
    ConfigCheck.positiveSeconds(path("initialDelay"), initialSeconds);
    ConfigCheck.positiveSeconds(path("maxDelay"), maxSeconds);
    if (initialSeconds > maxSeconds) {
      throw ConfigCheck.invalid(
          path("initialDelay"),
          initialSeconds,
          "must be <= " + path("maxDelay") + " (" + maxSeconds + ")");
    }
    this.initialDelay = initialSeconds;
    this.maxDelay = maxSeconds;
    return this;
  }

  /** Factor by which the delay grows after each retry. */
  public double getBackoffMultiplier() {
    return backoffMultiplier;
  }

  /**
   * Sets the growth factor.
   *
   * @throws IllegalArgumentException unless finite and &gt;= 1 (a shrinking delay is no backoff)
   */
  public RetryConfig setBackoffMultiplier(double multiplier) {
    if (!Double.isFinite(multiplier) || multiplier < 1.0) {
      throw ConfigCheck.invalid(
          path("backoffMultiplier"), multiplier, "must be a finite number >= 1.0");
    }
    this.backoffMultiplier = multiplier;
    return this;
  }

  /** Fraction of the delay added or removed at random, so peers do not retry in lockstep. */
  public double getJitterFactor() {
    return jitterFactor;
  }

  /**
   * Sets the jitter fraction.
   *
   * @throws IllegalArgumentException unless in [0, 1]
   */
  public RetryConfig setJitterFactor(double jitterFactor) {
    // The negated form also rejects NaN.
    if (!(jitterFactor >= 0.0 && jitterFactor <= 1.0)) {
      throw ConfigCheck.invalid(
          path("jitterFactor"), jitterFactor, "must be a number in [0.0, 1.0]");
    }
    this.jitterFactor = jitterFactor;
    return this;
  }

  /** Seconds an address is not dialled after its first dial that failed every attempt. */
  public double getAddressBackoff() {
    return addressBackoff;
  }

  /** {@link #getAddressBackoff()} as a {@link Duration}. */
  public Duration getAddressBackoffDuration() {
    return ConfigCheck.toDuration(addressBackoff);
  }

  /**
   * Sets the first address backoff in seconds.
   *
   * @throws IllegalArgumentException unless finite, &gt;= 0.001 and &lt;= {@code
   *     maxAddressBackoff}
   */
  public RetryConfig setAddressBackoff(double seconds) {
    return setAddressBackoffs(seconds, maxAddressBackoff);
  }

  /** The longest address backoff, in seconds. */
  public double getMaxAddressBackoff() {
    return maxAddressBackoff;
  }

  /** {@link #getMaxAddressBackoff()} as a {@link Duration}. */
  public Duration getMaxAddressBackoffDuration() {
    return ConfigCheck.toDuration(maxAddressBackoff);
  }

  /**
   * Sets the longest address backoff in seconds.
   *
   * @throws IllegalArgumentException unless finite, &gt;= {@code addressBackoff} and at most
   *     1e9 seconds
   */
  public RetryConfig setMaxAddressBackoff(double seconds) {
    return setAddressBackoffs(addressBackoff, seconds);
  }

  /**
   * Sets both address backoffs at once, so they can move past each other's current value. Each is
   * at least 1 ms: a backoff is waited out on a timer.
   *
   * @throws IllegalArgumentException unless both are valid and {@code first <= max}
   */
  public RetryConfig setAddressBackoffs(double firstSeconds, double maxSeconds) {
    ConfigCheck.timerSeconds(path("addressBackoff"), firstSeconds);
    ConfigCheck.timerSeconds(path("maxAddressBackoff"), maxSeconds);
    if (firstSeconds > maxSeconds) {
      throw ConfigCheck.invalid(path("addressBackoff"), firstSeconds,
          "must be <= " + path("maxAddressBackoff") + " (" + maxSeconds + ")");
    }
    this.addressBackoff = firstSeconds;
    this.maxAddressBackoff = maxSeconds;
    return this;
  }

  /** The {@code "retry"} JSON object. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("maxRetries", maxRetries)
        .put("initialDelay", initialDelay)
        .put("maxDelay", maxDelay)
        .put("backoffMultiplier", backoffMultiplier)
        .put("jitterFactor", jitterFactor)
        .put("addressBackoff", addressBackoff)
        .put("maxAddressBackoff", maxAddressBackoff);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RetryConfig)) {
      return false;
    }
    RetryConfig that = (RetryConfig) o;
    return maxRetries == that.maxRetries
        && Double.compare(initialDelay, that.initialDelay) == 0
        && Double.compare(maxDelay, that.maxDelay) == 0
        && Double.compare(backoffMultiplier, that.backoffMultiplier) == 0
        && Double.compare(jitterFactor, that.jitterFactor) == 0
        && Double.compare(addressBackoff, that.addressBackoff) == 0
        && Double.compare(maxAddressBackoff, that.maxAddressBackoff) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxRetries, initialDelay, maxDelay, backoffMultiplier, jitterFactor,
        addressBackoff, maxAddressBackoff);
  }

  @Override
  public String toString() {
    return "RetryConfig" + toJson().encode();
  }
}
