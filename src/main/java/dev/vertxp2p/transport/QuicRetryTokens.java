package dev.vertxp2p.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicTokenHandler;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A QUIC listener's address validation (RFC 9000 section 8.1.2): a Retry with a token, asked for
 * only while the listener already holds {@code threshold} handshakes or more; below that a new
 * connection starts at once, with no extra round trip.
 *
 * <p>Why: quiche starts a connection's state at the first Initial, before any TLS, so a flood of
 * Initials from spoofed or made-up sources would each hold state until the handshake timeout.
 * Asking for a Retry is stateless: only a sender that receives our token at its address and echoes
 * it gets a connection. A token from elsewhere (a random one in a junk Initial, one for another
 * address, an old one) is dropped without any state.
 *
 * <p>A token: a version byte, the time it was made (ms), a 16-byte HMAC-SHA256 over the time, the
 * sender's IP address and the original destination connection id, then that id. Valid for {@link
 * #VALID_MILLIS} from the address it was sent to; the key is random per listener and never leaves
 * it. Netty calls the handler on the listener's event loop; the key and MAC are per thread, so it
 * holds no mutable state of its own.
 */
final class QuicRetryTokens implements QuicTokenHandler {
  static final byte VERSION = 1;
  static final int MAC_BYTES = 16;
  /** Version, time, MAC: where the original connection id starts. */
  static final int HEADER_BYTES = 1 + Long.BYTES + MAC_BYTES;
  /** QUIC connection ids are at most 20 bytes (RFC 9000 section 17.2). */
  static final int MAX_CID_BYTES = 20;
  /** How long a token is honoured: a Retry and the Initial that answers it are a round trip apart. */
  static final long VALID_MILLIS = 10_000;

  private final SecretKeySpec key;
  private final IntSupplier handshakes;
  private final int threshold;
  private final LongSupplier clockMillis;
  private final ThreadLocal<Mac> macs;

  /**
   * @param handshakes how many handshakes the listener holds now
   * @param threshold from how many a new sender is asked to prove its address (0: always)
   */
  QuicRetryTokens(SecureRandom random, IntSupplier handshakes, int threshold,
      LongSupplier clockMillis) {
    if (threshold < 0) {
      throw new IllegalArgumentException("threshold must be >= 0, got " + threshold);
    }
    byte[] k = new byte[32];
    random.nextBytes(k);
    this.key = new SecretKeySpec(k, "HmacSHA256");
    this.handshakes = handshakes;
    this.threshold = threshold;
    this.clockMillis = clockMillis;
    this.macs = ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(key);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
    });
  }

  @Override
  public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
    if (handshakes.getAsInt() < threshold || dcid.readableBytes() > MAX_CID_BYTES) {
      return false;
    }
    long now = clockMillis.getAsLong();
    out.writeByte(VERSION);
    out.writeLong(now);
    out.writeBytes(mac(now, address, dcid, dcid.readerIndex(), dcid.readableBytes()));
    out.writeBytes(dcid, dcid.readerIndex(), dcid.readableBytes());
    return true;
  }

  @Override
  public int validateToken(ByteBuf token, InetSocketAddress address) {
    int start = token.readerIndex();
    int len = token.readableBytes();
    if (len <= HEADER_BYTES || len > HEADER_BYTES + MAX_CID_BYTES
        || token.getByte(start) != VERSION) {
      return -1;
    }
    long made = token.getLong(start + 1);
    long age = clockMillis.getAsLong() - made;
    if (age < 0 || age > VALID_MILLIS) {
      return -1;
    }
    byte[] expected = mac(made, address, token, start + HEADER_BYTES, len - HEADER_BYTES);
    byte[] got = new byte[MAC_BYTES];
    token.getBytes(start + 1 + Long.BYTES, got);
    return MessageDigest.isEqual(expected, got) ? HEADER_BYTES : -1;
  }

  @Override
  public int maxTokenLength() {
    return HEADER_BYTES + MAX_CID_BYTES;
  }

  private byte[] mac(long time, InetSocketAddress address, ByteBuf cid, int off, int len) {
    Mac m = macs.get();
    m.update(ByteBuffer.allocate(Long.BYTES).putLong(time).array());
    byte[] ip = address.getAddress().getAddress();
    m.update((byte) ip.length);
    m.update(ip);
    byte[] id = new byte[len];
    cid.getBytes(off, id);
    m.update(id);
    byte[] full = m.doFinal();
    byte[] out = new byte[MAC_BYTES];
    System.arraycopy(full, 0, out, 0, MAC_BYTES);
    return out;
  }
}
