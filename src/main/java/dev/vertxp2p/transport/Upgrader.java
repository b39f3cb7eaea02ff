package dev.vertxp2p.transport;

import dev.vertxp2p.HandshakeTimeoutException;
import dev.vertxp2p.NoCommonProtocolException;
import dev.vertxp2p.UpgradeException;
import dev.vertxp2p.LimitsOptions;
import dev.vertxp2p.TransportOptions;
import dev.vertxp2p.proto.mplex.MplexConfig;
import dev.vertxp2p.proto.yamux.YamuxConfig;
import dev.vertxp2p.Connection.Direction;
import dev.vertxp2p.Multiaddr;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mplex.MplexEngine;
import dev.vertxp2p.proto.multistream.NoProtocolSupportedException;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoCommonMuxerException;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseIdentitySigner;
import dev.vertxp2p.proto.noise.NoiseKeyPair;
import dev.vertxp2p.proto.tls.Libp2pTlsCertificate;
import dev.vertxp2p.proto.tls.TlsCertificateException;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.proto.tls.TlsHandshake;
import dev.vertxp2p.proto.upgrade.UpgradeEngine;
import dev.vertxp2p.proto.yamux.YamuxEngine;
import dev.vertxp2p.util.Log;
import dev.vertxp2p.util.Owner;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;

/**
 * Turns a raw TCP socket, or a {@code /ws} WebSocket ({@link WsSocket}), into a {@link
 * MuxedConnection}: multistream-select of the security protocol in the order of {@code
 * transport.security} ({@code /noise} or {@code /tls/1.0.0}), its handshake (which proves the
 * remote's peer id: Noise's signed static key, TLS's certificate), then the muxer — taken from
 * the handshake when both sides offered one (Noise's {@code stream_muxers} extension, TLS's ALPN),
 * else negotiated with multistream-select inside the encrypted channel. The TLS handshake's costly
 * steps run on the identity-check threads, so no TLS handshake holds an event loop for its
 * cryptography. The sequence itself is the sans-IO {@link
 * UpgradeEngine}; this class wires it to the socket, checks costly identity proofs off the loop,
 * and bounds the whole upgrade by a timeout. The connection it hands back reads nothing until its owner calls {@link
 * MuxedConnection#activate()}.
 */
public final class Upgrader {
  private static final Log LOG = Log.get(Upgrader.class);
  private static final AtomicLong IDS = new AtomicLong();

  private final PrivateKey identity;
  private final NoiseIdentitySigner signer;
  private final TransportOptions options;
  private final YamuxConfig yamuxConfig;
  private final MplexConfig mplexConfig;
  private final SecureRandom random;
  /**
   * One Noise static key for every connection of this node, as rust-libp2p does: the libp2p noise
   * spec binds the static key to the identity by a signature, not to a connection, so reusing it
   * saves an X25519 key generation and an Ed25519 signature per handshake (the ephemeral keys,
   * which give forward secrecy, stay per connection).
   */
  private final NoiseKeyPair staticKey;
  /**
   * Threads that verify costly identity proofs (RSA and ECDSA keys) off the event loops, per
   * upgrader (one per swarm). The handshake whose proof they check waits without holding its loop.
   */
  public static final int IDENTITY_CHECK_THREADS = 2;

  /**
   * Most costly identity proofs verifying or waiting for one of the {@link
   * #IDENTITY_CHECK_THREADS} at once; the handshake of one more is refused at once with a {@link
   * dev.vertxp2p.ResourceLimitException} naming this limit, never queued. At a few milliseconds a
   * check (RSA-8192), the last in line waits well under a second.
   */
  public static final int MAX_PENDING_IDENTITY_CHECKS = 64;

  /**
   * Remote static-key proofs already checked, good and bad. A peer's static key and its signature
   * stay the same across its connections (go- and rust-libp2p, and this node, keep one static key),
   * so the second and later connections of a peer skip decoding its key and verifying; a proof
   * refused once is refused again for the price of a lookup.
   */
  private final VerifiedIdentities verified =
      new VerifiedIdentities(VERIFIED_CACHE_SIZE, REFUSED_CACHE_SIZE);

