package dev.vertxp2p;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Asserts that a configuration error names what the user needs to fix it. */
final class ConfigAssertions {
  private ConfigAssertions() {}

  /** Runs {@code action}, expects an IllegalArgumentException whose message has every fragment. */
  static IllegalArgumentException assertInvalid(Executable action, String... fragments) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action);
    for (String fragment : fragments) {
      assertTrue(
          e.getMessage().contains(fragment),
          () -> "message <" + e.getMessage() + "> lacks <" + fragment + ">");
    }
    return e;
  }
}
