package dev.vertxp2p.proto.tls;

import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.PublicKey;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;

/**
 * One side of the libp2p TLS handshake ({@value #PROTOCOL_ID}, libp2p TLS spec) as a sans-IO
 * engine around the JDK's {@link SSLEngine}: feed it the socket's bytes with {@link #feed}, write
 * what {@link #drainOutput()} returns, and once {@link #isComplete()} switch the connection to
 * {@link #session()}, handing the muxer {@link #plaintextLeftover()} first. Owns no socket, thread
 * or clock, and never blocks.
 *
 * <p>What it enforces: TLS 1.3 only; both sides present a certificate (a listener requires the
 * dialer's); each side accepts exactly one libp2p certificate that {@link
 * Libp2pTlsCertificate#verify} accepts at the {@code now} the handshake was created with (a
 * handshake lasts seconds, the certificates are backdated an hour); a dialer given an expected
 * peer accepts only that peer; no SNI is sent (spec, "Future Extensibility"); no trust store is
 * ever consulted. ALPN carries the early muxer negotiation (inlined-muxer-negotiation spec,
 * "Multiplexer Negotiation over TLS"): the dialer offers its muxers by preference then {@value
 * TlsConfig#ALPN_LIBP2P}; the listener picks the first offered muxer it supports, else {@value
 * TlsConfig#ALPN_LIBP2P} (then {@link #negotiatedMuxer()} is null and the muxer is negotiated with
 * multistream-select), and aborts when the dialer offered neither.
 *
 * <p><b>Delegated tasks run inline.</b> The SSLEngine hands its expensive steps (ECDHE, the
 * certificate signature, our certificate check with the host key's signature) out as delegated
 * tasks; this engine runs them in {@link #feed} on the caller's thread. With the ECDSA P-256
 * certificates and Ed25519 or secp256k1 host keys that costs about what the Noise handshake
 * costs inline, a millisecond or two. An RSA host key costs more; the glue should then drive the
 * whole handshake from a worker (as the upgrader already verifies RSA Noise proofs off the event
 * loop), since one engine is single-threaded either way.
 *
 * <p>Each handshake has its own {@link SSLContext}, so no session is ever resumed: a resumed TLS
 * 1.3 session would skip the certificate, hence the libp2p identity check.
 *
 * <p>Any {@link TlsException} leaves the engine failed for good; {@link #drainOutput()} may still
 * hold the alert telling the remote why, and the caller then closes the connection. The handshake
 * timeout is the caller's.
 */
public final class TlsHandshake {
  /** The multistream protocol id (libp2p TLS spec, "Handshake Protocol"). */
  public static final String PROTOCOL_ID = "/tls/1.0.0";

  /** The only TLS version negotiated (spec: "Endpoints MUST NOT negotiate lower TLS versions"). */
  public static final String TLS_VERSION = "TLSv1.3";

  private enum State {
    HANDSHAKING,
    COMPLETE,
    FAILED
  }

  private final boolean dialer;
  private final TlsConfig config;
  private final Libp2pX509Managers.TrustManager trust;
  private final TlsEngineDriver driver;
  /** Application data that followed the handshake in the bytes fed; the session's first bytes. */
  private final ByteArrayOutputStream leftover = new ByteArrayOutputStream();
  private State state = State.HANDSHAKING;
  private TlsException failure;
  private String muxer;
  private TlsSession session;

  private TlsHandshake(TlsConfig config, boolean dialer, PeerId expectedPeer, Instant now) {
    EmptyNameTolerantX509.install(); // js-libp2p's certificates have empty names
    this.config = Objects.requireNonNull(config, "config");
    Objects.requireNonNull(now, "now");
    this.dialer = dialer;
    Libp2pTlsCertificate certificate = config.certificate() != null
        ? config.certificate()
        : Libp2pTlsCertificate.create(config.hostKey(), config.random(), now);
    this.trust = new Libp2pX509Managers.TrustManager(now, expectedPeer, config.verdicts());
    SSLEngine engine = newEngine(certificate, trust, config, dialer);
    this.driver = new TlsEngineDriver(engine, trust, config.deferTasks());
    try {
      driver.begin(leftover);
      checkDone();
    } catch (TlsException e) {
      state = State.FAILED;
      failure = e;
      throw e;
    }
  }

