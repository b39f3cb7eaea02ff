package dev.vertxp2p.proto;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.mplex.MplexEngine;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.yamux.YamuxEngine;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The protocol engines are sans-IO: no Vert.x, no Netty, no sockets, no clock, no threads. Bytes
 * and events in and out only, so they run the same in tests, fuzzers and the event loop.
 */
class EnginePurityTest {
  private final JavaClasses engines = importEngines();

  private static JavaClasses importEngines() {
    try {
      Path root = Path.of(
          YamuxEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPath(root.resolve("dev/vertxp2p/proto"));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyEngineWasImported() {
    assertTrue(engines.contain(YamuxEngine.class));
    assertTrue(engines.contain(MplexEngine.class));
    assertTrue(engines.contain(NoiseHandshake.class));
    assertTrue(engines.contain(MultistreamInitiator.class));
  }

  @Test
  void noVertxNettyOrSockets() {
    noClasses().should().dependOnClassesThat()
        .resideInAnyPackage("io.vertx..", "io.netty..", "java.net..", "java.nio.channels..")
        .check(engines);
  }

  @Test
  void noClockNoSleepNoThreads() {
    noClasses().should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(System.class, "nanoTime")
        .orShould().callMethod(java.time.Instant.class, "now")
        .orShould().callMethod(Thread.class, "sleep", long.class)
        .orShould().callConstructor(Thread.class, Runnable.class)
        .orShould().dependOnClassesThat().resideInAPackage("java.util.concurrent..")
        .check(engines);
  }

  /** A method reference (System::nanoTime handed on as a clock) is a call in disguise. */
  @Test
  void noClockByMethodReference() {
    noClasses().should().accessTargetWhere(
            com.tngtech.archunit.core.domain.JavaAccess.Predicates.target(
                com.tngtech.archunit.base.DescribedPredicate.describe("a clock of System",
                    t -> t.getOwner().isEquivalentTo(System.class)
                        && (t.getName().equals("nanoTime")
                            || t.getName().equals("currentTimeMillis")))))
        .check(engines);
  }
}
