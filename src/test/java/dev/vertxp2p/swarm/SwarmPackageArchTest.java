package dev.vertxp2p.swarm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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

  @Test
  void readsNoClock() {
    noClasses()
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(java.time.Instant.class, "now")
        .orShould()
        .callMethod(Thread.class, "sleep", long.class)
        .check(classes);
  }

  @Test
  void usesNoSockets() {
    noClasses().should().dependOnClassesThat().resideInAPackage("java.net..").check(classes);
  }
}
