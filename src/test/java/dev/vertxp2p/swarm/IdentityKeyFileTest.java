package dev.vertxp2p.swarm;

import static dev.vertxp2p.testing.Await.await;
import static dev.vertxp2p.testing.Await.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.Swarm;
import dev.vertxp2p.SwarmOptions;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity key file is the node's private key: it is created owner-only and in one step, never
 * through a link planted at its path, and a key that group or others may read is refused at start
 * with the command that fixes it.
 */
class IdentityKeyFileTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;
  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  @AfterEach
  void tearDown() {
    await(vertx.close());
  }

  private Swarm swarm(Path keyFile) {
    return Swarm.create(vertx, new SwarmOptions().setListen(List.of("/ip4/127.0.0.1/tcp/0"))
        .setIdentityKeyFile(keyFile.toString()));
  }

  @Test
  void aNewKeyFileIsOwnerOnlyAndReloads() throws Exception {
    Path keyFile = dir.resolve("identity.key");
    Swarm first = swarm(keyFile);
    await(first.start());
    PeerId id = first.peerId();
    await(first.close());

    assertEquals("rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
    Swarm again = swarm(keyFile);
    await(again.start());
    assertEquals(id, again.peerId());
    await(again.close());
  }

  @Test
  void aKeyFileThatOthersCanReadIsRefusedWithTheFix() throws Exception {
    Path keyFile = dir.resolve("identity.key");
    Files.write(keyFile, Ed25519PrivateKey.generate(RANDOM).marshal());
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));

    Throwable err = failure(swarm(keyFile).start());
    assertInstanceOf(IllegalArgumentException.class, err);
    assertTrue(err.getMessage().contains("rw-r--r--"), err.getMessage());
    assertTrue(err.getMessage().contains("chmod 600 " + keyFile), err.getMessage());
  }

  @Test
  void aKeyFileTheGroupCanReadIsRefusedToo() throws Exception {
    Path keyFile = dir.resolve("identity.key");
    Files.write(keyFile, Ed25519PrivateKey.generate(RANDOM).marshal());
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r-----"));

    Throwable err = failure(swarm(keyFile).start());
    assertTrue(err.getMessage().contains("group or others"), err.getMessage());
  }

  @Test
  void theKeyIsNeverWrittenThroughALinkPlantedAtItsPath() throws Exception {
    Path target = dir.resolve("elsewhere");
    Path keyFile = dir.resolve("identity.key");
    Files.createSymbolicLink(keyFile, target);

    Throwable err = failure(swarm(keyFile).start());
    assertInstanceOf(IllegalArgumentException.class, err);
    assertTrue(err.getMessage().contains("symbolic link"), err.getMessage());
    assertFalse(Files.exists(target), "the key was written through the link");
  }

  @Test
  void aFileThatIsNotAKeyIsRefusedByName() throws Exception {
    Path keyFile = dir.resolve("identity.key");
    Files.write(keyFile, new byte[] {1, 2, 3});
    Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));

    Throwable err = failure(swarm(keyFile).start());
    assertTrue(err.getMessage().contains("identity.keyFile " + keyFile), err.getMessage());
    assertTrue(err.getMessage().contains("not a libp2p protobuf private key"), err.getMessage());
  }
}
