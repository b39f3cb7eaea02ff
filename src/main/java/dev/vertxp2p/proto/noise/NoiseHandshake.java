package dev.vertxp2p.proto.noise;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One side of the libp2p Noise handshake ({@code /noise}, {@value #PROTOCOL_NAME}, empty prologue)
 * as a sans-IO engine: feed it the raw socket bytes with {@link #receive}, write whatever {@link
 * #pollOutbound} returns, and once {@link #isComplete()} switch the connection to {@link
 * #session()}, feeding it {@link #leftover()} first.
 *
 * <p>Message flow (libp2p noise spec, "XX"): the initiator's message 1 carries an empty payload;
 * message 2 (responder) and message 3 (initiator) carry a signed {@link NoiseHandshakePayload} with
 * the sender's {@code stream_muxers} extension. The remote's identity proof is checked as soon as
 * its payload is decrypted, so an initiator rejects a wrong responder before it sends message 3.
 *
 * <p>Who checks it depends on the {@link NoiseConfig}. With a {@link RemoteIdentityVerifier} the
 * engine calls it inline. Without one ({@link NoiseConfig#deferredBuilder}) the engine stops in
 * the state "awaiting proof": {@link #pendingProof()} hands out the {@link IdentityProof}, nothing
 * more is written, and bytes that keep arriving are held (at most {@link #MAX_HELD_BYTES}) until
 * the caller answers with {@link #proofAccepted()} (the handshake then completes and the held bytes
 * become {@link #leftover()}) or {@link #proofRejected} (it fails). The check may thus run on
 * another thread while this engine stays single-threaded: the caller brings the verdict back to
 * the thread that owns the engine.
 *
 * <p>Any {@link NoiseException} leaves the engine failed for good; the caller closes the
 * connection. The handshake timeout is the caller's, and runs on while a proof is pending: this
 * class has no clock.
 */
public final class NoiseHandshake {
  /** The multistream protocol id (libp2p noise spec, "Negotiation"). */
  public static final String PROTOCOL_ID = "/noise";

  /** The only Noise protocol name libp2p allows (libp2p noise spec, "Noise Protocol Name"). */
  public static final String PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";

  /** Prefix of the signed static key (libp2p noise spec, "The libp2p Handshake Payload"). */
  public static final String STATIC_KEY_SIGNATURE_PREFIX = "noise-libp2p-static-key:";

  /** Largest {@code noise_message} a 2-byte length prefix may announce (spec "Wire Format"). */
  public static final int MAX_MESSAGE_LENGTH = HandshakeState.MAX_MESSAGE_LENGTH;

  /** Size of the big-endian length prefix of every message (spec "Wire Format"). */
  public static final int LENGTH_PREFIX = 2;

  /**
   * Most bytes held while a deferred proof is pending: room for several full transport messages
   * behind the last handshake message. A caller that defers a proof should stop reading meanwhile;
   * a remote that sends more than this before it is authenticated fails the handshake.
   */
  public static final int MAX_HELD_BYTES = 256 * 1024;

  /** Minimum length of each XX message: what its tokens need with an empty payload. */
  static final int[] MIN_MESSAGE_LENGTH = minMessageLengths();

  private static final byte[] EMPTY = new byte[0];
  private static final byte[] SIGNATURE_PREFIX =
      STATIC_KEY_SIGNATURE_PREFIX.getBytes(StandardCharsets.UTF_8);

  private enum State {
    /** Reading and writing handshake messages. */
    RUNNING,
    /** The remote's proof is out for checking ({@link #pendingProof}); input is held. */
    AWAITING_PROOF,
    COMPLETE,
    FAILED
  }

  private final NoiseConfig config;
  private final HandshakeState handshake;
  private final NoiseKeyPair staticKeyPair;
  private final ArrayDeque<byte[]> outbound = new ArrayDeque<>(2);
  private State state = State.RUNNING;

  private final byte[] header = new byte[LENGTH_PREFIX];
  private int headerFill;
  private byte[] frame;
  private int frameFill;

  private IdentityProof pendingProof;
  /** Bytes received while the proof was pending, in order; {@link #heldLength} of them used. */
  private byte[] held = EMPTY;
  private int heldLength;

  private byte[] remoteIdentityKey;
  private List<String> remoteMuxers = List.of();
  private Optional<String> selectedMuxer = Optional.empty();
  private byte[] leftover = EMPTY;
  private NoiseSession session;
  private NoiseException failure;

  private NoiseHandshake(NoiseConfig config, boolean initiator) {
    this.config = Objects.requireNonNull(config, "config");
    this.staticKeyPair =
        config.staticKeyPair() != null
            ? config.staticKeyPair()
            : NoiseKeyPair.generate(config.random());
    NoiseAeads.Kind kind = config.aeadKind();
    this.handshake =
        new HandshakeState(
            PROTOCOL_NAME,
            initiator,
            EMPTY,
            staticKeyPair,
            config.ephemeralKeyPair(),
            config.random(),
            NoiseAeads.supplier(kind));
    if (initiator) {
      // libp2p noise spec: the initiator MUST NOT send extensions in message 1, which has no
      // secrecy; its payload is empty.
      outbound.add(frame(handshake.writeMessage(EMPTY)));
    }
  }

  /** A handshake that dials: message 1 is ready in {@link #pollOutbound()} at once. */
  public static NoiseHandshake initiator(NoiseConfig config) {
    return new NoiseHandshake(config, true);
  }

  /** A handshake that listens: it waits for message 1. */
  public static NoiseHandshake responder(NoiseConfig config) {
    return new NoiseHandshake(config, false);
  }

  /**
   * Feeds bytes from the socket, in chunks of any size. Bytes after the final handshake message
   * are kept for {@link #leftover()}.
   *
   * <p>While a deferred proof is pending the bytes are held, not parsed, for {@link #leftover()}.
   *
   * @throws NoiseException on a malformed, short or undecryptable message, a rejected identity, no
   *     muxer in common, or more than {@link #MAX_HELD_BYTES} while a proof is pending; the
   *     handshake is then failed
   * @throws IllegalStateException once complete or failed
   */
  public void receive(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    if (state == State.FAILED) {
      throw new IllegalStateException("handshake already failed: " + failure.getMessage());
    }
    if (state == State.COMPLETE) {
      throw new IllegalStateException("handshake complete: feed further bytes to the session");
    }
    int pos = off;
    int end = off + len;
    try {
      if (state == State.AWAITING_PROOF) {
        hold(data, pos, len);
        return;
      }
      while (pos < end && state == State.RUNNING) {
        if (frame == null) {
          header[headerFill++] = data[pos++];
          if (headerFill == LENGTH_PREFIX) {
            headerFill = 0;
            startFrame(((header[0] & 0xff) << 8) | (header[1] & 0xff));
          }
        } else {
          int n = Math.min(frame.length - frameFill, end - pos);
          System.arraycopy(data, pos, frame, frameFill, n);
          frameFill += n;
          pos += n;
        }
        if (frame != null && frameFill == frame.length) {
          byte[] message = frame;
          frame = null;
          frameFill = 0;
          onMessage(message);
        }
      }
      if (state == State.AWAITING_PROOF && pos < end) {
        // Nothing after the proof's message is parsed before the verdict: it is all transport
        // data (the proof always comes in the last message this side reads).
        hold(data, pos, end - pos);
      }
    } catch (NoiseException e) {
      fail(e);
      throw e;
    } catch (RuntimeException e) {
      fail(new NoiseException("handshake aborted: " + e, e));
      throw e;
    }
    if (state == State.COMPLETE && pos < end) {
      // libp2p noise spec, "XX": the initiator's first transport message may share a transmission
      // unit with message 3, so these bytes belong to the session.
      leftover = Arrays.copyOfRange(data, pos, end);
    }
  }

  private void startFrame(int length) {
    int index = handshake.messageIndex();
    // Spec "Wire Format" caps noise_message at 65535 bytes, which is all a 2-byte prefix can say,
    // so the buffer below is bounded by construction.
    // Noise section 5.3: every token of the pattern consumes fixed bytes; refuse a shorter message
    // before buffering it.
    if (length < MIN_MESSAGE_LENGTH[index]) {
      throw new NoiseException(
          "expected handshake message " + (index + 1) + " of at least "
              + MIN_MESSAGE_LENGTH[index] + " bytes, got " + length);
    }
    frame = new byte[length];
    frameFill = 0;
  }

  private void onMessage(byte[] message) {
    byte[] payload = handshake.readMessage(message, 0, message.length);
    int read = handshake.messageIndex(); // messages processed so far
    if (read == 1) {
      // Message 1's payload carries nothing for libp2p (no secrecy yet); any content is ignored.
      outbound.add(frame(handshake.writeMessage(localPayload())));
      return;
    }
    NoiseHandshakePayload remote = NoiseHandshakePayload.decode(payload, 0, payload.length);
    IdentityProof proof = proofOf(remote);
    remoteMuxers = remote.streamMuxers();
    RemoteIdentityVerifier verifier = config.verifier();
    if (verifier == null) {
      pendingProof = proof;
      state = State.AWAITING_PROOF;
      return;
    }
    try {
      verifier.verify(proof.identityKey(), proof.signature(), proof.signedData());
    } catch (NoiseException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new NoiseException("expected a verifiable remote identity, got rejection: " + e, e);
    }
    authenticated(proof);
  }

  private IdentityProof proofOf(NoiseHandshakePayload payload) {
    byte[] key = payload.identityKey();
    byte[] sig = payload.identitySig();
    // libp2p noise spec: the payload MUST authenticate the static key; without key or signature
    // there is nothing to verify.
    if (key.length == 0) {
      throw new NoiseException("expected identity_key in the handshake payload, got none");
    }
    if (sig.length == 0) {
      throw new NoiseException("expected identity_sig in the handshake payload, got none");
    }
    byte[] rs = handshake.remoteStaticKey();
    byte[] signed = Arrays.copyOf(SIGNATURE_PREFIX, SIGNATURE_PREFIX.length + rs.length);
    System.arraycopy(rs, 0, signed, SIGNATURE_PREFIX.length, rs.length);
    return new IdentityProof(key, sig, signed);
  }

  /** The remote proved its identity: choose the muxer, send message 3 if ours, complete. */
  private void authenticated(IdentityProof proof) {
    List<String> local = config.streamMuxers();
    selectedMuxer =
        handshake.isInitiator()
            ? selectMuxer(local, remoteMuxers)
            : selectMuxer(remoteMuxers, local);
    remoteIdentityKey = proof.identityKey();
    if (handshake.isInitiator()) {
      outbound.add(frame(handshake.writeMessage(localPayload())));
    }
    finish();
  }

  /**
   * The remote's identity proof awaiting a verdict: present only between the message that carried
   * it and {@link #proofAccepted()} or {@link #proofRejected}, and only for a handshake built
   * without a verifier.
   */
  public Optional<IdentityProof> pendingProof() {
    return Optional.ofNullable(pendingProof);
  }

  /** True while {@link #pendingProof()} waits for a verdict. */
  public boolean isAwaitingProof() {
    return state == State.AWAITING_PROOF;
  }

  /**
   * The pending proof checked out: the handshake completes (an initiator queues message 3 first)
   * and whatever was held meanwhile becomes {@link #leftover()}.
   *
   * @throws NoiseException when both sides' muxer lists have nothing in common; the handshake is
   *     then failed
   * @throws IllegalStateException when no proof is pending
   */
  public void proofAccepted() {
    requireAwaitingProof();
    IdentityProof proof = pendingProof;
    pendingProof = null;
    try {
      authenticated(proof);
    } catch (NoiseException e) {
      fail(e);
      throw e;
    } catch (RuntimeException e) {
      fail(new NoiseException("handshake aborted: " + e, e));
      throw e;
    }
    leftover = heldLength == 0 ? EMPTY : Arrays.copyOf(held, heldLength);
    held = EMPTY;
    heldLength = 0;
  }

  /**
   * The pending proof did not check out (a bad signature, an unsupported key, the wrong peer):
   * the handshake fails with {@code reason}, and nothing held is ever read.
   *
   * @throws NoiseException always: {@code reason}, so that every failure of the engine reaches
   *     the caller the same way
   * @throws IllegalStateException when no proof is pending
   */
  public void proofRejected(NoiseException reason) {
    Objects.requireNonNull(reason, "reason");
    requireAwaitingProof();
    fail(reason);
    throw reason;
  }

  private void requireAwaitingProof() {
    if (state != State.AWAITING_PROOF) {
      throw new IllegalStateException("no identity proof is pending (" + state + ")");
    }
  }

  private void hold(byte[] data, int off, int len) {
    if (len > MAX_HELD_BYTES - heldLength) {
      throw new NoiseException("expected at most " + MAX_HELD_BYTES
          + " bytes while the remote identity proof is checked, got "
          + ((long) heldLength + len));
    }
    if (heldLength + len > held.length) {
      held = Arrays.copyOf(held, Math.min(MAX_HELD_BYTES,
          Math.max(heldLength + len, Math.max(256, held.length * 2))));
    }
    System.arraycopy(data, off, held, heldLength, len);
    heldLength += len;
  }

  private byte[] localPayload() {
    NoiseIdentitySigner signer = config.signer();
    byte[] pub = staticKeyPair.publicKeyRef();
    byte[] toSign = Arrays.copyOf(SIGNATURE_PREFIX, SIGNATURE_PREFIX.length + pub.length);
    System.arraycopy(pub, 0, toSign, SIGNATURE_PREFIX.length, pub.length);
    return NoiseHandshakePayload.of(
            signer.publicKeyProtobuf(), signer.sign(toSign), config.streamMuxers())
        .encode();
  }

  private void finish() {
    CipherState[] split = handshake.split();
    // Noise section 5.3 Split: c1 encrypts initiator-to-responder traffic, c2 the other way.
    session =
        handshake.isInitiator()
            ? new NoiseSession(split[0], split[1])
            : new NoiseSession(split[1], split[0]);
    state = State.COMPLETE;
  }

  private void fail(NoiseException e) {
    state = State.FAILED;
    failure = e;
    frame = null;
    outbound.clear();
    pendingProof = null;
    // libp2p noise spec: early data from a failed handshake MUST be discarded.
    held = EMPTY;
    heldLength = 0;
    remoteMuxers = List.of();
    selectedMuxer = Optional.empty();
    remoteIdentityKey = null;
  }

  private static byte[] frame(byte[] message) {
    byte[] out = new byte[LENGTH_PREFIX + message.length];
    out[0] = (byte) (message.length >>> 8);
    out[1] = (byte) message.length;
    System.arraycopy(message, 0, out, LENGTH_PREFIX, message.length);
    return out;
  }

  /**
   * Wipes the handshake's secret state (its cipher key and chaining key) when it will not be used
   * further: failed, or abandoned by a caller that timed out or lost the socket. A completed
   * handshake's session is not touched: it belongs to whoever took it. Idempotent.
   */
  public void destroy() {
    handshake.destroy();
  }

  /** The next framed handshake message to write to the socket, or null when there is none. */
  public byte[] pollOutbound() {
    return outbound.poll();
  }

  /** Whether this side dials. */
  public boolean isInitiator() {
    return handshake.isInitiator();
  }

  /**
   * True once the handshake has finished on this side. An initiator is complete as soon as it has
   * queued message 3: write {@link #pollOutbound()} out before any session bytes.
   */
  public boolean isComplete() {
    return state == State.COMPLETE;
  }

  /** True once a {@link NoiseException} ended the handshake. */
  public boolean isFailed() {
    return state == State.FAILED;
  }

  /** True while part of a handshake message is buffered: a close now would truncate it. */
  public boolean hasPartialMessage() {
    return headerFill > 0 || frame != null;
  }

  /** The transport session. */
  public NoiseSession session() {
    requireComplete();
    return session;
  }

  /** The remote identity public key, protobuf-encoded, as the verifier accepted it. */
  public byte[] remoteIdentityKey() {
    requireComplete();
    return remoteIdentityKey.clone();
  }

  /** The remote's {@code stream_muxers} extension as sent (empty when absent). */
  public List<String> remoteMuxers() {
    requireComplete();
    return remoteMuxers;
  }

  /**
   * The muxer chosen by inlined negotiation ({@link #selectMuxer}); empty when either side sent no
   * list, in which case the muxer is negotiated with multistream-select.
   */
  public Optional<String> selectedMuxer() {
    requireComplete();
    return selectedMuxer;
  }

  /** The remote's static Noise public key (32 bytes). */
  public byte[] remoteStaticKey() {
    requireComplete();
    return handshake.remoteStaticKey();
  }

  /** The Noise handshake hash {@code h} (channel binding). */
  public byte[] handshakeHash() {
    requireComplete();
    return handshake.handshakeHash();
  }

  /**
   * Transport bytes that followed the last handshake message in the same chunk: feed them to
   * {@link #session()} before anything else. Never null; the same array on every call.
   */
  public byte[] leftover() {
    requireComplete();
    return leftover;
  }

  private void requireComplete() {
    if (state != State.COMPLETE) {
      throw new IllegalStateException("handshake not complete (" + state + ")");
    }
  }

  /**
   * Inlined muxer negotiation (libp2p connections/inlined-muxer-negotiation.md, "Multiplexer
   * Negotiation over Noise"): the first muxer of the initiator's list that the responder also
   * supports.
   *
   * @return empty when either list is empty: that side does not use the extension, so the muxer is
   *     negotiated with multistream-select afterwards
   * @throws NoiseException when both sides sent lists with nothing in common ("the handshake MUST
   *     fail")
   */
  public static Optional<String> selectMuxer(
      List<String> initiatorMuxers, List<String> responderMuxers) {
    if (initiatorMuxers.isEmpty() || responderMuxers.isEmpty()) {
      return Optional.empty();
    }
    for (String muxer : initiatorMuxers) {
      if (responderMuxers.contains(muxer)) {
        return Optional.of(muxer);
      }
    }
    throw new NoCommonMuxerException(initiatorMuxers, responderMuxers);
  }

  private static int[] minMessageLengths() {
    int[] out = new int[HandshakeState.XX.length];
    boolean keyed = false;
    for (int i = 0; i < out.length; i++) {
      int size = 0;
      for (HandshakeState.Token token : HandshakeState.XX[i]) {
        if (token == HandshakeState.Token.E) {
          size += NoiseKeyPair.DH_LENGTH;
        } else if (token == HandshakeState.Token.S) {
          size += NoiseKeyPair.DH_LENGTH + (keyed ? NoiseAead.TAG_LENGTH : 0);
        } else {
          keyed = true;
        }
      }
      out[i] = size + (keyed ? NoiseAead.TAG_LENGTH : 0);
    }
    return out;
  }
}
