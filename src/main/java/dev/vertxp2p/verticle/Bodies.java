package dev.vertxp2p.verticle;

import io.vertx.core.json.JsonObject;

/** Reading fields of a request body; a missing or mistyped field is a 400 that names it. */
final class Bodies {
  private Bodies() {}

  static SwarmRequestException bad(String text) {
    return new SwarmRequestException(ErrorCodes.BAD_REQUEST, text);
  }

  /** The string at {@code key}, or null when absent; 400 when it is not a string. */
  static String optString(JsonObject body, String key) {
    Object v = body.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw bad(key + " must be a string, got " + v);
    }
    return s;
  }

  /** The string at {@code key}; 400 when absent or not a string. */
  static String requireString(JsonObject body, String key) {
    String s = optString(body, key);
    if (s == null) {
      throw bad("missing \"" + key + "\" (a string)");
    }
    return s;
  }
}
