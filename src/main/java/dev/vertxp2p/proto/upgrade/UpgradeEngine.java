package dev.vertxp2p.proto.upgrade;

import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.multistream.MultistreamNegotiator;
import dev.vertxp2p.proto.multistream.MultistreamResponder;
import dev.vertxp2p.proto.noise.IdentityProof;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseException;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseSession;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * The whole upgrade of a raw connection, sans-IO (libp2p connections spec, "Upgrading
 * connections"): multistream-select of {@code /noise} in the clear, the Noise XX handshake, then
 * the muxer: from the handshake's {@code stream_muxers} extension when both sides offered one
 * ("early muxer negotiation"), else by multistream-select inside the encrypted channel.
 *
 * <p>Bytes from the socket go in through {@link #receive}, bytes to write come out of {@link
 * #pollOutbound}. With a deferred {@link NoiseConfig} the remote's identity proof is handed out by
 * {@link #pendingProof} and the caller's verdict comes back through {@link #proofAccepted} or
 * {@link #proofRejected}. Once {@link #isDone}, the session, the muxer and the bytes that followed
 * the upgrade are the caller's. Any exception leaves the engine failed for good: it takes no more
 * input and the caller closes the connection. Owns no socket, thread or clock: the upgrade timeout
 * is the caller's.
 */
public final class UpgradeEngine {
  /** Where the upgrade stands. */
  public enum Stage {
    /** Multistream-select of the security protocol, in the clear. */
    SECURITY,
    /** The Noise handshake, including a pending identity proof. */
    HANDSHAKE,
    /** Multistream-select of the muxer inside the encrypted channel. */
    MUXER,
    DONE,
    FAILED
  }

  private final boolean initiator;
  private final NoiseConfig noiseConfig;
  private final List<String> muxers;
  private final ArrayDeque<byte[]> outbound = new ArrayDeque<>();

  private Stage stage = Stage.SECURITY;
  /** The stage the upgrade failed in, once failed. */
  private Stage failedIn;
  private MultistreamNegotiator negotiation;
  private NoiseHandshake noise;
  private NoiseSession session;
  private byte[] remoteIdentityKey;
  private String muxer;
  private byte[] ciphertextLeftover;
  private byte[] plaintextLeftover;

  private UpgradeEngine(boolean initiator, NoiseConfig noiseConfig, List<String> muxers) {
    if (muxers.isEmpty()) {
      throw new IllegalArgumentException("an upgrade needs at least one muxer");
    }
    this.initiator = initiator;
    this.noiseConfig = noiseConfig;
    this.muxers = List.copyOf(muxers);
    this.negotiation = initiator
        ? new MultistreamInitiator(List.of(NoiseHandshake.PROTOCOL_ID))
        : new MultistreamResponder(List.of(NoiseHandshake.PROTOCOL_ID));
    drainClear();
  }

  /**
   * The dialer's side: it proposes {@code /noise}, then (unless the handshake settled it) {@code
   * muxers} in order of preference.
   */
  public static UpgradeEngine initiator(NoiseConfig noiseConfig, List<String> muxers) {
    return new UpgradeEngine(true, noiseConfig, muxers);
  }

  /** The listener's side: it accepts {@code /noise}, then the first of {@code muxers} proposed. */
  public static UpgradeEngine responder(NoiseConfig noiseConfig, List<String> muxers) {
    return new UpgradeEngine(false, noiseConfig, muxers);
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
          negotiation = null;
          stage = Stage.HANDSHAKE;
          noise = initiator
              ? NoiseHandshake.initiator(noiseConfig) : NoiseHandshake.responder(noiseConfig);
          drainNoise();
          if (rest != null && rest.length > 0) {
            feed(rest, 0, rest.length);
          }
        }
      }
      case HANDSHAKE -> {
        noise.receive(data, off, len);
        drainNoise();
        if (noise.isComplete()) {
          handshakeDone();
        }
      }
      case MUXER -> {
        session.receive(data, off, len);
        drainMuxerNegotiation();
      }
      default -> throw new IllegalStateException("upgrade already " + stage.name().toLowerCase());
    }
  }

  /**
   * The remote's identity proof while the handshake waits for the caller's verdict on it (deferred
   * configs only); empty otherwise.
   */
  public Optional<IdentityProof> pendingProof() {
    return stage == Stage.HANDSHAKE && noise.isAwaitingProof()
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

  /** The transport session, once done. */
  public NoiseSession session() {
    requireDone();
    return session;
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
