package dev.vertxp2p.verticle;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * A bus request's failure that a refusal caused (gating, a backoff, a limit): the failure code and
 * the refusal in words, as any failure, plus the refusal itself for whoever is in the same JVM
 * (the REST API puts it in its error body as {@code "refusal"}). A clustered event bus carries
 * the code and the words only.
 */
public final class RefusalReply extends ReplyException {
  private static final long serialVersionUID = 1L;

  private final transient JsonObject refusal;

  public RefusalReply(int code, String message, JsonObject refusal) {
    super(ReplyFailure.RECIPIENT_FAILURE, code, message);
    this.refusal = refusal.copy();
  }

  /** The contract's {@code refusal} object. */
  public JsonObject refusal() {
    return refusal.copy();
  }
}