  /**
   * The dialer's side (the TLS client): its ClientHello is ready in {@link #drainOutput()} at once.
   *
   * @param expectedPeer the peer dialed, whose certificate alone is accepted (spec: "Clients MUST
   *     verify that the peer ID derived from the certificate matches the peer ID they intended to
   *     connect to"); null only for a dial to an address without a peer ID
   * @param now the time the handshake starts; certificates are made and checked at it
   */
  public static TlsHandshake dialer(TlsConfig config, PeerId expectedPeer, Instant now) {
    return new TlsHandshake(config, true, expectedPeer, now);
  }

  /**
   * The listener's side (the TLS server): it waits for the ClientHello.
   *
   * @param now the time the handshake starts; certificates are made and checked at it
   */
  public static TlsHandshake listener(TlsConfig config, Instant now) {
    return new TlsHandshake(config, false, null, now);
  }

  private static SSLEngine newEngine(Libp2pTlsCertificate certificate,
      Libp2pX509Managers.TrustManager trust, TlsConfig config, boolean client) {
    SSLContext context;
    try {
      context = SSLContext.getInstance(TLS_VERSION);
      context.init(Libp2pX509Managers.keyManagers(certificate),
          // extended: else JSSE re-parses the certificate with the JDK's parser after our check
          new TrustManager[] {new dev.vertxp2p.util.EngineTrustManager(trust)}, config.random());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no " + TLS_VERSION, e);
    }
    // No peer host or port: the client then sends no SNI and the session cache has no key.
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(client);
    SSLParameters params = engine.getSSLParameters();
    params.setProtocols(new String[] {TLS_VERSION});
    params.setServerNames(List.<SNIServerName>of());
    params.setEndpointIdentificationAlgorithm(null);
    List<String> alpn = new ArrayList<>(config.muxers());
    alpn.add(TlsConfig.ALPN_LIBP2P);
    params.setApplicationProtocols(alpn.toArray(String[]::new));
    if (!client) {
      // Spec: "servers MUST require client authentication".
      params.setNeedClientAuth(true);
    }
    engine.setSSLParameters(params);
    if (!client) {
      List<String> supported = config.muxers();
      engine.setHandshakeApplicationProtocolSelector(
          (e, offered) -> selectAlpn(offered, supported));
    }
    return engine;
  }

  /**
   * The listener's ALPN choice: the first protocol the dialer offered that is one of {@code
   * supported} muxers, else {@value TlsConfig#ALPN_LIBP2P} if offered, else null, on which the JDK
   * aborts with the {@code no_application_protocol} alert (libp2p TLS spec, "ALPN": "The server
   * MUST abort the handshake if it doesn't support any of the application protocols offered by the
   * client").
   */
  static String selectAlpn(List<String> offered, List<String> supported) {
    for (String p : offered) {
      if (supported.contains(p)) {
        return p;
      }
    }
    return offered.contains(TlsConfig.ALPN_LIBP2P) ? TlsConfig.ALPN_LIBP2P : null;
  }

  /**
   * Feeds bytes from the socket, in chunks of any size; all of {@code in} is consumed. Bytes that
   * follow the handshake are decrypted into {@link #plaintextLeftover()}.
   *
   * @throws TlsCertificateException if the remote's certificate is refused
   * @throws TlsException on any other TLS failure (a bad record, an alert, no common version or
   *     application protocol); the handshake is then failed
   * @throws IllegalStateException once complete or failed
   */
  public void feed(ByteBuffer in) {
    if (state == State.FAILED) {
      throw new IllegalStateException("handshake already failed: " + failure.getMessage());
    }
    if (state == State.COMPLETE) {
      throw new IllegalStateException("handshake complete: feed further bytes to the session");
    }
    try {
      driver.receive(in, leftover);
      checkDone();
    } catch (TlsException e) {
      state = State.FAILED;
      failure = e;
      throw e;
    }
  }

  /** {@link #feed(ByteBuffer)} for an array slice. */
  public void feed(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    feed(ByteBuffer.wrap(data, off, len));
  }

  private void checkDone() {
    if (!driver.handshakeFinished()) {
      return;
    }
    if (trust.verified() == null) {
      // JSSE calls the trust manager whenever a certificate comes, and the listener requires
      // one; a finished handshake without a verified peer is a bug, not a remote's fault.
      throw new IllegalStateException("TLS handshake finished without a verified peer");
    }
    String alpn = driver.engine().getApplicationProtocol();
    // "libp2p", or no ALPN at all from a listener that does not implement it: the muxer is then
    // negotiated with multistream-select (inlined-muxer-negotiation spec).
    muxer = alpn == null || alpn.isEmpty() || alpn.equals(TlsConfig.ALPN_LIBP2P) ? null : alpn;
    if (muxer != null && !config.muxers().contains(muxer)) {
      // The JDK refuses a protocol we did not offer; kept as a check of our own.
      throw new TlsException("expected ALPN to select one of " + config.muxers() + " or "
          + TlsConfig.ALPN_LIBP2P + ", got " + muxer);
    }
    session = new TlsSession(driver);
    state = State.COMPLETE;
  }