  /** Bound on the good proofs {@link #verified} keeps: about 150 bytes an entry. */
  static final int VERIFIED_CACHE_SIZE = 1024;

  /** Bound on the refused proofs {@link #verified} keeps, apart from the good ones. */
  static final int REFUSED_CACHE_SIZE = 1024;

  private final ProofChecker proofs;

  /**
   * The TLS config of every handshake, with one certificate for all connections (the libp2p TLS
   * spec allows reuse; a fresh one costs a P-256 key and a host-key signature), renewed a day
   * before it expires. Published whole for the handshakes of every event loop.
   */
  private volatile TlsConfig tlsConfig;

  /** Remote TLS certificates that passed every check: about 150 bytes an entry. */
  private final CertificateVerdictCache certificates =
      new CertificateVerdictCache(VERIFIED_CACHE_SIZE);

  /** How long before its end the shared TLS certificate is replaced. */
  static final Duration TLS_CERTIFICATE_RENEWAL = Duration.ofDays(1);

  /** An upgrader with the default {@code limits}. */
  public Upgrader(PrivateKey identity, TransportOptions options, SecureRandom random) {
    this(identity, options, new LimitsOptions(), random);
  }

  /** An upgrader whose muxer engines take their windows and stream counts from {@code limits}. */
  public Upgrader(PrivateKey identity, TransportOptions options, LimitsOptions limits,
      SecureRandom random) {
    this(identity, options, limits, random,
        (key, proof) -> key.verify(proof.signedData(), proof.signature()));
  }

  /** With {@code verify} standing in for the signature check: for tests that hold a worker. */
  Upgrader(PrivateKey identity, TransportOptions options, LimitsOptions limits,
      SecureRandom random, BiPredicate<PublicKey, IdentityProof> verify) {
    this.proofs = new ProofChecker(IDENTITY_CHECK_THREADS, MAX_PENDING_IDENTITY_CHECKS, verified,
        verify);
    this.identity = identity;
    this.yamuxConfig = MuxerConfigs.yamux(limits);
    this.mplexConfig = MuxerConfigs.mplex(limits);
    byte[] identityPublicKey = identity.publicKey().marshal();
    this.staticKey = NoiseKeyPair.generate(random);
    this.signer = new NoiseIdentitySigner() {
      // The payload signature covers only the static key, so it is the same for every handshake.
      // Handshakes run on several event loops: the pair is published as one immutable snapshot.
      private volatile byte[][] last;

      @Override
      public byte[] publicKeyProtobuf() {
        return identityPublicKey;
      }

      @Override
      public byte[] sign(byte[] data) {
        byte[][] cached = last;
        if (cached != null && java.util.Arrays.equals(cached[0], data)) {
          return cached[1].clone();
        }
        byte[] signature = identity.sign(data);
        last = new byte[][] {data.clone(), signature.clone()};
        return signature;
      }
    };
    this.options = new TransportOptions(options);
    this.random = random;
    if (this.options.getSecurity().contains(TlsHandshake.PROTOCOL_ID)) {
      tlsConfig(Instant.now()); // the certificate, made once now rather than in a first handshake
    }
  }

  /** The shared TLS config, with a certificate valid at {@code now} for a day at least. */
  private TlsConfig tlsConfig(Instant now) {
    TlsConfig c = tlsConfig;
    if (c == null || c.certificate().certificate().getNotAfter().toInstant()
        .isBefore(now.plus(TLS_CERTIFICATE_RENEWAL))) {
      // Two loops may both renew at once: each handshake uses a valid one, the last one stays.
      c = TlsConfig.builder(identity)
          .muxers(options.getMuxers())
          .random(random)
          .certificate(Libp2pTlsCertificate.create(identity, random, now))
          .deferTasks(true)
          .verdicts(certificates)
          .build();
      tlsConfig = c;
    }
    return c;
  }

  public TransportOptions options() {
    return options;
  }

