package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.KeyFormatException;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.PublicKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Marshaled keys as a peer sends them (Noise identity_key, identify publicKey, inlined peer IDs):
 * only {@link KeyFormatException} may escape decoding; a decoded key re-marshals to the same bytes
 * (the peer-ids spec's deterministic encoding); verification answers, never throws, and answers
 * right: arbitrary bytes, another key's genuine signature and an altered signature do not verify;
 * a key's own signature does, over exactly the data it signed.
 */
class KeysFuzzTest {
  private static final byte[] MESSAGE = "noise-libp2p-static-key:0123456789abcdef0123456789abcdef"
      .getBytes(StandardCharsets.UTF_8);
  /** A key unrelated to any fuzzed one (a fuzzed key equal to it is told apart by encoding). */
  private static final PrivateKey UNRELATED = Ed25519PrivateKey.fromSeed(new byte[] {
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a});

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
    assertFalse(key.verify(MESSAGE, marshaled), "the key's own encoding verified as a signature");
    assertFalse(key.verify(MESSAGE, Arrays.copyOf(marshaled, marshaled.length / 2)),
        "half the key's encoding verified as a signature");
    // A genuine signature over the fuzzed bytes, by an unrelated key, must not verify under this
    // one, nor the empty signature.
    byte[] foreign = UNRELATED.sign(marshaled);
    assertTrue(UNRELATED.publicKey().verify(marshaled, foreign), "the control signature");
    if (!Arrays.equals(marshaled, UNRELATED.publicKey().marshal())) {
      assertFalse(key.verify(marshaled, foreign), "another key's signature verified");
    }
    assertFalse(key.verify(marshaled, new byte[0]), "the empty signature verified");
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
    // ... over the fuzzed bytes too, and nowhere else: not over other data, not altered, not
    // under an unrelated key.
    byte[] own = key.sign(marshaled);
    assertTrue(key.publicKey().verify(marshaled, own), "own signature over the fuzzed bytes");
    assertFalse(key.publicKey().verify(MESSAGE, own), "a signature verified over other data");
    byte[] altered = own.clone();
    altered[altered.length / 2] ^= 0x01;
    assertFalse(key.publicKey().verify(marshaled, altered), "an altered signature verified");
    if (!Arrays.equals(key.publicKey().marshal(), UNRELATED.publicKey().marshal())) {
      assertFalse(UNRELATED.publicKey().verify(marshaled, own),
          "a signature verified under an unrelated key");
    }
    PublicKey pub = Keys.unmarshalPublicKey(key.publicKey().marshal());
    assertArrayEquals(key.publicKey().marshal(), pub.marshal());
  }
}
