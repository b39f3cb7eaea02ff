package dev.vertxp2p.swarm;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystem;
import java.security.SecureRandom;

/**
 * The node's identity: an Ed25519 key kept in a file in the libp2p protobuf private-key encoding,
 * created on first start; or, with no file, a fresh key for this run.
 */
final class Identities {
  private Identities() {}

  static Future<PrivateKey> load(Vertx vertx, String keyFile, SecureRandom random) {
    if (keyFile == null) {
      return Future.succeededFuture(Ed25519PrivateKey.generate(random));
    }
    FileSystem fs = vertx.fileSystem();
    return fs.exists(keyFile).compose(exists -> {
      if (exists) {
        return fs.readFile(keyFile).map(buf -> {
          try {
            return Keys.unmarshalPrivateKey(buf.getBytes());
          } catch (RuntimeException e) {
            throw new IllegalArgumentException("identity.keyFile " + keyFile
                + " is not a libp2p protobuf private key: " + e.getMessage(), e);
          }
        });
      }
      PrivateKey key = Ed25519PrivateKey.generate(random);
      return fs.writeFile(keyFile, Buffer.buffer(key.marshal()))
          .recover(err -> Future.failedFuture(new IllegalArgumentException(
              "identity.keyFile " + keyFile + " cannot be written: " + err.getMessage(), err)))
          .map(v -> key);
    });
  }
}