  /**
   * Whether the handshake waits for the delegated tasks {@link #takeTasks()} hands out (configs
   * with {@link TlsConfig#deferTasks()} only). Meanwhile {@link #feed} only keeps what comes.
   */
  public boolean awaitingTasks() {
    return state == State.HANDSHAKING && driver.awaitingTasks();
  }

  /**
   * The costly steps the handshake waits for, as one runnable to run on any thread; the caller
   * touches this handshake again only once it returned, then calls {@link #tasksDone()}.
   *
   * @throws IllegalStateException unless {@link #awaitingTasks()} and not yet taken
   */
  public Runnable takeTasks() {
    if (state != State.HANDSHAKING) {
      throw new IllegalStateException("no delegated tasks: handshake " + state.name()
          .toLowerCase());
    }
    return driver.takeTasks();
  }

  /**
   * The tasks taken ran: the handshake goes on (what {@link #drainOutput()} then holds must be
   * written), and may complete or wait for more tasks.
   *
   * @throws TlsCertificateException if the tasks refused the remote's certificate
   * @throws TlsException on any other TLS failure; the handshake is then failed
   */
  public void tasksDone() {
    if (state != State.HANDSHAKING) {
      throw new IllegalStateException("handshake " + state.name().toLowerCase());
    }
    try {
      driver.tasksDone(leftover);
      checkDone();
    } catch (TlsException e) {
      state = State.FAILED;
      failure = e;
      throw e;
    }
  }

  /**
   * Gives up a handshake that will not finish (the caller's timeout, a closed socket): it is failed
   * from now on and writes nothing more. A complete handshake's session belongs to the connection
   * and is left alone. Idempotent.
   */
  public void destroy() {
    if (state == State.COMPLETE) {
      return;
    }
    if (state != State.FAILED) {
      state = State.FAILED;
      failure = new TlsException("TLS handshake abandoned by the caller");
    }
    driver.abandon("handshake abandoned by the caller");
  }

  /**
   * The bytes to write to the socket, in order; empty when there are none. Call it after
   * construction (a dialer's ClientHello), after every {@link #feed}, and once after a failure
   * (the alert).
   */
  public byte[] drainOutput() {
    return driver.drainOutput();
  }

  public boolean isDialer() {
    return dialer;
  }

  /**
   * Whether the handshake is complete on this side. A dialer completes when it sends its
   * certificate and Finished, before the listener has checked them (spec, "Note for clients"): a
   * listener that refuses it will close the connection, which the session then sees.
   */
  public boolean isComplete() {
    return state == State.COMPLETE;
  }

  public boolean isFailed() {
    return state == State.FAILED;
  }

  /** The remote's peer ID, once complete. */
  public PeerId remotePeer() {
    requireComplete();
    return trust.verified().peerId();
  }

  /** The remote's host public key, once complete. */
  public PublicKey remotePublicKey() {
    requireComplete();
    return trust.verified().hostKey();
  }

  /**
   * The muxer chosen in ALPN, once complete; null when ALPN settled on {@value
   * TlsConfig#ALPN_LIBP2P} (no muxer in common, or a side offered none), in which case the muxer is
   * negotiated with multistream-select inside the session.
   */
  public String negotiatedMuxer() {
    requireComplete();
    return muxer;
  }

  /** The session for application data, once complete. */
  public TlsSession session() {
    requireComplete();
    return session;
  }

  /**
   * Application data decrypted from bytes that followed the handshake in what was fed (a
   * listener's first muxer frames from an eager dialer), once complete; taken, not copied, so a
   * second call returns what came since.
   */
  public byte[] plaintextLeftover() {
    requireComplete();
    byte[] out = leftover.toByteArray();
    leftover.reset();
    return out;
  }

  private void requireComplete() {
    if (state != State.COMPLETE) {
      throw new IllegalStateException("TLS handshake not complete (" + state.name().toLowerCase()
          + ")");
    }
  }
}
