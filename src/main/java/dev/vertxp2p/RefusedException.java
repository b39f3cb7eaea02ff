package dev.vertxp2p;

import dev.vertxp2p.gating.Refusal;
import java.util.Objects;

/**
 * A dial, connection or stream refused by local policy, carrying the contract's {@link Refusal}
 * (its {@code "refusal"} JSON goes on {@code dial.failed}, {@code connection.rejected} and REST
 * error bodies; the message is {@link Refusal#message()}).
 *
 * <p>Its code: 503 for an address in dial backoff (the contract: "Such a dial fails at once with
 * code 503, naming the address and when its backoff ends"), 409 for every other scope, count
 * limits and gating alike, as the contract's "409 limit reached" covers refusals by local policy.
 * Retrying the same address at once cannot help, so it is {@link NonRetryable}.
 */
public class RefusedException extends P2pException implements NonRetryable {
  private static final long serialVersionUID = 1L;

  private final transient Refusal refusal;

  public RefusedException(Refusal refusal) {
    super(codeOf(refusal), refusal.message());
    this.refusal = refusal;
  }

  private static int codeOf(Refusal refusal) {
    Objects.requireNonNull(refusal, "refusal");
    return refusal.scope() == Refusal.Scope.BACKOFF ? UNAVAILABLE : LIMIT_REACHED;
  }

  /** Why it was refused. */
  public Refusal refusal() {
    return refusal;
  }
}
