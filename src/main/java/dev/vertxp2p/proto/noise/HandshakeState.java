package dev.vertxp2p.proto.noise;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The Noise HandshakeState object (rev 34, section 5.3) for the {@code XX} pattern (section 7.5)
 * with 25519, ChaChaPoly and SHA256. Pure framework logic: it knows nothing of libp2p payloads or
 * of framing.
 */
final class HandshakeState {
  /** The tokens of section 7; XX uses only some of them. */
  enum Token {
    E,
    S,
    EE,
    ES,
    SE,
    SS
  }

  /** XX (section 7.5): -> e; <- e, ee, s, es; -> s, se. */
  static final Token[][] XX = {
    {Token.E}, {Token.E, Token.EE, Token.S, Token.ES}, {Token.S, Token.SE}
  };

  /** Section 3: a Noise message is at most 65535 bytes. */
  static final int MAX_MESSAGE_LENGTH = 65535;

  private static final int DH_LENGTH = NoiseKeyPair.DH_LENGTH;

  private final boolean initiator;
  private final SymmetricState symmetric;
  private final NoiseKeyPair s;
  private final SecureRandom random;
  private final Supplier<NoiseAead> aeads;
  private NoiseKeyPair e;
  private byte[] re;
  private byte[] rs;
  private int messageIndex;

  /**
   * Initialize(XX, initiator, prologue, s, e, rs=empty, re=empty). {@code e} may be null: then a
   * fresh one is generated from {@code random} when the pattern calls for it.
   */
  HandshakeState(
      String protocolName,
      boolean initiator,
      byte[] prologue,
      NoiseKeyPair s,
      NoiseKeyPair e,
      SecureRandom random,
      Supplier<NoiseAead> aeads) {
    this.initiator = initiator;
    this.s = s;
    this.e = e;
    this.random = random;
    this.aeads = aeads;
    this.symmetric = new SymmetricState(protocolName, aeads.get());
    symmetric.mixHash(prologue, 0, prologue.length);
    // XX has no pre-messages, so nothing else is hashed here (section 5.3).
  }

  boolean isInitiator() {
    return initiator;
  }

  /** Index (0, 1, 2) of the next message to write or read. */
  int messageIndex() {
    return messageIndex;
  }

  boolean isFinished() {
    return messageIndex == XX.length;
  }

  /** True when the next message is ours to write. */
  boolean isMyTurn() {
    return !isFinished() && (messageIndex % 2 == 0) == initiator;
  }

  byte[] remoteStaticKey() {
    return rs == null ? null : rs.clone();
  }

  byte[] handshakeHash() {
    return symmetric.handshakeHash();
  }

  /** WriteMessage(payload): the whole Noise message (unframed). */
  byte[] writeMessage(byte[] payload) {
    if (!isMyTurn()) {
      throw new IllegalStateException("message " + (messageIndex + 1) + " is not ours to write");
    }
    Token[] tokens = XX[messageIndex];
    int size = sizeOf(tokens, payload.length);
    if (size > MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException(
          "handshake payload of " + payload.length + " bytes makes a " + size
              + "-byte message, over the Noise maximum of " + MAX_MESSAGE_LENGTH);
    }
    byte[] out = new byte[size];
    int pos = 0;
    byte[] shared = new byte[DH_LENGTH];
    for (Token token : tokens) {
      switch (token) {
        case E:
          if (e == null) {
            e = NoiseKeyPair.generate(random);
          }
          System.arraycopy(e.publicKeyRef(), 0, out, pos, DH_LENGTH);
          symmetric.mixHash(out, pos, DH_LENGTH);
          pos += DH_LENGTH;
          break;
        case S:
          pos += symmetric.encryptAndHash(s.publicKeyRef(), 0, DH_LENGTH, out, pos);
          break;
        default:
          mixDh(token, shared);
      }
    }
    pos += symmetric.encryptAndHash(payload, 0, payload.length, out, pos);
    messageIndex++;
    return out;
  }

  /**
   * ReadMessage: processes the message and returns its decrypted payload.
   *
   * @throws NoiseException if the message is shorter than its tokens need or does not decrypt
   */
  byte[] readMessage(byte[] message, int off, int len) {
    if (isFinished() || isMyTurn()) {
      throw new IllegalStateException("message " + (messageIndex + 1) + " is not ours to read");
    }
    int number = messageIndex + 1;
    Token[] tokens = XX[messageIndex];
    int pos = off;
    int end = off + len;
    byte[] shared = new byte[DH_LENGTH];
    for (Token token : tokens) {
      switch (token) {
        case E:
          requireBytes(number, "e", end - pos, DH_LENGTH);
          re = Arrays.copyOfRange(message, pos, pos + DH_LENGTH);
          symmetric.mixHash(message, pos, DH_LENGTH);
          pos += DH_LENGTH;
          break;
        case S:
          int sLen = symmetric.hasKey() ? DH_LENGTH + NoiseAead.TAG_LENGTH : DH_LENGTH;
          requireBytes(number, "s", end - pos, sLen);
          rs = symmetric.decryptAndHash(message, pos, sLen);
          pos += sLen;
          break;
        default:
          mixDh(token, shared);
      }
    }
    int tagLen = symmetric.hasKey() ? NoiseAead.TAG_LENGTH : 0;
    requireBytes(number, "payload", end - pos, tagLen);
    byte[] payload = symmetric.decryptAndHash(message, pos, end - pos);
    messageIndex++;
    return payload;
  }

  /** Split(): {c1, c2}; c1 carries initiator-to-responder traffic (section 5.2). */
  CipherState[] split() {
    if (!isFinished()) {
      throw new IllegalStateException("split before the handshake finished");
    }
    return symmetric.split(aeads.get(), aeads.get());
  }

  /** Wipes the symmetric state of a handshake that will not finish. Idempotent. */
  void destroy() {
    symmetric.destroy();
  }

  private void mixDh(Token token, byte[] shared) {
    // Section 5.3: for es/se the initiator uses its own e/s as the first side.
    switch (token) {
      case EE:
        e.dh(re, shared);
        break;
      case ES:
        if (initiator) {
          e.dh(rs, shared);
        } else {
          s.dh(re, shared);
        }
        break;
      case SE:
        if (initiator) {
          s.dh(re, shared);
        } else {
          e.dh(rs, shared);
        }
        break;
      case SS:
        s.dh(rs, shared);
        break;
      default:
        throw new IllegalStateException("not a DH token: " + token);
    }
    symmetric.mixKey(shared);
    Arrays.fill(shared, (byte) 0);
  }

  private int sizeOf(Token[] tokens, int payloadLength) {
    boolean keyed = symmetric.hasKey();
    int size = 0;
    for (Token token : tokens) {
      if (token == Token.E) {
        size += DH_LENGTH;
      } else if (token == Token.S) {
        size += DH_LENGTH + (keyed ? NoiseAead.TAG_LENGTH : 0);
      } else {
        keyed = true;
      }
    }
    return size + payloadLength + (keyed ? NoiseAead.TAG_LENGTH : 0);
  }

  private static void requireBytes(int message, String what, int available, int needed) {
    // Section 5.3 ReadMessage: each token consumes a fixed number of bytes; a shorter message is
    // malformed.
    if (available < needed) {
      throw new NoiseException(
          "handshake message " + message + ": expected at least " + needed + " bytes for "
              + what + ", got " + available);
    }
  }
}
