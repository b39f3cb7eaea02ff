package dev.vertxp2p;

/**
 * Marks an error that retrying the same address cannot fix: the remote has a different peer id,
 * no protocol in common, a malformed address. Exceptions implementing it (anywhere in the cause
 * chain) end the attempts on that address at once; the dial moves to the next address.
 */
public interface NonRetryable {

  /** Bound on the cause chain walked, against cycles and pathological nesting. */
  int MAX_CAUSE_DEPTH = 16;

  /** Whether {@code error} or one of its causes is {@link NonRetryable}. */
  static boolean isNonRetryable(Throwable error) {
    Throwable t = error;
    for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++) {
      if (t instanceof NonRetryable) {
        return true;
      }
      t = t.getCause();
    }
    return false;
  }
}
