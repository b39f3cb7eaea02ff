package dev.vertxp2p.proto.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The TLS 1.3 channel after a {@link TlsHandshake} completed: application data in, records out,
 * and back. Sans-IO like the handshake, and on the same {@link javax.net.ssl.SSLEngine}.
 *
 * <p>{@link #encrypt} returns the records to write; {@link #decrypt} takes records as they come
 * from the socket, in chunks of any size, and returns the plaintext they complete (a partial record
 * waits, at most one record's worth). Decrypting can also produce bytes to write: a reply to the
 * remote's KeyUpdate, or the answer to a close; {@link #encrypt} returns those first, and {@link
 * #drainOutput()} hands them out when there is nothing to encrypt. Plaintext out is never more
 * than ciphertext in, and records out are the input plus 22 bytes per record of up to 16 KiB (RFC
 * 8446 section 5.2), so buffers stay as big as what the caller passes.
 *
 * <p>Any {@link TlsException} (a bad record, an alert) leaves the session failed for good; the
 * connection must be closed. Single-threaded, like the connection that owns it.
 */
public final class TlsSession {
  private final TlsEngineDriver driver;

  TlsSession(TlsEngineDriver driver) {
    this.driver = driver;
  }

  /**
   * Encrypts {@code data} into TLS records (up to 16 KiB of plaintext each), preceded by any
   * bytes the session still had to write.
   *
   * @throws TlsException if the session failed underneath or its outbound side is closed
   * @throws IllegalStateException once failed
   */
  public byte[] encrypt(ByteBuffer data) {
    driver.send(data);
    return driver.drainOutput();
  }

  /** {@link #encrypt(ByteBuffer)} for an array slice. */
  public byte[] encrypt(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    return encrypt(ByteBuffer.wrap(data, off, len));
  }

  /**
   * Decrypts what {@code records} complete, consuming all of it; returns the plaintext, empty if
   * none is complete yet. Afterwards {@link #drainOutput()} may hold bytes to write.
   *
   * @throws TlsException on a bad record or a fatal alert from the remote (for example its
   *     refusal of our certificate, which a dialer learns only here)
   * @throws IllegalStateException once failed
   */
  public byte[] decrypt(ByteBuffer records) {
    ByteArrayOutputStream plain = new ByteArrayOutputStream(records.remaining());
    driver.receive(records, plain);
    return plain.toByteArray();
  }

  /** {@link #decrypt(ByteBuffer)} for an array slice. */
  public byte[] decrypt(byte[] records, int off, int len) {
    Objects.checkFromIndexSize(off, len, records.length);
    return decrypt(ByteBuffer.wrap(records, off, len));
  }

  /** Bytes the session must write without being asked to encrypt; empty when there are none. */
  public byte[] drainOutput() {
    return driver.drainOutput();
  }

  /**
   * Starts an orderly close: close_notify goes into {@link #drainOutput()}; nothing more can be
   * encrypted. Idempotent, and a no-op once failed.
   */
  public void close() {
    driver.closeOutbound();
  }

  /**
   * Drops the session without close_notify (the socket is gone): it is failed from now on.
   * Idempotent.
   */
  public void destroy() {
    driver.abandon("session destroyed by the caller");
  }

  /** Whether the remote sent close_notify: nothing more will be decrypted. */
  public boolean isInboundClosed() {
    return driver.inboundClosed();
  }

  /** The TLS version in use, always {@value TlsHandshake#TLS_VERSION}. */
  public String protocol() {
    return driver.engine().getSession().getProtocol();
  }

  /** The cipher suite in use, for logs. */
  public String cipherSuite() {
    return driver.engine().getSession().getCipherSuite();
  }

  public boolean isFailed() {
    return driver.failure() != null;
  }
}
