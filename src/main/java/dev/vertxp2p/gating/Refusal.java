package dev.vertxp2p.gating;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * Why a connection, dial or stream was refused: the contract's {@code "refusal"} value, carried on
 * {@code connection.rejected}, {@code dial.failed} and in REST error bodies. Immutable.
 *
 * <p>Three shapes, as the contract fixes them ({@link #toJson()} gives exactly these keys):
 *
 * <ul>
 *   <li>a count limit: {@code {"scope": "peer"|"ip"|"system"|"pending"|"streams"|"buffer"|"rate"
 *       |"cluster", "limit": n, "current": n}};
 *   <li>gating: {@code {"scope": "gating", "rule": "..."}};
 *   <li>backoff: {@code {"scope": "backoff", "until": "<ISO-8601>"}}.
 * </ul>
 *
 * <p>The name of the limit (its configuration key), the subject (an address, a peer) and the
 * unit of the count are not part of the JSON shape; they make {@link #message()}, the words the
 * event bus's failure text carries, e.g. {@code maxConnectionsPerIp (4) reached for 127.0.0.5: 4
 * open}.
 */
public final class Refusal {

  /** The contract's scopes; {@link #jsonName()} is the text on the wire. */
  public enum Scope {
    PEER, IP, SYSTEM, PENDING, STREAMS, BUFFER, RATE, CLUSTER, GATING, BACKOFF;

    /** The name in JSON: the constant's name in lower case. */
    public String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** Whether refusals of this scope carry {@code limit} and {@code current}. */
    public boolean isCount() {
      return this != GATING && this != BACKOFF;
    }

    /**
     * The scope named {@code name} in JSON.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Scope fromJson(String name) {
      for (Scope s : values()) {
        if (s.jsonName().equals(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown refusal scope '" + name + "' (known: peer, ip, "
          + "system, pending, streams, buffer, rate, cluster, gating, backoff)");
    }
  }

  private final Scope scope;
  private final long limit;
  private final long current;
  private final String rule;
  private final Instant until;
  private final String limitName;
  private final String subject;
  private final String unit;

  private Refusal(Scope scope, long limit, long current, String rule, Instant until,
      String limitName, String subject, String unit) {
    this.scope = scope;
    this.limit = limit;
    this.current = current;
    this.rule = rule;
    this.until = until;
    this.limitName = limitName;
    this.subject = subject;
    this.unit = unit;
  }

  /**
   * A count limit was reached.
   *
   * @param scope a count scope ({@link Scope#isCount()})
   * @param limitName the limit's configuration key, e.g. {@code maxConnectionsPerIp}
   * @param limit the configured limit
   * @param current the use at the moment of refusal
   * @param subject what the limit is counted for, e.g. {@code 127.0.0.5}; null when the limit is
   *     the whole node's
   * @param unit what is counted, in words after the number, e.g. {@code open}
   * @throws IllegalArgumentException for a scope that is not a count, or a negative number
   */
  public static Refusal count(Scope scope, String limitName, long limit, long current,
      String subject, String unit) {
    Objects.requireNonNull(scope, "scope");
    if (!scope.isCount()) {
      throw new IllegalArgumentException("scope " + scope.jsonName() + " is not a count limit");
    }
    if (limit < 0 || current < 0) {
      throw new IllegalArgumentException("limit (" + limit + ") and current (" + current
          + ") must be >= 0");
    }
    return new Refusal(scope, limit, current, null, null,
        Objects.requireNonNull(limitName, "limitName"), subject,
        Objects.requireNonNull(unit, "unit"));
  }

  /**
   * Refused by a gating rule.
   *
   * @param rule the rule that matched, e.g. {@code denyAddrs 10.0.0.0/8}
   * @param subject what was refused, e.g. the address; null to leave it out of the message
   */
  public static Refusal gating(String rule, String subject) {
    return new Refusal(Scope.GATING, 0, 0, Objects.requireNonNull(rule, "rule"), null, null,
        subject, null);
  }

  /**
   * An address in dial backoff.
   *
   * @param until when the backoff ends (wall-clock time)
   * @param subject the address
   */
  public static Refusal backoff(Instant until, String subject) {
    return new Refusal(Scope.BACKOFF, 0, 0, null, Objects.requireNonNull(until, "until"), null,
        subject, null);
  }

  /**
   * Reads the contract's JSON shape back (as a cluster node or a client receives it). The words
   * of {@link #message()} are not in the JSON, so the result's message is a plainer one.
   *
   * @throws IllegalArgumentException when the shape is not one of the three
   */
  public static Refusal fromJson(JsonObject json) {
    Objects.requireNonNull(json, "json");
    Object s = json.getValue("scope");
    if (!(s instanceof String)) {
      throw new IllegalArgumentException("a refusal needs a string \"scope\", got " + s);
    }
    Scope scope = Scope.fromJson((String) s);
    try {
      return switch (scope) {
        case GATING -> gating(Objects.requireNonNull(json.getString("rule"), "rule"), null);
        case BACKOFF -> backoff(Instant.parse(Objects.requireNonNull(json.getString("until"),
            "until")), null);
        default -> count(scope, scope.jsonName() + " limit",
            Objects.requireNonNull(json.getLong("limit"), "limit"),
            Objects.requireNonNull(json.getLong("current"), "current"), null, "in use");
      };
    } catch (ClassCastException | NullPointerException | java.time.DateTimeException e) {
      throw new IllegalArgumentException("malformed " + scope.jsonName() + " refusal " + json
          .encode() + ": " + e.getMessage(), e);
    }
  }

  public Scope scope() {
    return scope;
  }

  /** The configured limit (count scopes; 0 otherwise). */
  public long limit() {
    return limit;
  }

  /** The use when refused (count scopes; 0 otherwise). */
  public long current() {
    return current;
  }

  /** The rule that matched (gating; null otherwise). */
  public String rule() {
    return rule;
  }

  /** When the backoff ends (backoff; null otherwise). */
  public Instant until() {
    return until;
  }

  /** The limit's configuration key (count scopes; null otherwise). */
  public String limitName() {
    return limitName;
  }

  /** What was refused or counted, e.g. an address; may be null. */
  public String subject() {
    return subject;
  }

  /** The contract's JSON shape, exactly its keys. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("scope", scope.jsonName());
    return switch (scope) {
      case GATING -> json.put("rule", rule);
      case BACKOFF -> json.put("until", until.toString());
      default -> json.put("limit", limit).put("current", current);
    };
  }

  /** The refusal in words, e.g. {@code maxConnectionsPerIp (4) reached for 127.0.0.5: 4 open}. */
  public String message() {
    String forSubject = subject == null ? "" : " for " + subject;
    return switch (scope) {
      case GATING -> "refused by gating rule " + rule + forSubject;
      case BACKOFF -> (subject == null ? "address" : subject) + " is in dial backoff until "
          + until;
      default -> limitName + " (" + limit + ") reached" + forSubject + ": " + current + " "
          + unit;
    };
  }

  /** Equal when the JSON shape is equal; the words of the message do not count. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Refusal that && scope == that.scope && limit == that.limit
        && current == that.current && Objects.equals(rule, that.rule)
        && Objects.equals(until, that.until);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scope, limit, current, rule, until);
  }

  @Override
  public String toString() {
    return message();
  }
}