  /**
   * Stops the identity-check threads, once the upgrades in flight are done with or abandoned; an
   * upgrade that needs one afterwards fails. From any thread.
   */
  public Future<Void> close() {
    return proofs.close();
  }

  /**
   * Upgrades {@code socket}. Must be called on the socket's event loop.
   *
   * @param expectedPeer for dials to a {@code /p2p/} address: the handshake fails unless the
   *     remote proves this id
   * @param timeoutMillis bound on the whole upgrade
   */
  public Future<MuxedConnection> upgrade(
      Context context,
      NetSocket socket,
      Direction direction,
      PeerId expectedPeer,
      Multiaddr localAddr,
      Multiaddr remoteAddr,
      ConnectionHost host,
      long timeoutMillis) {
    if (socket instanceof WsSocket) {
      // The caller names the TCP endpoints; the connection's addresses say it is a WebSocket.
      localAddr = WsTransport.withWs(localAddr);
      remoteAddr = WsTransport.withWs(remoteAddr);
    }
    Upgrade u = new Upgrade(context, socket, direction, expectedPeer, localAddr, remoteAddr, host);
    u.start(timeoutMillis);
    return u.promise.future();
  }

  /** One socket's upgrade: the sans-IO {@link UpgradeEngine} wired to the socket, on its loop. */
  private final class Upgrade {
    final Context context;
    final NetSocket socket;
    final Direction direction;
    final PeerId expectedPeer;
    final Multiaddr localAddr;
    final Multiaddr remoteAddr;
    final ConnectionHost host;
    final Promise<MuxedConnection> promise = Promise.promise();

    /** The socket's loop: where every method of this upgrade runs, checked where it matters. */
    final Owner owner;
    final UpgradeEngine engine;
    /** Set once the upgrade has succeeded, failed or timed out: later events change nothing. */
    boolean ended;
    /** True while a worker checks the remote's identity proof and the socket is paused. */
    boolean checkingProof;
    /**
     * True while a worker runs the TLS handshake's tasks: the engine is the worker's until they
     * return, so a failure meanwhile leaves destroying it to {@link #onTlsTasksDone}.
     */
    boolean tlsTasksRunning;
    PeerId remotePeer;
    long timer = -1;
    long bytesIn;
    long bytesOut;

    Upgrade(Context context, NetSocket socket, Direction direction, PeerId expectedPeer,
        Multiaddr localAddr, Multiaddr remoteAddr, ConnectionHost host) {
      this.context = context;
      this.socket = socket;
      this.direction = direction;
      this.expectedPeer = expectedPeer;
      this.localAddr = localAddr;
      this.remoteAddr = remoteAddr;
      this.host = host;
      this.owner = Owner.of(context);
      java.util.List<String> security = options.getSecurity();
      NoiseConfig config = security.contains(TransportOptions.NOISE_PROTOCOL)
          ? NoiseConfig.deferredBuilder(signer)
              .streamMuxers(options.getMuxers())
              .staticKeyPair(staticKey)
              .random(random)
              .build()
          : null;
      Instant now = Instant.now();
      TlsConfig tls = security.contains(TlsHandshake.PROTOCOL_ID) ? tlsConfig(now) : null;
      this.engine = direction == Direction.OUTBOUND
          ? UpgradeEngine.initiator(config, tls, security, options.getMuxers(), expectedPeer, now)
          : UpgradeEngine.responder(config, tls, security, options.getMuxers(), now);
    }

    /** When the upgrade began, for the handshake latency (monotonic). */
    long startNanos;
    /** When the security phase ended (the muxer negotiation began); 0 until then. */
    long securedNanos;

    private String stageName() {
      return engine.lastStage().name().toLowerCase();
    }

