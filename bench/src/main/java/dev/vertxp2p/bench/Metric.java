package dev.vertxp2p.bench;

import io.vertx.core.json.JsonObject;

/**
 * One measured figure.
 *
 * @param name dotted key, e.g. {@code perf.java-java.total}
 * @param value the figure
 * @param unit its unit, e.g. {@code Gbit/s}
 * @param detail how it was measured (sizes, counts), for the table
 */
public record Metric(String name, double value, String unit, String detail) {

  /** The JSON line written to the results file. */
  public JsonObject toJson() {
    return new JsonObject().put("name", name).put("value", value).put("unit", unit)
        .put("detail", detail);
  }

  /** Parses {@link #toJson()}. */
  public static Metric fromJson(JsonObject o) {
    return new Metric(o.getString("name"), o.getDouble("value"), o.getString("unit"),
        o.getString("detail", ""));
  }

  /** Bytes over nanoseconds as Gbit/s. */
  public static double gbits(long bytes, long nanos) {
    return bytes * 8.0 / nanos;
  }
}
