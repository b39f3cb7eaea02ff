package dev.vertxp2p.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.MultiaddrException;
import dev.vertxp2p.MultiaddrProtocol;
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

  /**
   * Finding 4 (MultiaddrFuzzTest#fromBytes): a binary multiaddr within MAX_BYTES whose text form is
   * over MAX_TEXT_LENGTH decoded, but its own text was then refused by parse. fromBytes now applies
   * the text bound too.
   */
  @Test
  void multiaddrBytesWhoseTextFormIsOverTheLimitAreRefused() throws IOException {
    // /ip4/255.255.255.255 is 5 bytes and 20 characters: 205 of them are 1025 bytes, so 204
    // (1020 bytes) are within the binary bound and print as 4080 characters, within the text
    // bound; two /webrtc-direct more (2 bytes and 14 characters each) make 1024 bytes, within the
    // binary bound, and 4108 characters, over the text bound.
    byte[] ip4 = {4, (byte) 255, (byte) 255, (byte) 255, (byte) 255};
    java.io.ByteArrayOutputStream fits = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 204; i++) {
      fits.writeBytes(ip4);
    }
    Multiaddr ok = Multiaddr.fromBytes(fits.toByteArray());
    assertEquals(4080, ok.toString().length());
    assertEquals(ok, Multiaddr.parse(ok.toString()));

    byte[] webrtcDirect = dev.vertxp2p.multiformats.UnsignedVarint.encode(
        MultiaddrProtocol.forName("webrtc-direct").code());
    fits.writeBytes(webrtcDirect);
    fits.writeBytes(webrtcDirect);
    byte[] over = fits.toByteArray();
    MultiaddrException e = assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(over));
    assertEquals(true, e.getMessage().contains("limit of " + Multiaddr.MAX_TEXT_LENGTH),
        e.getMessage());

    byte[] found = resource("MultiaddrFuzzTestInputs/fromBytes/finding-text-over-limit");
    assertThrows(MultiaddrException.class, () -> Multiaddr.fromBytes(found));
  }
}
