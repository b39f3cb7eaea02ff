package dev.vertxp2p.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.util.Owner;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test (junit-platform.properties turns on extension auto-detection): fails
 * a test during which owned state was touched off its owner, even when the {@link
 * Owner.ConfinementError} was thrown inside a Vert.x callback and only logged there.
 */
public final class ConfinementCheck implements BeforeEachCallback, AfterEachCallback {
  private static volatile String current;

  /** The display name of the test this extension is guarding now, or null. */
  public static String guarding() {
    return current;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    assertTrue(Owner.CHECKS, "confinement checks must be on in tests (enable assertions)");
    Owner.drainViolations();
    current = context.getUniqueId();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    current = null;
    List<String> violations = Owner.drainViolations();
    assertEquals(List.of(), violations, "owned state touched off its owner context");
  }
}