    void start(long timeoutMillis) {
      startNanos = System.nanoTime();
      timer = context.owner().setTimer(timeoutMillis, t -> {
        timer = -1;
        fail(new HandshakeTimeoutException("connection upgrade with " + remoteAddr
            + " timed out after " + timeoutMillis + " ms (stage " + stageName() + ")"));
      });
      socket.handler(this::onData);
      socket.exceptionHandler(this::fail);
      socket.closeHandler(v -> fail(new UpgradeException(
          "remote " + remoteAddr + " closed the connection during the " + stageName()
              + " stage")));
      // Dialed sockets arrive paused (TcpTransport holds reads until a handler is set).
      socket.resume();
      if (direction == Direction.INBOUND && socket instanceof WsSocket) {
        // A listener's first bytes (its multistream header) wait for the dialer's first ones,
        // which multistream-select always sends first, so this costs no round trip. js-libp2p's
        // WebSocket dialer can lose a message that arrives right after the upgrade, before it
        // reads: it then took our answer to its proposal for the header and gave up ("did not
        // read multistream-select header"), about one dial in five under load.
        return;
      }
      writeOutbound();
    }

    void onData(Buffer buffer) {
      if (ended) {
        return;
      }
      bytesIn += buffer.length();
      byte[] data = buffer.getBytes();
      try {
        engine.receive(data, 0, data.length);
        writeOutbound();
        afterProgress();
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    /** What the engine's new state asks of the glue: a proof to check, or a finished upgrade. */
    private void afterProgress() {
      if (securedNanos == 0 && (engine.stage() == UpgradeEngine.Stage.MUXER || engine.isDone())) {
        securedNanos = System.nanoTime();
      }
      if (engine.isDone()) {
        finish();
      } else if (!checkingProof) {
        engine.pendingProof().ifPresent(this::checkProof);
        if (!checkingProof) {
          engine.pendingTlsTasks().ifPresent(this::runTlsTasks);
        }
      }
    }

    /**
     * The TLS handshake stopped at its costly steps: they run on an identity-check thread, with
     * the socket paused (bytes that came already are kept by the engine) and the upgrade's timer
     * still running. The engine is not touched until they are done and the verdict is back here.
     */
    private void runTlsTasks(Runnable tasks) {
      checkingProof = true;
      tlsTasksRunning = true;
      socket.pause();
      proofs.offload(context.owner(), tasks, "a TLS handshake with " + remoteAddr)
          .onComplete(ar -> owner.run(() -> onTlsTasksDone(ar)));
    }

    private void onTlsTasksDone(AsyncResult<Void> ran) {
      owner.check();
      checkingProof = false;
      tlsTasksRunning = false;
      if (ended) {
        engine.destroy(); // timed out, closed or failed meanwhile: fail() left this to us
        return;
      }
      try {
        if (ran.failed()) {
          LOG.info("TLS handshake with " + remoteAddr + " refused: " + ran.cause());
          fail(ran.cause());
          return;
        }
        engine.tlsTasksDone();
        writeOutbound();
        afterProgress();
        if (!ended && !checkingProof) {
          socket.resume();
        }
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    /**
     * The engine stopped at the remote's identity proof. A remembered or cheap proof is settled
     * now; a costly one goes to a worker, with the socket paused so that the remote's further
     * bytes wait in the kernel, and the upgrade's timer still running.
     */
    private void checkProof(IdentityProof proof) {
      Future<PeerId> verdict = proofs.check(context.owner(), proof);
      if (verdict.isComplete()) {
        onProofChecked(verdict);
        return;
      }
      checkingProof = true;
      socket.pause();
      verdict.onComplete(ar -> owner.run(() -> onProofChecked(ar)));
    }

    /** The verdict on the remote's proof, on the socket's loop. */
    private void onProofChecked(AsyncResult<PeerId> verdict) {
      owner.check();
      boolean wasPaused = checkingProof;
      checkingProof = false;
      if (ended) {
        return; // timed out, closed or failed while a worker checked: nothing to do
      }
      try {
        if (verdict.failed()) {
          if (verdict.cause() instanceof NoiseException e) {
            engine.proofRejected(e); // throws e
          }
          // not the remote's fault (a full pool, a closing node), so no one else logs it
          LOG.info("handshake with " + remoteAddr + " refused: " + verdict.cause());
          fail(verdict.cause());
          return;
        }
        PeerId proved = verdict.result();
        if (expectedPeer != null && !expectedPeer.equals(proved)) {
          engine.proofRejected(new PeerIdMismatchException(expectedPeer, proved));
        }
        remotePeer = proved;
        engine.proofAccepted();
        writeOutbound();
        afterProgress();
        if (wasPaused && !ended) {
          socket.resume(); // muxer negotiation reads on; a finished upgrade's connection resumes
        }
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private void finish() {
      ended = true;
      cancelTimer();
      String muxerId = engine.muxer();
      boolean tls = TlsHandshake.PROTOCOL_ID.equals(engine.security());
      if (tls) {
        remotePeer = engine.tlsRemotePeer();
      }
      MuxerEngine muxer = TransportOptions.YAMUX_PROTOCOL.equals(muxerId)
          ? new YamuxEngine(engine.isInitiator(), yamuxConfig, System::nanoTime)
          : new MplexEngine(engine.isInitiator(), mplexConfig);
      String id = "c" + IDS.incrementAndGet();
      long handshakeNanos = System.nanoTime() - startNanos;
      byte[] plain = engine.plaintextLeftover();
      byte[] cipher = engine.ciphertextLeftover();
      // The connection holds the leftovers and reads nothing more until activate(): its owner
      // admits it first.
      long in = bytesIn;
      long out = bytesOut;
      MuxedConnection.ChannelFactory channel = tls
          ? (o, m, l) -> new TlsChannel(o, socket, engine.tlsSession(), m, l, in, out,
              plain.length == 0 ? null : plain)
          : MuxedConnection.noise(socket, engine.session(), in, out,
              plain.length == 0 ? null : plain, cipher.length == 0 ? null : cipher);
      MuxedConnection conn = new MuxedConnection(id, context, engine.security(), channel,
          muxer, remotePeer, direction, localAddr, remoteAddr, host, options);
      conn.handshakeNanos(handshakeNanos);
      long secured = securedNanos == 0 ? System.nanoTime() : securedNanos;
      conn.upgradePhases(secured - startNanos, Math.max(0, startNanos + handshakeNanos - secured));
      LOG.debug(() -> "connection " + id + " upgraded: " + direction.jsonName() + " " + remotePeer
          + " " + remoteAddr + " security " + engine.security() + " muxer " + muxerId);
      promise.complete(conn);
    }

    private void writeOutbound() {
      for (byte[] out; (out = engine.pollOutbound()) != null; ) {
        bytesOut += out.length;
        socket.write(Buffer.buffer(out));
      }
    }

    private void cancelTimer() {
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
        timer = -1;
      }
    }

    void fail(Throwable error) {
      if (ended) {
        return;
      }
      Throwable cause = error;
      if (error instanceof NoProtocolSupportedException e) {
        cause = new NoCommonProtocolException("remote " + remoteAddr + " supports none of "
            + e.proposed() + " (" + stageName() + " stage)", e);
      } else if (error instanceof NoCommonMuxerException e) {
        cause = new NoCommonProtocolException("remote " + remoteAddr + ": " + e.getMessage(), e);
      } else if (error instanceof TlsCertificateException e
          && e.reason() == TlsCertificateException.Reason.UNEXPECTED_PEER
          && expectedPeer != null && e.provedPeer() != null) {
        // as Noise reports it: the remote proved, in its certificate, another identity
        PeerIdMismatchException mismatch =
            new PeerIdMismatchException(expectedPeer, e.provedPeer());
        mismatch.initCause(e);
        cause = mismatch;
      }
      ended = true;
      cancelTimer();
      // what the engine still has for the remote: a TLS alert saying why, best effort
      if (!tlsTasksRunning) {
        writeOutbound();
        engine.destroy();
      }
      Throwable reported = cause;
      if (promise.tryFail(reported)) {
        LOG.debug(() -> "upgrade of " + direction.jsonName() + " connection " + remoteAddr
            + " failed: " + reported);
        socket.handler(null);
        socket.close();
      }
    }
  }
}
