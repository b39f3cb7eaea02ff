package dev.vertxp2p;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import dev.vertxp2p.swarm.SwarmFactory;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The layers README's layout table names, kept by rule:
 *
 * <ul>
 *   <li><b>API</b> ({@code dev.vertxp2p}, {@code .crypto}, {@code .multiformats},
 *       {@code .gating}): what users program against. It depends on no other package of ours,
 *       except the one factory edge {@link Swarm#create} → {@link SwarmFactory}. {@code .gating}
 *       is sans-IO besides: no clock, no name lookup, no Vert.x but its JSON types.
 *   <li><b>Deployables</b> ({@code .verticle}, {@code .web}, {@code .metrics}, {@code .launcher},
 *       {@code .cluster}):
 *       what users deploy or run, built on the API alone (and {@code .util}).
 *   <li><b>Implementation</b>: everything else ({@code .swarm}, {@code .transport},
 *       {@code .protocols}, {@code .proto..}, {@code .util}); nothing outside it depends on it.
 * </ul>
 *
 * <p>And no package cycles anywhere, the factory edge aside.
 */
class ArchitectureTest {
  private static final String BASE = "dev.vertxp2p";
  private static final String[] API = {
    BASE, BASE + ".crypto", BASE + ".multiformats", BASE + ".gating"
  };
  private static final String[] DEPLOYABLES = {
    BASE + ".verticle", BASE + ".web", BASE + ".metrics", BASE + ".launcher", BASE + ".cluster"
  };
  private static final String[] IMPLEMENTATION = {
    BASE + ".swarm..", BASE + ".transport..", BASE + ".protocols..", BASE + ".proto.."
  };

  private final JavaClasses classes = importMain();

  private static JavaClasses importMain() {
    try {
      Path root = Path.of(Swarm.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPath(root.resolve("dev/vertxp2p"));
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Any class of ours but the factory behind {@link Swarm#create}. */
  private static DescribedPredicate<JavaClass> inPackagesButTheFactory(String... packages) {
    DescribedPredicate<JavaClass> inPackages = JavaClass.Predicates.resideInAnyPackage(packages);
    return DescribedPredicate.describe("reside in " + String.join(", ", packages)
            + " (SwarmFactory aside)",
        c -> inPackages.test(c) && !c.isEquivalentTo(SwarmFactory.class));
  }

  @Test
  void importedEveryLayer() {
    assertTrue(classes.contain(Swarm.class));
    assertTrue(classes.contain(SwarmFactory.class));
    assertTrue(classes.contain(dev.vertxp2p.verticle.SwarmVerticle.class));
    assertTrue(classes.contain(dev.vertxp2p.proto.yamux.YamuxEngine.class));
    assertTrue(classes.contain(dev.vertxp2p.gating.IpLimiter.class));
  }

  @Test
  void theApiDependsOnNoImplementationButTheFactory() {
    noClasses().that().resideInAnyPackage(API)
        .should().dependOnClassesThat(inPackagesButTheFactory(concat(IMPLEMENTATION, DEPLOYABLES)))
        .check(classes);
    noClasses().that().resideInAnyPackage(API).and().doNotHaveFullyQualifiedName(
            Swarm.class.getName())
        .should().dependOnClassesThat().areAssignableTo(SwarmFactory.class)
        .check(classes);
  }

  @Test
  void gatingReadsNoClockAndResolvesNoName() {
    noClasses().that().resideInAPackage(BASE + ".gating")
        .should().callMethod(System.class, "nanoTime")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(Instant.class, "now")
        .orShould().dependOnClassesThat().areAssignableTo(Clock.class)
        .orShould().callMethod(InetAddress.class, "getByName", String.class)
        .orShould().callMethod(InetAddress.class, "getAllByName", String.class)
        .orShould().callMethod(InetAddress.class, "getHostName")
        .orShould().callMethod(InetAddress.class, "getCanonicalHostName")
        .orShould().dependOnClassesThat(DescribedPredicate.describe(
            "are Vert.x classes other than its JSON types",
            (JavaClass c) -> c.getPackageName().startsWith("io.vertx")
                && !c.getPackageName().equals("io.vertx.core.json")))
        .check(classes);
  }

  @Test
  void deployablesBuildOnTheApiAlone() {
    noClasses().that().resideInAnyPackage(DEPLOYABLES)
        .should().dependOnClassesThat().resideInAnyPackage(IMPLEMENTATION)
        .check(classes);
  }

  @Test
  void noPackageCycles() {
    SlicesRuleDefinition.slices().assignedFrom(new SliceAssignment() {
          @Override
          public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            if (!p.startsWith(BASE)) {
              return SliceIdentifier.ignore();
            }
            return SliceIdentifier.of(p.equals(BASE) ? "(api root)" : p.substring(BASE.length() + 1));
          }

          @Override
          public String getDescription() {
            return "packages of " + BASE;
          }
        })
        .should().beFreeOfCycles()
        .ignoreDependency(Swarm.class, SwarmFactory.class)
        .check(classes);
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
