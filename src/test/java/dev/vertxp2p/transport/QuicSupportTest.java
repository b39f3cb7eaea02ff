package dev.vertxp2p.transport;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.quic.Quic;
import org.junit.jupiter.api.Test;

/** The native QUIC codec loads on the build's platform (linux-x86_64): the natives are there. */
class QuicSupportTest {
  @Test
  void theNativeCodecLoads() {
    assertNull(Quic.unavailabilityCause(), "Netty's native QUIC codec did not load");
    assertTrue(QuicSupport.isAvailable());
    assertDoesNotThrow(QuicSupport::ensureAvailable);
  }
}
