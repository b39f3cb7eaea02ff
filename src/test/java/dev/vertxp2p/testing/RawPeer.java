package dev.vertxp2p.testing;

import dev.vertxp2p.crypto.Ed25519PrivateKey;
import dev.vertxp2p.crypto.PrivateKey;
import dev.vertxp2p.proto.multistream.MultistreamInitiator;
import dev.vertxp2p.proto.noise.NoiseConfig;
import dev.vertxp2p.proto.noise.NoiseHandshake;
import dev.vertxp2p.proto.noise.NoiseIdentitySigner;
import dev.vertxp2p.proto.noise.NoiseSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A raw libp2p client on a blocking socket, driving the project's own sans-IO engines by hand, for
 * tests that play a misbehaving remote: it negotiates {@code /noise}, runs the Noise handshake as
 * initiator with whatever identity the test hands it (any public-key protobuf bytes and any
 * "signature"), can select a muxer by multistream inside the session, then writes and reads
 * encrypted bytes. It never checks the server's identity. Test threads only: every call blocks,
 * bounded by the socket read timeout.
 */
public final class RawPeer implements AutoCloseable {
  /** Bound on every blocking read, so that a silent server fails the test instead of hanging it. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(15);

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final byte[] buf = new byte[65536];
  /** Bytes read past the end of the stage that read them, owed to the next stage. */
  private byte[] pending = new byte[0];
  private NoiseSession session;

  private RawPeer(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
  }

  /** A TCP connection to {@code host:port}; nothing is sent yet. */
  public static RawPeer connect(String host, int port) throws IOException {
    return new RawPeer(new Socket(host, port));
  }

