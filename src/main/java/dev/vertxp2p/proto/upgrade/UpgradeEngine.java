package dev.vertxp2p.proto.upgrade;

import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.multistream.MultistreamNegotiator;
import dev.vertxp2p.proto.multistream.MultistreamResponder;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseSession;
import dev.vertxp2p.PeerId;
import dev.vertxp2p.proto.tls.TlsConfig;
import dev.vertxp2p.proto.tls.TlsException;
import dev.vertxp2p.proto.tls.TlsHandshake;
import dev.vertxp2p.proto.tls.TlsSession;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole upgrade of a raw connection, sans-IO (libp2p connections spec, "Upgrading
 * connections"): multistream-select of the security protocol in the clear ({@code /noise} or
 * {@code /tls/1.0.0}, the dialer proposing in its order), its handshake, then the muxer: from the
 * handshake when both sides offered one ("early muxer negotiation": Noise's {@code
 * stream_muxers} extension, TLS's ALPN), else by multistream-select inside the encrypted channel.
 *
 * <p>Bytes from the socket go in through {@link #receive}, bytes to write come out of {@link
 * #pollOutbound}. With a deferred {@link NoiseConfig} the remote's identity proof is handed out by
 * {@link #pendingProof} and the caller's verdict comes back through {@link #proofAccepted} or
 * {@link #proofRejected}. With a deferring {@link TlsConfig}, the TLS handshake's costly steps are
 * handed out by {@link #pendingTlsTasks} and their end reported with {@link #tlsTasksDone}.
 * Once {@link #isDone}, the session, the muxer and the bytes that followed
 * the upgrade are the caller's. Any exception leaves the engine failed for good: it takes no more
 * input and the caller closes the connection. Owns no socket, thread or clock: the upgrade timeout
 * is the caller's.
 */
public final class UpgradeEngine {
  /** Where the upgrade stands. */
  public enum Stage {
    /** Multistream-select of the security protocol, in the clear. */
    SECURITY,
    /** The Noise or TLS handshake, including a pending identity proof or TLS tasks. */
    HANDSHAKE,
    /** Multistream-select of the muxer inside the encrypted channel. */
    MUXER,
    DONE,
    FAILED
  }

  private final boolean initiator;
  private final NoiseConfig noiseConfig;
  private final TlsConfig tlsConfig;
  /** The peer a dialer expects (checked in the TLS handshake), or null. */
  private final PeerId expectedPeer;
  /** When the upgrade began: the TLS certificates are made and checked at it. */
  private final Instant now;
  private final List<String> muxers;
  private final ArrayDeque<byte[]> outbound = new ArrayDeque<>();

  private Stage stage = Stage.SECURITY;
  /** The stage the upgrade failed in, once failed. */
  private Stage failedIn;
  private MultistreamNegotiator negotiation;
  private NoiseHandshake noise;
  private NoiseSession session;
  /** The security protocol multistream-select settled on; null before. */
  private String security;
  private TlsHandshake tls;
  private TlsSession tlsSession;
  private PeerId tlsRemotePeer;
  private byte[] remoteIdentityKey;
  private String muxer;
  private byte[] ciphertextLeftover;
  private byte[] plaintextLeftover;

  private UpgradeEngine(boolean initiator, NoiseConfig noiseConfig, TlsConfig tlsConfig,
      List<String> securityProtocols, List<String> muxers, PeerId expectedPeer, Instant now) {
    if (muxers.isEmpty()) {
      throw new IllegalArgumentException("an upgrade needs at least one muxer");
    }
    if (securityProtocols.isEmpty()) {
      throw new IllegalArgumentException("an upgrade needs at least one security protocol");
    }
    for (String p : securityProtocols) {
      if (p.equals(NoiseHandshake.PROTOCOL_ID)) {
        Objects.requireNonNull(noiseConfig, "noiseConfig (for " + p + ")");
      } else if (p.equals(TlsHandshake.PROTOCOL_ID)) {
        Objects.requireNonNull(tlsConfig, "tlsConfig (for " + p + ")");
        Objects.requireNonNull(now, "now (for " + p + ")");
      } else {
        throw new IllegalArgumentException("unknown security protocol '" + p + "', expected "
            + NoiseHandshake.PROTOCOL_ID + " or " + TlsHandshake.PROTOCOL_ID);
      }
    }
    this.initiator = initiator;
    this.noiseConfig = noiseConfig;
    this.tlsConfig = tlsConfig;
    this.expectedPeer = expectedPeer;
    this.now = now;
    this.muxers = List.copyOf(muxers);
    this.negotiation = initiator
        ? new MultistreamInitiator(List.copyOf(securityProtocols))
        : new MultistreamResponder(List.copyOf(securityProtocols));
    drainClear();
  }

  /**
   * The dialer's side: it proposes {@code /noise}, then (unless the handshake settled it) {@code
   * muxers} in order of preference.
   */
  public static UpgradeEngine initiator(NoiseConfig noiseConfig, List<String> muxers) {
    return new UpgradeEngine(true, noiseConfig, null, List.of(NoiseHandshake.PROTOCOL_ID),
        muxers, null, null);
  }

  /** The listener's side: it accepts {@code /noise}, then the first of {@code muxers} proposed. */
  public static UpgradeEngine responder(NoiseConfig noiseConfig, List<String> muxers) {
    return new UpgradeEngine(false, noiseConfig, null, List.of(NoiseHandshake.PROTOCOL_ID),
        muxers, null, null);
  }

  /**
   * The dialer's side with a choice of security: it proposes {@code security} in order ({@code
   * /noise}, {@code /tls/1.0.0}), then (unless the handshake settled it) {@code muxers}.
   *
   * @param noiseConfig needed if {@code security} names {@code /noise}
   * @param tlsConfig needed if {@code security} names {@code /tls/1.0.0}
   * @param expectedPeer the peer dialed, or null; TLS refuses the certificate of any other (Noise
   *     leaves that check to the caller, at the proof)
   * @param now when the upgrade starts; TLS certificates are made and checked at it
   */
  public static UpgradeEngine initiator(NoiseConfig noiseConfig, TlsConfig tlsConfig,
      List<String> security, List<String> muxers, PeerId expectedPeer, Instant now) {
    return new UpgradeEngine(true, noiseConfig, tlsConfig, security, muxers, expectedPeer, now);
  }

  /** The listener's side with a choice of security: it accepts any of {@code security}. */
  public static UpgradeEngine responder(NoiseConfig noiseConfig, TlsConfig tlsConfig,
      List<String> security, List<String> muxers, Instant now) {
    return new UpgradeEngine(false, noiseConfig, tlsConfig, security, muxers, null, now);
  }

  /**
   * Feeds bytes from the socket, in chunks of any size.
   *
   * @throws dev.vertxp2p.ProtocolException (a {@code MultistreamException} or {@link
   *     NoiseException}) on anything the remote got wrong; the engine is then failed
   * @throws IllegalStateException once done or failed
   */
  public void receive(byte[] data, int off, int len) {
    if (stage == Stage.DONE || stage == Stage.FAILED) {
      throw new IllegalStateException("upgrade already " + stage.name().toLowerCase());
    }
    try {
      feed(data, off, len);
    } catch (RuntimeException e) {
      fail();
      throw e;
    }
  }

  private void feed(byte[] data, int off, int len) {
    switch (stage) {
      case SECURITY -> {
        negotiation.receive(data, off, len);
        drainClear();
        if (negotiation.isDone()) {
          byte[] rest = negotiation.leftover();
          security = negotiation.selected();
          negotiation = null;
          stage = Stage.HANDSHAKE;
          if (security.equals(TlsHandshake.PROTOCOL_ID)) {
            tls = initiator
                ? TlsHandshake.dialer(tlsConfig, expectedPeer, now)
                : TlsHandshake.listener(tlsConfig, now);
            drainTls();
          } else {
            noise = initiator
                ? NoiseHandshake.initiator(noiseConfig) : NoiseHandshake.responder(noiseConfig);
            drainNoise();
          }
          if (rest != null && rest.length > 0) {
            feed(rest, 0, rest.length);
          }
        }
      }
      case HANDSHAKE -> {
        if (tls != null) {
          try {
            tls.feed(data, off, len);
          } finally {
            drainTls(); // on failure, the alert that tells the remote why
          }
          if (tls.isComplete()) {
            tlsHandshakeDone();
          }
          return;
        }
        noise.receive(data, off, len);
        drainNoise();
        if (noise.isComplete()) {
          handshakeDone();
        }
      }
      case MUXER -> {
        if (tlsSession != null) {
          byte[] plain;
          try {
            plain = tlsSession.decrypt(data, off, len);
          } finally {
            drainTlsSession();
          }
          negotiateMuxerOverTls(plain);
          return;
        }
        session.receive(data, off, len);
        drainMuxerNegotiation();
      }
      default -> throw new IllegalStateException("upgrade already " + stage.name().toLowerCase());
    }
  }

  /**
   * The TLS handshake's costly steps while it waits for them (deferring {@link TlsConfig}s only),
   * as one runnable for the caller to run on any thread; empty otherwise. Taken once: the caller
   * touches this engine again only after the runnable returned, and then calls {@link
   * #tlsTasksDone}.
   */
  public Optional<Runnable> pendingTlsTasks() {
    return stage == Stage.HANDSHAKE && tls != null && tls.awaitingTasks() && !tlsTasksTaken
        ? Optional.of(takeTlsTasks()) : Optional.empty();
  }

  private boolean tlsTasksTaken;

  private Runnable takeTlsTasks() {
    tlsTasksTaken = true;
    return tls.takeTasks();
  }

  /**
   * The TLS tasks handed out ran: the handshake goes on, and the bytes held meanwhile are read.
   *
   * @throws TlsException if the handshake then fails (a refused certificate, a bad held record);
   *     the engine is then failed
   * @throws IllegalStateException if no tasks were handed out
   */
  public void tlsTasksDone() {
    if (stage != Stage.HANDSHAKE || tls == null || !tlsTasksTaken) {
      throw new IllegalStateException("no TLS tasks were handed out (stage "
          + stage.name().toLowerCase() + ")");
    }
    tlsTasksTaken = false;
    try {
      try {
        tls.tasksDone();
      } finally {
        drainTls();
      }
      if (tls.isComplete()) {
        tlsHandshakeDone();
      }
    } catch (RuntimeException e) {
      fail();
      throw e;
    }
  }

  /**
   * The remote's identity proof while the handshake waits for the caller's verdict on it (deferred
   * configs only); empty otherwise.
   */
  public Optional<IdentityProof> pendingProof() {
    return stage == Stage.HANDSHAKE && noise != null && noise.isAwaitingProof()
        ? noise.pendingProof() : Optional.empty();
  }

  /**
   * The caller found the pending proof good: the handshake goes on, and the bytes held meanwhile
   * are read.
   *
   * @throws NoiseException if the handshake then fails (no muxer in common, a bad held message);
   *     the engine is then failed
   * @throws IllegalStateException if no proof is pending
   */
  public void proofAccepted() {
    requirePendingProof();
    try {
      noise.proofAccepted();
      drainNoise();
      handshakeDone();
    } catch (RuntimeException e) {
      fail();
      throw e;
    }
  }

  /**
   * The caller refused the pending proof: the upgrade fails with {@code reason}.
   *
   * @throws NoiseException always, {@code reason}
   */
  public void proofRejected(NoiseException reason) {
    requirePendingProof();
    try {
      noise.proofRejected(reason);
    } finally {
      fail();
    }
    throw reason; // the handshake threw it already; this line only tells the compiler
  }

  private void fail() {
    if (stage != Stage.FAILED) {
      failedIn = stage;
      stage = Stage.FAILED;
      destroy();
    }
  }

  /**
   * Wipes the keys of an upgrade that will not finish: the handshake's, and the session's when
   * the handshake had completed. The engine fails by itself on a bad input; the caller calls this
   * when it gives up for its own reasons (a timeout, a closed socket). A finished upgrade's session
   * belongs to the connection and is left alone. Idempotent.
   */
  public void destroy() {
    if (stage == Stage.DONE) {
      return;
    }
    if (stage != Stage.FAILED) {
      failedIn = stage;
      stage = Stage.FAILED;
    }
    if (noise != null) {
      noise.destroy();
    }
    if (session != null) {
      session.destroy();
    }
    if (tls != null) {
      tls.destroy();
    }
    if (tlsSession != null) {
      tlsSession.destroy();
    }
  }

  /** The session while the upgrade is not done, for tests that check it was wiped. */
  NoiseSession sessionSoFar() {
    return session;
  }

  private void requirePendingProof() {
    if (pendingProof().isEmpty()) {
      throw new IllegalStateException("no identity proof is pending (stage "
          + stage.name().toLowerCase() + ")");
    }
  }

  private void handshakeDone() {
    session = noise.session();
    remoteIdentityKey = noise.remoteIdentityKey();
    byte[] rest = noise.leftover();
    String early = noise.selectedMuxer().orElse(null);
    noise = null;
    if (early != null) {
      finish(early, rest, null);
      return;
    }
    stage = Stage.MUXER;
    negotiation = initiator ? new MultistreamInitiator(muxers) : new MultistreamResponder(muxers);
    if (rest != null && rest.length > 0) {
      session.receive(rest, 0, rest.length);
    }
    drainMuxerNegotiation();
  }

  /**
   * The TLS handshake completed: the remote's peer came from its certificate, and the muxer from
   * ALPN, or else from multistream-select inside the session.
   */
  private void tlsHandshakeDone() {
    tlsSession = tls.session();
    tlsRemotePeer = tls.remotePeer();
    remoteIdentityKey = tls.remotePublicKey().marshal();
    String early = tls.negotiatedMuxer();
    byte[] rest = tls.plaintextLeftover();
    tls = null;
    if (early != null) {
      if (!muxers.contains(early)) {
        throw new TlsException("ALPN settled on muxer " + early + ", not one of " + muxers);
      }
      finish(early, null, rest);
      return;
    }
    stage = Stage.MUXER;
    negotiation = initiator ? new MultistreamInitiator(muxers) : new MultistreamResponder(muxers);
    negotiateMuxerOverTls(rest);
  }

  /** Plaintext from the TLS session to the muxer's multistream-select. */
  private void negotiateMuxerOverTls(byte[] plain) {
    if (plain.length > 0) {
      negotiation.receive(plain, 0, plain.length);
    }
    drainEncryptedTls();
    if (negotiation.isDone()) {
      byte[] lo = negotiation.leftover();
      String selected = negotiation.selected();
      negotiation = null;
      finish(selected, null, lo == null ? new byte[0] : lo);
    }
  }

  private void drainTls() {
    byte[] out = tls.drainOutput();
    if (out.length > 0) {
      outbound.add(out);
    }
  }

  private void drainTlsSession() {
    byte[] out = tlsSession.drainOutput();
    if (out.length > 0) {
      outbound.add(out);
    }
  }

  private void drainEncryptedTls() {
    for (byte[] out; (out = negotiation.pollOutbound()) != null; ) {
      outbound.add(tlsSession.encrypt(out, 0, out.length));
    }
  }

  private void drainMuxerNegotiation() {
    drainEncrypted();
    byte[] plain;
    while (stage == Stage.MUXER && (plain = session.pollPlaintext()) != null) {
      negotiation.receive(plain, 0, plain.length);
      drainEncrypted();
      if (negotiation.isDone()) {
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] lo = negotiation.leftover();
        if (lo != null) {
          rest.writeBytes(lo);
        }
        while ((plain = session.pollPlaintext()) != null) {
          rest.writeBytes(plain);
        }
        String selected = negotiation.selected();
        negotiation = null;
        finish(selected, null, rest.toByteArray());
      }
    }
  }

  private void finish(String selected, byte[] ciphertext, byte[] plaintext) {
    muxer = selected;
    ciphertextLeftover = ciphertext == null ? new byte[0] : ciphertext;
    plaintextLeftover = plaintext == null ? new byte[0] : plaintext;
    stage = Stage.DONE;
  }

  private void drainClear() {
    for (byte[] out; (out = negotiation.pollOutbound()) != null; ) {
      outbound.add(out);
    }
  }

  private void drainNoise() {
    for (byte[] out; (out = noise.pollOutbound()) != null; ) {
      outbound.add(out);
    }
  }

  private void drainEncrypted() {
    for (byte[] out; (out = negotiation.pollOutbound()) != null; ) {
      outbound.add(session.encrypt(out, 0, out.length));
    }
  }

  /** The next bytes to write to the socket, in order, or null when there are none. */
  public byte[] pollOutbound() {
    return outbound.poll();
  }

  public Stage stage() {
    return stage;
  }

  /**
   * Where the upgrade is, or was when it failed: never {@link Stage#FAILED}, so an error can say
   * which step of the upgrade the remote got wrong.
   */
  public Stage lastStage() {
    return stage == Stage.FAILED ? failedIn : stage;
  }

  public boolean isInitiator() {
    return initiator;
  }

  public boolean isDone() {
    return stage == Stage.DONE;
  }

  public boolean isFailed() {
    return stage == Stage.FAILED;
  }

  /** The security protocol multistream-select settled on, or null before it did. */
  public String security() {
    return security;
  }

  /** The Noise transport session, once done; null when the connection runs over TLS. */
  public NoiseSession session() {
    requireDone();
    return session;
  }

  /** The TLS session, once done; null when the connection runs over Noise. */
  public TlsSession tlsSession() {
    requireDone();
    return tlsSession;
  }

  /**
   * The peer the remote's TLS certificate proved, once done over TLS; null over Noise (whose
   * proof the caller checks).
   */
  public PeerId tlsRemotePeer() {
    requireDone();
    return tlsRemotePeer;
  }

  /** The remote's identity key, protobuf-encoded, as accepted; once done. */
  public byte[] remoteIdentityKey() {
    requireDone();
    return remoteIdentityKey.clone();
  }

  /** The muxer protocol id both sides settled on, once done. */
  public String muxer() {
    requireDone();
    return muxer;
  }

  /**
   * Encrypted bytes that followed the handshake when the muxer came with it (the session has not
   * read them yet); empty otherwise. Once done; the array is handed over, not copied.
   */
  public byte[] ciphertextLeftover() {
    requireDone();
    return ciphertextLeftover;
  }

  /**
   * Decrypted bytes that followed the muxer's negotiation inside the channel (the muxer's first
   * frames); empty otherwise. Once done; the array is handed over, not copied.
   */
  public byte[] plaintextLeftover() {
    requireDone();
    return plaintextLeftover;
  }

  private void requireDone() {
    if (stage != Stage.DONE) {
      throw new IllegalStateException("upgrade not done (stage " + stage.name().toLowerCase()
          + ")");
    }
  }
}
