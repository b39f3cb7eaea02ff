package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.KeyFormatException;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Marshaled keys as a peer sends them (Noise identity_key, identify publicKey, inlined peer IDs):
 * only {@link KeyFormatException} may escape decoding; a decoded key re-marshals to the same bytes
 * (the peer-ids spec's deterministic encoding) and verifying an arbitrary signature answers false
 * instead of throwing.
 */
class KeysFuzzTest {
  private static final byte[] MESSAGE = "noise-libp2p-static-key:0123456789abcdef0123456789abcdef"
      .getBytes(StandardCharsets.UTF_8);

  @FuzzTest(maxDuration = "60s")
  void unmarshalPublicKey(byte[] marshaled) {
    if (marshaled.length > Keys.MAX_MARSHALED_BYTES + 16) {
      return;
    }
    PublicKey key;
    try {
      key = Keys.unmarshalPublicKey(marshaled);
    } catch (KeyFormatException expected) {
      return;
    }
    assertArrayEquals(marshaled, key.marshal(), "a decoded key must re-marshal identically");
    // Arbitrary bytes as a signature (the input itself, and a truncated one) must give false.
    key.verify(MESSAGE, marshaled);
    key.verify(MESSAGE, Arrays.copyOf(marshaled, marshaled.length / 2));
    PeerId id = PeerId.fromPublicKey(key);
    assertTrue(id.matches(key));
    assertTrue(PeerId.fromBytes(id.bytes()).equals(id));
  }

  @FuzzTest(maxDuration = "60s")
  void unmarshalPrivateKey(byte[] marshaled) {
    if (marshaled.length > Keys.MAX_MARSHALED_BYTES + 16) {
      return;
    }
    PrivateKey key;
    try {
      key = Keys.unmarshalPrivateKey(marshaled);
    } catch (KeyFormatException expected) {
      return;
    }
    byte[] signature = key.sign(MESSAGE);
    assertTrue(key.publicKey().verify(MESSAGE, signature),
        "a key's own signature must verify under its public key");
    PublicKey pub = Keys.unmarshalPublicKey(key.publicKey().marshal());
    assertArrayEquals(key.publicKey().marshal(), pub.marshal());
  }
}
