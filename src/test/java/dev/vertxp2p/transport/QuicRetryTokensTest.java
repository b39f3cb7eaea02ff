package dev.vertxp2p.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class QuicRetryTokensTest {
  private final AtomicInteger handshakes = new AtomicInteger();
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final QuicRetryTokens tokens =
      new QuicRetryTokens(new SecureRandom(), handshakes::get, 4, now::get);
  private final InetSocketAddress from = address("192.0.2.7", 4001);
  private final ByteBuf dcid = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

  private static InetSocketAddress address(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private ByteBuf issued() {
    ByteBuf out = Unpooled.buffer();
    assertTrue(tokens.writeToken(out, dcid, from));
    return out;
  }

  @Test
  void belowTheThresholdNoRetryIsAskedFor() {
    handshakes.set(3);
    assertFalse(tokens.writeToken(Unpooled.buffer(), dcid, from));
  }

  @Test
  void fromTheThresholdOnATokenIsIssuedThatValidatesAtItsAddressAndLeadsToTheOriginalId() {
    handshakes.set(4);
    ByteBuf token = issued();
    assertTrue(token.readableBytes() <= tokens.maxTokenLength());
    int offset = tokens.validateToken(token, from);
    assertEquals(QuicRetryTokens.HEADER_BYTES, offset);
    assertEquals(dcid, token.slice(offset, token.readableBytes() - offset));
    // another port of the same IP (a NAT rebinding) is still the address proved
    assertEquals(offset, tokens.validateToken(token, address("192.0.2.7", 5555)));
  }

  @Test
  void aTokenForAnotherAddressTamperedExpiredOrFromTheFutureIsRefused() {
    handshakes.set(10);
    ByteBuf token = issued();
    assertEquals(-1, tokens.validateToken(token, address("192.0.2.8", 4001)));
    ByteBuf tampered = token.copy();
    int last = tampered.writerIndex() - 1;
    tampered.setByte(last, tampered.getByte(last) ^ 1); // another original connection id
    assertEquals(-1, tokens.validateToken(tampered, from));
    now.addAndGet(QuicRetryTokens.VALID_MILLIS + 1);
    assertEquals(-1, tokens.validateToken(token, from));
    now.set(1_000_000 - 1);
    assertEquals(-1, tokens.validateToken(token, from));
  }

  @Test
  void randomAndMalformedTokensAreRefusedWithoutThrowing() {
    SecureRandom r = new SecureRandom();
    for (int len = 0; len < 64; len++) {
      byte[] junk = new byte[len];
      r.nextBytes(junk);
      if (len > 0) {
        junk[0] = QuicRetryTokens.VERSION;
      }
      assertEquals(-1, tokens.validateToken(Unpooled.wrappedBuffer(junk), from), "length " + len);
    }
  }

  @Test
  void anotherListenersTokenIsRefused() {
    handshakes.set(10);
    QuicRetryTokens other =
        new QuicRetryTokens(new SecureRandom(), handshakes::get, 0, now::get);
    ByteBuf theirs = Unpooled.buffer();
    assertTrue(other.writeToken(theirs, dcid, from));
    assertEquals(-1, tokens.validateToken(theirs, from));
  }

  @Test
  void aNegativeThresholdIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new QuicRetryTokens(new SecureRandom(), () -> 0, -1, System::currentTimeMillis));
    assertEquals("threshold must be >= 0, got -1", e.getMessage());
  }
}
