package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Each finding of the fuzz targets as a plain regression test, with the input that triggered it.
 * The crash files themselves stay in the targets' seed corpus under a {@code finding-} name.
 */
class FuzzFindingsTest {

  private static byte[] resource(String path) throws IOException {
    try (InputStream in = FuzzFindingsTest.class.getResourceAsStream(path)) {
      return in.readAllBytes();
    }
  }

  /**
   * MultiaddrFuzzTest#parseText: text within MAX_TEXT_LENGTH whose binary form exceeded MAX_BYTES
   * parsed, but its own bytes() were then refused by fromBytes. parse now applies the binary bound.
   */
  @Test
  void multiaddrTextWhoseBinaryFormIsOverTheLimitIsRefused() throws IOException {
    String name = "a".repeat(250);
    // Per repetition: /dns4 (code 1 byte, length 2 bytes, 250 bytes), /tcp/443 (3), /wss (2) = 258;
    // four make 1032 bytes, over the 1024 limit, in 1084 characters of text.
    String text = ("/dns4/" + name + "/tcp/443/wss").repeat(4);
    MultiaddrException e = assertThrows(MultiaddrException.class, () -> Multiaddr.parse(text));
    assertEquals(true, e.getMessage().contains("limit of " + Multiaddr.MAX_BYTES), e.getMessage());

    byte[] found = resource("MultiaddrFuzzTestInputs/parseText/finding-binary-over-limit");
    assertThrows(MultiaddrException.class,
        () -> Multiaddr.parse(new String(found, StandardCharsets.UTF_8)));

    // Three repetitions (774 bytes) still parse and round-trip.
    Multiaddr ok = Multiaddr.parse(("/dns4/" + name + "/tcp/443/wss").repeat(3));
    assertEquals(3 * 258, ok.bytes().length);
    assertEquals(ok, Multiaddr.fromBytes(ok.bytes()));
  }
}
