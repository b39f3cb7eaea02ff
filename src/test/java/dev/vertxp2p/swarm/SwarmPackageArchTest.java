package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Time enters the swarm core only through {@link Scheduler}; sockets not at all. */
class SwarmPackageArchTest {

  private final JavaClasses classes = importSwarmPackage();

  /** Imports only the compiled package directory: scanning the whole classpath is slow. */
  private static JavaClasses importSwarmPackage() {
    try {
      Path root = Path.of(Backoff.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPath(root.resolve("dev/vertxp2p/swarm"));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void importedThePackage() {
    assertTrue(classes.contain(RetryingDialer.class));
    assertTrue(classes.contain(Backoff.class));
  }

  /**
   * The clocks and the sleep the swarm core must not reach for. Whether called or handed on as a
   * method reference ({@code System::nanoTime} as a {@code LongSupplier}): a reference is a call
   * in disguise, and ArchUnit's {@code callMethod} does not see it.
   */
  private static final DescribedPredicate<AccessTarget> CLOCK_OR_SLEEP = DescribedPredicate.describe(
      "System.nanoTime, System.currentTimeMillis, Instant.now or Thread.sleep",
      t -> (t.getOwner().isEquivalentTo(System.class)
              && (t.getName().equals("nanoTime") || t.getName().equals("currentTimeMillis")))
          || (t.getOwner().isEquivalentTo(java.time.Instant.class) && t.getName().equals("now"))
          || (t.getOwner().isEquivalentTo(Thread.class) && t.getName().equals("sleep")));

  @Test
  void readsNoClock() {
    noClasses().should().accessTargetWhere(JavaAccess.Predicates.target(CLOCK_OR_SLEEP))
        .check(classes);
  }

  @Test
  void usesNoSockets() {
    noClasses().should().dependOnClassesThat().resideInAPackage("java.net..").check(classes);
  }
}
