package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import java.nio.charset.StandardCharsets;

/**
 * Multiaddr parsing from text (caller input: only {@link MultiaddrException}, an
 * IllegalArgumentException, may escape) and from bytes (what a peer sends in identify). Whatever
 * parses must re-encode to the same bytes and survive a trip through its text form.
 */
class MultiaddrFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void parseText(byte[] input) {
    if (input.length > 2 * Multiaddr.MAX_TEXT_LENGTH) {
      return;
    }
    String text = new String(input, StandardCharsets.UTF_8);
    Multiaddr addr;
    try {
      addr = Multiaddr.parse(text);
    } catch (MultiaddrException expected) {
      return;
    }
    byte[] bytes = addr.bytes();
    Multiaddr fromBytes = Multiaddr.fromBytes(bytes);
    assertArrayEquals(bytes, fromBytes.bytes(), "bytes of a parsed address must decode again");
    assertEquals(addr, fromBytes);
    Multiaddr again = Multiaddr.parse(addr.toString());
    assertArrayEquals(bytes, again.bytes(), "text form must parse back to the same bytes");
  }

  @FuzzTest(maxDuration = "60s")
  void fromBytes(byte[] input) {
    if (input.length > 2 * Multiaddr.MAX_BYTES) {
      return;
    }
    Multiaddr addr;
    try {
      addr = Multiaddr.fromBytes(input);
    } catch (MultiaddrException expected) {
      return;
    }
    assertArrayEquals(input, addr.bytes(), "a decoded address must re-encode to the same bytes");
    Multiaddr again = Multiaddr.parse(addr.toString());
    assertArrayEquals(input, again.bytes(), "text form must parse back to the same bytes");
    // The accessors the swarm calls on remote addresses must not throw either.
    addr.hostPort();
    addr.peerId();
    addr.withoutPeerId();
    addr.protocols();
  }
}
