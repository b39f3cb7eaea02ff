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
import dev.vertxp2p.crypto.KeyFormatException;
import dev.vertxp2p.crypto.Keys;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.crypto.PublicKey;
import dev.vertxp2p.ProtocolException;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.multistream.MultistreamNegotiator;
import dev.vertxp2p.proto.multistream.MultistreamResponder;
import dev.vertxp2p.proto.mux.MuxerEngine;
import dev.vertxp2p.proto.mplex.MplexEngine;
import dev.vertxp2p.proto.multistream.NoProtocolSupportedException;
import dev.vertxp2p.proto.noise.NoCommonMuxerException;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseIdentitySigner;
import dev.vertxp2p.proto.noise.NoiseKeyPair;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.proto.yamux.YamuxEngine;
import dev.vertxp2p.util.Log;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import java.io.ByteArrayOutputStream;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns a raw TCP socket into a {@link MuxedConnection}: multistream-select {@code /noise}, the
 * Noise XX handshake (which proves the remote's peer id), then the muxer — taken from the Noise
 * {@code stream_muxers} extension when both sides offered one, else negotiated with
 * multistream-select inside the encrypted channel. The whole upgrade is bounded by a timeout.
 * The connection it hands back reads nothing until its owner calls {@link
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
   * Remote static-key signatures already verified, with the peer id they prove. A peer's static
   * key and its signature stay the same across its connections (go- and rust-libp2p, and this
   * node, keep one static key), so the second and later connections of a peer skip decoding its
   * key and an Ed25519 verification. Keyed by the exact bytes verified; only successes are kept.
   */
  private final VerifiedIdentities verified = new VerifiedIdentities(VERIFIED_CACHE_SIZE);

  /** Bound on {@link #verified}: about 200 bytes an entry. */
  static final int VERIFIED_CACHE_SIZE = 1024;

  /** An upgrader with the default {@code limits}. */
  public Upgrader(PrivateKey identity, TransportOptions options, SecureRandom random) {
    this(identity, options, new LimitsOptions(), random);
  }

  /** An upgrader whose muxer engines take their windows and stream counts from {@code limits}. */
  public Upgrader(PrivateKey identity, TransportOptions options, LimitsOptions limits,
      SecureRandom random) {
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
  }

  public TransportOptions options() {
    return options;
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
    Upgrade u = new Upgrade(context, socket, direction, expectedPeer, localAddr, remoteAddr, host);
    u.start(timeoutMillis);
    return u.promise.future();
  }

  private enum Stage {
    SECURITY,
    HANDSHAKE,
    MUXER,
    DONE
  }

  /** One socket's upgrade; every method runs on the socket's event loop. */
  private final class Upgrade {
    final Context context;
    final NetSocket socket;
    final Direction direction;
    final boolean initiator;
    final PeerId expectedPeer;
    final Multiaddr localAddr;
    final Multiaddr remoteAddr;
    final ConnectionHost host;
    final Promise<MuxedConnection> promise = Promise.promise();

    Stage stage = Stage.SECURITY;
    MultistreamNegotiator negotiation;
    NoiseHandshake noise;
    NoiseSession session;
    PeerId remotePeer;
    long timer = -1;
    long bytesIn;
    long bytesOut;

    Upgrade(Context context, NetSocket socket, Direction direction, PeerId expectedPeer,
        Multiaddr localAddr, Multiaddr remoteAddr, ConnectionHost host) {
      this.context = context;
      this.socket = socket;
      this.direction = direction;
      this.initiator = direction == Direction.OUTBOUND;
      this.expectedPeer = expectedPeer;
      this.localAddr = localAddr;
      this.remoteAddr = remoteAddr;
      this.host = host;
    }

    /** When the upgrade began, for the handshake latency (monotonic). */
    long startNanos;

    void start(long timeoutMillis) {
      startNanos = System.nanoTime();
      timer = context.owner().setTimer(timeoutMillis, t -> {
        timer = -1;
        fail(new HandshakeTimeoutException("connection upgrade with " + remoteAddr
            + " timed out after " + timeoutMillis + " ms (stage " + stage.name().toLowerCase()
            + ")"));
      });
      socket.handler(this::onData);
      socket.exceptionHandler(this::fail);
      socket.closeHandler(v -> fail(new UpgradeException(
          "remote " + remoteAddr + " closed the connection during the "
              + stage.name().toLowerCase() + " stage")));
      negotiation = initiator
          ? new MultistreamInitiator(List.of(TransportOptions.NOISE_PROTOCOL))
          : new MultistreamResponder(List.of(TransportOptions.NOISE_PROTOCOL));
      // Dialed sockets arrive paused (TcpTransport holds reads until a handler is set).
      socket.resume();
      try {
        writeNegotiationRaw();
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    void onData(Buffer buffer) {
      if (stage == Stage.DONE) {
        return;
      }
      bytesIn += buffer.length();
      byte[] data = buffer.getBytes();
      try {
        feed(data, 0, data.length);
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private void feed(byte[] data, int off, int len) {
      switch (stage) {
        case SECURITY -> {
          negotiation.receive(data, off, len);
          writeNegotiationRaw();
          if (negotiation.isDone()) {
            byte[] leftover = negotiation.leftover();
            negotiation = null;
            startHandshake();
            if (leftover != null && leftover.length > 0) {
              feed(leftover, 0, leftover.length);
            }
          }
        }
        case HANDSHAKE -> {
          noise.receive(data, off, len);
          writeNoise();
          if (noise.isComplete()) {
            handshakeDone();
          }
        }
        case MUXER -> {
          session.receive(data, off, len);
          drainMuxerNegotiation();
        }
        case DONE -> throw new IllegalStateException("upgrade already finished");
      }
    }

    private void startHandshake() {
      stage = Stage.HANDSHAKE;
      NoiseConfig config = NoiseConfig.builder(signer, this::verifyRemote)
          .streamMuxers(options.getMuxers())
          .staticKeyPair(staticKey)
          .random(random)
          .build();
      noise = initiator ? NoiseHandshake.initiator(config) : NoiseHandshake.responder(config);
      writeNoise();
    }

    /** Called by the Noise engine the moment the remote's payload is decrypted. */
    private void verifyRemote(byte[] identityKey, byte[] signature, byte[] signedData) {
      java.nio.ByteBuffer cacheKey = VerifiedIdentities.key(identityKey, signature, signedData);
      PeerId proved = verified.get(cacheKey);
      if (proved == null) {
        PublicKey key;
        try {
          key = Keys.unmarshalPublicKey(identityKey);
        } catch (KeyFormatException e) {
          throw new NoiseException("remote identity key is malformed: " + e.getMessage());
        }
        if (!key.verify(signedData, signature)) {
          throw new NoiseException("remote's signature over its Noise static key does not verify");
        }
        proved = PeerId.fromPublicKey(key);
        verified.put(cacheKey, proved);
      }
      if (expectedPeer != null && !expectedPeer.equals(proved)) {
        throw new PeerIdMismatchException(expectedPeer, proved);
      }
      remotePeer = proved;
    }

    private void handshakeDone() {
      session = noise.session();
      byte[] leftover = noise.leftover();
      String inlined = noise.selectedMuxer().orElse(null);
      noise = null;
      if (inlined != null) {
        finish(inlined, leftover, null);
        return;
      }
      stage = Stage.MUXER;
      List<String> muxers = options.getMuxers();
      negotiation = initiator
          ? new MultistreamInitiator(muxers)
          : new MultistreamResponder(muxers);
      if (leftover != null && leftover.length > 0) {
        session.receive(leftover, 0, leftover.length);
      }
      drainMuxerNegotiation();
    }

    private void drainMuxerNegotiation() {
      byte[] out;
      while ((out = negotiation.pollOutbound()) != null) {
        writeRaw(session.encrypt(out, 0, out.length));
      }
      byte[] plain;
      while (stage == Stage.MUXER && (plain = session.pollPlaintext()) != null) {
        negotiation.receive(plain, 0, plain.length);
        while ((out = negotiation.pollOutbound()) != null) {
          writeRaw(session.encrypt(out, 0, out.length));
        }
        if (negotiation.isDone()) {
          String muxer = negotiation.selected();
          ByteArrayOutputStream rest = new ByteArrayOutputStream();
          byte[] lo = negotiation.leftover();
          if (lo != null) {
            rest.writeBytes(lo);
          }
          while ((plain = session.pollPlaintext()) != null) {
            rest.writeBytes(plain);
          }
          negotiation = null;
          finish(muxer, null, rest.toByteArray());
          return;
        }
      }
    }

    private void finish(String muxerId, byte[] ciphertextLeftover, byte[] plaintextLeftover) {
      stage = Stage.DONE;
      cancelTimer();
      MuxerEngine muxer = TransportOptions.YAMUX_PROTOCOL.equals(muxerId)
          ? new YamuxEngine(initiator, yamuxConfig, System::nanoTime)
          : new MplexEngine(initiator, mplexConfig);
      String id = "c" + IDS.incrementAndGet();
      long handshakeNanos = System.nanoTime() - startNanos;
      // The connection holds the leftovers and reads nothing more until activate(): its owner
      // admits it first.
      MuxedConnection conn = new MuxedConnection(id, context, socket, session, muxer, remotePeer,
          direction, localAddr, remoteAddr, host, options, bytesIn, bytesOut, plaintextLeftover,
          ciphertextLeftover);
      conn.handshakeNanos(handshakeNanos);
      LOG.debug(() -> "connection " + id + " upgraded: " + direction.jsonName() + " " + remotePeer
          + " " + remoteAddr + " muxer " + muxerId);
      promise.complete(conn);
    }

    private void writeNegotiationRaw() {
      byte[] out;
      while ((out = negotiation.pollOutbound()) != null) {
        writeRaw(out);
      }
    }

    private void writeNoise() {
      byte[] out;
      while ((out = noise.pollOutbound()) != null) {
        writeRaw(out);
      }
    }

    private void writeRaw(byte[] bytes) {
      bytesOut += bytes.length;
      socket.write(Buffer.buffer(bytes));
    }

    private void cancelTimer() {
      if (timer >= 0) {
        context.owner().cancelTimer(timer);
        timer = -1;
      }
    }

    void fail(Throwable error) {
      if (stage == Stage.DONE && promise.future().isComplete()) {
        return;
      }
      Throwable cause = error;
      if (error instanceof NoProtocolSupportedException e) {
        cause = new NoCommonProtocolException("remote " + remoteAddr + " supports none of "
            + e.proposed() + " (" + stage.name().toLowerCase() + " stage)", e);
      } else if (error instanceof NoCommonMuxerException e) {
        cause = new NoCommonProtocolException("remote " + remoteAddr + ": " + e.getMessage(), e);
      }
      stage = Stage.DONE;
      cancelTimer();
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
