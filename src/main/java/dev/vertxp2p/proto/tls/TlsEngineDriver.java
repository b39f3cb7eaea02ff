package dev.vertxp2p.proto.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Drives one {@link SSLEngine} with byte buffers, for {@link TlsHandshake} and {@link TlsSession}
 * alike (the engine is the same before and after the handshake). Everything here is bounded: the
 * inbound buffer holds at most one TLS record more than the engine has consumed, the plaintext and
 * ciphertext produced are proportional to what was fed, and growth on the engine's request is
 * capped at {@link #MAX_BUFFER}.
 *
 * <p>Not thread-safe; one owner thread, like every engine of this project.
 */
final class TlsEngineDriver {
  /**
   * Cap on any buffer the engine asks to grow: a TLS 1.3 record is at most 2^14 + 256 bytes of
   * ciphertext (RFC 8446 section 5.2); the JDK asks for up to twice that for compatibility.
   */
  static final int MAX_BUFFER = 64 * 1024;

  /**
   * Most bytes held while the handshake waits for its delegated tasks: the glue stops reading
   * meanwhile, so only what one socket read brought arrives, and a handshake flight is a few KiB.
   */
  static final int MAX_HELD_WHILE_TASKS = 256 * 1024;

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private final SSLEngine engine;
  private final Libp2pX509Managers.TrustManager trust;
  /** Ciphertext received and not yet consumed by the engine; write mode. */
  private ByteBuffer netIn;
  /** Plaintext the engine produced; write mode, emptied after each unwrap. */
  private ByteBuffer appIn;
  /** One wrap's output; write mode, emptied after each wrap. */
  private ByteBuffer netOut;
  /** Ciphertext to write to the socket, in order. */
  private final ByteArrayOutputStream outbound = new ByteArrayOutputStream();
  private boolean handshakeFinished;
  private boolean inboundClosed;
  private TlsException failure;
  /** Hand the handshake's delegated tasks to the caller instead of running them inline. */
  private final boolean deferTasks;
  /** Delegated tasks taken from the engine and handed out, not yet reported done; or null. */
  private java.util.List<Runnable> deferred;
  /** True from handing tasks out until the caller reports them done. */
  private boolean awaitingTasks;
  /** Input that came while the tasks ran, fed once they are done; or null. */
  private ByteArrayOutputStream held;

  TlsEngineDriver(SSLEngine engine, Libp2pX509Managers.TrustManager trust) {
    this(engine, trust, false);
  }

  TlsEngineDriver(SSLEngine engine, Libp2pX509Managers.TrustManager trust, boolean deferTasks) {
    this.engine = engine;
    this.trust = trust;
    this.deferTasks = deferTasks;
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet);
    this.netOut = ByteBuffer.allocate(packet);
    this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
  }

  SSLEngine engine() {
    return engine;
  }

  boolean handshakeFinished() {
    return handshakeFinished;
  }

  boolean inboundClosed() {
    return inboundClosed;
  }

  TlsException failure() {
    return failure;
  }

  /** Starts the handshake: a client's ClientHello is then waiting in {@link #drainOutput()}. */
  void begin(ByteArrayOutputStream plaintext) {
    try {
      engine.beginHandshake();
      progress(plaintext);
    } catch (SSLException | RuntimeException e) {
      throw fail(e);
    }
  }

  /**
   * Feeds every byte of {@code in} to the engine, decrypting what it can into {@code plaintext}
   * (the engine yields application data only once the handshake has finished) and answering what
   * the protocol asks, into {@link #drainOutput()}.
   */
  void receive(ByteBuffer in, ByteArrayOutputStream plaintext) {
    requireUsable();
    try {
      do {
        if (awaitingTasks) {
          hold(in);
          return;
        }
        int n = Math.min(in.remaining(), netIn.remaining());
        ByteBuffer slice = in.slice();
        slice.limit(n);
        netIn.put(slice);
        in.position(in.position() + n);
        progress(plaintext);
        if (inboundClosed && in.hasRemaining()) {
          // RFC 8446 section 6.1: nothing follows close_notify; the rest is ignored.
          in.position(in.limit());
        }
      } while (in.hasRemaining());
    } catch (SSLException | RuntimeException e) {
      throw fail(e);
    }
  }

  /** Keeps what came while delegated tasks run, up to {@link #MAX_HELD_WHILE_TASKS}. */
  private void hold(ByteBuffer in) {
    if (held == null) {
      held = new ByteArrayOutputStream();
    }
    if (held.size() + in.remaining() > MAX_HELD_WHILE_TASKS) {
      throw new TlsException("over " + MAX_HELD_WHILE_TASKS + " bytes arrived while the"
          + " handshake's delegated tasks ran");
    }
    byte[] chunk = new byte[in.remaining()];
    in.get(chunk);
    held.writeBytes(chunk);
  }

  boolean awaitingTasks() {
    return awaitingTasks;
  }

  /**
   * The delegated tasks handed out, as one runnable the caller may run on any thread, as long as
   * it touches this driver again only after the runnable returned (and with a happens-before edge,
   * as an executor's completion gives).
   */
  Runnable takeTasks() {
    if (!awaitingTasks || deferred == null) {
      throw new IllegalStateException("no delegated tasks are waiting");
    }
    java.util.List<Runnable> tasks = deferred;
    deferred = null;
    return () -> tasks.forEach(Runnable::run);
  }

  /** The tasks handed out ran: the handshake goes on, then reads what came meanwhile. */
  void tasksDone(ByteArrayOutputStream plaintext) {
    requireUsable();
    if (!awaitingTasks || deferred != null) {
      throw new IllegalStateException("no delegated tasks were taken");
    }
    awaitingTasks = false;
    try {
      progress(plaintext);
    } catch (SSLException | RuntimeException e) {
      throw fail(e);
    }
    if (!awaitingTasks && held != null) {
      byte[] rest = held.toByteArray();
      held = null;
      receive(ByteBuffer.wrap(rest), plaintext);
    }
  }

  /** Encrypts all of {@code in} into TLS records, appended to {@link #drainOutput()}. */
  void send(ByteBuffer in) {
    requireUsable();
    try {
      while (in.hasRemaining()) {
        if (!wrapOnce(in)) {
          throw new TlsException("the TLS engine accepts no more application data"
              + " (outbound closed)");
        }
      }
    } catch (SSLException | RuntimeException e) {
      throw fail(e);
    }
  }

  /** Sends close_notify: what it takes is appended to {@link #drainOutput()}. Idempotent. */
  void closeOutbound() {
    if (failure != null) {
      return;
    }
    try {
      engine.closeOutbound();
      while (!engine.isOutboundDone() && wrapOnce(EMPTY)) {
        // flush close_notify
      }
    } catch (SSLException | RuntimeException e) {
      throw fail(e);
    }
  }

  /**
   * Gives the engine up without a word to the remote (a timeout, a closed socket): it is failed
   * from now on and its pending output dropped. The JDK keeps its traffic keys inside the engine
   * and offers no wipe; dropping every reference to it is what is left. Idempotent.
   */
  void abandon(String why) {
    if (failure == null) {
      failure = new TlsException("TLS abandoned: " + why);
    }
    outbound.reset();
    deferred = null;
    held = null;
    engine.closeOutbound();
    try {
      engine.closeInbound();
    } catch (SSLException | RuntimeException ignored) {
      // Closing inbound without close_notify complains by design; we are abandoning anyway.
    }
  }

  /** The bytes to write to the socket, in order; empty when there are none. */
  byte[] drainOutput() {
    byte[] out = outbound.toByteArray();
    outbound.reset();
    return out;
  }

  /** Bytes waiting in {@link #drainOutput()}. */
  int pendingOutput() {
    return outbound.size();
  }

  private void requireUsable() {
    if (failure != null) {
      throw new IllegalStateException("TLS already failed: " + failure.getMessage());
    }
  }

  /** Runs the engine until it needs more input than it has. */
  private void progress(ByteArrayOutputStream plaintext) throws SSLException {
    while (true) {
      HandshakeStatus status = engine.getHandshakeStatus();
      switch (status) {
        case NEED_TASK -> {
          if (deferTasks && !handshakeFinished) {
            deferred = new java.util.ArrayList<>();
            for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
              deferred.add(task);
            }
            awaitingTasks = true;
            return;
          }
          runTasks();
        }
        case NEED_WRAP -> {
          if (!wrapOnce(EMPTY)) {
            return;
          }
        }
        default -> {
          if (!unwrapOnce(plaintext)) {
            HandshakeStatus now = engine.getHandshakeStatus();
            if (now != HandshakeStatus.NEED_TASK && now != HandshakeStatus.NEED_WRAP) {
              return;
            }
          }
        }
      }
    }
  }

  /**
   * The engine's delegated tasks (key exchange, signatures, our trust manager) run here, inline:
   * they cost what Noise's DH and signature checks cost, about a millisecond per handshake.
   */
  private void runTasks() { // with deferTasks, the caller runs them where it likes instead
    for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
      task.run();
    }
  }

  /** Largest TLSCiphertext.length (RFC 8446 section 5.2: 2^14 + 256). */
  static final int MAX_RECORD_LENGTH = (1 << 14) + 256;

  /**
   * Checks the header of the record at the start of {@link #netIn} (the engine consumes whole
   * records, so a record always starts there) before the engine waits for its body: the JDK
   * believes the length of a record of any content type once the handshake is done, so 29 bytes
   * of plaintext garbage would have it wait for 8 KiB that never come. RFC 8446 section 5.1:
   * content types 20 to 23; {@code legacy_record_version} 0x0303 (0x0301 allowed for a first
   * ClientHello); section 5.2: at most {@link #MAX_RECORD_LENGTH} bytes.
   */
  private void checkRecordHeader() {
    if (netIn.position() < 5) {
      return;
    }
    int type = netIn.get(0) & 0xFF;
    int major = netIn.get(1) & 0xFF;
    int minor = netIn.get(2) & 0xFF;
    int length = ((netIn.get(3) & 0xFF) << 8) | (netIn.get(4) & 0xFF);
    if (type < 20 || type > 23) {
      throw new TlsException(String.format("expected a TLS record (content type 20 to 23),"
          + " got content type 0x%02x", type));
    }
    if (major != 3 || minor < 1 || minor > 3) {
      throw new TlsException(String.format("expected TLS record version 0x0303, got 0x%02x%02x",
          major, minor));
    }
    if (length > MAX_RECORD_LENGTH) {
      throw new TlsException("TLS record of " + length + " bytes, over the limit of "
          + MAX_RECORD_LENGTH);
    }
  }

  /** One unwrap; true if it made progress and more may follow. */
  private boolean unwrapOnce(ByteArrayOutputStream plaintext) throws SSLException {
    if (inboundClosed || netIn.position() == 0) {
      return false;
    }
    checkRecordHeader();
    netIn.flip();
    SSLEngineResult result;
    try {
      result = engine.unwrap(netIn, appIn);
    } finally {
      netIn.compact();
    }
    if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
      handshakeFinished = true;
    }
    if (appIn.position() > 0) {
      appIn.flip();
      plaintext.write(appIn.array(), appIn.arrayOffset() + appIn.position(), appIn.remaining());
      appIn.clear();
    }
    switch (result.getStatus()) {
      case OK:
        return result.bytesConsumed() > 0 || result.bytesProduced() > 0;
      case BUFFER_UNDERFLOW:
        if (!netIn.hasRemaining()) {
          // A whole record does not fit: grow as the engine asks, up to the cap.
          netIn = grow(netIn, engine.getSession().getPacketBufferSize(), "inbound record");
          return false;
        }
        return false;
      case BUFFER_OVERFLOW:
        appIn = grow(appIn, engine.getSession().getApplicationBufferSize(), "plaintext");
        return true;
      case CLOSED:
        inboundClosed = true;
        return result.bytesConsumed() > 0;
      default:
        throw new IllegalStateException("unknown SSLEngine status " + result.getStatus());
    }
  }

  /** One wrap of {@code src}; true if it produced or consumed anything. */
  private boolean wrapOnce(ByteBuffer src) throws SSLException {
    netOut.clear();
    SSLEngineResult result = engine.wrap(src, netOut);
    if (result.getHandshakeStatus() == HandshakeStatus.FINISHED) {
      handshakeFinished = true;
    }
    netOut.flip();
    outbound.write(netOut.array(), netOut.arrayOffset(), netOut.remaining());
    switch (result.getStatus()) {
      case OK:
        return result.bytesProduced() > 0 || result.bytesConsumed() > 0;
      case BUFFER_OVERFLOW:
        netOut = grow(netOut, engine.getSession().getPacketBufferSize(), "outbound record");
        return true;
      case CLOSED:
        return result.bytesProduced() > 0;
      default:
        throw new IllegalStateException("unexpected SSLEngine wrap status " + result.getStatus());
    }
  }

  private static ByteBuffer grow(ByteBuffer buffer, int wanted, String what) {
    int size = Math.max(wanted, buffer.capacity() + 1);
    if (size > MAX_BUFFER) {
      throw new TlsException(what + " needs a buffer of " + size + " bytes, over the limit of "
          + MAX_BUFFER);
    }
    ByteBuffer bigger = ByteBuffer.allocate(size);
    buffer.flip();
    bigger.put(buffer);
    return bigger;
  }

  /**
   * Fails for good with a typed error: the trust manager's refusal when there is one (JSSE hides
   * it as a cause), else the engine's error. Whatever alert the engine still has for the remote is
   * flushed into {@link #drainOutput()}, so the caller can tell the remote why before closing.
   */
  private TlsException fail(Exception e) {
    if (failure != null) {
      return failure;
    }
    TlsException typed;
    if (trust.refusal() != null) {
      typed = trust.refusal();
    } else if (e instanceof TlsException t) {
      typed = t;
    } else {
      typed = new TlsException("TLS " + (handshakeFinished ? "session" : "handshake")
          + " failed: " + e.getMessage(), e);
    }
    failure = typed;
    try {
      engine.closeOutbound();
      for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
        netOut.clear();
        engine.wrap(EMPTY, netOut);
        netOut.flip();
        outbound.write(netOut.array(), netOut.arrayOffset(), netOut.remaining());
      }
    } catch (SSLException | RuntimeException ignored) {
      // The alert is a courtesy; the connection closes either way.
    }
    try {
      engine.closeInbound();
    } catch (SSLException | RuntimeException ignored) {
      // Closing inbound without close_notify complains by design; we are failing anyway.
    }
    return typed;
  }
}
