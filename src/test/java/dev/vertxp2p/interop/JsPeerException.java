package dev.vertxp2p.interop;

import io.vertx.core.json.JsonObject;

/** A js peer answered a command with {@code ok:false}; carries js's error name and message. */
public final class JsPeerException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient JsonObject answer;

  /** Wraps the failed answer to the given command. */
  public JsPeerException(JsonObject command, JsonObject answer) {
    super("js peer failed '" + command.getString("cmd") + "': " + answer.getString("name")
        + ": " + answer.getString("error"));
    this.answer = answer;
  }

  /** The js error's name, e.g. {@code UnsupportedProtocolError}. */
  public String errorName() {
    return answer.getString("name");
  }

  /** The js error's message. */
  public String errorMessage() {
    return answer.getString("error");
  }

  /** The whole answer line. */
  public JsonObject answer() {
    return answer;
  }
}
