package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.InvalidPeerIdException;
import dev.vertxp2p.PeerId;
import java.nio.charset.StandardCharsets;

/**
 * Peer IDs from text (config, REST, multiaddrs) and from bytes (the /p2p component of a remote
 * address): only {@link InvalidPeerIdException} (an IllegalArgumentException) may escape, and a
 * peer ID that parses survives both text forms and its bytes.
 */
class PeerIdFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parse(byte[] input) {
    if (input.length > 1024) {
      return;
    }
    PeerId id;
    try {
      id = PeerId.parse(new String(input, StandardCharsets.UTF_8));
    } catch (InvalidPeerIdException expected) {
      return;
    }
    checkRoundTrips(id);
  }

  @FuzzTest(maxDuration = "60s")
  void fromBytes(byte[] input) {
    if (input.length > 1024) {
      return;
    }
    PeerId id;
    try {
      id = PeerId.fromBytes(input);
    } catch (InvalidPeerIdException expected) {
      return;
    }
    checkRoundTrips(id);
  }

  private static void checkRoundTrips(PeerId id) {
    assertEquals(id, PeerId.parse(id.toBase58()));
    assertEquals(id, PeerId.parse(id.toCidString()));
    assertEquals(id, PeerId.fromBytes(id.bytes()));
    // An inlined key that is not a valid key is "no key", not an exception.
    id.extractPublicKey().ifPresent(key -> assertEquals(true, id.matches(key)));
  }
}
