package dev.vertxp2p;

import dev.vertxp2p.gating.Refusal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * What a top-up ({@link Swarm#topUp}) came to: the connections asked for, the peer's usable
 * connections at the end, and, when those are fewer than asked, the {@code shortfall}: what
 * stopped the rest. Immutable.
 *
 * <p>The contract's answer to {@code swarm.dial} / {@code POST /api/dial}:
 *
 * <pre>{@code
 * {"requested": 5, "connections": [Conn...],
 *  "shortfall": [{"refusal": {"scope": "backoff", "until": "..."}},
 *                {"error": "the remote closed the connection right after the handshake", "count": 2}]}
 * }</pre>
 *
 * A refusal by local policy is an entry {@code {"refusal": {...}}} (the contract's refusal shape);
 * any other cause is {@code {"error": "...", "count": k}}, k the dials it stopped. {@code
 * shortfall} is empty when {@code connections} reached {@code requested}.
 */
public final class TopUpResult {

  /** One cause of a shortfall: a refusal, or an error with the number of dials it stopped. */
  public record Shortfall(Refusal refusal, String error, int count) {
    public Shortfall {
      if ((refusal == null) == (error == null)) {
        throw new IllegalArgumentException("a shortfall is a refusal or an error, one of them");
      }
      if (count < 1) {
        throw new IllegalArgumentException("count must be >= 1, got " + count);
      }
    }

    /** A refusal that stopped {@code count} dials. */
    public static Shortfall of(Refusal refusal, int count) {
      return new Shortfall(Objects.requireNonNull(refusal, "refusal"), null, count);
    }

    /** An error that stopped {@code count} dials. */
    public static Shortfall of(String error, int count) {
      return new Shortfall(null, Objects.requireNonNull(error, "error"), count);
    }

    /** {@code {"refusal": {...}}} or {@code {"error": "...", "count": k}}. */
    public JsonObject toJson() {
      return refusal != null ? new JsonObject().put("refusal", refusal.toJson())
          : new JsonObject().put("error", error).put("count", count);
    }
  }

  private final int requested;
  private final List<Connection> connections;
  private final List<Shortfall> shortfall;

  /**
   * @param requested the connections asked for, at least 1
   * @param connections the peer's usable connections at the end
   * @param shortfall what stopped the rest; empty when {@code connections} reached {@code
   *     requested}
   */
  public TopUpResult(int requested, List<Connection> connections, List<Shortfall> shortfall) {
    if (requested < 1) {
      throw new IllegalArgumentException("requested must be >= 1, got " + requested);
    }
    this.requested = requested;
    this.connections = List.copyOf(connections);
    this.shortfall = List.copyOf(shortfall);
  }

  public int requested() {
    return requested;
  }

  public List<Connection> connections() {
    return connections;
  }

  public List<Shortfall> shortfall() {
    return shortfall;
  }

  /** Whether fewer connections are open than were asked for. */
  public boolean isShort() {
    return connections.size() < requested;
  }

  /** The same outcome for a caller that asked for {@code n} (a merged top-up). */
  public TopUpResult forRequest(int n) {
    return n == requested ? this
        : new TopUpResult(n, connections, connections.size() >= n ? List.of() : shortfall);
  }

  /** {@code "shortfall"}'s JSON array. */
  public JsonArray shortfallJson() {
    JsonArray a = new JsonArray();
    for (Shortfall s : shortfall) {
      a.add(s.toJson());
    }
    return a;
  }

  /** {@code {"requested", "connections": [Conn...], "shortfall": [...]}}. */
  public JsonObject toJson() {
    JsonArray conns = new JsonArray();
    for (Connection c : connections) {
      conns.add(c.toJson());
    }
    return new JsonObject().put("requested", requested).put("connections", conns)
        .put("shortfall", shortfallJson());
  }

  @Override
  public String toString() {
    return "TopUpResult{requested=" + requested + ", connections=" + connections.size()
        + ", shortfall=" + shortfallJson().encode() + "}";
  }
}
