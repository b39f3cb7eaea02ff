package dev.vertxp2p;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Every attempt on every address of a dial failed. Lists each address with its attempt count and
 * last error; its cause is the last error of the last address.
 */
public class DialFailedException extends P2pException {
  private static final long serialVersionUID = 1L;

  /**
   * How one address failed.
   *
   * @param address the address, as text
   * @param attempts attempts made on it
   * @param lastError the error of the last attempt
   */
  public record AddressFailure(String address, int attempts, Throwable lastError) {
    @Override
    public String toString() {
      return address
          + " after "
          + attempts
          + (attempts == 1 ? " attempt: " : " attempts: ")
          + lastError.getClass().getSimpleName()
          + ": "
          + lastError.getMessage();
    }
  }

  private final transient List<AddressFailure> failures;

  public DialFailedException(List<AddressFailure> failures) {
    super(
        allTimedOut(failures) ? TIMED_OUT : REMOTE_FAILED,
        "dial failed on all "
            + failures.size()
            + (failures.size() == 1 ? " address: " : " addresses: ")
            + failures.stream().map(AddressFailure::toString).collect(Collectors.joining("; ")),
        failures.isEmpty() ? null : failures.get(failures.size() - 1).lastError());
    this.failures = List.copyOf(failures);
  }

  /** Each address tried, in order. */
  public List<AddressFailure> failures() {
    return failures;
  }

  /**
   * Whether every address ended in a timeout (the swarm answers 504 rather than 502): the dial's
   * own connectionTimeout, or the upgrade's bound, whichever of the two fired first.
   */
  public boolean allTimedOut() {
    return code() == TIMED_OUT;
  }

  private static boolean allTimedOut(List<AddressFailure> failures) {
    return !failures.isEmpty()
        && failures.stream().allMatch(f -> isTimeout(f.lastError()));
  }

  /** Whether {@code e} is one of the swarm's timeouts (the dial's, the upgrade's, a stream's). */
  public static boolean isTimeout(Throwable e) {
    return (e instanceof P2pException p && p.code() == TIMED_OUT)
        || e instanceof java.util.concurrent.TimeoutException;
  }
}
