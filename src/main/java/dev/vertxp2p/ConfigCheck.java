package dev.vertxp2p;

import dev.vertxp2p.gating.Cidr;
import dev.vertxp2p.gating.CidrFormatException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shared reading and validation of configuration values.
 *
 * <p>Every message has the same shape, {@code <json.path>: invalid value <v>: <rule>}, so a user
 * can find the offending key in {@code config.json} without reading code.
 */
final class ConfigCheck {

  /**
   * The longest duration any option accepts, in seconds (about 31 years). Longer values are
   * certainly typos, and the bound keeps {@link Duration} conversions far from overflow.
   */
  static final double MAX_DURATION_SECONDS = 1.0e9;

  private ConfigCheck() {}

  static String join(String prefix, String key) {
    return prefix == null || prefix.isEmpty() ? key : prefix + "." + key;
  }

  static IllegalArgumentException invalid(String path, Object value, String rule) {
    return new IllegalArgumentException(path + ": invalid value " + show(value) + ": " + rule);
  }

  static String show(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "\"" + value + "\" (a string)";
    }
    if (value instanceof Boolean) {
      return value + " (a boolean)";
    }
    if (value instanceof JsonObject || value instanceof java.util.Map) {
      return "{...} (an object)";
    }
    if (value instanceof JsonArray || value instanceof java.util.List) {
      return value + " (an array)";
    }
    return String.valueOf(value);
  }

  /** Rejects keys of {@code json} not in {@code known}, naming every unknown one. */
  static void rejectUnknownKeys(JsonObject json, String prefix, Set<String> known) {
    Set<String> unknown = new TreeSet<>();
    for (String key : json.fieldNames()) {
      if (!known.contains(key)) {
        unknown.add(join(prefix, key));
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown configuration key"
              + (unknown.size() > 1 ? "s " : " ")
              + String.join(", ", unknown)
              + " (known keys"
              + (prefix == null || prefix.isEmpty() ? "" : " of " + prefix)
              + ": "
              + String.join(", ", new TreeSet<>(known))
              + ")");
    }
  }

  static double readNumber(JsonObject json, String key, String path, double dflt) {
    if (!json.containsKey(key)) {
      return dflt;
    }
    Object v = json.getValue(key);
    if (!(v instanceof Number)) {
      throw invalid(path, v, "must be a number");
    }
    return ((Number) v).doubleValue();
  }

  static int readInt(JsonObject json, String key, String path, int dflt) {
    if (!json.containsKey(key)) {
      return dflt;
    }
    Object v = json.getValue(key);
    if (!(v instanceof Number)) {
      throw invalid(path, v, "must be a number (an integer)");
    }
    double d = ((Number) v).doubleValue();
    if (d != Math.rint(d)) {
      throw invalid(path, v, "must be an integer");
    }
    if (d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
      throw invalid(path, v, "must be an integer of at most " + Integer.MAX_VALUE + " in magnitude");
    }
    return (int) d;
  }

  static boolean readBoolean(JsonObject json, String key, String path, boolean dflt) {
    if (!json.containsKey(key)) {
      return dflt;
    }
    Object v = json.getValue(key);
    if (!(v instanceof Boolean)) {
      throw invalid(path, v, "must be a boolean (true or false)");
    }
    return (Boolean) v;
  }

  /** Reads a string; {@code nullable} says whether an explicit JSON null is allowed. */
  static String readString(
      JsonObject json, String key, String path, String dflt, boolean nullable) {
    if (!json.containsKey(key)) {
      return dflt;
    }
    Object v = json.getValue(key);
    if (v == null && nullable) {
      return null;
    }
    if (!(v instanceof String)) {
      throw invalid(path, v, nullable ? "must be a string or null" : "must be a string");
    }
    return (String) v;
  }

  /**
   * Reads an array of strings; absent gives {@code dflt}.
   *
   * @param what what each entry is, for the message, e.g. {@code CIDR strings}
   */
  static List<String> readStrings(JsonObject json, String key, String path, List<String> dflt,
      String what) {
    if (!json.containsKey(key)) {
      return dflt;
    }
    Object v = json.getValue(key);
    if (!(v instanceof JsonArray array)) {
      throw invalid(path, v, "must be an array of " + what);
    }
    List<String> out = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      Object e = array.getValue(i);
      if (!(e instanceof String)) {
        throw invalid(path + "[" + i + "]", e, "must be a string");
      }
      out.add((String) e);
    }
    return out;
  }

  /**
   * Checks a list of CIDR texts ({@link Cidr#parse}), naming the offending entry as {@code
   * path[i]}, and returns them parsed.
   */
  static List<Cidr> cidrs(String path, List<String> texts, int max) {
    if (texts == null) {
      throw invalid(path, null, "must be a list of CIDRs (empty for none)");
    }
    if (texts.size() > max) {
      throw invalid(path, "(" + texts.size() + " entries)", "must have at most " + max
          + " entries");
    }
    List<Cidr> out = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      try {
        out.add(Cidr.parse(texts.get(i)));
      } catch (CidrFormatException e) {
        throw invalid(path + "[" + i + "]", texts.get(i), "must be a CIDR such as 10.0.0.0/8 or "
            + "2001:db8::/32, or a bare IP address: " + e.problem());
      }
    }
    return out;
  }

  /** Reads a nested object; absent gives an empty object (all defaults). */
  static JsonObject readObject(JsonObject json, String key, String path) {
    if (!json.containsKey(key)) {
      return new JsonObject();
    }
    Object v = json.getValue(key);
    if (!(v instanceof JsonObject)) {
      throw invalid(path, v, "must be an object");
    }
    return (JsonObject) v;
  }

  /** A finite number of seconds strictly above zero and at most {@link #MAX_DURATION_SECONDS}. */
  static double positiveSeconds(String path, double seconds) {
    if (!Double.isFinite(seconds)) {
      throw invalid(path, seconds, "must be a finite number of seconds");
    }
    if (seconds <= 0) {
      throw invalid(path, seconds, "must be > 0 seconds");
    }
    if (seconds > MAX_DURATION_SECONDS) {
      throw invalid(path, seconds, "must be at most " + MAX_DURATION_SECONDS + " seconds");
    }
    return seconds;
  }

  static double positiveSeconds(String path, Duration d) {
    if (d == null) {
      throw invalid(path, null, "must be a duration, not null");
    }
    if (d.isNegative() || d.isZero()) {
      throw invalid(path, d, "must be > 0 seconds");
    }
    if (d.compareTo(Duration.ofSeconds((long) MAX_DURATION_SECONDS)) > 0) {
      throw invalid(path, d, "must be at most " + MAX_DURATION_SECONDS + " seconds");
    }
    return d.getSeconds() + d.getNano() / 1e9;
  }

  /**
   * A timeout that a timer must be able to fire: at least 1 ms, since Vert.x timers have
   * millisecond resolution and a shorter one would fire at once, failing every attempt.
   */
  static double timerSeconds(String path, double seconds) {
    positiveSeconds(path, seconds);
    if (seconds < 0.001) {
      throw invalid(path, seconds, "must be at least 0.001 seconds (1 ms, a timer's resolution)");
    }
    return seconds;
  }

  static Duration toDuration(double seconds) {
    // Bounded by MAX_DURATION_SECONDS, so the nanosecond count fits a long (1e18 < 9.2e18).
    return Duration.ofNanos(Math.round(seconds * 1e9));
  }

  static String nonEmpty(String path, String value, boolean nullable) {
    if (value == null) {
      if (nullable) {
        return null;
      }
      throw invalid(path, null, "must be a non-empty string");
    }
    if (value.isBlank()) {
      throw invalid(
          path, value, nullable ? "must be a non-empty string or null" : "must be a non-empty string");
    }
    return value;
  }
}
