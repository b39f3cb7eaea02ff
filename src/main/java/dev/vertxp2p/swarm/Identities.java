package dev.vertxp2p.swarm;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The node's identity: an Ed25519 key kept in a file in the libp2p protobuf private-key encoding,
 * created on first start; or, with no file, a fresh key for this run.
 *
 * <p>The file is the node's identity, so it is treated as ssh treats a private key. It is created
 * in one step ({@code O_CREAT|O_EXCL}) with owner-only permissions, so two starts cannot both
 * write it and the creation never follows a link planted at its path. A file that group or others
 * may access is refused at start with the command that fixes it. The file work is blocking, so it
 * runs on a worker thread.
 */
final class Identities {
  /** Largest key file read: a libp2p protobuf private key is at most a few KiB (RSA). */
  static final int MAX_KEY_FILE_BYTES = 16 * 1024;

  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private Identities() {}

  static Future<PrivateKey> load(Vertx vertx, String keyFile, SecureRandom random) {
    if (keyFile == null) {
      return Future.succeededFuture(Ed25519PrivateKey.generate(random));
    }
    return vertx.executeBlocking(() -> loadOrCreate(Path.of(keyFile), random), false);
  }

  /** Blocking: reads the key at {@code path}, or creates it there when nothing is at the path. */
  static PrivateKey loadOrCreate(Path path, SecureRandom random) {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      PrivateKey key = Ed25519PrivateKey.generate(random);
      try {
        create(path, key.marshal());
        return key;
      } catch (FileAlreadyExistsException raced) {
        // Another start created it between the look and the create: use that one.
      } catch (IOException e) {
        throw new IllegalArgumentException("identity.keyFile " + path
            + " cannot be created: " + describe(e), e);
      }
    }
    return read(path);
  }

  private static void create(Path path, byte[] encoded) throws IOException {
    Set<StandardOpenOption> open = EnumSet.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE, StandardOpenOption.DSYNC);
    FileAttribute<?>[] attrs = posix(path)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
    try (SeekableByteChannel ch = Files.newByteChannel(path, open, attrs)) {
      ByteBuffer b = ByteBuffer.wrap(encoded);
      while (b.hasRemaining()) {
        ch.write(b);
      }
    } finally {
      Arrays.fill(encoded, (byte) 0);
    }
  }

  private static PrivateKey read(Path path) {
    byte[] bytes = null;
    try {
      if (Files.isSymbolicLink(path) && !Files.exists(path)) {
        throw new IllegalArgumentException("identity.keyFile " + path
            + " is a symbolic link to nothing; the node will not create its key through a link."
            + " Remove the link or point identity.keyFile at a real file");
      }
      if (!Files.isRegularFile(path)) {
        throw new IllegalArgumentException("identity.keyFile " + path + " is not a regular file");
      }
      if (posix(path)) {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(perms);
        open.retainAll(GROUP_OR_OTHERS);
        if (!open.isEmpty()) {
          throw new IllegalArgumentException("identity.keyFile " + path + " has permissions "
              + PosixFilePermissions.toString(perms) + ": group or others may access the node's"
              + " private key, so it is refused. Run: chmod 600 " + path);
        }
      }
      long size = Files.size(path);
      if (size > MAX_KEY_FILE_BYTES) {
        throw new IllegalArgumentException("identity.keyFile " + path + " is " + size
            + " bytes, more than the " + MAX_KEY_FILE_BYTES + " a private key takes");
      }
      bytes = Files.readAllBytes(path);
      return decode(path, bytes);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("identity.keyFile " + path + " vanished while read", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("identity.keyFile " + path + " cannot be read: "
          + describe(e), e);
    } finally {
      if (bytes != null) {
        Arrays.fill(bytes, (byte) 0);
      }
    }
  }

  private static PrivateKey decode(Path path, byte[] bytes) {
    try {
      return Keys.unmarshalPrivateKey(bytes);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("identity.keyFile " + path
          + " is not a libp2p protobuf private key: " + e.getMessage(), e);
    }
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
  }
}