  /**
   * A TCP connection to {@code host:port} from {@code localAddress} (any free port): a test plays
   * a peer on another IP, e.g. 127.0.0.5, which Linux routes over loopback.
   */
  public static RawPeer connect(String host, int port, String localAddress) throws IOException {
    Socket s = new Socket();
    try {
      s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName(localAddress), 0));
      s.connect(new java.net.InetSocketAddress(host, port), (int) READ_TIMEOUT.toMillis());
    } catch (IOException e) {
      s.close();
      throw e;
    }
    return new RawPeer(s);
  }

  /** The identity a raw peer presents: its public-key protobuf and how it "signs". */
  public record Identity(byte[] publicKeyProtobuf, UnaryOperator<byte[]> signer) {
    public Identity {
      Objects.requireNonNull(publicKeyProtobuf, "publicKeyProtobuf");
      Objects.requireNonNull(signer, "signer");
    }

    /** A genuine Ed25519 identity. */
    public static Identity of(PrivateKey key) {
      return new Identity(key.publicKey().marshal(), key::sign);
    }

    /** A fresh genuine Ed25519 identity. */
    public static Identity ed25519(SecureRandom random) {
      return of(Ed25519PrivateKey.generate(random));
    }

    /** Any key bytes with a fixed signature, valid or not. */
    public static Identity forged(byte[] publicKeyProtobuf, byte[] signature) {
      return new Identity(publicKeyProtobuf, data -> signature.clone());
    }
  }

  /** The socket, for tests that write raw bytes or wait for the close. */
  public Socket socket() {
    return socket;
  }

  /** Writes bytes as they are, unencrypted. */
  public void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
  }

  /** Runs multistream-select for {@code /noise} on the raw socket. */
  public RawPeer negotiateNoise() throws IOException {
    MultistreamInitiator ms = new MultistreamInitiator(List.of(NoiseHandshake.PROTOCOL_ID));
    writeAll(ms);
    while (!ms.isDone()) {
      int n = readSome("multistream");
      ms.receive(buf, 0, n);
      writeAll(ms);
    }
    pending = orEmpty(ms.leftover());
    return this;
  }

  /**
   * Runs the Noise handshake as initiator, presenting {@code identity} and offering {@code
   * muxers} inline (empty: no extension). Returns once this side is complete, which for an
   * initiator is as soon as message 3 is written: a server that refuses message 3 shows it only by
   * closing the socket afterwards.
   */
  public NoiseSession handshake(Identity identity, List<String> muxers) throws IOException {
    NoiseIdentitySigner signer = new NoiseIdentitySigner() {
      @Override
      public byte[] publicKeyProtobuf() {
        return identity.publicKeyProtobuf();
      }

      @Override
      public byte[] sign(byte[] data) {
        return identity.signer().apply(data);
      }
    };
    NoiseHandshake hs = NoiseHandshake.initiator(
        NoiseConfig.builder(signer, (key, sig, data) -> { }).streamMuxers(muxers).build());
    writeAll(hs);
    if (pending.length > 0) {
      byte[] early = pending;
      pending = new byte[0];
      hs.receive(early, 0, early.length);
      writeAll(hs);
    }
    while (!hs.isComplete()) {
      int n = readSome("noise");
      hs.receive(buf, 0, n);
      writeAll(hs);
    }
    session = hs.session();
    byte[] leftover = hs.leftover();
    if (leftover.length > 0) {
      session.receive(leftover, 0, leftover.length);
    }
    return session;
  }

  /** {@link #negotiateNoise()} then {@link #handshake}: a secured session. */
  public NoiseSession secure(Identity identity, List<String> muxers) throws IOException {
    negotiateNoise();
    return handshake(identity, muxers);
  }

  /** The session of a finished handshake. */
  public NoiseSession session() {
    requireSession();
    return session;
  }

  /** Selects {@code muxer} by multistream-select inside the session. */
  public RawPeer selectMuxer(String muxer) throws IOException {
    requireSession();
    MultistreamInitiator ms = new MultistreamInitiator(List.of(muxer));
    for (byte[] o; (o = ms.pollOutbound()) != null; ) {
      write(o);
    }
    while (!ms.isDone()) {
      byte[] plain = read();
      ms.receive(plain, 0, plain.length);
      for (byte[] o; (o = ms.pollOutbound()) != null; ) {
        write(o);
      }
    }
    byte[] leftover = orEmpty(ms.leftover());
    if (leftover.length > 0) {
      pending = leftover;
    }
    return this;
  }

  /** Encrypts {@code plaintext} as one Noise transport message and writes it. */
  public void write(byte[] plaintext) throws IOException {
    requireSession();
    out.write(session.encrypt(plaintext, 0, plaintext.length));
  }

  /**
   * The next decrypted plaintext (one Noise message, or bytes left over from the muxer
   * negotiation).
   *
   * @throws IOException when the server closes first, or nothing comes within {@link
   *     #READ_TIMEOUT}
   */
  public byte[] read() throws IOException {
    requireSession();
    if (pending.length > 0) {
      byte[] p = pending;
      pending = new byte[0];
      return p;
    }
    byte[] plain;
    while ((plain = session.pollPlaintext()) == null) {
      int n = readSome("session");
      session.receive(buf, 0, n);
    }
    return plain;
  }

  /**
   * Waits until the server closes the socket (end of stream or reset) and returns what it sent
   * before that, raw.
   *
   * @throws AssertionError when the server keeps it open beyond {@link #READ_TIMEOUT}
   */
  public byte[] awaitClosedByServer() throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server kept the connection open for " + READ_TIMEOUT, e);
    } catch (SocketException reset) {
      // a reset is a close too
    }
    return got.toByteArray();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private int readSome(String stage) throws IOException {
    int n = in.read(buf);
    if (n < 0) {
      throw new IOException("the server closed the connection during " + stage);
    }
    return n;
  }

  private void writeAll(MultistreamInitiator ms) throws IOException {
    for (byte[] o; (o = ms.pollOutbound()) != null; ) {
      out.write(o);
    }
  }

  private void writeAll(NoiseHandshake hs) throws IOException {
    for (byte[] o; (o = hs.pollOutbound()) != null; ) {
      out.write(o);
    }
  }

  private void requireSession() {
    if (session == null) {
      throw new IllegalStateException("no session yet: run handshake() first");
    }
  }

  private static byte[] orEmpty(byte[] b) {
    return b == null ? new byte[0] : b;
  }
}
